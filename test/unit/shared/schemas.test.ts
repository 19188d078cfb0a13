import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as api from '../../../shared/api.js';

const SHA = 'a3f1c9e0b7d24f6a8e5c1d3b9f0a7e6c2d4b8f1a3e5c7d9b0f2a4c6e8d0b1f3a';

const balance = (): api.Balance => ({
  asOf: '2026-03-07T20:00:00.000Z',
  credits: {
    free: { amount: 100, resetsAt: '2026-03-08T05:00:00.000Z' },
    subscription: { amount: 4_800, expiresAt: '2026-04-15T04:00:00.000Z' },
    topup: { amount: 250 },
    total: 5_150,
  },
  generations: null,
  fast: { used: 12, limit: 50, resetsAt: '2026-03-08T05:00:00.000Z' },
  unlimited: [{ modelId: 'spark-image', startsAt: '2026-03-15T04:00:00.000Z', endsAt: '2026-03-22T04:00:00.000Z' }],
});

const standardPlan = {
  id: 'standard',
  name: 'Standard',
  billing: 'credits',
  period: 'month',
  monthlyCredits: 5_000,
  unlimitedModels: [
    { modelId: 'spark-image', days: 7 },
    { modelId: 'vivid-image', days: 7 },
  ],
  fastDailyLimit: 50,
  price: 20,
};

const me = () => ({
  id: 'acc_7Qm2xL0pR9sT4vW1yZ3bC5dE',
  name: 'Ada Creator',
  timeZone: 'America/New_York',
  status: 'active',
  plan: standardPlan,
  subscription: {
    planId: 'standard',
    status: 'active',
    startedAt: '2026-01-31T05:30:00.000Z',
    anniversaryDay: 31,
    renewsAt: '2026-02-28T05:00:00.000Z',
    period: 'month',
  },
});

const generation = () => ({
  id: 'gen_01',
  tool: 'text-to-image',
  modelId: 'vivid-image',
  prompt: 'a lighthouse at dusk, oil painting',
  settings: { outputs: 2, quality: 'hd', width: 1024, height: 1024, seed: 42 },
  status: 'succeeded',
  lane: 'standard',
  charge: {
    credits: 96,
    generations: 0,
    draws: [
      { balance: 'free', amount: 40 },
      { balance: 'subscription', amount: 56 },
    ],
    refunded: false,
  },
  outputs: [
    { id: 'out_01', kind: 'image', mime: 'image/png', bytes: 1_482_113, width: 1024, height: 1024, sha256: SHA },
    { id: 'out_02', kind: 'image', mime: 'image/png', bytes: 1_390_552, width: 1024, height: 1024, sha256: SHA },
  ],
  createdAt: '2026-03-07T20:00:00.000Z',
  startedAt: '2026-03-07T20:00:01.250Z',
  finishedAt: '2026-03-07T20:00:09.800Z',
});

const insufficientCredits = () => ({
  type: 'https://creator-companion.dev/problems/insufficient-credits',
  title: 'Insufficient credits',
  status: 402,
  code: 'insufficient_credits',
  detail: 'This request costs 210 credits; 170 are available',
  shortfall: 40,
  resetsAt: '2026-03-08T05:00:00.000Z',
  options: [
    { kind: 'wait', at: '2026-03-08T05:00:00.000Z' },
    { kind: 'topup' },
    { kind: 'upgrade', planIds: ['ultra', 'ultra-yearly'] },
  ],
});

const ledgerEntry = () => ({
  id: 'led_19',
  at: '2026-03-07T20:00:00.000Z',
  kind: 'debit',
  balance: 'free',
  amount: -40,
  after: 60,
  generationId: 'gen_01',
  reason: 'C5: vivid-image x2 hd',
});

