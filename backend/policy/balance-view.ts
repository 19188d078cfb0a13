/** The balance an account sees (docs/API.md `/v1/me/balance`), read from the ledger's balances and the subscription. */
import { sql } from 'kysely';
import type { Balance } from '../../shared/api.js';
import { lastLocalMidnight, nextAnniversary, nextLocalMidnight } from '../../shared/calendar.js';
import { notFound } from '../problem.js';
import type { Tx } from '../storage/tx.js';
import { readAccountState } from './account-state.js';
import { planOf, type PolicyContext } from './context.js';
import type { SubscriptionRow } from './subscriptions.js';

/** When the current monthly allocation ends: the next grant, or the end of a cancelled subscription if sooner. */
export function allocationEndsAt(sub: SubscriptionRow, now: Date, zone: string): Date {
  const next = nextAnniversary(now, sub.anniversary_day, zone);
  const end = new Date(sub.period_ends_at);
  return sub.status === 'cancelled' && end < next ? end : next;
}

export async function balanceView(ctx: PolicyContext, trx: Tx, accountId: string): Promise<Balance> {
  const now = ctx.clock.now();
  const state = await readAccountState(trx, accountId);
  if (!state) throw notFound(`Account ${accountId}`);
  const { account, subscription: sub, balances } = state;
  const plan = planOf(ctx.catalog, account.plan_id);
  const midnight = nextLocalMidnight(now, account.time_zone).toISOString();
  const allocationEnd = sub ? allocationEndsAt(sub, now, account.time_zone).toISOString() : null;
  const creditBilled = plan.billing === 'credits';
  const free = creditBilled ? balances.free : 0;
  const subscription = creditBilled ? balances.subscription : 0;
  const topup = creditBilled ? balances.topup : 0;
  let generations: Balance['generations'] = null;
  if (!creditBilled) {
    const used = await generationsUsed(trx, accountId, sub?.last_grant_at ?? account.created_at);
    generations = { used, limit: plan.monthlyGenerations ?? null, resetsAt: allocationEnd };
  }
  return {
    asOf: now.toISOString(),
    credits: {
      free: { amount: free, resetsAt: midnight },
      subscription: { amount: subscription, expiresAt: subscription > 0 || sub ? allocationEnd : null },
      topup: { amount: topup },
      total: free + subscription + topup,
    },
    generations,
    fast: {
      used: await fastUsedToday(trx, accountId, lastLocalMidnight(now, account.time_zone).toISOString()),
      limit: plan.fastDailyLimit,
      resetsAt: midnight,
    },
    unlimited: (
      await trx
        .selectFrom('unlimited_windows')
        .select(['model_id', 'starts_at', 'ends_at'])
        .where('account_id', '=', accountId)
        .where('ends_at', '>', now.toISOString())
        .orderBy('ends_at')
        .execute()
    ).map((w) => ({ modelId: w.model_id, startsAt: w.starts_at, endsAt: w.ends_at })),
  };
}

/** G1/G2: generations counted in the current period (one per Generate action; refunded ones do not count, G4). */
export async function generationsUsed(trx: Tx, accountId: string, since: string): Promise<number> {
  const row = await trx
    .selectFrom('generations')
    .select((eb) => eb.fn.coalesce(eb.fn.sum<number>('cost_generations'), eb.lit(0)).as('used'))
    .where('account_id', '=', accountId)
    .where('created_at', '>=', since)
    .where('refunded', '=', 0)
    .executeTakeFirst();
  return Number(row?.used ?? 0);
}

/** U4: Fast generations of unlimited use since the local midnight (refunded ones do not count). */
export async function fastUsedToday(trx: Tx, accountId: string, sinceMidnight: string): Promise<number> {
  const row = await trx
    .selectFrom('generations')
    .select((eb) => eb.fn.countAll<number>().as('used'))
    .where('account_id', '=', accountId)
    // A literal, not a parameter: the partial index of unlimited generations serves only a query that names it.
    .where('unlimited', '=', sql.lit(1))
    .where('lane', '=', 'fast')
    .where('refunded', '=', 0)
    .where('created_at', '>=', sinceMidnight)
    .executeTakeFirst();
  return Number(row?.used ?? 0);
}
