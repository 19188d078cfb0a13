/**
 * Pace: what the last 7 local days of spending say about the balances. Pure functions of the usage rows, the balance
 * and the backend's "now", so the Dashboard and the tests compute the same figures.
 */
import { DateTime } from 'luxon';
import type { Balance, Usage } from '../../../../shared/api.js';

export const PACE_DAYS = 7;
const DAY_MS = 86_400_000;

/** The usage query of the last 7 local days: from the start of the local day 6 days ago until now. */
export function paceRange(now: Date, zone: string): { from: string; to: string } {
  const start = DateTime.fromJSDate(now, { zone }).startOf('day').minus({ days: PACE_DAYS - 1 });
  return { from: start.toUTC().toISO() ?? now.toISOString(), to: now.toISOString() };
}

/** The 7 local day keys (`YYYY-MM-DD`), oldest first, ending today. */
export function paceDayKeys(now: Date, zone: string): string[] {
  const today = DateTime.fromJSDate(now, { zone }).startOf('day');
  return Array.from({ length: PACE_DAYS }, (_, index) => today.minus({ days: PACE_DAYS - 1 - index }).toISODate() ?? '');
}

export type PaceUnit = 'credits' | 'generations';

export type Pace = {
  unit: PaceUnit;
  /** Spending per local day, oldest first, every day present (zero when nothing was spent). */
  days: Array<{ key: string; amount: number }>;
  /** Average per day over the 7 days. */
  perDay: number;
  /** What is left to spend now (credits: the total; generations: limit - used; null: unlimited). */
  left: number | null;
  /** When what is left runs out at this pace; null when nothing is spent or nothing can run out. */
  runsOutAt: Date | null;
  /**
   * Subscription credits (or a period's generations) that will be left unused when they expire at renewal, at this
   * pace (C3, G5: unused ones never roll over); null when nothing expires or the pace uses them all.
   */
  expiresUnused: { amount: number; at: string } | null;
};

export function computePace(usage: Usage, balance: Balance, now: Date, zone: string): Pace {
  const unit: PaceUnit = balance.generations !== null ? 'generations' : 'credits';
  const byDay = new Map(usage.rows.map((row) => [row.key, Math.max(0, unit === 'credits' ? row.credits : row.generations)]));
  const days = paceDayKeys(now, zone).map((key) => ({ key, amount: byDay.get(key) ?? 0 }));
  const perDay = days.reduce((sum, day) => sum + day.amount, 0) / PACE_DAYS;

  let left: number | null;
  let expiring: { amount: number; at: string | null };
  if (balance.generations !== null) {
    const { used, limit, resetsAt } = balance.generations;
    left = limit === null ? null : Math.max(0, limit - used);
    expiring = { amount: left ?? 0, at: limit === null ? null : resetsAt };
  } else {
    left = balance.credits.total;
    expiring = { amount: balance.credits.subscription.amount, at: balance.credits.subscription.expiresAt };
  }

  const runsOutAt = perDay > 0 && left !== null ? new Date(now.getTime() + (left / perDay) * DAY_MS) : null;
  let expiresUnused: Pace['expiresUnused'] = null;
  if (expiring.at !== null && expiring.amount > 0) {
    const daysLeft = Math.max(0, (Date.parse(expiring.at) - now.getTime()) / DAY_MS);
    const unused = Math.floor(expiring.amount - perDay * daysLeft);
    if (unused > 0) expiresUnused = { amount: unused, at: expiring.at };
  }
  return { unit, days, perDay, left, runsOutAt, expiresUnused };
}
