/**
 * Pricing and charging: the cost preview (C9) and the charge use the same quote, so they always agree. Spend order C5,
 * refusals C7 (insufficient credits, with the ways out) and G6 (generation limit), pro models need a subscription (C6),
 * refunds C8 / G4.
 */
import type { ExpressionBuilder } from 'kysely';
import type { CostEstimateRequest, Draw, Plan, WayOut } from '../../shared/api.js';
import { lastLocalMidnight, nextLocalMidnight } from '../../shared/calendar.js';
import { planCreditDraws, priceRequest } from '../../shared/pricing.js';
import { prepared } from '../storage/prepared.js';
import { postEntry, readBalances, type EntryInput } from '../storage/ledger.js';
import { ApiProblem } from '../problem.js';
import type { Engine } from '../storage/engine.js';
import type { DB } from '../storage/schema.js';
import { lockAccount, type AccountRow, type Tx } from '../storage/tx.js';
import { accountStateOf, accountStateQuery, type AccountState } from './account-state.js';
import { allocationEndsAt, fastUsedToday } from './balance-view.js';
import { planOf, type PolicyContext } from './context.js';
import { readSubscription } from './subscriptions.js';

export interface Quote {
  /** Credits for credit-billed plans; generations (always 1, G2) for generation-billed ones. */
  cost: number;
  unit: 'credits' | 'generations';
  draws: Draw[];
  lane: 'fast' | 'relaxed' | 'standard';
  unlimited: boolean;
  refusal: ApiProblem | null;
  /** The unlimited window used, when `unlimited`. */
  window?: { model_id: string; starts_at: string; ends_at: string };
}

/** The window of a model open at `now`: `ends_at` is the later end when two overlap. */
const windowColumn = (eb: ExpressionBuilder<DB, 'accounts' | 'subscriptions'>, v: { modelId: string; now: string }, column: 'starts_at' | 'ends_at') =>
  eb
    .selectFrom('unlimited_windows')
    .select(`unlimited_windows.${column}`)
    .whereRef('unlimited_windows.account_id', '=', 'accounts.id')
    .where('unlimited_windows.model_id', '=', v.modelId)
    .where('unlimited_windows.starts_at', '<=', v.now)
    .where('unlimited_windows.ends_at', '>', v.now)
    .orderBy('unlimited_windows.ends_at', 'desc')
    .limit(1)
    .as(`window_${column}`);

/** The account's state and the model's open unlimited window, in one statement: what a charge reads before anything else. */
const chargeState = prepared((db, v: { accountId: string; modelId: string; now: string }) =>
  accountStateQuery(db, v).select((eb) => [windowColumn(eb, v, 'starts_at'), windowColumn(eb, v, 'ends_at')]),
);

/** An unlimited window (U1) open for a model. */
export interface OpenWindow {
  model_id: string;
  starts_at: string;
  ends_at: string;
}

/** What a quote reads, when the caller has read it already. */
export interface KnownState extends Omit<AccountState, 'account'> {
  /** The request's model's open window, whether or not the request may use it. */
  window: OpenWindow | null;
}

export interface ChargeState extends AccountState, KnownState {}

/**
 * Locks the account and reads what a charge of `modelId` needs first, as of `now`; undefined when there is no such
 * account. On PostgreSQL the lock is a statement of its own: a statement sees the data as it was when it began, so one
 * that waited for the lock would read the balances from before the charge it waited for (measured: the concurrency
 * tests then charge more than a balance covers). The read that follows the lock sees every charge committed before it.
 */
export async function lockedChargeState(trx: Tx, engine: Engine, accountId: string, modelId: string, now: Date): Promise<ChargeState | undefined> {
  await lockAccount(trx, engine, accountId);
  const row = await chargeState.first(trx, { accountId, modelId, now: now.toISOString() });
  if (!row) return undefined;
  const { window_starts_at, window_ends_at, ...rest } = row;
  return {
    ...accountStateOf(rest),
    window: window_starts_at && window_ends_at ? { model_id: modelId, starts_at: window_starts_at, ends_at: window_ends_at } : null,
  };
}

const openWindowRow = prepared((db, v: { accountId: string; modelId: string; now: string }) =>
  db
    .selectFrom('unlimited_windows')
    .select(['model_id', 'starts_at', 'ends_at'])
    .where('account_id', '=', v.accountId)
    .where('model_id', '=', v.modelId)
    .where('starts_at', '<=', v.now)
    .where('ends_at', '>', v.now)
    .orderBy('ends_at', 'desc'),
);

export class Charges {
  constructor(private readonly ctx: PolicyContext) {}

