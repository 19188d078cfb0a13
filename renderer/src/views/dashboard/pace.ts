/**
 * Pace: what the last 7 local days of spending say about the balances. Pure functions of the usage rows, the balance,
 * the plan and the backend's "now", so the Dashboard and the tests compute the same figures.
 *
 * "Running out" is worked out day by day as the balances really behave, not as one pile divided by the pace: each day's
 * spending draws free, then subscription, then top-up credits (C5); free credits are back to the daily amount at every
 * local midnight (C2); subscription credits expire at the next grant and the grant replaces them (C3); only top-ups
 * never expire (C4). So a pace that each day's free credits and each month's allocation cover never runs out, however
 * many credits expire unused along the way.
 */
import { DateTime, IANAZone } from 'luxon';
import type { Balance, Me, Usage } from '../../../../shared/api.js';
import { lastLocalMidnight, nextAnniversary } from '../../../../shared/calendar.js';

export const PACE_DAYS = 7;
const DAY_MS = 86_400_000;

/** The usage query of the last 7 local days: from the start of the local day 6 days ago until now. */
export function paceRange(now: Date, zone: string): { from: string; to: string } {
  const start = DateTime.fromJSDate(now, { zone })
    .startOf('day')
    .minus({ days: PACE_DAYS - 1 });
  return { from: start.toUTC().toISO() ?? now.toISOString(), to: now.toISOString() };
}

/** The 7 local day keys (`YYYY-MM-DD`), oldest first, ending today. */
export function paceDayKeys(now: Date, zone: string): string[] {
  const today = DateTime.fromJSDate(now, { zone }).startOf('day');
  return Array.from(
    { length: PACE_DAYS },
    (_, index) => today.minus({ days: PACE_DAYS - 1 - index }).toISODate() ?? '',
  );
}

export type PaceUnit = 'credits' | 'generations';

/** What spending at this pace leads to. */
export type PaceOutlook =
  /** Nothing was spent in the last 7 days. */
  | { kind: 'idle' }
  /** No limit to reach (an unlimited generation plan). */
  | { kind: 'unlimited' }
  /**
   * Never short within the horizon: what comes back (free credits each day, the allocation each month) covers the pace.
   * `drawsTopup`: top-up credits are drawn on, but they last past `horizon`.
   */
  | { kind: 'covered'; drawsTopup: boolean; horizon: Date }
  /**
   * The balances cannot pay a day's spending from around `at`; `until` is the next grant (or generation refresh) that
   * brings `refill` back, or null when none comes (then only the daily free credits remain).
   */
  | { kind: 'short'; at: Date; until: Date | null; refill: number };

export type Pace = {
  unit: PaceUnit;
  /** Spending per local day, oldest first, every day present (zero when nothing was spent). */
  days: Array<{ key: string; amount: number }>;
  /** Average per day over the 7 days. */
  perDay: number;
  /** What is left to spend now (credits: the total; generations: limit - used; null: unlimited). */
  left: number | null;
  outlook: PaceOutlook;
  /**
   * Subscription credits (or a period's generations) that will be left unused when they expire at the next renewal, at
   * this pace (C3, G5: unused ones never roll over); null when nothing expires or the pace uses them all.
   */
  expiresUnused: { amount: number; at: string } | null;
};

/** What the plan brings back: the daily free credits, and each grant's allocation while the subscription goes on. */
export type PacePlan = {
  dailyFree: number;
  /** Credits (or generations) each grant brings; 0 when there is no subscription. */
  allocation: number;
  anniversaryDay: number | null;
  /** No grant at or after this instant (a cancelled subscription's end); null: grants go on. */
  grantsEndAt: string | null;
};

/** How far ahead the projection looks: past that, "it lasts" is as much as anyone can honestly say. */
export const PACE_HORIZON_DAYS = 3 * 365;

