/**
 * The host's bridge handlers against a real backend, called through the same dispatch as Electron IPC and web mode:
 * refusals keep the backend's code and problem (C7), a double click charges once, settings are validated, and the
 * snapshot carries the live queue and this session's generations.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { CostEstimate, Generation, GenerationRequest, Usage } from '../../../shared/api.js';
import type { HostSnapshot } from '../../../shared/bridge.js';
import { startBackend, type StartBackendOptions, type TestBackend } from '../../support/backend.js';
import { GatedProvider } from '../../support/gated-provider.js';
import { eventually, isLive, removeDir, startTestHost, waitForSnapshot, type TestHost } from './harness.js';

const vividFour: GenerationRequest = {
  tool: 'text-to-image',
  modelId: 'vivid-image',
  prompt: 'a lighthouse at dusk',
  settings: { outputs: 4 },
};
const spark: GenerationRequest = {
  tool: 'text-to-image',
  modelId: 'spark-image',
  prompt: 'a fox in the snow',
  settings: { outputs: 1 },
};

describe('host bridge handlers', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function signedIn(
    planId = 'free',
    hostOptions: Parameters<typeof startTestHost>[0] = {},
    backendOptions: StartBackendOptions = {},
  ) {
    const backend: TestBackend = await startBackend({ testClock: '2026-03-10T14:00:00.000Z', ...backendOptions });
    const account = await backend.createAccount('Ana', 'UTC', planId);
    const test: TestHost = await startTestHost(hostOptions);
    // The backend stops first: it then closes the host's event stream itself, at once.
    cleanups.push(() => removeDir(test.dataDir));
    cleanups.push(() => test.stop());
    cleanups.push(() => backend.stop());
    const snapshot = await test.ok('signIn', { baseURL: backend.url, token: account.token });
    const accountId = snapshot.selectedAccountId!;
    await waitForSnapshot(test.host, isLive(accountId));
    return { backend, account, test, accountId };
  }

  it('C7: an unaffordable request: the estimate shows the refusal, creating it returns insufficient_credits with the problem', async () => {
    const { test, accountId, account } = await signedIn('free');
    await test.ok<Generation>('createGeneration', { accountId, request: spark }); // 94 of 100 free credits left
    // vivid-image, 4 outputs: 24 x 4 = 96 credits.
    const estimate = await test.call('estimateCost', {
      accountId,
      request: { tool: vividFour.tool, modelId: vividFour.modelId, settings: vividFour.settings },
    });
    expect(estimate.ok).toBe(true);
    const preview = (estimate as { value: CostEstimate }).value;
    expect(preview.cost).toBe(96);
    expect(preview.refusal).toMatchObject({ code: 'insufficient_credits', shortfall: 2 });

    const created = await test.call('createGeneration', { accountId, request: vividFour });
    expect(created.ok).toBe(false);
    if (created.ok) return;
    expect(created.error).toMatchObject({ code: 'backend_error', apiCode: 'insufficient_credits' });
    expect(created.error.problem).toMatchObject({ code: 'insufficient_credits', status: 402, shortfall: 2 });
    const options = (created.error.problem?.options ?? []) as Array<{ kind: string; at?: string }>;
    // The ways out (C7): the next refresh (with its date) and an upgrade; no top-up without a subscription.
    expect(options.find((o) => o.kind === 'wait')?.at).toBe('2026-03-11T00:00:00.000Z');
    expect(options.map((o) => o.kind)).toContain('upgrade');
    expect(options.map((o) => o.kind)).not.toContain('topup');
    expect(created.error.message).toBeTruthy();
    // Nothing was charged.
    expect((await account.client.balance()).credits.free.amount).toBe(94);
  });

  it('a double click creates one generation and charges once (identical calls within 2 s are one)', async () => {
    const { test, accountId, account } = await signedIn('free');
    const [first, second] = await Promise.all([
      test.call('createGeneration', { accountId, request: spark }),
      test.call('createGeneration', { accountId, request: spark }),
    ]);
    expect(first.ok && second.ok).toBe(true);
    expect((first as { value: Generation }).value.id).toBe((second as { value: Generation }).value.id);
    // Right after the first answer, too.
    const third = await test.ok<Generation>('createGeneration', { accountId, request: spark });
    expect(third.id).toBe((first as { value: Generation }).value.id);
    expect((await account.client.balance()).credits.free.amount).toBe(94);
    // A different request is a different call.
    const other = await test.ok<Generation>('createGeneration', { accountId, request: { ...spark, prompt: 'a hare' } });
    expect(other.id).not.toBe(third.id);
    expect((await account.client.balance()).credits.free.amount).toBe(88);
  });

  it('after the duplicate window the same request is a new generation', async () => {
    const { test, accountId } = await signedIn('free', { duplicateWindowMs: 50 });
    const first = await test.ok<Generation>('createGeneration', { accountId, request: spark });
    await new Promise((resolve) => setTimeout(resolve, 120));
    const second = await test.ok<Generation>('createGeneration', { accountId, request: spark });
    expect(second.id).not.toBe(first.id);
  });

  it('the snapshot has the live queue and the generations of this session, newest first, finished ones included', async () => {
    const { test, accountId } = await signedIn('free');
    await waitForSnapshot(test.host, (s) => s.accounts[0]?.queue !== null, 10_000, 'the queue fetched on connect');
    const first = await test.ok<Generation>('createGeneration', { accountId, request: spark });
    const second = await test.ok<Generation>('createGeneration', {
      accountId,
      request: { ...spark, prompt: 'an owl' },
    });
    const done = await waitForSnapshot(
      test.host,
      (s) => (s.accounts[0]?.recentGenerations ?? []).filter((g) => g.status === 'succeeded').length === 2,
      15_000,
      'both generations succeeded',
    );
    expect(done.accounts[0]!.recentGenerations.map((g) => g.id)).toEqual([second.id, first.id]);
    expect(done.accounts[0]!.recentGenerations[0]!.outputs).toHaveLength(1);
  });

  it('H1: a queued generation is cancelled and refunded through the bridge; the snapshot shows it cancelled', async () => {
    const provider = new GatedProvider();
    const { test, accountId, account } = await signedIn('free', {}, { provider, runner: { concurrency: 1 } });
    cleanups.push(() => provider.releaseAll());
    const running = await test.ok<Generation>('createGeneration', { accountId, request: spark });
    await provider.untilStarted(1);
    const queued = await test.ok<Generation>('createGeneration', {
      accountId,
      request: { ...spark, prompt: 'a fox that waits' },
    });
    expect(queued.status).toBe('queued');
    const cancelled = await test.call('cancelGeneration', { accountId, generationId: queued.id });
    expect(cancelled).toMatchObject({
      ok: true,
      value: { id: queued.id, status: 'cancelled', charge: { refunded: true } },
    });
    await waitForSnapshot(
      test.host,
      (s) => s.accounts[0]?.recentGenerations.find((g) => g.id === queued.id)?.status === 'cancelled',
    );
    expect((await account.client.balance()).credits.free.amount).toBe(94);
    const notCancellable = await test.call('cancelGeneration', { accountId, generationId: running.id });
    expect(notCancellable).toMatchObject({ ok: false, error: { code: 'backend_error', apiCode: 'not_cancellable' } });
  });

  it('re-run, enhance and the plan calls answer through the bridge', async () => {
    const { test, accountId, account } = await signedIn('free');
    const created = await test.ok<Generation>('createGeneration', { accountId, request: spark });
    const rerun = await test.ok<Generation>('rerunGeneration', { accountId, generationId: created.id });
    expect(rerun.id).not.toBe(created.id);
    await eventually(
      async () => (await account.client.getGeneration(rerun.id)).status === 'succeeded',
      'the re-run finished',
    );
    const missing = await test.call('rerunGeneration', { accountId, generationId: 'gen_nope' });
    expect(missing).toMatchObject({ ok: false, error: { code: 'not_found', apiCode: 'not_found' } });

    const enhanced = await test.ok<{ prompt: string }>('enhancePrompt', { accountId, prompt: 'a fox' });
    expect(enhanced.prompt.length).toBeGreaterThan('a fox'.length);

    const topupRefused = await test.call('buyTopup', { accountId, credits: 500 });
    expect(topupRefused).toMatchObject({ ok: false, error: { apiCode: 'subscription_required' } });
    const subscribed = await test.ok<HostSnapshot>('subscribe', { accountId, planId: 'basic' });
    expect(subscribed.accounts[0]!.me?.plan.id).toBe('basic');
    expect(subscribed.accounts[0]!.balance?.credits.subscription.amount).toBe(1500);
    const toppedUp = await test.ok<HostSnapshot>('buyTopup', { accountId, credits: 500 });
    expect(toppedUp.accounts[0]!.balance?.credits.topup.amount).toBe(500);
    const cancelled = await test.ok<HostSnapshot>('cancelSubscription', { accountId });
    expect(cancelled.accounts[0]!.me?.subscription.status).toBe('cancelled');

    // A1: the time zone changes through the bridge; a name that is no zone is refused before it reaches the backend.
    const moved = await test.ok<HostSnapshot>('setTimeZone', { accountId, timeZone: 'Asia/Tokyo' });
    expect(moved.accounts[0]!.me?.timeZone).toBe('Asia/Tokyo');
    expect((await account.client.me()).timeZone).toBe('Asia/Tokyo');
    const badZone = await test.call('setTimeZone', { accountId, timeZone: 'Tokyo time' });
    expect(badZone).toMatchObject({ ok: false, error: { code: 'invalid_request' } });

    // U7: nothing is paused, so there is nothing to appeal: the backend's refusal comes through as it is.
    const appeal = await test.call('appeal', { accountId, message: 'I make every image by hand' });
    expect(appeal).toMatchObject({
      ok: false,
      error: { code: 'invalid_request', apiCode: 'invalid_request', problem: { status: 409 } },
    });
  });

  it('getUsage comes from the backend when online, and is a clear "unavailable" when offline with no offline figures', async () => {
    const { test, accountId, backend } = await signedIn('free');
    await test.ok<Generation>('createGeneration', { accountId, request: spark });
    const usage = await test.ok<Usage>('getUsage', { accountId, groupBy: 'model' });
    expect(usage.totals.credits).toBe(6);
    expect(usage.rows).toEqual([expect.objectContaining({ key: 'spark-image', credits: 6, count: 1 })]);

    const offlineUsage = vi
      .spyOn(test.host.history, 'usage')
      .mockRejectedValue(new Error('offline usage is not available yet'));
    await backend.stop();
    await waitForSnapshot(test.host, (s) => s.accounts[0]?.connection.state === 'offline');
    const offline = await test.call('getUsage', { accountId });
    expect(offline).toMatchObject({ ok: false, error: { code: 'unavailable' } });
    // Offline errors name the backend by its host, never by its address.
    const estimate = await test.call('estimateCost', {
      accountId,
      request: { tool: spark.tool, modelId: spark.modelId, settings: spark.settings },
    });
    expect(estimate).toMatchObject({
      ok: false,
      error: {
        code: 'unavailable',
        apiCode: 'network_error',
        message: expect.stringContaining(new URL(backend.url).host),
      },
    });
    expect(JSON.stringify(estimate)).not.toContain(backend.url);
    expect(JSON.stringify(test.host.snapshot())).not.toContain(backend.url);
    expect(offlineUsage).toHaveBeenCalledWith(accountId, expect.objectContaining({ groupBy: 'day' }));

    offlineUsage.mockResolvedValue({ rows: [], totals: { credits: 6, generations: 0, count: 1 } });
    expect(await test.call('getUsage', { accountId })).toMatchObject({ ok: true, value: { totals: { credits: 6 } } });
  });

  it('settings: defaults in the snapshot, validated updates, kept in settings.json without any token', async () => {
    const { test, account } = await signedIn('free');
    const snapshot = test.host.snapshot();
    expect(snapshot.settings).toEqual({
      theme: 'system',
      alertThresholds: [75, 90, 100],
      alertsEnabled: true,
      startAtLogin: false,
      closeToTray: true,
      cacheLimitBytes: 2 * 1024 ** 3,
      dataFolder: test.dataDir,
    });
    expect(snapshot.platform).toEqual({ kind: 'web', tray: false, startAtLogin: false });

    const updated = await test.ok<HostSnapshot>('updateSettings', {
      alertThresholds: [50, 80],
      alertsEnabled: false,
      cacheLimitBytes: 1024 ** 3,
      theme: 'dark',
    });
    expect(updated.settings).toMatchObject({
      alertThresholds: [50, 80],
      alertsEnabled: false,
      cacheLimitBytes: 1024 ** 3,
      theme: 'dark',
      closeToTray: true,
    });
    for (const alertThresholds of [
      [90, 75],
      [75, 75, 100],
    ]) {
      const refused = await test.call('updateSettings', { alertThresholds });
      expect(refused).toMatchObject({ ok: false, error: { code: 'invalid_request' } });
      expect(refused.ok || refused.error.message).toMatch(/increasing order without repeats/);
    }
    expect(await test.call('updateSettings', { alertThresholds: [0] })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    expect(await test.call('updateSettings', { alertThresholds: [101] })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    expect(await test.call('updateSettings', { dataFolder: '/tmp/elsewhere' })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    expect(test.host.snapshot().settings.alertThresholds).toEqual([50, 80]);

    const file = readFileSync(join(test.dataDir, 'settings.json'), 'utf8');
    expect(JSON.parse(file)).toMatchObject({ alertThresholds: [50, 80], alertsEnabled: false, theme: 'dark' });
    expect(file).not.toContain(account.token);
  });

  it('history methods answer through the host (unavailable while the offline history has no answer), downloadOutput in web mode leaves it to the browser', async () => {
    const { test, accountId } = await signedIn('free');
    const search = await test.call('searchHistory', { accountId, q: 'fox' });
    if (!search.ok) expect(search.error.code).toMatch(/unavailable|internal_error|not_found/);
    expect(await test.call('downloadOutput', { accountId, outputId: 'out_1' })).toEqual({
      ok: true,
      value: { savedTo: null },
    });
    expect(await test.call('downloadOutput', { accountId: 'nobody', outputId: 'out_1' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    const synced = await test.ok<HostSnapshot>('syncNow', { accountId });
    expect(synced.accounts[0]!.id).toBe(accountId);
  });

  it('downloadOutput in Electron saves the cached file where the user chose', async () => {
    const saved: Array<{ path: string; mime: string; suggestedName: string }> = [];
    const { test, accountId } = await signedIn('free', {
      saveOutput: async (file) => {
        saved.push(file);
        return `/home/ana/Downloads/${file.suggestedName}`;
      },
    });
    vi.spyOn(test.host.history, 'openMedia').mockResolvedValue({ path: '/cache/out_1.png', mime: 'image/png' });
    expect(await test.call('downloadOutput', { accountId, outputId: 'out_1' })).toEqual({
      ok: true,
      value: { savedTo: '/home/ana/Downloads/out_1.png' },
    });
    expect(saved).toEqual([{ path: '/cache/out_1.png', mime: 'image/png', suggestedName: 'out_1.png' }]);
    vi.spyOn(test.host.history, 'openMedia').mockResolvedValue(null);
    expect(await test.call('downloadOutput', { accountId, outputId: 'out_2' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });
});
