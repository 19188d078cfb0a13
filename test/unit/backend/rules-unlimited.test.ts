/**
 * U1-U8 over real HTTP with the test clock: unlimited windows, the account's unlimited queue, Fast and Relaxed lanes,
 * configuration, and the system queue. The queues, workers and database are real; the provider is gated so that tests
 * decide when work finishes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Generation, GenerationRequest } from '../../../shared/api.js';
import { catchApiError } from '../../support/api-error.js';
import { startBackend, openEventStream, type TestBackend } from '../../support/backend.js';
import { eventually, GatedProvider } from '../../support/gated-provider.js';

const spark = (prompt = 'a fox'): GenerationRequest => ({
  tool: 'text-to-image',
  modelId: 'spark-image',
  prompt,
  settings: { outputs: 1 },
});
const vivid = (prompt = 'a fox'): GenerationRequest => ({
  tool: 'text-to-image',
  modelId: 'vivid-image',
  prompt,
  settings: { outputs: 1 },
});
/** Tests that submit many unlimited requests in an instant of test time would look like automation (U7) otherwise. */
const lenientFairUse = { fairUse: { automation: { maxRequestsPerWindow: 100_000, regularIntervalCount: 1000 } } };
const motion = (): GenerationRequest => ({
  tool: 'text-to-video',
  modelId: 'motion-video',
  prompt: 'waves',
  settings: { outputs: 1, durationS: 5 },
});

