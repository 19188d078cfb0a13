/**
 * Alerts end to end: a CompanionHost signed in to a real backend on a test clock, real charges, refunds, clock moves
 * and reviewer decisions. Each alert comes exactly once: not again after the event stream reconnects, not again after
 * the app restarts with the same data folder, and not for what already held when the app started.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenerationRequest } from '../../../shared/api.js';
import type { Alert, HostSnapshot } from '../../../shared/bridge.js';
import { startBackend, type StartBackendOptions, type TestBackend } from '../../support/backend.js';
import { GatedProvider } from '../../support/gated-provider.js';
import {
  eventually,
  isLive,
  removeDir,
  sleep,
  startCountingProxy,
  startTestHost,
  tempDir,
  waitForSnapshot,
  type TestHost,
} from './harness.js';

const request = (
  modelId: string,
  prompt: string,
  settings: GenerationRequest['settings'] = { outputs: 1 },
  tool: GenerationRequest['tool'] = 'text-to-image',
): GenerationRequest => ({ tool, modelId, prompt, settings });

/** How many alerts with each id: every value must be 1. */
function countById(alerts: readonly Alert[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const alert of alerts) counts[alert.id] = (counts[alert.id] ?? 0) + 1;
  return counts;
}

describe('alerts through the host', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function backendWith(options: StartBackendOptions): Promise<TestBackend> {
    const backend = await startBackend(options);
    cleanups.push(() => backend.stop());
    return backend;
  }

  async function hostOn(dataDir: string): Promise<TestHost> {
    const test = await startTestHost({ dataDir });
    // Stops before the backend (pushed later, run earlier), so its connections end first.
    cleanups.push(() => test.stop());
    return test;
  }

  async function generate(test: TestHost, accountId: string, body: GenerationRequest): Promise<string> {
    const created = await test.ok<{ id: string }>('createGeneration', { accountId, request: body });
    return created.id;
  }

  const freeLeft = (test: TestHost, amount: number) =>
    waitForSnapshot(
      test.host,
      (s) => s.accounts[0]?.balance?.credits.free.amount === amount,
      15_000,
      `${amount} free credits`,
    );

  it('C2 thresholds of the free credits: 75, 90, 100 % once each, across a reconnect and a restart; a blocked generation is refunded and said so', async () => {
    // One generation at a time, held on demand: a blocked request then waits in the queue, charged, before its refund.
    const provider = new GatedProvider({ autoRelease: true });
    const backend = await backendWith({ testClock: '2026-03-10T14:00:00.000Z', provider, runner: { concurrency: 1 } });
    cleanups.push(() => provider.releaseAll());
    const proxy = await startCountingProxy(backend.url);
    cleanups.push(() => proxy.close());
    const account = await backend.createAccount('Ana', 'UTC', 'free');
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));

    const first = await hostOn(dataDir);
    const accountId = (await first.ok<HostSnapshot>('signIn', { baseURL: proxy.url, token: account.token }))
      .selectedAccountId!;
    await waitForSnapshot(first.host, isLive(accountId));
    const threshold = (percent: number) => `threshold:${accountId}:free:${percent}:2026-03-11T00:00:00.000Z`;
    const thresholds = (test: TestHost) => test.alerts.filter((a) => a.kind === 'threshold').map((a) => a.id);

    const vivid = await generate(first, accountId, request('vivid-image', 'three lighthouses', { outputs: 3 })); // 72 credits
    await freeLeft(first, 28);
    await eventually(
      () => first.alerts.some((a) => a.id === `generation:${accountId}:${vivid}:succeeded`),
      'the vivid generation finished',
    );
    expect(thresholds(first)).toEqual([]);

    await generate(first, accountId, request('spark-image', 'a fox')); // 78 %
    await eventually(() => thresholds(first).length === 1, 'the 75 % alert');
    expect(first.alerts.find((a) => a.kind === 'threshold')).toEqual(
      expect.objectContaining({
        id: threshold(75),
        accountId,
        title: "75% of today's free credits used",
        body: '22 of 100 free credits left; they reset at 00:00 on Wed 11 Mar.',
      }),
    );

    // C8: a blocked request waits behind a held one, charged (90 % used), then is refunded (back to 84 %).
    provider.autoRelease = false;
    await generate(first, accountId, request('spark-image', 'a fox that waits')); // 84 %
    await provider.untilStarted(3);
    const blocked = await generate(first, accountId, request('spark-image', 'gore in the fog')); // 90 %
    await eventually(() => thresholds(first).length === 2, 'the 90 % alert');
    provider.releaseAll();
    await eventually(() => first.alerts.some((a) => a.kind === 'generation-failed'), 'the blocked generation');
    await freeLeft(first, 16);
    expect(first.alerts.find((a) => a.kind === 'generation-failed')).toMatchObject({
      id: `generation:${accountId}:${blocked}:blocked`,
      title: 'Spark Image was blocked by moderation: refunded',
      body: expect.stringContaining('6 credits were refunded (6 free).'),
    });
    expect(thresholds(first)).toEqual([threshold(75), threshold(90)]);

    // The event stream breaks and reconnects (Last-Event-ID): nothing is said twice.
    await eventually(
      () => first.alerts.filter((a) => a.kind === 'generation-finished').length === 3,
      'three generations finished',
    );
    const before = first.alerts.length;
    const streams = () => proxy.requests.filter((r) => r.startsWith('GET /v1/events')).length;
    expect(streams()).toBe(1);
    proxy.dropConnections();
    await eventually(() => streams() >= 2, 'a reconnect');
    await waitForSnapshot(first.host, isLive(accountId));
    await sleep(300);
    expect(first.alerts).toHaveLength(before);
    await first.stop();

    // The app restarts with the same data folder at 84 %: the 75 % that holds now is not news.
    const second = await hostOn(dataDir);
    await waitForSnapshot(second.host, isLive(accountId));
    await sleep(300);
    expect(second.alerts).toEqual([]);
    // Back to 90 % within the same day: that alert was given before the restart.
    await generate(second, accountId, request('spark-image', 'two foxes'));
    await freeLeft(second, 10);
    await generate(second, accountId, request('voice-tts', 'hello there', { outputs: 1 }, 'text-to-speech'));
    await freeLeft(second, 6);
    await generate(second, accountId, request('spark-image', 'the last fox'));
    await freeLeft(second, 0);
    await eventually(() => thresholds(second).length > 0, 'the 100 % alert');
    await eventually(
      () => second.alerts.filter((a) => a.kind === 'generation-finished').length === 3,
      'three generations finished',
    );
    expect(second.alerts.filter((a) => a.kind === 'threshold')).toEqual([
      expect.objectContaining({ id: threshold(100), title: "Today's free credits are used up" }),
    ]);

    const all = [...first.alerts, ...second.alerts];
    expect(Object.values(countById(all)).every((n) => n === 1)).toBe(true);
    expect(all.filter((a) => a.kind === 'generation-finished')).toHaveLength(6);
    expect(JSON.parse(readFileSync(join(dataDir, 'alerts.json'), 'utf8')).fired).toHaveProperty(threshold(90));
  });

  it('U1 and U4: the Fast limit, a window ending within the hour and its end, once each as the test clock moves', async () => {
    const catalog = JSON.parse(readFileSync(new URL('../../../backend/catalog.json', import.meta.url), 'utf8')) as {
      plans: Array<{ id: string; fastDailyLimit: number }>;
    };
    catalog.plans.find((p) => p.id === 'standard')!.fastDailyLimit = 2;
    const catalogDir = tempDir('companion-catalog-');
    cleanups.push(() => removeDir(catalogDir));
    const catalogPath = join(catalogDir, 'catalog.json');
    writeFileSync(catalogPath, JSON.stringify(catalog));
    const backend = await backendWith({ testClock: '2026-03-10T00:30:00.000Z', catalogPath });
    const account = await backend.createAccount('Ana', 'UTC', 'standard');
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    const test = await hostOn(dataDir);
    const accountId = (await test.ok<HostSnapshot>('signIn', { baseURL: backend.url, token: account.token }))
      .selectedAccountId!;
    const live = await waitForSnapshot(test.host, isLive(accountId));
    expect(live.accounts[0]!.balance!.unlimited.map((w) => [w.modelId, w.endsAt])).toEqual([
      ['spark-image', '2026-03-17T00:30:00.000Z'],
      ['vivid-image', '2026-03-17T00:30:00.000Z'],
    ]);

    const first = await generate(test, accountId, request('spark-image', 'a free fox'));
    await eventually(
      () => test.alerts.some((a) => a.id === `generation:${accountId}:${first}:succeeded`),
      'the first unlimited generation',
    );
    expect(test.alerts.some((a) => a.kind === 'fast-limit')).toBe(false);
    await generate(test, accountId, request('spark-image', 'a second free fox'));
    await eventually(() => test.alerts.some((a) => a.kind === 'fast-limit'), 'the Fast limit alert');
    expect(test.alerts.find((a) => a.kind === 'fast-limit')).toMatchObject({
      id: `fast-limit:${accountId}:2026-03-11T00:00:00.000Z`,
      body: 'All 2 fast generations of today are used; the limit resets at 00:00 on Wed 11 Mar. Spark Image keeps going in the slower Relaxed queue. Unlimited Vivid Image is refused until then.',
    });

    // Half an hour before the windows end (crossing midnights: the free-credit reset announces the new time).
    await backend.admin.admin.moveClock({ now: '2026-03-17T00:00:00.000Z' });
    await eventually(
      () => test.alerts.filter((a) => a.kind === 'window-ending').length === 2,
      'two window-ending alerts',
    );
    expect(test.alerts.filter((a) => a.kind === 'window-ending').map((a) => [a.id, a.title])).toEqual([
      [`window-ending:${accountId}:spark-image:2026-03-17T00:30:00.000Z`, 'Unlimited Spark Image ends within the hour'],
      [`window-ending:${accountId}:vivid-image:2026-03-17T00:30:00.000Z`, 'Unlimited Vivid Image ends within the hour'],
    ]);
    expect(test.alerts.some((a) => a.kind === 'window-ended')).toBe(false);

    await backend.admin.admin.moveClock({ now: '2026-03-17T00:31:00.000Z' });
    await eventually(
      () => test.alerts.filter((a) => a.kind === 'window-ended').length === 2,
      'two window-ended alerts',
    );
    expect(test.alerts.filter((a) => a.kind === 'window-ended').map((a) => a.id)).toEqual([
      `window-ended:${accountId}:spark-image:2026-03-17T00:30:00.000Z`,
      `window-ended:${accountId}:vivid-image:2026-03-17T00:30:00.000Z`,
    ]);
    await sleep(300);
    expect(Object.values(countById(test.alerts)).every((n) => n === 1)).toBe(true);
    expect(test.alerts.filter((a) => a.kind === 'fast-limit')).toHaveLength(1);
  });

  it('U7: a reviewer pauses unlimited access (one alert); the appeal is decided and access restored (one alert)', async () => {
    const backend = await backendWith({ testClock: '2026-03-10T14:00:00.000Z' });
    const account = await backend.createAccount('Ana', 'UTC', 'standard');
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    const test = await hostOn(dataDir);
    const accountId = (await test.ok<HostSnapshot>('signIn', { baseURL: backend.url, token: account.token }))
      .selectedAccountId!;
    await waitForSnapshot(test.host, isLive(accountId));

    await backend.admin.admin.flagAccount(account.account.id, { reason: 'Reported by support' });
    await eventually(() => test.alerts.some((a) => a.kind === 'fair-use'), 'the pause alert');
    expect(test.alerts).toEqual([
      expect.objectContaining({
        id: expect.stringMatching(new RegExp(`^fair-use:${accountId}:paused:`)),
        kind: 'fair-use',
        title: 'Unlimited access paused',
        body: 'Unlimited use is paused pending review. Reason: Reported by support. Credits still work, and you can appeal once.',
      }),
    ]);

    const appeal = await test.ok<{ id: string; status: string }>('appeal', {
      accountId,
      message: 'I make every image by hand',
    });
    expect(appeal.status).toBe('open');
    await backend.admin.admin.decideAppeal(appeal.id, { decision: 'restore', reason: 'No violation found' });
    await eventually(() => test.alerts.length === 2, 'the restore alert');
    expect(test.alerts[1]).toMatchObject({
      kind: 'fair-use',
      title: 'Unlimited access restored',
      body: 'A reviewer found no violation after your appeal: unlimited use works again.',
    });
    await sleep(300);
    expect(test.alerts).toHaveLength(2);
  });

  it('alerts are off: nothing is emitted', async () => {
    const backend = await backendWith({ testClock: '2026-03-10T14:00:00.000Z' });
    const account = await backend.createAccount('Ana', 'UTC', 'free');
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    const test = await hostOn(dataDir);
    await test.ok('updateSettings', { alertsEnabled: false });
    const accountId = (await test.ok<HostSnapshot>('signIn', { baseURL: backend.url, token: account.token }))
      .selectedAccountId!;
    await waitForSnapshot(test.host, isLive(accountId));
    await generate(test, accountId, request('vivid-image', 'four lighthouses', { outputs: 4 }));
    await freeLeft(test, 4);
    await eventually(
      () => test.host.snapshot().accounts[0]!.recentGenerations[0]?.status === 'succeeded',
      'the generation finished',
    );
    expect(test.alerts).toEqual([]);
  });
});
