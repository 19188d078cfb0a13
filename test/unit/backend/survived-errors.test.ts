/**
 * Errors are never swallowed: what the queue and its workers survive is logged through the backend's logger (fastify's)
 * and counted by kind.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { Logger } from '../../../backend/log.js';
import type { GenerationProvider, ProviderOutput } from '../../../backend/providers/provider.js';
import type { JobQueue } from '../../../backend/queue/job-queue.js';
import { WorkerPool } from '../../../backend/queue/worker-pool.js';
import type { PolicyContext } from '../../../backend/policy/context.js';
import type { Generations } from '../../../backend/domain/generations.js';
import { parseOperationsConfig } from '../../../backend/config.js';
import { startBackend, type TestBackend } from '../../support/backend.js';

/** A provider whose output the backend cannot record (no checksum): the worker's finish fails after the run. */
class UnrecordableOutput implements GenerationProvider {
  readonly name = 'unrecordable';
  async generate(): Promise<ProviderOutput[]> {
    return [
      {
        kind: 'image',
        mime: 'image/png',
        bytes: 1,
        path: '/nonexistent/out.png',
        sha256: null,
      } as unknown as ProviderOutput,
    ];
  }
}

async function until(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('failures the backend survives', () => {
  let t: TestBackend | undefined;
  afterEach(async () => {
    await t?.stop();
    t = undefined;
  });

  it('a worker whose job fails after the run is logged with its kind and counted, and the backend keeps answering', async () => {
    t = await startBackend({ provider: new UnrecordableOutput() });
    const logged = vi.spyOn(t.backend.app.log, 'error');
    const { client } = await t.createAccount('Ada', 'UTC');
    const generation = await client.createGeneration({
      tool: 'text-to-image',
      modelId: 'spark-image',
      prompt: 'a lighthouse',
      settings: { outputs: 1 },
    });
    await until(() => (t!.backend.log.survivedErrors.worker ?? 0) === 1);
    expect(t.backend.log.survivedErrors).toMatchObject({ worker: 1 });
    expect(logged).toHaveBeenCalledWith(
      expect.objectContaining({ kind: 'worker', err: expect.any(Error) }),
      `running generation ${generation.id} failed`,
    );
    expect((await client.health()).status).toBe('ok');
  });

  it('a claim that fails is logged and counted, and the pool claims again at the next poke', async () => {
    const errors: Array<[object, string]> = [];
    const log = new Logger({ error: (details, message) => void errors.push([details, message]) });
    let claims = 0;
    const queue = {
      claimNext: async () => {
        claims += 1;
        if (claims === 1) throw new Error('the database went away');
        return { job: null, moreWaiting: false };
      },
    } as unknown as JobQueue;
    const ctx = { config: parseOperationsConfig({}) } as unknown as PolicyContext;
    const hooks = { generationChanged: async () => {}, balanceChanged: async () => {}, queueChanged: () => {} };
    const pool = new WorkerPool(ctx, queue, {} as Generations, hooks, {
      outputsDir: '/nonexistent',
      providerFor: () => new UnrecordableOutput(),
      exclusiveDatabase: true,
      log,
    });
    pool.poke();
    await until(() => claims === 1 && log.survivedErrors.claim === 1);
    expect(errors).toEqual([[{ err: new Error('the database went away'), kind: 'claim' }, 'a claim failed']]);
    pool.poke();
    await until(() => claims === 2);
    expect(log.survivedErrors).toEqual({ claim: 1 });
    await pool.stop(0);
  });
});