describe('Catalog schema', () => {
  const shipped: unknown = JSON.parse(readFileSync(new URL('../../../backend/catalog.json', import.meta.url), 'utf8'));

  it('accepts the catalog file the backend ships', () => {
    expect(api.Catalog.safeParse(shipped).success).toBe(true);
  });

  it('the shipped catalog has the docs/API.md default models with their prices, pro flags and relaxed support', () => {
    const catalog = api.Catalog.parse(shipped);
    expect(catalog.models.map((m) => [m.id, m.kind, m.price, m.pro, m.supportsRelaxed])).toEqual([
      ['spark-image', 'image', 6, false, true],
      ['vivid-image', 'image', 24, false, false],
      ['vivid-pro-image', 'image', 60, true, false],
      ['upscale-2x', 'image', 10, false, false],
      ['motion-video', 'video', 210, false, true],
      ['motion-pro-video', 'video', 480, true, false],
      ['voice-tts', 'audio', 4, false, false],
      ['tune-music', 'audio', 40, false, false],
    ]);
  });

  it('C2: the shipped catalog grants 100 daily free credits', () => {
    expect(api.Catalog.parse(shipped).dailyFreeCredits).toBe(100);
  });

  it('the shipped catalog has the docs/API.md default plans', () => {
    const catalog = api.Catalog.parse(shipped);
    expect(
      catalog.plans.map((p) => [
        p.id,
        p.billing,
        p.period,
        p.monthlyCredits ?? p.monthlyGenerations,
        p.fastDailyLimit,
        p.price,
      ]),
    ).toEqual([
      ['free', 'credits', null, 0, 0, 0],
      ['basic', 'credits', 'month', 1_500, 0, 8],
      ['standard', 'credits', 'month', 5_000, 50, 20],
      ['ultra', 'credits', 'month', 16_000, 50, 48],
      ['ultra-yearly', 'credits', 'year', 16_000, 50, 480],
      ['core', 'generations', 'month', 10, 0, 0],
      ['plus', 'generations', 'month', 100, 0, 10],
      ['ultimate', 'generations', 'month', null, 0, 30],
    ]);
  });

  it('rejects a model with a negative price', () => {
    const bad = structuredClone(shipped) as { models: Array<{ price: number }> };
    (bad.models[0] as { price: number }).price = -1;
    expect(api.Catalog.safeParse(bad).success).toBe(false);
  });

  it('rejects a model of an unknown kind', () => {
    const bad = structuredClone(shipped) as { models: Array<{ kind: string }> };
    (bad.models[0] as { kind: string }).kind = 'hologram';
    expect(api.Catalog.safeParse(bad).success).toBe(false);
  });
});

describe('Balance schema', () => {
  it('accepts a credit-billed balance with an unlimited window', () => {
    expect(api.Balance.parse(balance())).toEqual(balance());
  });

  it('accepts a generation-billed balance with unlimited generations (limit null)', () => {
    const generationBilled = {
      ...balance(),
      credits: {
        free: { amount: 0, resetsAt: '2026-03-08T05:00:00.000Z' },
        subscription: { amount: 0, expiresAt: null },
        topup: { amount: 0 },
        total: 0,
      },
      generations: { used: 37, limit: null, resetsAt: '2026-04-01T04:00:00.000Z' },
      fast: { used: 0, limit: 0, resetsAt: '2026-03-08T05:00:00.000Z' },
      unlimited: [],
    };
    expect(api.Balance.safeParse(generationBilled).success).toBe(true);
  });

  it('rejects a fractional credit amount', () => {
    const bad = balance();
    bad.credits.free.amount = 12.5;
    expect(api.Balance.safeParse(bad).success).toBe(false);
  });

  it('rejects a negative credit balance', () => {
    // Balances never go below zero (the ledger refuses it, the database has a check constraint).
    const bad = balance();
    bad.credits.free.amount = -5;
    expect(api.Balance.safeParse(bad).success).toBe(false);
  });

  it('rejects a reset time that is not ISO 8601', () => {
    const bad = balance();
    bad.credits.free.resetsAt = '2026-03-08 05:00:00';
    expect(api.Balance.safeParse(bad).success).toBe(false);
  });

  it('rejects a balance without its fast-lane counter', () => {
    const { fast: _fast, ...bad } = balance();
    expect(api.Balance.safeParse(bad).success).toBe(false);
  });
});

