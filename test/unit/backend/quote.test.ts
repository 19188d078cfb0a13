/**
 * The quote (C5-C7, G2, G6, U1-U4, U7's pause, pro models) as a table: each row an account's state, a request and what
 * the quote decides. The quote is a pure function, so no database is needed; the rule tests over HTTP check the same
 * decisions end to end.
 */
import { describe, expect, it } from 'vitest';
import type { CostEstimateRequest, GenerationSettings, ToolId } from '../../../shared/api.js';
import { loadCatalog } from '../../../backend/catalog.js';
import { quote, type Quote, type QuoteState } from '../../../backend/policy/quote.js';
import type { SubscriptionRow } from '../../../backend/policy/subscriptions.js';

const catalog = loadCatalog();
const NOW = new Date('2026-03-07T12:00:00Z');
const NEXT_MIDNIGHT = '2026-03-08T00:00:00.000Z';
/** A monthly subscription taken on the 1st: its next grant (and the end of this month's allocation) is on April 1st. */
const NEXT_GRANT = '2026-04-01T00:00:00.000Z';
const WINDOW = { model_id: 'spark-image', starts_at: '2026-03-05T00:00:00.000Z', ends_at: '2026-03-12T00:00:00.000Z' };
const VIVID_WINDOW = { ...WINDOW, model_id: 'vivid-image' };

function subscribed(planId: string): SubscriptionRow {
  return {
    account_id: 'acc_1',
    plan_id: planId,
    status: 'active',
    started_at: '2026-03-01T00:00:00.000Z',
    anniversary_day: 1,
    period: 'month',
    period_ends_at: NEXT_GRANT,
    last_grant_at: '2026-03-01T00:00:00.000Z',
  };
}

function state(
  planId: string,
  balances: Partial<QuoteState['balances']> = {},
  more: Partial<QuoteState> = {},
): QuoteState {
  return {
    account: { plan_id: planId, status: 'active', time_zone: 'UTC' },
    subscription: planId === 'free' ? null : subscribed(planId),
    balances: { free: 0, subscription: 0, topup: 0, generations: 0, ...balances },
    window: null,
    fastUsedToday: 0,
    ...more,
  };
}

const TOOL: Record<string, ToolId> = {
  'spark-image': 'text-to-image',
  'vivid-image': 'text-to-image',
  'vivid-pro-image': 'text-to-image',
  'motion-video': 'text-to-video',
  'tune-music': 'ai-music',
};
function request(modelId: string, settings: Partial<GenerationSettings> = {}, workflow?: boolean): CostEstimateRequest {
  return {
    tool: TOOL[modelId]!,
    modelId,
    settings: { outputs: 1, ...settings },
    ...(workflow === undefined ? {} : { workflow }),
  };
}

interface Expected {
  cost: number;
  unit?: Quote['unit'];
  draws?: Quote['draws'];
  lane?: Quote['lane'];
  unlimited?: boolean;
  /** The refusal as problem+json (its code and what it says), or null when the request may run. */
  refusal?: Record<string, unknown> | null;
}

