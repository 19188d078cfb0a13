/** What runs generations (the worker pool, queue/worker-pool.ts), as the routes see it. */
import type { Generation } from '../shared/api.js';

export interface GenerationRunner {
  enqueue(accountId: string, generationId: string): void;
  /** Picks up work left queued or running by an earlier process. */
  recover(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

export interface RunnerHooks {
  /** `current`: the generation as it now is, when the caller has it at hand (otherwise it is read). */
  generationChanged(accountId: string, generationId: string, current?: Generation): Promise<void>;
  balanceChanged(accountId: string): Promise<void>;
}

/** Moderation: a request whose prompt contains a blocked word of the catalog is blocked, and refunded. */
export function blockedWordIn(prompt: string, blockedWords: string[]): string | null {
  const lower = prompt.toLowerCase();
  return blockedWords.find((word) => new RegExp(`(^|[^a-z0-9])${word.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^a-z0-9]|$)`).test(lower)) ?? null;
}