  /**
   * Prices a request for an account (its row, and what else `lockedChargeState` reads when already read in this
   * transaction) as things stand in this transaction. Invalid requests throw 400.
   */
  async quote(trx: Tx, account: AccountRow, request: CostEstimateRequest, known?: KnownState): Promise<Quote> {
    const { catalog, clock } = this.ctx;
    const priced = priceRequest(catalog, request);
    if (!priced.ok) {
      throw new ApiProblem(400, 'invalid_request', priced.issues.map((i) => `${i.path}: ${i.message}`).join('; '), { errors: priced.issues });
    }
    const tool = catalog.tools.find((t) => t.id === request.tool);
    if (tool?.needsSource && !request.settings.sourceId) {
      throw new ApiProblem(400, 'invalid_request', `${tool.name} needs settings.sourceId (an upload or an earlier image output)`, {
        errors: [{ path: 'body.settings.sourceId', message: 'required for this tool' }],
      });
    }
    const accountId = account.id;
    const plan = planOf(catalog, account.plan_id);
    const sub = known ? known.subscription : await readSubscription(trx, accountId);
    const now = clock.now();
    const base = { lane: 'standard' as const, unlimited: false };

    if (priced.model.pro && !sub) {
      return {
        ...base,
        cost: priced.cost,
        unit: 'credits',
        draws: [],
        refusal: new ApiProblem(403, 'subscription_required', `${priced.model.name} is a pro model: it needs an active subscription`, {
          options: [{ kind: 'upgrade', planIds: this.upgradePlans(plan, 0) }],
        }),
      };
    }

    // U1/U2: inside an open window, an image or video model costs nothing, unless the request is part of a workflow.
    const window = await this.openWindow(trx, accountId, priced.model, request.workflow ?? false, now, known);
    if (window) {
      const free = { cost: 0, unit: 'credits' as const, draws: [], unlimited: true };
      // U7: a fair-use pause stops unlimited access only; credits keep working for everything else.
      if (account.status === 'unlimited_paused') {
        return {
          ...free,
          lane: 'fast',
          unlimited: false,
          refusal: new ApiProblem(403, 'unlimited_paused', 'Unlimited access is paused pending a fair-use review; you can appeal from your account', {
            options: [{ kind: 'wait' }],
          }),
        };
      }
      // U4: the daily Fast limit counts unlimited use; past it, Relaxed for models that support it, else refused until local midnight.
      const fastUsed = await fastUsedToday(trx, accountId, lastLocalMidnight(now, account.time_zone).toISOString());
      if (fastUsed < plan.fastDailyLimit) return { ...free, lane: 'fast', window, refusal: null };
      if (priced.model.supportsRelaxed) return { ...free, lane: 'relaxed', window, refusal: null };
      const resetsAt = nextLocalMidnight(now, account.time_zone).toISOString();
      return {
        ...free,
        lane: 'fast',
        refusal: new ApiProblem(429, 'fast_limit_reached', `The ${plan.fastDailyLimit} Fast generations of today are used; ${priced.model.name} has no Relaxed mode`, {
          resetsAt,
          retryAfterS: Math.ceil((Date.parse(resetsAt) - now.getTime()) / 1000),
          options: [{ kind: 'wait', at: resetsAt }],
        }),
      };
    }

    if (plan.billing === 'generations') {
      // G2: one Generate action is one generation, whatever the outputs or settings.
      const draws: Draw[] = [{ balance: 'generations', amount: plan.monthlyGenerations === null ? 0 : 1 }];
      if (plan.monthlyGenerations != null && (known?.balances ?? (await readBalances(trx, accountId))).generations < 1) {
        const resetsAt = sub ? allocationEndsAt(sub, now, account.time_zone).toISOString() : null;
        return {
          ...base,
          cost: 1,
          unit: 'generations',
          draws: [],
          refusal: new ApiProblem(429, 'generation_limit_reached', `All ${plan.monthlyGenerations} generations of ${plan.name} are used this month`, {
            resetsAt,
            options: [
              ...(resetsAt ? [{ kind: 'wait' as const, at: resetsAt }] : []),
              { kind: 'upgrade' as const, planIds: this.upgradeGenerationPlans(plan) },
            ],
          }),
        };
      }
      return { ...base, cost: 1, unit: 'generations', draws, refusal: null };
    }

    const balances = known?.balances ?? (await readBalances(trx, accountId));
    const plan5 = planCreditDraws(balances, priced.cost);
    if (plan5.ok) return { ...base, cost: priced.cost, unit: 'credits', draws: plan5.draws, refusal: null };

    // C7: refuse before anything runs, naming the shortfall and the ways out.
    const options: WayOut[] = [];
    const nextFree = nextLocalMidnight(now, account.time_zone);
    let resetsAt: string | null = null;
    if (catalog.dailyFreeCredits + balances.subscription + balances.topup >= priced.cost) resetsAt = nextFree.toISOString();
    else if (sub && sub.status === 'active' && catalog.dailyFreeCredits + (plan.monthlyCredits ?? 0) + balances.topup >= priced.cost) {
      resetsAt = allocationEndsAt(sub, now, account.time_zone).toISOString();
    }
    // Waiting is a way out only when a coming refresh would cover the cost.
    if (resetsAt) options.push({ kind: 'wait', at: resetsAt });
    if (sub) options.push({ kind: 'topup', credits: plan5.shortfall });
    options.push({ kind: 'upgrade', planIds: this.upgradePlans(plan, priced.cost) });
    return {
      ...base,
      cost: priced.cost,
      unit: 'credits',
      draws: [],
      refusal: new ApiProblem(402, 'insufficient_credits', `This costs ${priced.cost} credits; ${priced.cost - plan5.shortfall} are available`, {
        shortfall: plan5.shortfall,
        resetsAt: resetsAt ?? nextFree.toISOString(),
        options,
      }),
    };
  }

