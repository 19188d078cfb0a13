import { describe, expect, it } from 'vitest';
import type { Balance, Plan, Subscription, Usage } from '../../../shared/api.js';
import {
  computePace,
  pacePlanOf,
  paceDayKeys,
  paceRange,
  type PacePlan,
} from '../../../renderer/src/views/dashboard/pace.js';
import { outlookText } from '../../../renderer/src/views/dashboard/PacePanel.js';

const zone = 'America/New_York';
// 15:00 on Sat 7 Mar 2026 in New York (EST), the day before the spring-forward change.
const now = new Date('2026-03-07T20:00:00.000Z');

function creditBalance(free: number, subscription: number, topup: number, expiresAt: string | null): Balance {
  return {
    asOf: now.toISOString(),
    credits: {
      free: { amount: free, resetsAt: '2026-03-08T05:00:00.000Z' },
      subscription: { amount: subscription, expiresAt },
      topup: { amount: topup },
      total: free + subscription + topup,
    },
    generations: null,
    fast: { used: 0, limit: 0, resetsAt: '2026-03-08T05:00:00.000Z' },
    unlimited: [],
  };
}

const usage = (rows: Array<[string, number]>): Usage => ({
  rows: rows.map(([key, credits]) => ({ key, credits, generations: 0, count: 1 })),
  totals: { credits: rows.reduce((sum, [, credits]) => sum + credits, 0), generations: 0, count: rows.length },
});

describe('pace: the last 7 local days', () => {
  it('starts at local midnight six days ago and ends now', () => {
    expect(paceRange(now, zone)).toEqual({ from: '2026-03-01T05:00:00.000Z', to: '2026-03-07T20:00:00.000Z' });
  });

  it('names the 7 local days, oldest first, across a DST change', () => {
    expect(paceDayKeys(new Date('2026-03-10T12:00:00Z'), zone)).toEqual([
      '2026-03-04',
      '2026-03-05',
      '2026-03-06',
      '2026-03-07',
      '2026-03-08',
      '2026-03-09',
      '2026-03-10',
    ]);
  });
});

/** The free plan: 100 free credits each local midnight (C2), no grants. */
const freePlan: PacePlan = { dailyFree: 100, allocation: 0, anniversaryDay: null, grantsEndAt: null };
/** A monthly subscription renewing on the 7th (A3) with `allocation` credits each month. */
const monthly = (allocation: number, grantsEndAt: string | null = null): PacePlan => ({
  dailyFree: 100,
  allocation,
  anniversaryDay: 7,
  grantsEndAt,
});
/** 00:00 on Tue 7 Apr in New York (EDT): the next anniversary. */
const renewal = '2026-04-07T04:00:00.000Z';

