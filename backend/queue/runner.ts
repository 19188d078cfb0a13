/** What runs generations (the worker pool, queue/worker-pool.ts), as the routes see it. */
import type { Generation } from '../../shared/api.js';

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