  /** U1/U2: the window open now for this model, when the request may use one. */
  private async openWindow(trx: Tx, accountId: string, model: { id: string; kind: string }, workflow: boolean, now: Date, known?: KnownState): Promise<OpenWindow | null> {
    if (workflow || (model.kind !== 'image' && model.kind !== 'video')) return null;
    if (known) return known.window;
    return (await openWindowRow.first(trx, { accountId, modelId: model.id, now: now.toISOString() })) ?? null;
  }

  /** The debits of a quote: one ledger entry per balance drawn (C5); unlimited use records a zero-cost entry (U1). */
  debitEntries(quote: Quote, generationId: string, label: string): EntryInput[] {
    const at = this.ctx.clock.now();
    if (quote.unlimited) {
      return [
        {
          kind: 'debit',
          balance: 'subscription',
          amount: 0,
          reason: `U1: ${label} inside the unlimited window until ${quote.window?.ends_at ?? '?'} (${quote.lane})`,
          at,
          generationId,
        },
      ];
    }
    return quote.draws.map((draw) => ({
      kind: 'debit',
      balance: draw.balance,
      amount: -draw.amount,
      reason: draw.balance === 'generations' && draw.amount === 0 ? `G1: ${label} (unlimited plan, counted)` : `C5: ${label}`,
      at,
      generationId,
    }));
  }

  /**
   * C8 / G4: refunds a generation's draws in full to the balances they came from; a part whose allocation has been
   * renewed since (a later grant or expiry on that balance: the daily free reset, the monthly grant, an upgrade) returns
   * as nothing, since it would have expired anyway. Top-up credits never expire, so they always come back.
   */
  async refund(trx: Tx, accountId: string, generationId: string, draws: Draw[], reason: string): Promise<void> {
    const at = this.ctx.clock.now();
    const debit = await trx
      .selectFrom('ledger_entries')
      .select((eb) => eb.fn.min('id').as('id'))
      .where('account_id', '=', accountId)
      .where('generation_id', '=', generationId)
      .where('kind', '=', 'debit')
      .executeTakeFirst();
    const debitId = Number(debit?.id ?? 0);
    for (const draw of draws) {
      const expiredSince =
        draw.balance === 'topup'
          ? undefined
          : await trx
              .selectFrom('ledger_entries')
              .select('id')
              .where('account_id', '=', accountId)
              .where('balance', '=', draw.balance)
              .where('kind', 'in', ['expire', 'grant'])
              .where('id', '>', debitId)
              .executeTakeFirst();
      const amount = expiredSince ? 0 : draw.amount;
      await postEntry(trx, accountId, {
        kind: 'refund',
        balance: draw.balance,
        amount,
        reason: expiredSince ? `C8: ${reason}; the ${draw.balance} allocation it came from has expired meanwhile` : `C8: ${reason}`,
        at,
        generationId,
      });
    }
  }

  /** Credit plans above the current one whose allocation would cover `cost`. */
  upgradePlans(current: Plan, cost: number): string[] {
    return this.ctx.catalog.plans
      .filter((p) => p.billing === 'credits' && p.period && p.price > current.price && (p.monthlyCredits ?? 0) + this.ctx.catalog.dailyFreeCredits >= cost)
      .sort((a, b) => a.price - b.price)
      .map((p) => p.id);
  }

  upgradeGenerationPlans(current: Plan): string[] {
    return this.ctx.catalog.plans
      .filter((p) => p.billing === 'generations' && p.price > current.price && (p.monthlyGenerations === null || (p.monthlyGenerations ?? 0) > (current.monthlyGenerations ?? 0)))
      .sort((a, b) => a.price - b.price)
      .map((p) => p.id);
  }
}