describe('unlimited windows, queues and lanes (U1-U8)', () => {
  const started: TestBackend[] = [];
  afterEach(async () => {
    for (const t of started.splice(0)) await t.stop();
  });
  async function backend(options: Parameters<typeof startBackend>[0]) {
    const t = await startBackend(options);
    started.push(t);
    return t;
  }

  it('U1: buying a plan opens a window per model for its days; inside it the model is free, at its end it is charged again', async () => {
    // 15:00 in Berlin on 10 March 2026.
    const t = await backend({ testClock: '2026-03-10T14:00:00.000Z' });
    const { client, token } = await t.createAccount('Ute', 'Europe/Berlin', 'ultra');
    const windows = (await client.balance()).unlimited;
    expect(windows).toEqual([
      { modelId: 'motion-video', startsAt: '2026-03-10T14:00:00.000Z', endsAt: '2026-03-13T14:00:00.000Z' },
      { modelId: 'spark-image', startsAt: '2026-03-10T14:00:00.000Z', endsAt: '2026-03-17T14:00:00.000Z' },
      { modelId: 'vivid-image', startsAt: '2026-03-10T14:00:00.000Z', endsAt: '2026-03-17T14:00:00.000Z' },
    ]);
    expect(await client.estimateCost(motion())).toMatchObject({ cost: 0, unlimited: true, lane: 'fast', draws: [] });

    const before = (await client.balance()).credits.total;
    const generation = await client.createGeneration(motion());
    expect(generation.charge).toMatchObject({ credits: 0, draws: [] });
    expect((await client.balance()).credits.total).toBe(before);
    const entry = (await client.ledger()).items.find((e) => e.generationId === generation.id);
    expect(entry).toMatchObject({ kind: 'debit', amount: 0 });
    expect(entry?.reason).toMatch(/^U1: /);

    // One second before the end: still unlimited. At the end: normal price, and the window is gone.
    await t.admin.admin.moveClock({ now: '2026-03-13T13:59:59.000Z' });
    expect((await client.estimateCost(motion())).unlimited).toBe(true);
    const stream = await openEventStream(t.url, token);
    await stream.next((e) => e.event === 'balance');
    await t.admin.admin.moveClock({ now: '2026-03-13T14:00:00.000Z' });
    const closed = await stream.next((e) => e.event === 'balance' && !JSON.stringify(e.data).includes('motion-video'));
    expect((closed.data as { unlimited: Array<{ modelId: string }> }).unlimited.map((w) => w.modelId)).toEqual([
      'spark-image',
      'vivid-image',
    ]);
    await stream.close();
    expect(await client.estimateCost(motion())).toMatchObject({ cost: 210, unlimited: false, lane: 'standard' });
  });

  it('U1: a renewal opens the windows again; a plan without unlimited models has none', async () => {
    const t = await backend({ testClock: '2026-01-05T10:00:00.000Z' });
    const { client } = await t.createAccount('Ren', 'UTC', 'standard');
    await t.admin.admin.moveClock({ now: '2026-01-20T00:00:00.000Z' });
    expect((await client.balance()).unlimited).toEqual([]);
    // The monthly plan renews at the local midnight that starts 5 February.
    await t.admin.admin.moveClock({ now: '2026-02-05T00:00:00.000Z' });
    expect((await client.balance()).unlimited.map((w) => [w.modelId, w.startsAt, w.endsAt])).toEqual([
      ['spark-image', '2026-02-05T00:00:00.000Z', '2026-02-12T00:00:00.000Z'],
      ['vivid-image', '2026-02-05T00:00:00.000Z', '2026-02-12T00:00:00.000Z'],
    ]);
    const basic = await t.createAccount('Bas', 'UTC', 'basic');
    expect((await basic.client.balance()).unlimited).toEqual([]);
  });

  it('U2: a workflow request inside a window is charged at the standard rate; audio is never unlimited', async () => {
    const t = await backend({ testClock: '2026-03-10T14:00:00.000Z' });
    const { client } = await t.createAccount('Wo', 'UTC', 'ultra');
    const estimate = await client.estimateCost({ ...vivid(), workflow: true });
    expect(estimate).toMatchObject({
      cost: 24,
      unlimited: false,
      lane: 'standard',
      draws: [{ balance: 'free', amount: 24 }],
    });
    const generation = await client.createGeneration({ ...vivid(), workflow: true });
    expect(generation.charge).toMatchObject({ credits: 24, draws: [{ balance: 'free', amount: 24 }] });
    expect(
      await client.estimateCost({ tool: 'text-to-speech', modelId: 'voice-tts', settings: { outputs: 1 } }),
    ).toMatchObject({ cost: 4, unlimited: false });
  });

  it('U3: 100 parallel unlimited submits of one account never run two at a time, and all finish', async () => {
    const provider = new GatedProvider({ autoRelease: true });
    const t = await backend({
      testClock: '2026-03-10T14:00:00.000Z',
      provider,
      config: { ...lenientFairUse, queue: { workers: 4, systemConcurrency: 8 } },
    });
    const { client, account } = await t.createAccount('Par', 'UTC', 'ultra');
    const other = await t.createAccount('Oth', 'UTC', 'ultra');
    const submits = Array.from({ length: 100 }, (_, i) =>
      client.createGeneration({ ...spark(`p${i}`), workflow: false }),
    );
    // Another account's unlimited work runs beside it: U3 is per account.
    const others = Array.from({ length: 3 }, (_, i) => other.client.createGeneration(spark(`o${i}`)));
    const generations = await Promise.all([...submits, ...others]);
    expect(new Set(generations.map((g) => g.id)).size).toBe(103);
    await eventually(
      async () => (await client.listGenerations({ status: 'succeeded', limit: 500 })).items.length === 100,
      60_000,
      'all 100 finished',
    );
    expect(provider.maxPerAccount.get(account.id)).toBe(1);
    expect(provider.maxConcurrent).toBeGreaterThanOrEqual(2);
  });

  it('U3: waiting unlimited requests of one account run first in, first out', async () => {
    const provider = new GatedProvider();
    const t = await backend({ testClock: '2026-03-10T14:00:00.000Z', provider, config: { queue: { workers: 4 } } });
    const { client } = await t.createAccount('Fifo', 'UTC', 'ultra');
    const ids: string[] = [];
    for (let i = 0; i < 5; i += 1) ids.push((await client.createGeneration(spark(`f${i}`))).id);
    for (let i = 0; i < 5; i += 1) {
      await eventually(() => provider.isRunning(ids[i]!), 5_000, `generation ${i} running`);
      expect(provider.running.size).toBe(1);
      provider.release(ids[i]!);
    }
    expect(provider.started.map((s) => s.generationId)).toEqual(ids);
  });

  it('U4: the 51st unlimited request of a local day goes to Relaxed for a Relaxed model, and is refused until local midnight for another', async () => {
    // 10:00 in Los Angeles (UTC-7 in March after the DST change).
    const t = await backend({ testClock: '2026-03-10T17:00:00.000Z', config: lenientFairUse });
    const { client } = await t.createAccount('Fay', 'America/Los_Angeles', 'ultra');
    for (let i = 0; i < 50; i += 1) {
      const generation = await client.createGeneration(i % 2 ? spark(`s${i}`) : vivid(`v${i}`));
      expect(generation.lane).toBe('fast');
    }
    const balance = await client.balance();
    expect(balance.fast).toEqual({ used: 50, limit: 50, resetsAt: '2026-03-11T07:00:00.000Z' });

    const relaxed = await client.createGeneration(spark('the 51st'));
    expect(relaxed).toMatchObject({ lane: 'relaxed', charge: { credits: 0 } });
    const refused = await catchApiError(client.createGeneration(vivid('the 51st')));
    expect([refused.status, refused.code]).toEqual([429, 'fast_limit_reached']);
    expect(refused.problem?.resetsAt).toBe('2026-03-11T07:00:00.000Z');
    expect(await client.estimateCost(vivid())).toMatchObject({
      lane: 'fast',
      refusal: { code: 'fast_limit_reached', resetsAt: '2026-03-11T07:00:00.000Z' },
    });

    // Local midnight in Los Angeles: Fast again.
    await t.admin.admin.moveClock({ now: '2026-03-11T07:00:00.000Z' });
    expect((await client.createGeneration(vivid('new day'))).lane).toBe('fast');
    expect((await client.balance()).fast.used).toBe(1);
  });

  it('U5: Relaxed work is never starved by waiting standard work, and Fast/standard work never waits behind Relaxed', async () => {
    const provider = new GatedProvider();
    const t = await backend({
      testClock: '2026-03-10T14:00:00.000Z',
      provider,
      config: { ...lenientFairUse, queue: { workers: 3, relaxedMinSlots: 1, relaxedMaxSlots: 1 } },
    });
    // Relaxed work: an ultra account past its Fast limit.
    const heavy = await t.createAccount('Heavy', 'UTC', 'ultra');
    provider.autoRelease = true;
    for (let i = 0; i < 50; i += 1) await heavy.client.createGeneration(spark(`w${i}`));
    await eventually(
      async () => (await heavy.client.listGenerations({ status: 'succeeded', limit: 500 })).items.length === 50,
      30_000,
      'warm-up done',
    );
    provider.autoRelease = false;

    // Credit-paid work (standard lane) from five accounts takes every slot (the reserved one is idle, so it is lent).
    const payers = await Promise.all(['A', 'B', 'C', 'D', 'E'].map((n) => t.createAccount(n, 'UTC', 'basic')));
    const paid: Generation[] = [];
    for (const payer of payers)
      paid.push(await payer.client.createGeneration({ ...vivid(payer.account.name), workflow: true }));
    await eventually(() => provider.running.size === 3, 5_000, 'three slots busy');
    const relaxed = await heavy.client.createGeneration(spark('relaxed one'));
    expect(relaxed.lane).toBe('relaxed');
    // Never starved: the next free slot goes to the Relaxed job, although standard work waited longer.
    provider.release(paid[0]!.id);
    await eventually(() => provider.isRunning(relaxed.id), 5_000, 'relaxed started');
    expect(provider.isRunning(paid[3]!.id)).toBe(false);
    const queue = await payers[4]!.client.queue();
    expect(queue.lanes.standard).toMatchObject({ waiting: 2, running: 2 });
    expect(queue.lanes.relaxed).toMatchObject({ waiting: 0, running: 1 });

    // Relaxed takes no more than its slot: with a second Relaxed job waiting, a freed slot goes to standard work.
    const relaxed2 = await heavy.client.createGeneration(spark('relaxed two'));
    provider.release(paid[1]!.id);
    await eventually(() => provider.isRunning(paid[3]!.id), 5_000, 'the next standard job started');
    expect(provider.isRunning(relaxed2.id)).toBe(false);
    provider.releaseAll();
  });

  it('U6: the number of workers and the system-wide limit come from configuration', async () => {
    const provider = new GatedProvider();
    const t = await backend({
      testClock: '2026-03-10T14:00:00.000Z',
      provider,
      config: { queue: { workers: 1, systemConcurrency: 1 } },
    });
    const a = await t.createAccount('One', 'UTC', 'basic');
    const first = await a.client.createGeneration({ ...vivid(), workflow: true });
    const second = await a.client.createGeneration({ ...vivid('2'), workflow: true });
    await eventually(() => provider.isRunning(first.id), 5_000, 'first running');
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(provider.running.size).toBe(1);
    expect(provider.isRunning(second.id)).toBe(false);
    provider.releaseAll();
    await eventually(
      async () => (await a.client.getGeneration(second.id)).status === 'succeeded',
      5_000,
      'second done',
    );
  });

  it('U8: a system-wide limit queues excess work in the system queue with positions and estimates from measured times', async () => {
    const provider = new GatedProvider();
    const t = await backend({
      testClock: '2026-03-10T14:00:00.000Z',
      provider,
      config: { queue: { workers: 4, systemConcurrency: 2, relaxedMinSlots: 1 } },
    });
    const accounts = await Promise.all(['P', 'Q', 'R'].map((n) => t.createAccount(n, 'UTC', 'basic')));
    // Measured history: one finished job gives the run time the estimates use.
    provider.autoRelease = true;
    const warm = await accounts[0]!.client.createGeneration({ ...vivid('warm'), workflow: true });
    await eventually(
      async () => (await accounts[0]!.client.getGeneration(warm.id)).status === 'succeeded',
      5_000,
      'warm-up',
    );
    provider.autoRelease = false;

    const jobs: Generation[] = [];
    for (const a of accounts)
      for (let i = 0; i < 2; i += 1)
        jobs.push(await a.client.createGeneration({ ...vivid(`${a.account.name}${i}`), workflow: true }));
    await provider.untilStarted(3);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(provider.running.size).toBe(2);
    const queue = await accounts[2]!.client.queue();
    expect(queue.lanes.system).toMatchObject({ waiting: 4, running: 2 });
    const mine = queue.mine.filter((m) => m.position > 0);
    expect(mine.map((m) => m.position)).toEqual([3, 4]);
    for (const m of mine) expect(m.etaS).toBeGreaterThan(0);
    provider.releaseAll();
    await eventually(async () => (await accounts[2]!.client.queue()).mine.length === 0, 10_000, 'queue drained');
  });

  it('U8: an account with sustained high activity is slowed behind others', async () => {
    const provider = new GatedProvider();
    const t = await backend({
      testClock: '2026-03-10T14:00:00.000Z',
      provider,
      config: { queue: { workers: 2, systemConcurrency: 1, slowdown: { windowS: 600, threshold: 5, delayS: 60 } } },
    });
    const busy = await t.createAccount('Busy', 'UTC', 'basic');
    const calm = await t.createAccount('Calm', 'UTC', 'basic');
    const busyJobs: Generation[] = [];
    for (let i = 0; i < 7; i += 1)
      busyJobs.push(await busy.client.createGeneration({ ...spark(`b${i}`), workflow: true }));
    const calmJob = await calm.client.createGeneration({ ...spark('calm'), workflow: true });
    await eventually(() => provider.isRunning(busyJobs[0]!.id), 5_000, 'first busy job');
    provider.release(busyJobs[0]!.id);
    // The calm account's later job overtakes the busy account's waiting ones.
    await eventually(() => provider.isRunning(calmJob.id), 5_000, 'calm job started next');
    provider.releaseAll();
  });

  it('queue status: the caller sees its own jobs with position and ETA, and `queue` events as positions change', async () => {
    const provider = new GatedProvider();
    const t = await backend({
      testClock: '2026-03-10T14:00:00.000Z',
      provider,
      config: { queue: { workers: 2, systemConcurrency: 1 } },
    });
    const a = await t.createAccount('Que', 'UTC', 'basic');
    const stream = await openEventStream(t.url, a.token);
    const first = await a.client.createGeneration({ ...vivid('1'), workflow: true });
    const second = await a.client.createGeneration({ ...vivid('2'), workflow: true });
    await eventually(() => provider.isRunning(first.id), 5_000, 'first running');
    await eventually(
      async () => (await a.client.queue()).mine.some((m) => m.generationId === second.id && m.position === 1),
      5_000,
      'second waits first in line',
    );
    provider.release(first.id);
    const event = await stream.next(
      (e) =>
        e.event === 'queue' &&
        (e.data as { mine: Array<{ generationId: string; position: number }> }).mine.some(
          (m) => m.generationId === second.id && m.position === 0,
        ),
    );
    expect(event.event).toBe('queue');
    await stream.close();
    provider.releaseAll();
  });

  it('queue events: an account whose last job ended hears one more, with none of its own and the lanes idle', async () => {
    const provider = new GatedProvider();
    const t = await backend({
      testClock: '2026-03-10T14:00:00.000Z',
      provider,
      config: { queue: { workers: 1, systemConcurrency: 1 } },
    });
    const a = await t.createAccount('Que', 'UTC', 'basic');
    const stream = await openEventStream(t.url, a.token);
    const only = await a.client.createGeneration({ ...vivid('1'), workflow: true });
    await stream.next(
      (e) =>
        e.event === 'queue' &&
        (e.data as { mine: Array<{ generationId: string; position: number }> }).mine.some(
          (m) => m.generationId === only.id && m.position === 0,
        ),
    );
    provider.release(only.id);
    const last = await stream.next((e) => e.event === 'queue' && (e.data as { mine: unknown[] }).mine.length === 0);
    expect((last.data as { lanes: { system: { running: number; waiting: number } } }).lanes.system).toMatchObject({
      running: 0,
      waiting: 0,
    });
    await stream.close();
    provider.releaseAll();
  });
});
