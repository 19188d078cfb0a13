/**
 * Plans and subscriptions: subscribe and upgrade (A4), cancel at period end, monthly grants on the anniversary day
 * with month-end clamping (A3, C3, G5), expiry of unused allocations at the next grant, and top-ups (C4).
 */
import type { Selectable } from 'kysely';
import { DateTime } from 'luxon';
import type { Plan } from '../../shared/api.js';
import { anniversariesBetween, anniversaryDayOf, nextAnniversary } from '../../shared/calendar.js';
import { newId } from '../storage/ids.js';
import { prepared } from '../storage/prepared.js';
import type { SubscriptionsTable } from '../storage/schema.js';
import type { StorageEngine } from '../storage/engine.js';
import { readBalance } from '../storage/ledger.js';
import { ApiProblem, notFound } from '../problem.js';
import type { Tx } from '../storage/tx.js';
import { MONTHS_PER_PERIOD, planOf, type PolicyContext } from './context.js';

export type SubscriptionRow = Selectable<SubscriptionsTable>;

/** The end of a paid period that starts at `from`: the anniversary instant `months` months on. */
export function periodEnd(from: Date, months: number, anniversaryDay: number, zone: string): Date {
  let end = from;
  for (let i = 0; i < months; i += 1) end = nextAnniversary(end, anniversaryDay, zone);
  return end;
}

/** U7: a suspended account can make no charge of any kind. */
export function suspendedProblem(): ApiProblem {
  return new ApiProblem(403, 'account_suspended', 'This account is suspended for repeated fair-use violations');
}

const subscriptionRow = prepared((db, v: { accountId: string }) =>
  db.selectFrom('subscriptions').selectAll().where('account_id', '=', v.accountId),
);

export async function readSubscription(trx: Tx, accountId: string): Promise<SubscriptionRow | null> {
  return (await subscriptionRow.first(trx, { accountId })) ?? null;
}

/** Expires what is left of the monthly allocation (C3, G5: no rollover). */
async function expireAllocation(
  storage: StorageEngine,
  trx: Tx,
  accountId: string,
  at: Date,
  reason: string,
): Promise<void> {
  for (const balance of ['subscription', 'generations'] as const) {
    const left = await readBalance(trx, accountId, balance);
    if (left > 0) await storage.postEntry(trx, accountId, { kind: 'expire', balance, amount: -left, reason, at });
  }
}

/** Grants a plan's monthly allocation: credits (C3) or generations (G1; none to grant when unlimited). */
async function grantAllocation(
  storage: StorageEngine,
  trx: Tx,
  accountId: string,
  plan: Plan,
  at: Date,
  reason: string,
): Promise<void> {
  if (plan.billing === 'credits' && (plan.monthlyCredits ?? 0) > 0) {
    await storage.postEntry(trx, accountId, {
      kind: 'grant',
      balance: 'subscription',
      amount: plan.monthlyCredits ?? 0,
      reason,
      at,
    });
  }
  if (plan.billing === 'generations' && plan.monthlyGenerations != null && plan.monthlyGenerations > 0) {
    await storage.postEntry(trx, accountId, {
      kind: 'grant',
      balance: 'generations',
      amount: plan.monthlyGenerations,
      reason,
      at,
    });
  }
}

/**
 * U1: a purchase or renewal opens one unlimited window per model of the plan, for the plan's days (local calendar
 * days, A1). A new purchase (upgrade, A4) first ends the windows still open: the new plan's windows replace them.
 */
async function openUnlimitedWindows(
  trx: Tx,
  accountId: string,
  plan: Plan,
  at: Date,
  zone: string,
  replaceOpen: boolean,
): Promise<void> {
  const iso = at.toISOString();
  if (replaceOpen)
    await trx
      .updateTable('unlimited_windows')
      .set({ ends_at: iso })
      .where('account_id', '=', accountId)
      .where('ends_at', '>', iso)
      .execute();
  for (const { modelId, days } of plan.unlimitedModels) {
    const endsAt = DateTime.fromJSDate(at, { zone }).plus({ days }).toJSDate().toISOString();
    await trx
      .insertInto('unlimited_windows')
      .values({
        id: newId('unl'),
        account_id: accountId,
        model_id: modelId,
        starts_at: iso,
        ends_at: endsAt,
        closed_at: null,
      })
      .execute();
  }
}

export class Subscriptions {
  constructor(private readonly ctx: PolicyContext) {}

