/**
 * Credit rules of docs/POLICY.md (C1, C2, C5-C9) and the E1 worked example, over real HTTP with the typed client and
 * the test clock, on every storage engine. One backend per engine for the rules at a fixed instant and one for those that
 * move the clock; every test makes its own accounts. The account zone is
 * Europe/Berlin (CEST, UTC+2 in April): the backend starts at 12:00 local on 2026-04-14, so the next local midnight is
 * 2026-04-14T22:00Z and a subscription bought then has its anniversary on the 14th (next: 2026-05-13T22:00Z).
 */
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import type { GenerationRequest, GenerationSettings } from '../../../shared/api.js';
import type { CompanionClient } from '../../../shared/client.js';
import { catchApiError } from '../../support/api-error.js';
import type { TestAccount } from '../../support/backend.js';
import {
  allLedgerEntries,
  engines,
  entriesOf,
  expectLedgerExplains,
  suiteBackend,
  syncAll,
  waitForGeneration,
} from '../../support/engines.js';

const ZONE = 'Europe/Berlin';
const START = '2026-04-14T10:00:00Z';
const NEXT_MIDNIGHT = '2026-04-14T22:00:00.000Z';
const NEXT_ANNIVERSARY = '2026-05-13T22:00:00.000Z';

const TOOL_OF: Record<string, GenerationRequest['tool']> = {
  'spark-image': 'text-to-image',
  'vivid-image': 'text-to-image',
  'vivid-pro-image': 'text-to-image',
  'motion-video': 'text-to-video',
  'motion-pro-video': 'text-to-video',
  'voice-tts': 'text-to-speech',
  'tune-music': 'ai-music',
};

/** A request for a model's main tool; one output unless the settings say otherwise. */
function request(
  modelId: string,
  settings: Partial<GenerationSettings> = {},
  prompt = 'a lighthouse at dawn',
): GenerationRequest {
  const tool = TOOL_OF[modelId];
  if (!tool) throw new Error(`no tool for ${modelId}`);
  return { tool, modelId, prompt, settings: { outputs: 1, ...settings } };
}

/** A small real PNG, as a user would upload it. */
function png(): Promise<Buffer> {
  return sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } })
    .png()
    .toBuffer();
}