/** The plan facts the projection needs, from the account (me) and the catalog's daily free credits. */
export function pacePlanOf(me: Pick<Me, 'plan' | 'subscription'> | null, dailyFreeCredits: number): PacePlan {
  const subscription = me?.subscription;
  const active = subscription !== undefined && subscription.status !== 'none' && subscription.renewsAt !== null;
  const allocation =
    me?.plan.billing === 'generations' ? (me.plan.monthlyGenerations ?? 0) : (me?.plan.monthlyCredits ?? 0);
  // G5: a generation plan's count refreshes every period whatever the subscription; credits come only with one (C3).
  const generations = me?.plan.billing === 'generations';
  return {
    dailyFree: generations ? 0 : dailyFreeCredits,
    allocation: active || generations ? allocation : 0,
    anniversaryDay: active ? (subscription.anniversaryDay ?? null) : null,
    grantsEndAt: subscription?.status === 'cancelled' ? (subscription.endsAt ?? subscription.renewsAt) : null,
  };
}

export function computePace(usage: Usage, balance: Balance, plan: PacePlan, now: Date, zone: string): Pace {
  const unit: PaceUnit = balance.generations !== null ? 'generations' : 'credits';
  const byDay = new Map(
    usage.rows.map((row) => [row.key, Math.max(0, unit === 'credits' ? row.credits : row.generations)]),
  );
  const days = paceDayKeys(now, zone).map((key) => ({ key, amount: byDay.get(key) ?? 0 }));
  const perDay = days.reduce((sum, day) => sum + day.amount, 0) / PACE_DAYS;

  let start: Balances;
  let left: number | null;
  if (balance.generations !== null) {
    const { used, limit, resetsAt } = balance.generations;
    if (limit === null) return { unit, days, perDay, left: null, outlook: { kind: 'unlimited' }, expiresUnused: null };
    left = Math.max(0, limit - used);
    start = { free: 0, subscription: left, topup: 0, expiresAt: resetsAt };
  } else {
    left = balance.credits.total;
    const { free, subscription, topup } = balance.credits;
    start = {
      free: free.amount,
      subscription: subscription.amount,
      topup: topup.amount,
      expiresAt: subscription.expiresAt,
    };
  }
  const run = project(start, perDay, plan, now, zone);
  const outlook: PaceOutlook = perDay === 0 ? { kind: 'idle' } : run.outlook;
  const unused = start.expiresAt === null ? 0 : Math.floor(run.unusedAtFirstExpiry);
  const expiresUnused = start.expiresAt !== null && unused > 0 ? { amount: unused, at: start.expiresAt } : null;
  return { unit, days, perDay, left, outlook, expiresUnused };
}

type Balances = { free: number; subscription: number; topup: number; expiresAt: string | null };

/**
 * Spends `perDay` from the balances, one local day (or what is left of today) at a time, with the resets and grants
 * as they fall: the outlook, and what of the current subscription credits is still unspent when they first expire.
 */
