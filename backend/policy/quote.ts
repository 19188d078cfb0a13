/**
 * The quote: what a request costs, what it draws from, which lane it runs in, or why it is refused (C5-C7, G2, G6,
 * U1-U4, U7's pause, pro models). A pure function of the account's state, the request, the catalog and the time, so
 * that the cost preview and the charge decide alike and a table of cases can check it; `charges.ts` reads the state.
 */
import type { Catalog, CostEstimateRequest, Draw, Plan, WayOut } from '../../shared/api.js';
import { lastLocalMidnight, nextLocalMidnight } from '../../shared/calendar.js';
import { planCreditDraws, priceRequest } from '../../shared/pricing.js';
import { ApiProblem } from '../problem.js';
import type { Balances } from '../storage/ledger.js';
import { allocationEndsAt } from './balance-view.js';
import { planOf } from './context.js';
import type { SubscriptionRow } from './subscriptions.js';

/** An unlimited window (U1) open for a model. */
export interface OpenWindow {
  model_id: string;
  starts_at: string;
  ends_at: string;
}

/** What the quote decides from, read by `Charges.quoteState` (or given by a test). */
export interface QuoteState {
  account: { plan_id: string; status: string; time_zone: string };
  subscription: SubscriptionRow | null;
  balances: Balances;
  /** The request's model's open window, whether or not the request may use it. */
  window: OpenWindow | null;
  /** U4: the account's Fast unlimited generations since its local midnight (read when a window is open). */
  fastUsedToday: number;
}

export interface Quote {
  /** Credits for credit-billed plans; generations (always 1, G2) for generation-billed ones. */
  cost: number;
  unit: 'credits' | 'generations';
  draws: Draw[];
  lane: 'fast' | 'relaxed' | 'standard';
  unlimited: boolean;
  refusal: ApiProblem | null;
  /** The unlimited window used, when `unlimited`. */
  window?: OpenWindow;
}

/** Credit plans above the current one whose allocation would cover `cost`. */
export function upgradePlans(catalog: Catalog, current: Plan, cost: number): string[] {
  return catalog.plans
    .filter(
      (p) =>
        p.billing === 'credits' &&
        p.period &&
        p.price > current.price &&
        (p.monthlyCredits ?? 0) + catalog.dailyFreeCredits >= cost,
    )
    .sort((a, b) => a.price - b.price)
    .map((p) => p.id);
}

/** Generation-billed plans above the current one with more generations a month. */
export function upgradeGenerationPlans(catalog: Catalog, current: Plan): string[] {
  return catalog.plans
    .filter(
      (p) =>
        p.billing === 'generations' &&
        p.price > current.price &&
        (p.monthlyGenerations === null || (p.monthlyGenerations ?? 0) > (current.monthlyGenerations ?? 0)),
    )
    .sort((a, b) => a.price - b.price)
    .map((p) => p.id);
}

/** U1/U2: whether a request may use an open window: image and video models only, and never as part of a workflow. */
export const mayUseWindow = (model: { kind: string }, workflow: boolean): boolean =>
  !workflow && (model.kind === 'image' || model.kind === 'video');

