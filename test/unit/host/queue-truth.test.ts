/**
 * The queue the host shows is the backend's: after the account's last job finishes (when the backend has no more
 * queue events for it) and after the event stream was down while work finished, the host's queue equals what
 * GET /v1/queue says, lanes included.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Generation, QueueStatus } from '../../../shared/api.js';
import type { HostSnapshot } from '../../../shared/bridge.js';
import { withoutFinished } from '../../../electron/host/account-connection.js';
import { startBackend, type TestBackend } from '../../support/backend.js';
import { GatedProvider } from '../../support/gated-provider.js';
import {
  isLive,
  removeDir,
  startCountingProxy,
  startTestHost,
  tempDir,
  waitForSnapshot,
  type TestHost,
} from './harness.js';

/** What the Queue view shows of a queue: the lanes' counts and the account's jobs with their places (not estimates). */
function shown(queue: QueueStatus | null | undefined) {
  if (!queue) return null;
  const counts = Object.fromEntries(
    Object.entries(queue.lanes).map(([lane, status]) => [
      lane,
      status && { waiting: status.waiting, running: status.running },
    ]),
  );
  return { lanes: counts, mine: queue.mine.map((m) => ({ id: m.generationId, lane: m.lane, position: m.position })) };
}

const lane = { waiting: 0, running: 0, etaS: 1 };

describe('the queue on screen follows the backend', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function scene() {
    const provider = new GatedProvider();
    const backend: TestBackend = await startBackend({
      testClock: '2026-03-10T14:00:00.000Z',
      provider,
      runner: { concurrency: 1 },
    });
    cleanups.push(() => backend.stop());
    cleanups.push(() => provider.releaseAll());
    const proxy = await startCountingProxy(backend.url);
    cleanups.push(() => proxy.close());
    const account = await backend.createAccount('Ana', 'UTC', 'free');
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    const test: TestHost = await startTestHost({ dataDir });
    cleanups.push(() => test.stop());
    const accountId = (await test.ok<HostSnapshot>('signIn', { baseURL: proxy.url, token: account.token }))
      .selectedAccountId!;
    await waitForSnapshot(test.host, isLive(accountId));
    const queueOf = (s: HostSnapshot) => s.accounts.find((a) => a.id === accountId)?.queue;
    const generate = async (prompt: string) =>
      (
        await test.ok<{ id: string }>('createGeneration', {
          accountId,
          request: { tool: 'text-to-image', modelId: 'spark-image', prompt, settings: { outputs: 1 } },
        })
      ).id;
    return { provider, backend, proxy, account, test, accountId, queueOf, generate };
  }

  it('after the last job finishes, the lanes say 0 running, as GET /v1/queue does', async () => {
    const { provider, account, test, queueOf, generate } = await scene();
    const id = await generate('a fox');
    await provider.untilStarted(1);
    const running = await waitForSnapshot(
      test.host,
      (s) => queueOf(s)?.mine.some((m) => m.generationId === id && m.position === 0) === true,
      10_000,
      'the job running',
    );
    expect(queueOf(running)?.lanes.system.running).toBe(1);

    provider.release(id);
    const after = await waitForSnapshot(
      test.host,
      (s) => queueOf(s)?.lanes.system.running === 0,
      3_000,
      'the queue after the finish',
    );
    expect(shown(queueOf(after))).toEqual(shown(await account.client.queue()));
    expect(queueOf(after)?.mine).toEqual([]);
  });

  it('after a reconnect, the queue is what the backend says, also for work that finished while the stream was down', async () => {
    const { provider, backend, proxy, account, test, accountId, queueOf, generate } = await scene();
    const first = await generate('a fox');
    const second = await generate('a hare');
    await provider.untilStarted(1);
    await waitForSnapshot(test.host, (s) => queueOf(s)?.mine.length === 2, 10_000, 'both jobs in the queue');

    // The link goes down; both jobs finish meanwhile; the backend comes back at the same address.
    const port = Number(new URL(proxy.url).port);
    await proxy.close();
    await waitForSnapshot(
      test.host,
      (s) => s.accounts.find((a) => a.id === accountId)?.connection.state === 'offline',
      10_000,
      'offline',
    );
    provider.releaseAll();
    await provider.untilStarted(2);
    const done = async () =>
      (await account.client.getGeneration(second)).status === 'succeeded' &&
      (await account.client.getGeneration(first)).status === 'succeeded';
    for (let tries = 0; !(await done()); tries += 1) {
      if (tries > 200) throw new Error('the jobs did not finish');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    const back = await startCountingProxy(backend.url, port);
    cleanups.push(() => back.close());

    const live = await waitForSnapshot(
      test.host,
      (s) => isLive(accountId)(s) && queueOf(s)?.mine.length === 0,
      10_000,
      'live with an empty queue',
    );
    expect(shown(queueOf(live))).toEqual(shown(await account.client.queue()));
    expect(queueOf(live)?.lanes.system).toMatchObject({ waiting: 0, running: 0 });
  });
});

describe('a finished generation in the queue held by the host', () => {
  const queue: QueueStatus = {
    lanes: {
      fast: lane,
      relaxed: lane,
      standard: { waiting: 1, running: 1, etaS: 4 },
      system: { waiting: 3, running: 2, etaS: 4 },
    },
    mine: [
      { generationId: 'g-running', lane: 'standard', position: 0, etaS: 0 },
      { generationId: 'g-waiting', lane: 'standard', position: 1, etaS: 4 },
    ],
  };
  const finished = (id: string, status: Generation['status'] = 'succeeded') => ({ id, status }) as Generation;

  it('leaves the account’s jobs and its lane’s running or waiting count', () => {
    const afterRun = withoutFinished(queue, finished('g-running'));
    expect(afterRun?.mine.map((m) => m.generationId)).toEqual(['g-waiting']);
    expect(afterRun?.lanes.standard).toMatchObject({ waiting: 1, running: 0 });
    expect(afterRun?.lanes.system).toMatchObject({ waiting: 3, running: 1 });
    const afterCancel = withoutFinished(queue, finished('g-waiting', 'cancelled'));
    expect(afterCancel?.lanes.standard).toMatchObject({ waiting: 0, running: 1 });
    expect(afterCancel?.lanes.system).toMatchObject({ waiting: 2, running: 2 });
  });

  it('changes nothing for a job still active or not in the account’s queue', () => {
    expect(withoutFinished(queue, finished('g-running', 'running'))).toBe(queue);
    expect(withoutFinished(queue, finished('elsewhere'))).toBe(queue);
    expect(withoutFinished(null, finished('g-running'))).toBeNull();
  });
});