function project(
  start: Balances,
  perDay: number,
  plan: PacePlan,
  now: Date,
  zone: string,
): { outlook: PaceOutlook; unusedAtFirstExpiry: number } {
  const horizon = new Date(now.getTime() + PACE_HORIZON_DAYS * DAY_MS);
  const grantsEnd = plan.grantsEndAt === null ? Infinity : Date.parse(plan.grantsEndAt);
  let { free, subscription, topup } = start;
  let expiry = start.expiresAt === null ? null : new Date(start.expiresAt);
  let unusedAtFirstExpiry = start.subscription;
  let firstExpiryPassed = expiry === null;
  let drawsTopup = false;
  let topupAtLastGrant: number | null = null;
  let at = now;

  const midnights = localMidnights(now, zone);

  while (at < horizon) {
    const { start: dayStart, end: midnight } = midnights.current(at);
    // A local day's spending is spread over that day (23 or 25 hours long on a DST change), so that running short is
    // dated within it and the rest of today costs its share of a day.
    const dayLength = midnight.getTime() - dayStart.getTime();
    const end = expiry !== null && expiry > at && expiry < midnight ? expiry : midnight;
    const need = (perDay * (end.getTime() - at.getTime())) / dayLength;
    const fromFree = Math.min(free, need);
    const fromSubscription = Math.min(subscription, need - fromFree);
    const fromTopup = Math.min(topup, need - fromFree - fromSubscription);
    const unpaid = need - fromFree - fromSubscription - fromTopup;
    free -= fromFree;
    subscription -= fromSubscription;
    topup -= fromTopup;
    if (fromTopup > 0) drawsTopup = true;
    if (unpaid > 1e-9) {
      const paidShare = need === 0 ? 0 : (need - unpaid) / need;
      const shortAt = new Date(at.getTime() + paidShare * (end.getTime() - at.getTime()));
      const refill = nextRefill(expiry, plan, grantsEnd);
      if (!firstExpiryPassed) unusedAtFirstExpiry = 0;
      return {
        outlook: { kind: 'short', at: shortAt, until: refill?.at ?? null, refill: refill?.amount ?? 0 },
        unusedAtFirstExpiry,
      };
    }
    at = end;
    if (expiry !== null && at.getTime() >= expiry.getTime()) {
      if (!firstExpiryPassed) {
        unusedAtFirstExpiry = subscription;
        firstExpiryPassed = true;
      }
      // C3: the grant replaces what is left; without one (no subscription, or a cancelled one that ended) it is gone.
      const granting = plan.allocation > 0 && expiry.getTime() < grantsEnd;
      subscription = granting ? plan.allocation : 0;
      expiry = granting ? nextGrantAfter(expiry, plan, zone) : null;
      // A whole month from one grant to the next without touching the top-up: every month after repeats it.
      if (granting && topupAtLastGrant === topup && plan.grantsEndAt === null) return covered(false);
      topupAtLastGrant = granting ? topup : null;
    }
    if (at.getTime() === midnight.getTime()) {
      // A day paid by the free credits alone, with no grant to come: every day after repeats it.
      if (expiry === null && subscription === 0 && perDay <= plan.dailyFree) return covered(drawsTopup);
      // C2: back to the daily amount at local midnight (not added to what is left).
      free = plan.dailyFree;
    }
  }
  return covered(drawsTopup);

  function covered(topupDrawn: boolean) {
    return { outlook: { kind: 'covered', drawsTopup: topupDrawn, horizon } as const, unusedAtFirstExpiry };
  }
}

/**
 * The local days from `from` on, walked forward by arithmetic on the zone's offsets (the projection asks for a thousand
 * of them; a calendar conversion per day made it the slowest thing on the Dashboard). A day is 24 hours, give or take
 * the change of offset within it (DST: 23 or 25). `current(at)` is the day holding `at`.
 */
function localMidnights(from: Date, zone: string): { current(at: Date): { start: Date; end: Date } } {
  const tz = IANAZone.create(zone);
  // Each midnight's offset is asked for once: it is the end of one day and the start of the next.
  let startOffset = 0;
  const after = (midnight: number) => {
    const guess = midnight + DAY_MS;
    const guessOffset = tz.offset(guess);
    const next = guess + (startOffset - guessOffset) * 60_000;
    startOffset = next === guess ? guessOffset : tz.offset(next);
    return next;
  };
  let start = lastLocalMidnight(from, zone).getTime();
  startOffset = tz.offset(start);
  let end = after(start);
  return {
    current(at: Date) {
      while (at.getTime() >= end) {
        start = end;
        end = after(start);
      }
      return { start: new Date(start), end: new Date(end) };
    },
  };
}

/** The next grant after `expiry`: on the anniversary day (A3), a month on when the day is not known. */
function nextGrantAfter(expiry: Date, plan: PacePlan, zone: string): Date {
  if (plan.anniversaryDay !== null) return nextAnniversary(expiry, plan.anniversaryDay, zone);
  return DateTime.fromJSDate(expiry, { zone }).plus({ months: 1 }).toJSDate();
}

/** When the balances next fill up again after running short, and with how much. */
function nextRefill(expiry: Date | null, plan: PacePlan, grantsEnd: number): { at: Date; amount: number } | null {
  if (expiry === null || plan.allocation === 0 || expiry.getTime() >= grantsEnd) return null;
  return { at: expiry, amount: plan.allocation };
}