describe('Me schema', () => {
  it('accepts an account with an active monthly subscription', () => {
    expect(api.Me.safeParse(me()).success).toBe(true);
  });

  it('accepts an account on the free plan without a subscription', () => {
    const free = {
      ...me(),
      plan: {
        id: 'free',
        name: 'Free',
        billing: 'credits',
        period: null,
        monthlyCredits: 0,
        unlimitedModels: [],
        fastDailyLimit: 0,
        price: 0,
      },
      subscription: {
        planId: 'free',
        status: 'none',
        startedAt: null,
        anniversaryDay: null,
        renewsAt: null,
        period: null,
      },
    };
    expect(api.Me.safeParse(free).success).toBe(true);
  });

  it.each(['Europe/Berlin', 'America/Argentina/Buenos_Aires', 'Etc/GMT+5', 'UTC'])(
    'A1: accepts the IANA time zone %s',
    (zone) => {
      expect(api.Me.safeParse({ ...me(), timeZone: zone }).success).toBe(true);
    },
  );

  it.each(['', '+02:00', 'UTC+2', 'Europe/', 'europe berlin', 'Europe/Berlin; DROP TABLE accounts'])(
    'A1: rejects the time zone string %j',
    (zone) => {
      expect(api.Me.safeParse({ ...me(), timeZone: zone }).success).toBe(false);
    },
  );

  it('rejects an unknown account status', () => {
    expect(api.Me.safeParse({ ...me(), status: 'banned' }).success).toBe(false);
  });

  it('A3: rejects an anniversary day of 32', () => {
    const bad = me();
    bad.subscription.anniversaryDay = 32;
    expect(api.Me.safeParse(bad).success).toBe(false);
  });

  it('rejects an account without a subscription object', () => {
    const { subscription: _subscription, ...bad } = me();
    expect(api.Me.safeParse(bad).success).toBe(false);
  });
});

describe('CostEstimate schema', () => {
  const estimate = () => ({
    cost: 420,
    draws: [
      { balance: 'free', amount: 100 },
      { balance: 'subscription', amount: 320 },
    ],
    lane: 'standard',
    unlimited: false,
  });

  it('accepts a charge drawn from two balances', () => {
    expect(api.CostEstimate.safeParse(estimate()).success).toBe(true);
  });

  it('C7: accepts an estimate that carries the refusal the request would get', () => {
    expect(api.CostEstimate.safeParse({ ...estimate(), draws: [], refusal: insufficientCredits() }).success).toBe(true);
  });

  it('rejects a negative cost', () => {
    expect(api.CostEstimate.safeParse({ ...estimate(), cost: -420 }).success).toBe(false);
  });

  it('rejects a draw from an unknown balance', () => {
    expect(api.CostEstimate.safeParse({ ...estimate(), draws: [{ balance: 'bonus', amount: 420 }] }).success).toBe(
      false,
    );
  });

  it('rejects an unknown lane', () => {
    expect(api.CostEstimate.safeParse({ ...estimate(), lane: 'turbo' }).success).toBe(false);
  });
});

describe('Generation schema', () => {
  it('accepts a finished generation with two outputs', () => {
    expect(api.Generation.safeParse(generation()).success).toBe(true);
  });

  it('accepts a queued generation with its position and estimate', () => {
    const queued = { ...generation(), status: 'queued', lane: 'relaxed', queuePosition: 3, etaS: 95, outputs: [] };
    delete (queued as { startedAt?: string }).startedAt;
    delete (queued as { finishedAt?: string }).finishedAt;
    expect(api.Generation.safeParse(queued).success).toBe(true);
  });

  it('rejects the unknown status "done"', () => {
    expect(api.Generation.safeParse({ ...generation(), status: 'done' }).success).toBe(false);
  });

  it('rejects 5 outputs in its settings', () => {
    expect(api.Generation.safeParse({ ...generation(), settings: { outputs: 5 } }).success).toBe(false);
  });

  it('rejects an output without a sha256', () => {
    const bad = generation();
    delete (bad.outputs[0] as { sha256?: string }).sha256;
    expect(api.Generation.safeParse(bad).success).toBe(false);
  });

  it('rejects a fractional charge', () => {
    const bad = generation();
    bad.charge.credits = 95.5;
    expect(api.Generation.safeParse(bad).success).toBe(false);
  });

  it('rejects a creation time without a time zone designator', () => {
    expect(api.Generation.safeParse({ ...generation(), createdAt: '2026-03-07T20:00:00' }).success).toBe(false);
  });
});

