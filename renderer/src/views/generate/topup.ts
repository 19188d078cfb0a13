/** C7's top-up way out: the shortfall rounded up to the next 100 credits (at least 100). */
export function topupFor(shortfall: number): number {
  return Math.max(100, Math.ceil(shortfall / 100) * 100);
}