const rows: Array<[string, QuoteState, CostEstimateRequest, Expected]> = [
  // C5: spend order free, then subscription, then top-up.
  [
    'C5: a free account pays from its free credits',
    state('free', { free: 100 }),
    request('spark-image'),
    {
      cost: 6,
      unit: 'credits',
      draws: [{ balance: 'free', amount: 6 }],
      lane: 'standard',
      unlimited: false,
      refusal: null,
    },
  ],
  [
    'C5: free credits first, the rest from top-up',
    state('free', { free: 4, topup: 10 }),
    request('spark-image'),
    {
      cost: 6,
      draws: [
        { balance: 'free', amount: 4 },
        { balance: 'topup', amount: 2 },
      ],
      refusal: null,
    },
  ],
  [
    'C5: free, then subscription, then top-up',
    state('basic', { free: 2, subscription: 3, topup: 5 }),
    request('spark-image'),
    {
      cost: 6,
      draws: [
        { balance: 'free', amount: 2 },
        { balance: 'subscription', amount: 3 },
        { balance: 'topup', amount: 1 },
      ],
      refusal: null,
    },
  ],
  [
    'C5: subscription credits before top-up',
    state('basic', { subscription: 1500, topup: 50 }),
    request('vivid-image'),
    { cost: 24, draws: [{ balance: 'subscription', amount: 24 }], refusal: null },
  ],
  [
    'C5: quality and outputs multiply the price (hd x2, 4 outputs)',
    state('free', { free: 100 }),
    request('spark-image', { quality: 'hd', outputs: 4 }),
    { cost: 48, draws: [{ balance: 'free', amount: 48 }], refusal: null },
  ],
  [
    'C5: an exact balance covers the cost',
    state('free', { free: 6 }),
    request('spark-image'),
    { cost: 6, draws: [{ balance: 'free', amount: 6 }], refusal: null },
  ],
  // C7: refused before anything runs, with the shortfall and the ways out.
  [
    'C7: a free account one credit short may wait for midnight or upgrade (no top-up without a subscription)',
    state('free', { free: 5 }),
    request('spark-image'),
    {
      cost: 6,
      draws: [],
      refusal: {
        code: 'insufficient_credits',
        status: 402,
        shortfall: 1,
        resetsAt: NEXT_MIDNIGHT,
        options: [
          { kind: 'wait', at: NEXT_MIDNIGHT },
          { kind: 'upgrade', planIds: ['basic', 'standard', 'ultra', 'ultra-yearly'] },
        ],
      },
    },
  ],
  [
    'C7: a subscriber with nothing left may wait for midnight, top up or upgrade',
    state('basic'),
    request('vivid-image'),
    {
      cost: 24,
      refusal: {
        code: 'insufficient_credits',
        shortfall: 24,
        resetsAt: NEXT_MIDNIGHT,
        options: [
          { kind: 'wait', at: NEXT_MIDNIGHT },
          { kind: 'topup', credits: 24 },
          { kind: 'upgrade', planIds: ['standard', 'ultra', 'ultra-yearly'] },
        ],
      },
    },
  ],
  [
    'C7: a cost beyond the daily free credits waits for the monthly grant',
    state('basic', { free: 100 }),
    request('motion-video', { durationS: 10 }),
    {
      cost: 420,
      refusal: {
        code: 'insufficient_credits',
        shortfall: 320,
        resetsAt: NEXT_GRANT,
        options: [
          { kind: 'wait', at: NEXT_GRANT },
          { kind: 'topup', credits: 320 },
          { kind: 'upgrade', planIds: ['standard', 'ultra', 'ultra-yearly'] },
        ],
      },
    },
  ],
  [
    'C7: no refresh would cover it: no wait among the ways out, and resetsAt is the next free credits',
    state('free'),
    request('motion-video', { durationS: 10, outputs: 4 }),
    {
      cost: 1680,
      refusal: {
        code: 'insufficient_credits',
        shortfall: 1680,
        resetsAt: NEXT_MIDNIGHT,
        options: [{ kind: 'upgrade', planIds: ['standard', 'ultra', 'ultra-yearly'] }],
      },
    },
  ],
  // C6: pro models need a subscription.
  [
    'C6: a pro model without a subscription is refused with the plans to upgrade to',
    state('free', { free: 100 }),
    request('vivid-pro-image'),
    {
      cost: 60,
      draws: [],
      refusal: {
        code: 'subscription_required',
        status: 403,
        options: [{ kind: 'upgrade', planIds: ['basic', 'standard', 'ultra', 'ultra-yearly'] }],
      },
    },
  ],
  [
    'C6: a pro model with a subscription is charged',
    state('basic', { free: 10, subscription: 1500 }),
    request('vivid-pro-image'),
    {
      cost: 60,
      draws: [
        { balance: 'free', amount: 10 },
        { balance: 'subscription', amount: 50 },
      ],
      refusal: null,
    },
  ],
  // G2, G6: generation-billed plans.
  [
    'G2: a generation-billed plan counts one generation, whatever the outputs',
    state('core', { generations: 3 }),
    request('vivid-image', { outputs: 4, quality: 'hd' }),
    { cost: 1, unit: 'generations', draws: [{ balance: 'generations', amount: 1 }], lane: 'standard', refusal: null },
  ],
  [
    'G6: a generation-billed plan at its limit is refused until the next grant, with the plans above it',
    state('core', { generations: 0, free: 100 }),
    request('spark-image'),
    {
      cost: 1,
      unit: 'generations',
      draws: [],
      refusal: {
        code: 'generation_limit_reached',
        status: 429,
        resetsAt: NEXT_GRANT,
        options: [
          { kind: 'wait', at: NEXT_GRANT },
          { kind: 'upgrade', planIds: ['plus', 'ultimate'] },
        ],
      },
    },
  ],
  [
    'G1: an unlimited generation plan is never at its limit; the use is counted as zero',
    state('ultimate', { generations: 0 }),
    request('tune-music'),
    { cost: 1, unit: 'generations', draws: [{ balance: 'generations', amount: 0 }], refusal: null },
  ],
  // U1-U4: unlimited windows.
  [
    'U1: inside an open window an image costs nothing and runs Fast',
    state('standard', {}, { window: WINDOW }),
    request('spark-image', { outputs: 4 }),
    { cost: 0, unit: 'credits', draws: [], lane: 'fast', unlimited: true, refusal: null },
  ],
  [
    'U1: with no window open the same request is paid in credits',
    state('standard', { subscription: 5000 }),
    request('spark-image'),
    { cost: 6, draws: [{ balance: 'subscription', amount: 6 }], lane: 'standard', unlimited: false, refusal: null },
  ],
  [
    'U2: a workflow request inside a window is paid in credits',
    state('standard', { subscription: 5000 }, { window: WINDOW }),
    request('spark-image', {}, true),
    { cost: 6, draws: [{ balance: 'subscription', amount: 6 }], unlimited: false, refusal: null },
  ],
  [
    'U2: an audio model has no unlimited use, even with a window given',
    state('standard', { subscription: 5000 }, { window: { ...WINDOW, model_id: 'tune-music' } }),
    request('tune-music'),
    { cost: 40, unlimited: false, refusal: null },
  ],
  [
    'U4: the last Fast generation of the day still runs Fast',
    state('standard', {}, { window: WINDOW, fastUsedToday: 49 }),
    request('spark-image'),
    { cost: 0, lane: 'fast', unlimited: true, refusal: null },
  ],
  [
    'U4: past the Fast limit, a model with Relaxed mode runs Relaxed',
    state('standard', {}, { window: WINDOW, fastUsedToday: 50 }),
    request('spark-image'),
    { cost: 0, lane: 'relaxed', unlimited: true, refusal: null },
  ],
  [
    'U4: past the Fast limit, a model without Relaxed mode is refused until local midnight',
    state('standard', {}, { window: VIVID_WINDOW, fastUsedToday: 50 }),
    request('vivid-image'),
    {
      cost: 0,
      lane: 'fast',
      unlimited: true,
      refusal: {
        code: 'fast_limit_reached',
        status: 429,
        resetsAt: NEXT_MIDNIGHT,
        retryAfterS: 12 * 3600,
        options: [{ kind: 'wait', at: NEXT_MIDNIGHT }],
      },
    },
  ],
  // U7: a fair-use pause stops unlimited access only.
  [
    'U7: a paused account inside a window is refused unlimited use',
    state(
      'standard',
      { subscription: 5000 },
      { window: WINDOW, account: { plan_id: 'standard', status: 'unlimited_paused', time_zone: 'UTC' } },
    ),
    request('spark-image'),
    { cost: 0, unlimited: false, refusal: { code: 'unlimited_paused', status: 403, options: [{ kind: 'wait' }] } },
  ],
  [
    'U7: a paused account keeps paying with credits outside a window',
    state(
      'standard',
      { subscription: 5000 },
      { account: { plan_id: 'standard', status: 'unlimited_paused', time_zone: 'UTC' } },
    ),
    request('spark-image'),
    { cost: 6, draws: [{ balance: 'subscription', amount: 6 }], refusal: null },
  ],
];