  /** A4: subscribing or changing plan takes effect at once: the new allocation now, the anniversary day moves to today. */
  async subscribe(trx: Tx, accountId: string, planId: string): Promise<void> {
    const { catalog, clock, storage } = this.ctx;
    const plan = catalog.plans.find((p) => p.id === planId);
    if (!plan)
      throw new ApiProblem(400, 'invalid_request', `Unknown plan ${planId}`, {
        errors: [{ path: 'body.planId', message: 'unknown plan' }],
      });
    if (!plan.period) {
      throw new ApiProblem(
        400,
        'invalid_request',
        `${plan.name} is not a subscription; cancel with DELETE /v1/me/subscription`,
        {
          errors: [{ path: 'body.planId', message: 'not a subscription plan' }],
        },
      );
    }
    const account = await storage.lockedAccount(trx, accountId);
    if (!account) throw notFound(`Account ${accountId}`);
    if (account.status === 'suspended') throw suspendedProblem();
    const current = await readSubscription(trx, accountId);
    if (current && current.plan_id === planId) {
      // Same plan: resubscribing undoes a pending cancellation; nothing is granted twice.
      if (current.status === 'cancelled')
        await trx.updateTable('subscriptions').set({ status: 'active' }).where('account_id', '=', accountId).execute();
      return;
    }
    const now = clock.now();
    const zone = account.time_zone;
    const day = anniversaryDayOf(now, zone);
    const row: SubscriptionRow = {
      account_id: accountId,
      plan_id: planId,
      status: 'active',
      started_at: now.toISOString(),
      anniversary_day: day,
      period: plan.period,
      period_ends_at: periodEnd(now, MONTHS_PER_PERIOD[plan.period], day, zone).toISOString(),
      last_grant_at: now.toISOString(),
    };
    if (current) {
      await expireAllocation(
        this.ctx.storage,
        trx,
        accountId,
        now,
        `A4: ${planOf(catalog, current.plan_id).name} allocation replaced by ${plan.name}`,
      );
      await trx.updateTable('subscriptions').set(row).where('account_id', '=', accountId).execute();
    } else {
      await trx.insertInto('subscriptions').values(row).execute();
    }
    await trx.updateTable('accounts').set({ plan_id: planId }).where('id', '=', accountId).execute();
    await openUnlimitedWindows(trx, accountId, plan, now, zone, true);
    await grantAllocation(
      this.ctx.storage,
      trx,
      accountId,
      plan,
      now,
      `${current ? 'A4: upgrade' : 'A3: subscription start'}: ${plan.name} monthly allocation`,
    );
  }

  /** Cancelling keeps the plan until the end of the paid period (A4). */
  async cancel(trx: Tx, accountId: string): Promise<void> {
    await this.ctx.storage.lockAccount(trx, accountId);
    const current = await readSubscription(trx, accountId);
    if (!current) throw new ApiProblem(409, 'not_cancellable', 'There is no subscription to cancel');
    if (current.status === 'cancelled') return;
    await trx.updateTable('subscriptions').set({ status: 'cancelled' }).where('account_id', '=', accountId).execute();
  }

  /** C4: top-ups only with an active subscription; they never expire. */
  async buyTopup(trx: Tx, accountId: string, credits: number): Promise<void> {
    const account = await this.ctx.storage.lockedAccount(trx, accountId);
    if (!account) throw notFound(`Account ${accountId}`);
    if (account.status === 'suspended') throw suspendedProblem();
    const current = await readSubscription(trx, accountId);
    if (!current)
      throw new ApiProblem(
        403,
        'subscription_required',
        'Top-up credits can be bought only with an active subscription',
      );
    if (planOf(this.ctx.catalog, account.plan_id).billing !== 'credits') {
      throw new ApiProblem(403, 'subscription_required', 'Top-up credits need a credit-billed subscription');
    }
    await this.ctx.storage.postEntry(trx, accountId, {
      kind: 'topup',
      balance: 'topup',
      amount: credits,
      reason: `C4: top-up of ${credits} credits`,
      at: this.ctx.clock.now(),
    });
  }

  /**
   * Due grants (A3, C3, G5): every anniversary instant since the last grant, once each, in order; renewal at the end of
   * the paid period, or the end of a cancelled subscription. Returns whether anything changed.
   */
  async applyDueGrants(trx: Tx, accountId: string, zone: string): Promise<boolean> {
    const { catalog, clock } = this.ctx;
    let sub = await readSubscription(trx, accountId);
    if (!sub) return false;
    const due = anniversariesBetween(new Date(sub.last_grant_at), clock.now(), sub.anniversary_day, zone);
    if (due.length === 0) return false;
    const plan = planOf(catalog, sub.plan_id);
    for (const instant of due) {
      const at = instant.toISOString();
      if (at >= sub.period_ends_at) {
        if (sub.status === 'cancelled') {
          await expireAllocation(
            this.ctx.storage,
            trx,
            accountId,
            instant,
            `A4: ${plan.name} ended after cancellation`,
          );
          await trx.deleteFrom('subscriptions').where('account_id', '=', accountId).execute();
          await trx.updateTable('accounts').set({ plan_id: 'free' }).where('id', '=', accountId).execute();
          return true;
        }
        const renewedEnd = periodEnd(
          instant,
          MONTHS_PER_PERIOD[plan.period ?? 'month'],
          sub.anniversary_day,
          zone,
        ).toISOString();
        sub = { ...sub, period_ends_at: renewedEnd };
        await openUnlimitedWindows(trx, accountId, plan, instant, zone, false);
      }
      await expireAllocation(
        this.ctx.storage,
        trx,
        accountId,
        instant,
        `C3: unused ${plan.name} allocation expires at the next grant`,
      );
      await grantAllocation(
        this.ctx.storage,
        trx,
        accountId,
        plan,
        instant,
        `A3: ${plan.name} monthly allocation for ${at.slice(0, 10)}`,
      );
      sub = { ...sub, last_grant_at: at };
    }
    await trx
      .updateTable('subscriptions')
      .set({ last_grant_at: sub.last_grant_at, period_ends_at: sub.period_ends_at })
      .where('account_id', '=', accountId)
      .execute();
    return true;
  }
}