describe.each(engines)('credit rules on %s', (engine) => {
  const suite = suiteBackend(engine, { testClock: START });

  const freeAccount = () => suite.t.createAccount('Ada', ZONE);
  const basicAccount = () => suite.t.createAccount('Ada', ZONE, 'basic');

  /** Spends a basic account's 100 free and 1,500 subscription credits: 3 x 480 (vivid-pro-image hd x4) + 160 (tune-music 120 s). */
  async function drainedBasicAccount(): Promise<TestAccount> {
    const account = await basicAccount();
    for (let i = 0; i < 3; i += 1)
      await account.client.createGeneration(request('vivid-pro-image', { quality: 'hd', outputs: 4 }));
    await account.client.createGeneration(request('tune-music', { durationS: 120 }));
    expect((await account.client.balance()).credits.total).toBe(0);
    return account;
  }

  /** What a refused request must leave untouched: the ledger, the history and the sync log. */
  async function snapshot(client: CompanionClient) {
    return {
      ledger: await allLedgerEntries(client),
      history: await client.listGenerations({ limit: 500 }),
      sync: await syncAll(client),
    };
  }

  describe('C1 three balances', () => {
    it('C1: free (daily), subscription (monthly) and top-up (one-time) are shown apart, each with its own horizon', async () => {
      const { client } = await basicAccount();
      await client.buyTopup({ credits: 250 });
      expect((await client.balance()).credits).toEqual({
        free: { amount: 100, resetsAt: NEXT_MIDNIGHT },
        subscription: { amount: 1500, expiresAt: NEXT_ANNIVERSARY },
        topup: { amount: 250 },
        total: 1850,
      });
    });

    it('C1: each balance is fed by its own ledger entry', async () => {
      const { client } = await basicAccount();
      await client.buyTopup({ credits: 250 });
      const entries = await allLedgerEntries(client);
      expect(entries.reverse().map((e) => [e.kind, e.balance, e.amount, e.after])).toEqual([
        ['grant', 'free', 100, 100],
        ['grant', 'subscription', 1500, 1500],
        ['topup', 'topup', 250, 250],
      ]);
    });
  });

  describe('C5 spend order', () => {
    it('C5: a charge the free credits cover draws on the free balance only', async () => {
      const { client } = await basicAccount();
      const generation = await client.createGeneration(request('vivid-image'));
      expect(generation.charge.draws).toEqual([{ balance: 'free', amount: 24 }]);
      expect((await client.balance()).credits).toMatchObject({
        free: { amount: 76 },
        subscription: { amount: 1500 },
        total: 1576,
      });
    });

    it('C5: free credits are spent before subscription credits (76 free left, a 144 charge takes 76 + 68)', async () => {
      const { client } = await basicAccount();
      await client.createGeneration(request('vivid-image'));
      const generation = await client.createGeneration(request('vivid-image', { quality: 'hd', outputs: 3 }));
      expect(generation.charge.draws).toEqual([
        { balance: 'free', amount: 76 },
        { balance: 'subscription', amount: 68 },
      ]);
    });

    it('C5: one charge draws free, then subscription, then top-up, and the ledger records one debit per balance', async () => {
      const { client } = await basicAccount();
      await client.buyTopup({ credits: 1000 });
      const generation = await client.createGeneration(request('motion-pro-video', { durationS: 10, quality: 'hd' }));
      expect(generation.charge).toEqual({
        credits: 1920,
        generations: 0,
        draws: [
          { balance: 'free', amount: 100 },
          { balance: 'subscription', amount: 1500 },
          { balance: 'topup', amount: 320 },
        ],
        refunded: false,
      });
      const debits = (await allLedgerEntries(client)).filter((e) => e.kind === 'debit').reverse();
      expect(debits.map((e) => [e.balance, e.amount, e.after, e.generationId])).toEqual([
        ['free', -100, 0, generation.id],
        ['subscription', -1500, 0, generation.id],
        ['topup', -320, 680, generation.id],
      ]);
      expect((await client.balance()).credits.total).toBe(680);
    });
  });

  describe('C6 pricing', () => {
    let pricingAccount: TestAccount | undefined;

    it.each<[string, number, GenerationRequest]>([
      ['vivid-image, 1 output', 24, request('vivid-image')],
      ['vivid-image hd (x2)', 48, request('vivid-image', { quality: 'hd' })],
      ['vivid-image hd x3 outputs', 144, request('vivid-image', { quality: 'hd', outputs: 3 })],
      ['spark-image x4 outputs', 24, request('spark-image', { outputs: 4 })],
      ['vivid-pro-image hd x2 outputs (pro)', 240, request('vivid-pro-image', { quality: 'hd', outputs: 2 })],
      ['motion-video 5 s', 210, request('motion-video', { durationS: 5 })],
      ['motion-video without durationS (5 s)', 210, request('motion-video')],
      ['motion-video 10 s (x2)', 420, request('motion-video', { durationS: 10 })],
      ['motion-video 10 s hd x2 outputs', 1680, request('motion-video', { durationS: 10, quality: 'hd', outputs: 2 })],
      ['motion-pro-video 10 s (pro)', 960, request('motion-pro-video', { durationS: 10 })],
      ['voice-tts 30 s', 4, request('voice-tts', { durationS: 30 })],
      ['voice-tts 60 s (x2)', 8, request('voice-tts', { durationS: 60 })],
      ['voice-tts 120 s (x4)', 16, request('voice-tts', { durationS: 120 })],
      ['tune-music 120 s x2 outputs', 320, request('tune-music', { durationS: 120, outputs: 2 })],
    ])('C6: %s costs %i credits', async (_title, cost, body) => {
      pricingAccount ??= await basicAccount(); // estimates change nothing, so one account serves every row
      const { client } = pricingAccount;
      const { tool, modelId, settings } = body;
      expect(await client.estimateCost({ tool, modelId, settings })).toMatchObject({
        cost,
        unit: 'credits',
        lane: 'standard',
        unlimited: false,
      });
    });

    it('C6: the charge of a generation is its price (vivid-image hd x3 = 144)', async () => {
      const { client } = await basicAccount();
      const generation = await client.createGeneration(request('vivid-image', { quality: 'hd', outputs: 3 }));
      expect(generation.charge.credits).toBe(144);
      expect((await client.balance()).credits.total).toBe(1600 - 144);
    });

    it('C6: an image request with a duration is refused with 400 invalid_request naming body.settings.durationS', async () => {
      const { client } = await basicAccount();
      const error = await catchApiError(
        client.estimateCost({ tool: 'text-to-image', modelId: 'vivid-image', settings: { outputs: 1, durationS: 5 } }),
      );
      expect([error.status, error.code, error.problem?.errors?.map((e) => e.path)]).toEqual([
        400,
        'invalid_request',
        ['body.settings.durationS'],
      ]);
    });

    it('C6: image-to-image needs settings.sourceId (400 without) and is priced like the model (24) with an upload', async () => {
      const { client } = await freeAccount();
      const error = await catchApiError(
        client.createGeneration({
          tool: 'image-to-image',
          modelId: 'vivid-image',
          prompt: 'in watercolour',
          settings: { outputs: 1 },
        }),
      );
      expect([error.status, error.code, error.problem?.errors?.map((e) => e.path)]).toEqual([
        400,
        'invalid_request',
        ['body.settings.sourceId'],
      ]);
      const upload = await client.uploadReference(await png(), 'image/png');
      const generation = await client.createGeneration({
        tool: 'image-to-image',
        modelId: 'vivid-image',
        prompt: 'in watercolour',
        settings: { outputs: 1, sourceId: upload.id },
      });
      expect(generation.charge.draws).toEqual([{ balance: 'free', amount: 24 }]);
      expect((await waitForGeneration(client, generation.id)).status).toBe('succeeded');
    });

    it('C6: creative-upscale of an earlier image output costs 10', async () => {
      const { client } = await freeAccount();
      const first = await waitForGeneration(client, (await client.createGeneration(request('spark-image'))).id);
      const sourceId = first.outputs[0]?.id as string;
      const estimate = await client.estimateCost({
        tool: 'creative-upscale',
        modelId: 'upscale-2x',
        settings: { outputs: 1, sourceId },
      });
      expect([estimate.cost, estimate.draws]).toEqual([10, [{ balance: 'free', amount: 10 }]]);
    });

    it('C6: a pro model without a subscription is refused with 403 subscription_required, and nothing is charged', async () => {
      const { client } = await freeAccount();
      const before = await snapshot(client);
      const estimate = await client.estimateCost({
        tool: 'text-to-image',
        modelId: 'vivid-pro-image',
        settings: { outputs: 1 },
      });
      expect(estimate).toMatchObject({ cost: 60, draws: [], refusal: { status: 403, code: 'subscription_required' } });
      const error = await catchApiError(client.createGeneration(request('vivid-pro-image')));
      expect([error.status, error.code]).toEqual([403, 'subscription_required']);
      expect(await snapshot(client)).toEqual(before);
    });

    it('C6: a pro model with a subscription is charged its pro price (vivid-pro-image 60)', async () => {
      const { client } = await basicAccount();
      const generation = await client.createGeneration(request('vivid-pro-image'));
      expect(generation.charge.draws).toEqual([{ balance: 'free', amount: 60 }]);
    });
  });

  describe('C7 refusal when the balances cannot pay', () => {
    it('C7: without a subscription: 402 with the shortfall, the next free refresh and the plans that would cover it; no top-up', async () => {
      const { client } = await freeAccount();
      for (let i = 0; i < 4; i += 1) await client.createGeneration(request('vivid-image')); // 96 of 100 spent
      const error = await catchApiError(client.createGeneration(request('vivid-image', { quality: 'hd' })));
      expect([error.status, error.code]).toEqual([402, 'insufficient_credits']);
      expect(error.problem).toMatchObject({
        shortfall: 44,
        resetsAt: NEXT_MIDNIGHT,
        options: [
          { kind: 'wait', at: NEXT_MIDNIGHT },
          { kind: 'upgrade', planIds: ['basic', 'standard', 'ultra', 'ultra-yearly'] },
        ],
      });
    });

    it('C7: a refused request charges nothing and records no generation (ledger, history and sync unchanged)', async () => {
      const { client } = await freeAccount();
      const before = await snapshot(client);
      const error = await catchApiError(client.createGeneration(request('motion-video')));
      expect([error.code, error.problem?.shortfall]).toEqual(['insufficient_credits', 110]);
      expect(await snapshot(client)).toEqual(before);
    });

    it('C7: subscribed with everything spent: the ways out are waiting for midnight, a top-up of the shortfall, or a bigger plan', async () => {
      const { client } = await drainedBasicAccount();
      const error = await catchApiError(client.createGeneration(request('vivid-image')));
      expect([error.status, error.code]).toEqual([402, 'insufficient_credits']);
      expect(error.problem).toMatchObject({
        shortfall: 24,
        resetsAt: NEXT_MIDNIGHT,
        options: [
          { kind: 'wait', at: NEXT_MIDNIGHT },
          { kind: 'topup', credits: 24 },
          { kind: 'upgrade', planIds: ['standard', 'ultra', 'ultra-yearly'] },
        ],
      });
    });

    it('C7: when only the next monthly grant would cover it (840 > 100 free), the wait is until the anniversary', async () => {
      const { client } = await drainedBasicAccount();
      const error = await catchApiError(
        client.createGeneration(request('motion-video', { durationS: 10, quality: 'hd' })),
      );
      expect(error.problem).toMatchObject({
        status: 402,
        code: 'insufficient_credits',
        shortfall: 840,
        resetsAt: NEXT_ANNIVERSARY,
        options: [
          { kind: 'wait', at: NEXT_ANNIVERSARY },
          { kind: 'topup', credits: 840 },
          { kind: 'upgrade', planIds: ['standard', 'ultra', 'ultra-yearly'] },
        ],
      });
    });

    it('C7: the cost preview shows the same refusal before anything is sent', async () => {
      const { client } = await drainedBasicAccount();
      const estimate = await client.estimateCost({
        tool: 'text-to-image',
        modelId: 'vivid-image',
        settings: { outputs: 1 },
      });
      expect(estimate).toMatchObject({
        cost: 24,
        draws: [],
        refusal: { status: 402, code: 'insufficient_credits', shortfall: 24 },
      });
    });
  });

  describe('C8 refunds', () => {
    it('C8: a prompt with a blocked word ends blocked and is refunded in full to the free balance', async () => {
      const { client } = await freeAccount();
      const created = await client.createGeneration(request('vivid-image', {}, 'a gore scene in the rain'));
      const blocked = await waitForGeneration(client, created.id);
      expect([blocked.status, blocked.charge.refunded, blocked.outputs]).toEqual(['blocked', true, []]);
      expect(blocked.error).toContain('gore');
      expect(entriesOf(await allLedgerEntries(client), created.id)).toEqual([
        ['debit', 'free', -24],
        ['refund', 'free', 24],
      ]);
      expect((await client.balance()).credits.free.amount).toBe(100);
    });

    it('C8: a blocked charge split over free and subscription returns each part to its own balance', async () => {
      const { client } = await basicAccount();
      const created = await client.createGeneration(
        request('vivid-image', { quality: 'hd', outputs: 3 }, 'the forbidden-word, sung'),
      );
      expect((await waitForGeneration(client, created.id)).status).toBe('blocked');
      expect(entriesOf(await allLedgerEntries(client), created.id)).toEqual([
        ['debit', 'free', -100],
        ['debit', 'subscription', -44],
        ['refund', 'free', 100],
        ['refund', 'subscription', 44],
      ]);
      expect((await client.balance()).credits).toMatchObject({
        free: { amount: 100 },
        subscription: { amount: 1500 },
        total: 1600,
      });
    });

    it('C8: a generation the provider fails is refunded in full and marked refunded', async () => {
      const { client } = await basicAccount();
      const created = await client.createGeneration(request('motion-video', {}, '[fail] waves at night'));
      const failed = await waitForGeneration(client, created.id);
      expect([failed.status, failed.charge.refunded]).toEqual(['failed', true]);
      expect(failed.error).toContain('503');
      expect(entriesOf(await allLedgerEntries(client), created.id)).toEqual([
        ['debit', 'free', -100],
        ['debit', 'subscription', -110],
        ['refund', 'free', 100],
        ['refund', 'subscription', 110],
      ]);
      expect((await client.balance()).credits.total).toBe(1600);
    });

    it('C8: a refunded generation counts nothing against the balance it came from, and the ledger still explains the balances', async () => {
      const { client } = await basicAccount();
      await waitForGeneration(
        client,
        (await client.createGeneration(request('vivid-image', {}, '[fail] a lighthouse'))).id,
      );
      await waitForGeneration(client, (await client.createGeneration(request('vivid-image', {}, 'gore'))).id);
      await waitForGeneration(client, (await client.createGeneration(request('spark-image'))).id);
      const balance = await client.balance();
      expect(balance.credits.total).toBe(1600 - 6);
      expectLedgerExplains(await allLedgerEntries(client), balance);
    });
  });

  describe('C9 the price is shown before and recorded after', () => {
    it('C9: the cost preview charges nothing (ledger, balance and sync unchanged)', async () => {
      const { client } = await basicAccount();
      const before = { snapshot: await snapshot(client), balance: await client.balance() };
      await client.estimateCost({
        tool: 'text-to-video',
        modelId: 'motion-video',
        settings: { outputs: 2, durationS: 10 },
      });
      expect({ snapshot: await snapshot(client), balance: await client.balance() }).toEqual(before);
    });

    it('C9: the preview’s draws are the generation’s charge and the ledger’s debits', async () => {
      const { client } = await basicAccount();
      const body = request('vivid-image', { quality: 'hd', outputs: 3 });
      const estimate = await client.estimateCost({ tool: body.tool, modelId: body.modelId, settings: body.settings });
      expect(estimate).toEqual({
        cost: 144,
        unit: 'credits',
        draws: [
          { balance: 'free', amount: 100 },
          { balance: 'subscription', amount: 44 },
        ],
        lane: 'standard',
        unlimited: false,
      });
      const generation = await client.createGeneration(body);
      expect(generation.charge).toEqual({
        credits: estimate.cost,
        generations: 0,
        draws: estimate.draws,
        refunded: false,
      });
      const debits = entriesOf(await allLedgerEntries(client), generation.id);
      expect(debits).toEqual(estimate.draws.map((d) => ['debit', d.balance, -d.amount]));
    });

    it('C9: the ledger is append-only: each entry’s `after` is the running sum, and the sums are the balances', async () => {
      const { client } = await basicAccount();
      await client.buyTopup({ credits: 500 });
      await client.createGeneration(request('motion-video', { durationS: 10 }));
      await waitForGeneration(
        client,
        (await client.createGeneration(request('vivid-image', { outputs: 2 }, 'gore at noon'))).id,
      );
      const entries = await allLedgerEntries(client);
      expect(entries.map((e) => e.kind)).toEqual(['refund', 'debit', 'debit', 'debit', 'topup', 'grant', 'grant']);
      expect(entries.map((e) => Number(e.id))).toEqual([...entries.map((e) => Number(e.id))].sort((a, b) => b - a));
      expectLedgerExplains(entries, await client.balance());
    });
  });

  describe('E1 plan estimator', () => {
    it('E1: 30 images/day at 24 and 10 videos/day at 210 over 22 working days are 15,840 + 46,200 = 62,040 credits', async () => {
      const { client } = await basicAccount();
      const image = await client.estimateCost({
        tool: 'text-to-image',
        modelId: 'vivid-image',
        settings: { outputs: 1 },
      });
      const video = await client.estimateCost({
        tool: 'text-to-video',
        modelId: 'motion-video',
        settings: { outputs: 1, durationS: 5 },
      });
      expect([image.cost, video.cost]).toEqual([24, 210]);
      const images = 30 * 22 * image.cost;
      const videos = 10 * 22 * video.cost;
      expect([images, videos, images + videos]).toEqual([15_840, 46_200, 62_040]);
    });
  });

  describe('Idempotency-Key on charging POSTs', () => {
    it('the same key with the same body answers the first generation and charges once', async () => {
      const { client } = await freeAccount();
      const body = request('vivid-image');
      const first = await client.createGeneration(body, 'gen-key-1');
      const again = await client.createGeneration(body, 'gen-key-1');
      expect(again.id).toBe(first.id);
      expect(
        (await allLedgerEntries(client)).filter((e) => e.kind === 'debit').map((e) => [e.generationId, e.amount]),
      ).toEqual([[first.id, -24]]);
      expect((await client.listGenerations()).items.map((g) => g.id)).toEqual([first.id]);
    });

    it('the same key with another body answers 409 idempotency_conflict and charges nothing', async () => {
      const { client } = await freeAccount();
      await waitForGeneration(client, (await client.createGeneration(request('vivid-image'), 'gen-key-2')).id);
      const before = await snapshot(client);
      const error = await catchApiError(client.createGeneration(request('spark-image'), 'gen-key-2'));
      expect([error.status, error.code]).toEqual([409, 'idempotency_conflict']);
      expect(await snapshot(client)).toEqual(before);
    });

    it('a replayed top-up is bought once', async () => {
      const { client } = await basicAccount();
      await client.buyTopup({ credits: 300 }, 'topup-key');
      const again = await client.buyTopup({ credits: 300 }, 'topup-key');
      expect(again.credits.topup.amount).toBe(300);
      expect((await allLedgerEntries(client)).filter((e) => e.kind === 'topup')).toHaveLength(1);
    });
  });
});