describe('GenerationRequest schema', () => {
  const request = (): api.GenerationRequest => ({
    tool: 'text-to-video',
    modelId: 'motion-video',
    prompt: 'waves rolling onto a beach at sunrise',
    settings: { outputs: 1, durationS: 10, quality: 'standard' },
  });

  it('accepts a video request', () => {
    expect(api.GenerationRequest.parse(request())).toEqual(request());
  });

  it('accepts an image-to-image request with a source and workflow flag', () => {
    const body = {
      tool: 'image-to-image',
      modelId: 'spark-image',
      prompt: 'in watercolour',
      settings: { outputs: 4, sourceId: 'upl_1' },
      workflow: true,
    };
    expect(api.GenerationRequest.safeParse(body).success).toBe(true);
  });

  it.each([0, 5, 2.5])('rejects outputs = %d', (outputs) => {
    expect(api.GenerationRequest.safeParse({ ...request(), settings: { outputs } }).success).toBe(false);
  });

  it('rejects an empty prompt', () => {
    expect(api.GenerationRequest.safeParse({ ...request(), prompt: '' }).success).toBe(false);
  });

  it('rejects an unknown tool', () => {
    expect(api.GenerationRequest.safeParse({ ...request(), tool: 'text-to-hologram' }).success).toBe(false);
  });

  it('rejects a request without settings', () => {
    const { settings: _settings, ...bad } = request();
    expect(api.GenerationRequest.safeParse(bad).success).toBe(false);
  });

  it('rejects the quality "ultra"', () => {
    expect(api.GenerationRequest.safeParse({ ...request(), settings: { outputs: 1, quality: 'ultra' } }).success).toBe(
      false,
    );
  });
});

describe('Problem schema', () => {
  it('C7: accepts insufficient_credits with its shortfall, reset time and ways out, and keeps them', () => {
    const parsed = api.Problem.parse(insufficientCredits());
    expect(parsed.shortfall).toBe(40);
    expect(parsed.resetsAt).toBe('2026-03-08T05:00:00.000Z');
    expect(parsed.options?.map((o) => o.kind)).toEqual(['wait', 'topup', 'upgrade']);
  });

  it('keeps extra fields it does not know', () => {
    expect(api.Problem.parse({ ...insufficientCredits(), requestId: 'req_9' })).toMatchObject({ requestId: 'req_9' });
  });

  it('accepts invalid_request with its errors', () => {
    const problem = {
      type: 'https://creator-companion.dev/problems/invalid-request',
      title: 'Invalid request',
      status: 400,
      code: 'invalid_request',
      errors: [{ path: 'body.name', message: 'Required' }],
    };
    expect(api.Problem.safeParse(problem).success).toBe(true);
  });

  it('rejects an unknown code', () => {
    expect(api.Problem.safeParse({ ...insufficientCredits(), code: 'out_of_money' }).success).toBe(false);
  });

  it('rejects a fractional shortfall', () => {
    expect(api.Problem.safeParse({ ...insufficientCredits(), shortfall: 39.5 }).success).toBe(false);
  });

  it('rejects a success status', () => {
    expect(api.Problem.safeParse({ ...insufficientCredits(), status: 200 }).success).toBe(false);
  });

  it('rejects a way out of an unknown kind', () => {
    expect(api.Problem.safeParse({ ...insufficientCredits(), options: [{ kind: 'beg' }] }).success).toBe(false);
  });
});

describe('SyncResponse schema', () => {
  it('accepts generation, workspace and balance changes', () => {
    const sync = {
      changes: [
        { kind: 'generation', id: 'gen_01', op: 'upsert', data: generation() },
        { kind: 'workspace', id: 'ws_1', op: 'delete', data: null },
        { kind: 'balance', id: 'acc_1', op: 'upsert', data: balance() },
      ],
      cursor: 'c_1842',
      more: false,
    };
    expect(api.SyncResponse.safeParse(sync).success).toBe(true);
  });

  it('rejects the op "remove"', () => {
    const sync = { changes: [{ kind: 'workspace', id: 'ws_1', op: 'remove', data: null }], cursor: 'c_1', more: false };
    expect(api.SyncResponse.safeParse(sync).success).toBe(false);
  });

  it('rejects a page without a cursor', () => {
    expect(api.SyncResponse.safeParse({ changes: [], more: true }).success).toBe(false);
  });
});

