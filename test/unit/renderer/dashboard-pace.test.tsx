import { describe, expect, it } from 'vitest';
import type { Balance, Usage } from '../../../shared/api.js';
import { computePace, paceDayKeys, paceRange } from '../../../renderer/src/views/dashboard/pace.js';

const zone = 'America/New_York';
// 15:00 on Sat 7 Mar 2026 in New York (EST), the day before the spring-forward change.
const now = new Date('2026-03-07T20:00:00.000Z');

function creditBalance(free: number, subscription: number, topup: number, expiresAt: string | null): Balance {
  return {
    asOf: now.toISOString(),
    credits: { free: { amount: free, resetsAt: '2026-03-08T05:00:00.000Z' }, subscription: { amount: subscription, expiresAt }, topup: { amount: topup }, total: free + subscription + topup },
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
      '2026-03-04', '2026-03-05', '2026-03-06', '2026-03-07', '2026-03-08', '2026-03-09', '2026-03-10',
    ]);
  });
});

describe('pace: what it means for the balances', () => {
  it('averages over 7 days with missing days as zero', () => {
    const pace = computePace(usage([['2026-03-02', 120], ['2026-03-07', 20]]), creditBalance(80, 0, 0, null), now, zone);
    expect(pace.days.map((day) => day.amount)).toEqual([0, 120, 0, 0, 0, 0, 20]);
    expect(pace.perDay).toBe(20);
  });

  it('dates the run-out from the total at that pace', () => {
    const pace = computePace(usage([['2026-03-07', 70]]), creditBalance(30, 0, 70, null), now, zone);
    // 100 credits at 10 a day: 10 days.
    expect(pace.runsOutAt?.toISOString()).toBe('2026-03-17T20:00:00.000Z');
  });

  it('has no run-out date when nothing was spent', () => {
    expect(computePace(usage([]), creditBalance(100, 0, 0, null), now, zone).runsOutAt).toBeNull();
  });

  it('C3: counts the subscription credits that would expire unused at renewal', () => {
    // 1,500 subscription credits, 10 days to renewal, 70 a day: 800 left over.
    const pace = computePace(usage([['2026-03-06', 490]]), creditBalance(100, 1500, 0, '2026-03-17T20:00:00.000Z'), now, zone);
    expect(pace.expiresUnused).toEqual({ amount: 800, at: '2026-03-17T20:00:00.000Z' });
  });

  it('C3: reports nothing to expire when the pace uses them all', () => {
    const pace = computePace(usage([['2026-03-06', 2100]]), creditBalance(100, 1500, 0, '2026-03-17T20:00:00.000Z'), now, zone);
    expect(pace.expiresUnused).toBeNull();
  });

  it('G5: a generation plan runs down its count; an unlimited one never runs out', () => {
    const limited: Balance = { ...creditBalance(0, 0, 0, null), generations: { used: 30, limit: 100, resetsAt: '2026-04-07T04:00:00.000Z' } };
    const rows: Usage = { rows: [{ key: '2026-03-07', credits: 0, generations: 14, count: 14 }], totals: { credits: 0, generations: 14, count: 14 } };
    const pace = computePace(rows, limited, now, zone);
    expect(pace.unit).toBe('generations');
    expect(pace.left).toBe(70);
    expect(pace.runsOutAt?.toISOString()).toBe('2026-04-11T20:00:00.000Z');
    const unlimited: Balance = { ...limited, generations: { used: 30, limit: null, resetsAt: null } };
    expect(computePace(rows, unlimited, now, zone)).toMatchObject({ left: null, runsOutAt: null, expiresUnused: null });
  });
});
