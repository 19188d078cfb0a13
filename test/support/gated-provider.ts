/**
 * A provider for queue tests: it renders with the real local provider, but each generation waits until the test
 * releases it (or runs at once when `autoRelease`), and it records what ran when, and how much ran at once, overall and
 * per account. It stands in for a slow remote model at the provider boundary; the queues under test are all real.
 */
import { basename } from 'node:path';
import { LocalProvider } from '../../backend/providers/local.js';
import type { GenerationProvider, ProviderOutput, ProviderRequest } from '../../backend/providers/provider.js';

export class GatedProvider implements GenerationProvider {
  readonly name = 'gated';
  readonly started: Array<{ generationId: string; accountId: string; modelId: string }> = [];
  readonly running = new Map<string, string>();
  maxConcurrent = 0;
  readonly maxPerAccount = new Map<string, number>();
  autoRelease: boolean;
  readonly #waiting = new Map<string, () => void>();
  readonly #local = new LocalProvider();
  readonly #startListeners: Array<() => void> = [];

  constructor(options: { autoRelease?: boolean } = {}) {
    this.autoRelease = options.autoRelease ?? false;
  }

  async generate(request: ProviderRequest): Promise<ProviderOutput[]> {
    const accountId = basename(request.outputDir);
    this.started.push({ generationId: request.generationId, accountId, modelId: request.modelId });
    this.running.set(request.generationId, accountId);
    this.maxConcurrent = Math.max(this.maxConcurrent, this.running.size);
    const mine = [...this.running.values()].filter((a) => a === accountId).length;
    this.maxPerAccount.set(accountId, Math.max(this.maxPerAccount.get(accountId) ?? 0, mine));
    for (const listener of this.#startListeners.splice(0)) listener();
    try {
      if (!this.autoRelease) {
        await new Promise<void>((resolve, reject) => {
          this.#waiting.set(request.generationId, resolve);
          request.signal.addEventListener('abort', () => reject(request.signal.reason), { once: true });
        });
      }
      return await this.#local.generate(request);
    } finally {
      this.running.delete(request.generationId);
      this.#waiting.delete(request.generationId);
    }
  }

  isRunning(generationId: string): boolean {
    return this.running.has(generationId);
  }

  release(generationId: string): void {
    this.#waiting.get(generationId)?.();
  }

  releaseAll(): void {
    this.autoRelease = true;
    for (const resolve of this.#waiting.values()) resolve();
  }

  /** Resolves once `count` generations have started in all. */
  async untilStarted(count: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.started.length < count) {
      if (Date.now() > deadline)
        throw new Error(`only ${this.started.length} of ${count} generations started within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        this.#startListeners.push(resolve);
        setTimeout(resolve, 50);
      });
    }
  }
}

/** Polls until `check` holds (for states reached asynchronously through the queues). */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what} not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