/** Prices and routes a request, or refuses it. Invalid requests throw 400. */
export function quote(state: QuoteState, request: CostEstimateRequest, catalog: Catalog, now: Date): Quote {
  const priced = priceRequest(catalog, request);
  if (!priced.ok) {
    throw new ApiProblem(400, 'invalid_request', priced.issues.map((i) => `${i.path}: ${i.message}`).join('; '), {
      errors: priced.issues,
    });
  }
  const tool = catalog.tools.find((t) => t.id === request.tool);
  if (tool?.needsSource && !request.settings.sourceId) {
    throw new ApiProblem(
      400,
      'invalid_request',
      `${tool.name} needs settings.sourceId (an upload or an earlier image output)`,
      {
        errors: [{ path: 'body.settings.sourceId', message: 'required for this tool' }],
      },
    );
  }
  const { account, subscription: sub, balances } = state;
  const plan = planOf(catalog, account.plan_id);
  const base = { lane: 'standard' as const, unlimited: false };

  if (priced.model.pro && !sub) {
    return {
      ...base,
      cost: priced.cost,
      unit: 'credits',
      draws: [],
      refusal: new ApiProblem(
        403,
        'subscription_required',
        `${priced.model.name} is a pro model: it needs an active subscription`,
        {
          options: [{ kind: 'upgrade', planIds: upgradePlans(catalog, plan, 0) }],
        },
      ),
    };
  }

  // U1/U2: inside an open window, an image or video model costs nothing, unless the request is part of a workflow.
  const window = mayUseWindow(priced.model, request.workflow ?? false) ? state.window : null;
  if (window) {
    const free = { cost: 0, unit: 'credits' as const, draws: [], unlimited: true };
    // U7: a fair-use pause stops unlimited access only; credits keep working for everything else.
    if (account.status === 'unlimited_paused') {
      return {
        ...free,
        lane: 'fast',
        unlimited: false,
        refusal: new ApiProblem(
          403,
          'unlimited_paused',
          'Unlimited access is paused pending a fair-use review; you can appeal from your account',
          {
            options: [{ kind: 'wait' }],
          },
        ),
      };
    }
    // U4: the daily Fast limit counts unlimited use; past it, Relaxed for models that support it, else refused until local midnight.
    if (state.fastUsedToday < plan.fastDailyLimit) return { ...free, lane: 'fast', window, refusal: null };
    if (priced.model.supportsRelaxed) return { ...free, lane: 'relaxed', window, refusal: null };
    const resetsAt = nextLocalMidnight(now, account.time_zone).toISOString();
    return {
      ...free,
      lane: 'fast',
      refusal: new ApiProblem(
        429,
        'fast_limit_reached',
        `The ${plan.fastDailyLimit} Fast generations of today are used; ${priced.model.name} has no Relaxed mode`,
        {
          resetsAt,
          retryAfterS: Math.ceil((Date.parse(resetsAt) - now.getTime()) / 1000),
          options: [{ kind: 'wait', at: resetsAt }],
        },
      ),
    };
  }

  if (plan.billing === 'generations') {
    // G2: one Generate action is one generation, whatever the outputs or settings.
    const draws: Draw[] = [{ balance: 'generations', amount: plan.monthlyGenerations === null ? 0 : 1 }];
    if (plan.monthlyGenerations != null && balances.generations < 1) {
      const resetsAt = sub ? allocationEndsAt(sub, now, account.time_zone).toISOString() : null;
      return {
        ...base,
        cost: 1,
        unit: 'generations',
        draws: [],
        refusal: new ApiProblem(
          429,
          'generation_limit_reached',
          `All ${plan.monthlyGenerations} generations of ${plan.name} are used this month`,
          {
            resetsAt,
            options: [
              ...(resetsAt ? [{ kind: 'wait' as const, at: resetsAt }] : []),
              { kind: 'upgrade' as const, planIds: upgradeGenerationPlans(catalog, plan) },
            ],
          },
        ),
      };
    }
    return { ...base, cost: 1, unit: 'generations', draws, refusal: null };
  }

  const split = planCreditDraws(balances, priced.cost);
  if (split.ok) return { ...base, cost: priced.cost, unit: 'credits', draws: split.draws, refusal: null };
  return {
    ...base,
    cost: priced.cost,
    unit: 'credits',
    draws: [],
    refusal: insufficientCredits(state, plan, priced.cost, split.shortfall, catalog, now),
  };
}

/** C7: the refusal before anything runs, naming the shortfall and the ways out. */
function insufficientCredits(
  state: QuoteState,
  plan: Plan,
  cost: number,
  shortfall: number,
  catalog: Catalog,
  now: Date,
): ApiProblem {
  const { account, subscription: sub, balances } = state;
  const options: WayOut[] = [];
  const nextFree = nextLocalMidnight(now, account.time_zone);
  let resetsAt: string | null = null;
  if (catalog.dailyFreeCredits + balances.subscription + balances.topup >= cost) resetsAt = nextFree.toISOString();
  else if (
    sub &&
    sub.status === 'active' &&
    catalog.dailyFreeCredits + (plan.monthlyCredits ?? 0) + balances.topup >= cost
  ) {
    resetsAt = allocationEndsAt(sub, now, account.time_zone).toISOString();
  }
  // Waiting is a way out only when a coming refresh would cover the cost.
  if (resetsAt) options.push({ kind: 'wait', at: resetsAt });
  if (sub) options.push({ kind: 'topup', credits: shortfall });
  options.push({ kind: 'upgrade', planIds: upgradePlans(catalog, plan, cost) });
  return new ApiProblem(402, 'insufficient_credits', `This costs ${cost} credits; ${cost - shortfall} are available`, {
    shortfall,
    resetsAt: resetsAt ?? nextFree.toISOString(),
    options,
  });
}

/** The start of the account's local day, from which U4 counts Fast unlimited use. */
export const localDayStart = (account: { time_zone: string }, now: Date): Date =>
  lastLocalMidnight(now, account.time_zone);