describe('pace: what it means for the balances', () => {
  it('averages over 7 days with missing days as zero', () => {
    const pace = computePace(
      usage([
        ['2026-03-02', 120],
        ['2026-03-07', 20],
      ]),
      creditBalance(80, 0, 0, null),
      freePlan,
      now,
      zone,
    );
    expect(pace.days.map((day) => day.amount)).toEqual([0, 120, 0, 0, 0, 0, 20]);
    expect(pace.perDay).toBe(20);
  });

  it('says nothing runs down when nothing was spent', () => {
    expect(computePace(usage([]), creditBalance(100, 0, 0, null), freePlan, now, zone).outlook).toEqual({
      kind: 'idle',
    });
  });

  // Each case: the balances now, the plan, the pace (credits a day), and what the projection must say.
  const cases: Array<{
    name: string;
    balance: Balance;
    plan: PacePlan;
    perDay: number;
    outlook: Record<string, unknown>;
    unused: number | null;
  }> = [
    {
      name: 'C2: a pace under the daily free credits never runs out, and leaves the top-up alone',
      balance: creditBalance(30, 0, 70, null),
      plan: freePlan,
      perDay: 10,
      outlook: { kind: 'covered', drawsTopup: false },
      unused: null,
    },
    {
      name: 'C5: free first, then subscription: 16,000 a month and 100 a day cover 170 a day however much expires',
      balance: creditBalance(60, 14_996, 0, renewal),
      plan: monthly(16_000),
      perDay: 170,
      outlook: { kind: 'covered', drawsTopup: false },
      // The rest of today (9 of 24 h: 63.75 credits) takes the 60 free and 3.75 subscription credits; then 70 a day
      // from the subscription for the 30 local days 8 Mar to 6 Apr: 14,996 - 3.75 - 2,100.
      unused: 12_892,
    },
    {
      name: 'C3: past the subscription, the day runs short until the next grant brings the allocation back',
      balance: creditBalance(100, 1_500, 0, renewal),
      plan: monthly(1_500),
      perDay: 200,
      // 100 a day from the subscription from 8 Mar: 15 days; on 23 Mar the free 100 last half the day (12:00 EDT).
      outlook: { kind: 'short', at: new Date('2026-03-23T16:00:00.000Z'), until: new Date(renewal), refill: 1_500 },
      unused: null,
    },
    {
      name: 'C4: top-ups carry what the allocation does not, and a large one lasts past the horizon',
      balance: creditBalance(100, 1_500, 1_000_000, renewal),
      plan: monthly(1_500),
      perDay: 200,
      outlook: { kind: 'covered', drawsTopup: true },
      unused: null,
    },
    {
      name: 'A4: a cancelled subscription brings no grant at its end: then only the free credits of each day remain',
      balance: creditBalance(100, 1_500, 0, renewal),
      plan: monthly(1_500, renewal),
      perDay: 150,
      // 50 a day from the subscription from 8 Mar: 30 days, to the end of 6 Apr; at its end the credits expire.
      outlook: { kind: 'short', until: null, refill: 0 },
      unused: null,
    },
    {
      name: 'without a subscription, a pace over the free credits runs out today',
      balance: creditBalance(30, 0, 0, null),
      plan: freePlan,
      perDay: 170,
      // The rest of today needs 63.75; 30 free credits last 30/63.75 of the 9 hours left: 4 h 14 min.
      outlook: { kind: 'short', at: new Date('2026-03-08T00:14:07.059Z'), until: null, refill: 0 },
      unused: null,
    },
  ];

  for (const { name, balance, plan, perDay, outlook, unused } of cases) {
    it(name, () => {
      const pace = computePace(usage([['2026-03-06', perDay * 7]]), balance, plan, now, zone);
      const { at, ...rest } = outlook as { at?: Date };
      expect(pace.outlook).toMatchObject(rest);
      if (at !== undefined && pace.outlook.kind === 'short')
        expect(Math.abs(pace.outlook.at.getTime() - at.getTime())).toBeLessThan(1_000);
      expect(pace.expiresUnused?.amount ?? null).toBe(unused);
    });
  }

  it('C3: the subscription credits left at renewal are those the free credits (spent first) leave unspent', () => {
    // 170 a day: 70 a day from the subscription after the free 100 (C5), not 170.
    const pace = computePace(
      usage([['2026-03-06', 1_190]]),
      creditBalance(100, 1_500, 0, renewal),
      monthly(1_500),
      now,
      zone,
    );
    expect(pace.expiresUnused).toBeNull();
    expect(pace.outlook.kind).toBe('short');
    const slower = computePace(
      usage([['2026-03-06', 840]]),
      creditBalance(100, 5_000, 0, renewal),
      monthly(5_000),
      now,
      zone,
    );
    // 120 a day: 20 a day from the subscription for 30 days (today's share is paid by today's free credits).
    expect(slower.expiresUnused).toEqual({ amount: 4_400, at: renewal });
  });

  it('G5: a generation plan runs down its count and refreshes it; an unlimited one never runs out', () => {
    const limited: Balance = {
      ...creditBalance(0, 0, 0, null),
      generations: { used: 30, limit: 100, resetsAt: renewal },
    };
    const rows: Usage = {
      rows: [{ key: '2026-03-07', credits: 0, generations: 14, count: 14 }],
      totals: { credits: 0, generations: 14, count: 14 },
    };
    const plan: PacePlan = { dailyFree: 0, allocation: 100, anniversaryDay: 7, grantsEndAt: null };
    const pace = computePace(rows, limited, plan, now, zone);
    expect(pace.unit).toBe('generations');
    expect(pace.left).toBe(70);
    // 2 a day: 0.75 for the rest of today, then 60 for the 30 days to renewal.
    expect(pace.outlook).toMatchObject({ kind: 'covered', drawsTopup: false });
    expect(pace.expiresUnused).toEqual({ amount: 9, at: renewal });
    const unlimited: Balance = { ...limited, generations: { used: 30, limit: null, resetsAt: null } };
    expect(computePace(rows, unlimited, plan, now, zone)).toMatchObject({
      left: null,
      outlook: { kind: 'unlimited' },
      expiresUnused: null,
    });
  });
});

describe('pace: the plan facts and the words', () => {
  const ultra: Plan = {
    id: 'ultra',
    name: 'Ultra',
    billing: 'credits',
    period: 'month',
    monthlyCredits: 16_000,
    unlimitedModels: [],
    fastDailyLimit: 50,
    price: 48,
  };
  const active: Subscription = {
    planId: 'ultra',
    status: 'active',
    startedAt: '2026-03-01T05:00:00.000Z',
    anniversaryDay: 1,
    renewsAt: '2026-04-01T04:00:00.000Z',
    period: 'month',
  };

  it('an active subscription grants its allocation; a cancelled one stops at its end; none grants nothing', () => {
    expect(pacePlanOf({ plan: ultra, subscription: active }, 100)).toEqual({
      dailyFree: 100,
      allocation: 16_000,
      anniversaryDay: 1,
      grantsEndAt: null,
    });
    expect(
      pacePlanOf(
        { plan: ultra, subscription: { ...active, status: 'cancelled', endsAt: '2026-04-01T04:00:00.000Z' } },
        100,
      ).grantsEndAt,
    ).toBe('2026-04-01T04:00:00.000Z');
    expect(
      pacePlanOf({ plan: ultra, subscription: { ...active, status: 'none', renewsAt: null } }, 100).allocation,
    ).toBe(0);
  });

  it('says plainly that each day’s free credits and each month’s allocation cover the pace', () => {
    const pace = computePace(
      usage([['2026-03-06', 1_190]]),
      creditBalance(60, 14_996, 0, renewal),
      monthly(16_000),
      now,
      zone,
    );
    expect(outlookText(pace, monthly(16_000), zone, now)).toBe(
      'At this pace you never run out: each day’s 100 free credits and each month’s 16,000 credits cover it.',
    );
  });

  it('dates running short and says what comes back when', () => {
    const pace = computePace(
      usage([['2026-03-06', 1_400]]),
      creditBalance(100, 1_500, 0, renewal),
      monthly(1_500),
      now,
      zone,
    );
    expect(outlookText(pace, monthly(1_500), zone, now)).toBe(
      'At this pace your credits run out around Mon 23 Mar (America/New_York), until Tue 7 Apr (America/New_York) brings 1,500 credits.',
    );
  });
});