/** The rules that need the clock to move, on a backend of their own so that each move has few accounts to visit. */
describe.each(engines)('credit rules over time on %s', (engine) => {
  const suite = suiteBackend(engine, { testClock: START });
  const { provider } = suite;

  const freeAccount = () => suite.t.createAccount('Ada', ZONE);
  const basicAccount = () => suite.t.createAccount('Ada', ZONE, 'basic');

  describe('C2 daily free credits', () => {
    it('C2: at local midnight the free balance is reset to 100, not increased: 76 left become 100, not 176', async () => {
      const { client } = await freeAccount();
      await client.createGeneration(request('vivid-image'));
      await suite.t.admin.admin.moveClock({ now: '2026-04-14T21:59:59Z' }); // 23:59:59 in Berlin
      expect((await client.balance()).credits.free.amount).toBe(76);
      await suite.t.admin.admin.moveClock({ now: '2026-04-14T22:00:00Z' });
      expect((await client.balance()).credits.free).toEqual({ amount: 100, resetsAt: '2026-04-15T22:00:00.000Z' });
      const [grant, expiry] = await allLedgerEntries(client);
      expect([expiry, grant].map((e) => [e?.at, e?.kind, e?.balance, e?.amount, e?.after])).toEqual([
        ['2026-04-14T22:00:00.000Z', 'expire', 'free', -76, 0],
        ['2026-04-14T22:00:00.000Z', 'grant', 'free', 100, 100],
      ]);
    });
  });

  describe('C8 refunds after an allocation expired', () => {
    it('C8: a refund after the monthly grant returns nothing for the subscription part (1,120 left expired) and free stays 100', async () => {
      await suite.t.admin.admin.moveClock({ now: '2026-04-20T10:00:00Z' }); // 12:00 in Berlin, anniversary day 20
      const { client } = await basicAccount();
      const created = await client.createGeneration(
        request('vivid-pro-image', { quality: 'hd', outputs: 4 }, '[hold:c8-partial][fail] a harbour'),
      );
      expect(created.charge.draws).toEqual([
        { balance: 'free', amount: 100 },
        { balance: 'subscription', amount: 380 },
      ]);
      await waitForGeneration(client, created.id, ['running']);
      await suite.t.admin.admin.moveClock({ now: '2026-05-20T06:00:00Z' }); // past the grant at 2026-05-19T22:00Z
      provider.release('c8-partial');
      expect((await waitForGeneration(client, created.id)).status).toBe('failed');
      expect(entriesOf(await allLedgerEntries(client), created.id)).toEqual([
        ['debit', 'free', -100],
        ['debit', 'subscription', -380],
        ['refund', 'free', 0],
        ['refund', 'subscription', 0],
      ]);
      expect((await client.balance()).credits).toMatchObject({
        free: { amount: 100 },
        subscription: { amount: 1500 },
        total: 1600,
      });
    });

    it('C8: when the charge took the whole allocation, the refund after the grant returns only the top-up part', async () => {
      await suite.t.admin.admin.moveClock({ now: '2026-06-01T10:00:00Z' }); // anniversary day 1: next grant 2026-06-30T22:00Z
      const { client } = await basicAccount();
      await client.buyTopup({ credits: 1000 });
      const created = await client.createGeneration(
        request('motion-pro-video', { durationS: 10, quality: 'hd' }, '[hold:c8-whole][fail] a storm'),
      );
      await waitForGeneration(client, created.id, ['running']);
      await suite.t.admin.admin.moveClock({ now: '2026-07-01T06:00:00Z' });
      provider.release('c8-whole');
      expect((await waitForGeneration(client, created.id)).status).toBe('failed');
      expect(entriesOf(await allLedgerEntries(client), created.id)).toEqual([
        ['debit', 'free', -100],
        ['debit', 'subscription', -1500],
        ['debit', 'topup', -320],
        ['refund', 'free', 0],
        ['refund', 'subscription', 0],
        ['refund', 'topup', 320],
      ]);
      expect((await client.balance()).credits).toMatchObject({
        free: { amount: 100 },
        subscription: { amount: 1500 },
        topup: { amount: 1000 },
        total: 2600,
      });
    });
  });
});