describe('QueueStatus schema', () => {
  const queue = () => ({
    lanes: {
      fast: { waiting: 4, running: 2, etaS: 30 },
      relaxed: { waiting: 120, running: 1, etaS: 900 },
      system: { waiting: 0, running: 8, etaS: 0 },
    },
    mine: [{ generationId: 'gen_02', lane: 'relaxed', position: 17, etaS: 240 }],
  });

  it('accepts the three lanes and my queued work', () => {
    expect(api.QueueStatus.safeParse(queue()).success).toBe(true);
  });

  it('rejects a negative number of waiting requests', () => {
    const bad = queue();
    bad.lanes.fast.waiting = -1;
    expect(api.QueueStatus.safeParse(bad).success).toBe(false);
  });

  it('rejects a queue status without the system lane', () => {
    const { system: _system, ...lanes } = queue().lanes;
    expect(api.QueueStatus.safeParse({ ...queue(), lanes }).success).toBe(false);
  });
});

describe('Usage schema', () => {
  const usage = () => ({
    rows: [
      { key: '2026-03-06', credits: 180, generations: 0, count: 5 },
      { key: '2026-03-07', credits: 420, generations: 0, count: 2 },
    ],
    totals: { credits: 600, generations: 0, count: 7 },
  });

  it('C10: accepts usage by day with totals', () => {
    expect(api.Usage.safeParse(usage()).success).toBe(true);
  });

  it('C10: rejects a fractional request count', () => {
    const bad = usage();
    bad.totals.count = 6.5;
    expect(api.Usage.safeParse(bad).success).toBe(false);
  });

  it('C10: rejects usage without totals', () => {
    expect(api.Usage.safeParse({ rows: usage().rows }).success).toBe(false);
  });
});

describe('LedgerEntry schema', () => {
  it('C9: accepts a debit with the balance after it', () => {
    expect(api.LedgerEntry.safeParse(ledgerEntry()).success).toBe(true);
  });

  it('C9: accepts a page of entries', () => {
    const page = {
      items: [ledgerEntry(), { ...ledgerEntry(), id: 'led_20', kind: 'grant', amount: 100, after: 160, reason: 'C2' }],
      nextCursor: null,
    };
    expect(api.LedgerPage.safeParse(page).success).toBe(true);
  });

  it('C9: rejects the kind "charge"', () => {
    expect(api.LedgerEntry.safeParse({ ...ledgerEntry(), kind: 'charge' }).success).toBe(false);
  });

  it('C9: rejects a fractional amount', () => {
    expect(api.LedgerEntry.safeParse({ ...ledgerEntry(), amount: -39.9 }).success).toBe(false);
  });

  it('C9: rejects an entry without a reason', () => {
    const { reason: _reason, ...bad } = ledgerEntry();
    expect(api.LedgerEntry.safeParse(bad).success).toBe(false);
  });

  it('C9: rejects a time that is not ISO 8601', () => {
    expect(api.LedgerEntry.safeParse({ ...ledgerEntry(), at: 'Sat, 07 Mar 2026 20:00:00 GMT' }).success).toBe(false);
  });
});

describe('ClockMove schema', () => {
  it('accepts a move to an instant', () => {
    expect(api.ClockMove.safeParse({ now: '2026-03-08T06:00:00Z' }).success).toBe(true);
  });

  it('accepts a move by a number of seconds', () => {
    expect(api.ClockMove.safeParse({ advanceS: 86_400 }).success).toBe(true);
  });

  it.each([
    ['an empty body', {}],
    ['both fields', { now: '2026-03-08T06:00:00Z', advanceS: 60 }],
    ['a zero move', { advanceS: 0 }],
    ['a backward move', { advanceS: -3_600 }],
    ['a date without a time', { now: '2026-03-08' }],
    ['a number as the instant', { now: 1_772_949_600_000 }],
  ])('rejects %s', (_label, body) => {
    expect(api.ClockMove.safeParse(body).success).toBe(false);
  });
});

describe('requests of the account routes', () => {
  it('C4: accepts a top-up of 500 credits', () => {
    expect(api.TopupRequest.safeParse({ credits: 500 }).success).toBe(true);
  });

  it.each([-500, 0, 12.5])('C4: rejects a top-up of %d credits', (credits) => {
    expect(api.TopupRequest.safeParse({ credits }).success).toBe(false);
  });

  it('A1: a new account defaults to the UTC time zone', () => {
    expect(api.AccountCreate.parse({ name: 'Ada' })).toEqual({ name: 'Ada', timeZone: 'UTC' });
  });
});
