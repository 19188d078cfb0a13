/** Moderation: a request whose prompt contains a blocked word of the catalog is blocked, and refunded. */
export function blockedWordIn(prompt: string, blockedWords: string[]): string | null {
  const lower = prompt.toLowerCase();
  return (
    blockedWords.find((word) =>
      new RegExp(`(^|[^a-z0-9])${word.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^a-z0-9]|$)`).test(lower),
    ) ?? null
  );
}