describe('the quote', () => {
  it.each(rows)('%s', (_, given, asked, expected) => {
    const { refusal, ...decided } = quote(given, asked, catalog, NOW);
    const { refusal: expectedRefusal, ...rest } = expected;
    expect(decided).toMatchObject(rest);
    if (expectedRefusal === undefined) return;
    if (expectedRefusal === null) expect(refusal).toBeNull();
    else expect(refusal?.toProblem()).toMatchObject(expectedRefusal);
  });

  it('takes the time zone of the account for local midnight', () => {
    const inTokyo = state(
      'free',
      { free: 5 },
      { account: { plan_id: 'free', status: 'active', time_zone: 'Asia/Tokyo' } },
    );
    expect(quote(inTokyo, request('spark-image'), catalog, NOW).refusal?.toProblem()).toMatchObject({
      resetsAt: '2026-03-07T15:00:00.000Z',
    });
  });

  it('refuses a request the catalog cannot price with 400, naming the field', () => {
    expect(() =>
      quote(state('free', { free: 100 }), { ...request('spark-image'), modelId: 'no-such-model' }, catalog, NOW),
    ).toThrow(/body.modelId: unknown model no-such-model/);
    expect(() => quote(state('free', { free: 100 }), request('spark-image', { outputs: 9 }), catalog, NOW)).toThrow(
      /body.settings.outputs/,
    );
  });

  it('refuses a tool that needs a source without one', () => {
    expect(() =>
      quote(
        state('free', { free: 100 }),
        { tool: 'image-to-image', modelId: 'spark-image', settings: { outputs: 1 } },
        catalog,
        NOW,
      ),
    ).toThrow(/needs settings.sourceId/);
  });
});
