/**
 * The plan estimator (E1, E2) as pure functions over the catalog: what a month of planned use costs, what every plan of
 * the catalog gives for it, and which plan to recommend. Used by the app's Estimator view, offline too: nothing here
 * reads a clock, the network or a store.
 *
 * The rules, decided here once (the view shows them to the user):
 * - E1: a row is one kind of Generate action (model, tool, settings) done `uses` times per day or per month. Per day,
 *   uses per month = uses x working days; per month, the uses as given. Cost per use is the C6 price (priceRequest).
 *   Monthly credits = sum of uses per month x cost per use; the buffer [20-30 %, default 25 %] is added on top and
 *   rounded up to a whole credit. Monthly generations (G2) = sum of uses per month, whatever the outputs: one Generate
 *   action is one generation; the same buffer applies.
 * - Daily free credits (C2) are reset, not accumulated: they can pay at most `dailyFreeCredits` on each day the user
 *   actually generates. The days of use in a month are the largest `workingDays` of the rows (rows are assumed to share
 *   the same working days), and the free part can never exceed the month's need. Every credit-billed plan, `free`
 *   included, gets them; generation-billed plans have no credits.
 * - A credit-billed plan covers the estimate when its monthly credits plus the usable free credits reach the estimate
 *   with its buffer. When they do not, the rest is the top-up credits it would need (C4: only with a subscription, so
 *   never on `free`). Top-ups are shown in credits: their price is not in the catalog.
 * - A generation-billed plan covers the estimate when its monthly generations (null = unlimited) reach the generations
 *   with the buffer. It cannot be topped up.
 * - Pro models need an active subscription (C6): a plan without a period (`free`) cannot run them.
 * - Unlimited windows (U1) are not counted: they open only on the first days after each renewal and are capped by the
 *   Fast limit, so the estimate stays on the safe side.
 * - E2: the recommendation is the cheapest plan by price per month (a yearly price / 12, a quarterly one / 3) that covers
 *   the estimate without top-ups; on equal prices the catalog's order decides. Only when no plan covers it, the credit
 *   plan that needs the fewest top-up credits is recommended "with N top-up credits" (then the cheaper one of equals).
 */
import type { Catalog, GenerationSettings, Plan, PlanPeriod, ToolId } from './api.js';
import type { RecentModelUse } from './bridge.js';
import { priceText } from './money.js';
import { priceRequest } from './pricing.js';

export const MIN_BUFFER_PERCENT = 20;
export const MAX_BUFFER_PERCENT = 30;
export const DEFAULT_BUFFER_PERCENT = 25;
/** A typical month of weekdays (E1's worked example). */
export const DEFAULT_WORKING_DAYS = 22;

export type UsePeriod = 'day' | 'month';
/** The settings that change a request's price (C6). */
export type EstimatorSettings = Pick<GenerationSettings, 'outputs' | 'quality' | 'durationS'>;

export interface EstimatorRow {
  modelId: string;
  tool: ToolId;
  settings: EstimatorSettings;
  /** Generate actions per day or per month. */
  uses: number;
  per: UsePeriod;
  /** Days of use in a month: multiplies `uses` per day; with uses per month, the days they are spread over. */
  workingDays: number;
}

export interface RowEstimate {
  row: EstimatorRow;
  /** Credits per Generate action (C6), null when the row cannot be priced (see issues). */
  costPerUse: number | null;
  usesPerMonth: number;
  /** uses per month x cost per use; 0 for a row that cannot be priced. */
  creditsPerMonth: number;
  pro: boolean;
  /** Why a row cannot be priced (an unknown model, a tool it does not offer, settings out of range). */
  issues: string[];
}

export interface MonthlyEstimate {
  rows: RowEstimate[];
  /** E1: monthly credits before the buffer. */
  credits: number;
  bufferPercent: number;
  /** E1: monthly credits with the buffer, rounded up. */
  creditsWithBuffer: number;
  /** G2: Generate actions per month (one generation each), before and with the buffer. */
  generations: number;
  generationsWithBuffer: number;
  /** Days with use in a month: the largest working days of the rows in use. */
  daysOfUse: number;
  /** Some row uses a pro model (C6: needs an active subscription). */
  needsSubscription: boolean;
}

/** Clamps a buffer to E1's 20-30 % band. */
export function clampBufferPercent(percent: number): number {
  if (!Number.isFinite(percent)) return DEFAULT_BUFFER_PERCENT;
  return Math.min(MAX_BUFFER_PERCENT, Math.max(MIN_BUFFER_PERCENT, percent));
}

/** A non-negative finite number, or 0. */
function nonNegative(value: number): number {
  return Number.isFinite(value) && value > 0 ? value : 0;
}

export function usesPerMonth(row: EstimatorRow): number {
  const uses = nonNegative(row.uses);
  return row.per === 'day' ? uses * Math.min(31, nonNegative(row.workingDays)) : uses;
}

/** `amount` plus `percent` %, rounded up to a whole unit (integer maths first, so 62,040 + 25 % is exactly 77,550). */
export function withBuffer(amount: number, percent: number): number {
  return Math.ceil((amount * (100 + percent)) / 100 - 1e-9);
}

/** E1 for a set of rows. */
export function estimateMonthlyUse(
  catalog: Catalog,
  rows: EstimatorRow[],
  bufferPercent = DEFAULT_BUFFER_PERCENT,
): MonthlyEstimate {
  const buffer = clampBufferPercent(bufferPercent);
  const estimates = rows.map((row): RowEstimate => {
    const priced = priceRequest(catalog, {
      tool: row.tool,
      modelId: row.modelId,
      settings: { outputs: row.settings.outputs, quality: row.settings.quality, durationS: row.settings.durationS },
    });
    const uses = usesPerMonth(row);
    if (!priced.ok)
      return {
        row,
        costPerUse: null,
        usesPerMonth: uses,
        creditsPerMonth: 0,
        pro: false,
        issues: priced.issues.map((issue) => issue.message),
      };
    return {
      row,
      costPerUse: priced.cost,
      usesPerMonth: uses,
      creditsPerMonth: uses * priced.cost,
      pro: priced.model.pro,
      issues: [],
    };
  });
  const priced = estimates.filter((estimate) => estimate.costPerUse !== null);
  const credits = Math.ceil(priced.reduce((sum, estimate) => sum + estimate.creditsPerMonth, 0) - 1e-9);
  const generations = Math.ceil(priced.reduce((sum, estimate) => sum + estimate.usesPerMonth, 0) - 1e-9);
  const inUse = priced.filter((estimate) => estimate.usesPerMonth > 0);
  return {
    rows: estimates,
    credits,
    bufferPercent: buffer,
    creditsWithBuffer: withBuffer(credits, buffer),
    generations,
    generationsWithBuffer: withBuffer(generations, buffer),
    daysOfUse: inUse.reduce(
      (days, estimate) => Math.max(days, Math.min(31, Math.ceil(nonNegative(estimate.row.workingDays)))),
      0,
    ),
    needsSubscription: inUse.some((estimate) => estimate.pro),
  };
}

const MONTHS_PER_PERIOD: Record<PlanPeriod, number> = { month: 1, quarter: 3, year: 12 };

/** A plan's price per month: a yearly price / 12, a quarterly one / 3; a plan without a period costs its price. */
export function monthlyPrice(plan: Plan): number {
  return plan.period === null ? plan.price : plan.price / MONTHS_PER_PERIOD[plan.period];
}

export interface CreditPlanFit {
  billing: 'credits';
  plan: Plan;
  monthlyPrice: number;
  /** The plan's monthly credits (C3). */
  monthlyCredits: number;
  /** The daily free credits this use can spend in a month (C2: at most the daily amount per day of use). */
  usableFreeCredits: number;
  covers: boolean;
  /** Credits missing for the estimate with its buffer (0 when it covers). */
  shortBy: number;
  /** Top-up credits that would close the gap; null when this plan cannot buy top-ups (no subscription, C4). */
  topupCredits: number | null;
  /** Why the plan cannot serve this use at all, whatever the credits (a pro model without a subscription). */
  blockedBy: string | null;
}

export interface GenerationPlanFit {
  billing: 'generations';
  plan: Plan;
  monthlyPrice: number;
  /** null: unlimited (G1). */
  monthlyGenerations: number | null;
  covers: boolean;
  /** Generations missing for the estimate with its buffer (0 when it covers). */
  shortBy: number;
  topupCredits: null;
  blockedBy: string | null;
}

export type PlanFit = CreditPlanFit | GenerationPlanFit;

const PRO_BLOCK = 'pro models need a subscription';

/** E2: what every plan of the catalog gives for the estimate, in catalog order. */
export function fitPlans(catalog: Catalog, estimate: MonthlyEstimate): PlanFit[] {
  return catalog.plans.map((plan): PlanFit => {
    const blockedBy = estimate.needsSubscription && plan.period === null ? PRO_BLOCK : null;
    if (plan.billing === 'generations') {
      const limit = plan.monthlyGenerations ?? null;
      const shortBy = limit === null ? 0 : Math.max(0, estimate.generationsWithBuffer - limit);
      return {
        billing: 'generations',
        plan,
        monthlyPrice: monthlyPrice(plan),
        monthlyGenerations: limit,
        covers: shortBy === 0 && blockedBy === null,
        shortBy,
        topupCredits: null,
        blockedBy,
      };
    }
    const need = estimate.creditsWithBuffer;
    const monthlyCredits = plan.monthlyCredits ?? 0;
    const usableFreeCredits = Math.min(catalog.dailyFreeCredits * estimate.daysOfUse, need);
    const shortBy = Math.max(0, need - monthlyCredits - usableFreeCredits);
    const canTopUp = plan.period !== null;
    return {
      billing: 'credits',
      plan,
      monthlyPrice: monthlyPrice(plan),
      monthlyCredits,
      usableFreeCredits,
      covers: shortBy === 0 && blockedBy === null,
      shortBy,
      topupCredits: canTopUp ? shortBy : null,
      blockedBy,
    };
  });
}

export type Recommendation =
  | { kind: 'covers'; planId: string; fit: PlanFit; reason: string }
  | { kind: 'with-topups'; planId: string; fit: CreditPlanFit; topupCredits: number; reason: string }
  | { kind: 'none'; reason: string };

/** What a plan costs a month, as the app writes money: "$30/month" (a yearly plan's price divided by 12). */
function planPriceText(fit: PlanFit): string {
  return fit.monthlyPrice === 0 ? 'no cost' : priceText(fit.monthlyPrice, 'month');
}

function countText(value: number): string {
  return value.toLocaleString('en-US');
}

function coverText(fit: PlanFit, estimate: MonthlyEstimate): string {
  if (fit.billing === 'generations') {
    const gives =
      fit.monthlyGenerations === null
        ? 'unlimited generations'
        : `${countText(fit.monthlyGenerations)} generations a month`;
    return `${fit.plan.name} gives ${gives} for the ${countText(estimate.generationsWithBuffer)} Generate actions a month you plan (buffer included)`;
  }
  const free = fit.usableFreeCredits > 0 ? ` plus ${countText(fit.usableFreeCredits)} daily free credits` : '';
  return `${fit.plan.name} gives ${countText(fit.monthlyCredits)} credits a month${free} for the ${countText(estimate.creditsWithBuffer)} credits you need (buffer included)`;
}

/** E2: the cheapest plan that covers the estimate; top-ups only when no plan covers it without them. */
export function recommendPlan(fits: PlanFit[], estimate: MonthlyEstimate): Recommendation {
  const covering = fits.filter((fit) => fit.covers);
  if (covering.length > 0) {
    // Array.prototype.sort is stable: on equal prices the catalog's order stays.
    const best = [...covering].sort((a, b) => a.monthlyPrice - b.monthlyPrice)[0]!;
    return {
      kind: 'covers',
      planId: best.plan.id,
      fit: best,
      reason: `The cheapest plan that covers your use: ${coverText(best, estimate)}, at ${planPriceText(best)}.`,
    };
  }
  const toppable = fits.filter(
    (fit): fit is CreditPlanFit => fit.billing === 'credits' && fit.topupCredits !== null && fit.blockedBy === null,
  );
  if (toppable.length > 0) {
    const best = [...toppable].sort((a, b) => a.topupCredits! - b.topupCredits! || a.monthlyPrice - b.monthlyPrice)[0]!;
    const topupCredits = best.topupCredits!;
    return {
      kind: 'with-topups',
      planId: best.plan.id,
      fit: best,
      topupCredits,
      reason:
        `No plan covers your use on its own. ${best.plan.name} (${planPriceText(best)}) comes closest: ` +
        `${countText(best.monthlyCredits + best.usableFreeCredits)} of the ${countText(estimate.creditsWithBuffer)} credits you need, ` +
        `so it needs ${countText(topupCredits)} top-up credits a month (their price is not in the catalog).`,
    };
  }
  return { kind: 'none', reason: 'No plan of the catalog covers this use.' };
}

/** Every setting combination the catalog allows for a model kind, cheapest settings first. */
function settingChoices(catalog: Catalog, kind: 'image' | 'video' | 'audio'): EstimatorSettings[] {
  const { outputs, quality, durationS } = catalog.multipliers;
  const qualities = Object.keys(quality) as Array<NonNullable<EstimatorSettings['quality']>>;
  const durations =
    kind === 'image'
      ? [undefined]
      : Object.keys(durationS[kind])
          .map(Number)
          .sort((a, b) => a - b);
  const choices: EstimatorSettings[] = [];
  for (let count = outputs.min; count <= outputs.max; count += 1) {
    for (const q of qualities) {
      for (const d of durations)
        choices.push(d === undefined ? { outputs: count, quality: q } : { outputs: count, quality: q, durationS: d });
    }
  }
  return choices;
}

/**
 * E2 "start from my last 30 days": per model, one row for each combination of settings it really ran with (2 standard
 * outputs stay 2 standard outputs), `generations` uses per month spread over the model's active days. Use known only
 * as totals gets the settings whose C6 price is nearest to what one use cost on average (credits / generations); use
 * that cost nothing (an unlimited window, a generation-billed plan) is then priced at one standard output. A window
 * other than 30 days is scaled to a month of 30 days.
 */
export function rowsFromRecentUse(catalog: Catalog, recent: RecentModelUse[], days = 30): EstimatorRow[] {
  const scale = 30 / Math.max(1, days);
  return recent
    .filter((use) => use.generations > 0)
    .flatMap((use): EstimatorRow[] => {
      const model = catalog.models.find((m) => m.id === use.modelId);
      if (!model) return [];
      const tool = model.tools.includes(use.tool) ? use.tool : model.tool;
      const workingDays = Math.min(31, Math.max(1, Math.round(use.activeDays * scale)));
      const known = (use.bySettings ?? []).filter(
        (part) =>
          part.generations > 0 && priceRequest(catalog, { tool, modelId: model.id, settings: part.settings }).ok,
      );
      if (known.length > 0) {
        return known.map((part) => ({
          modelId: model.id,
          tool,
          settings: { quality: 'standard' as const, ...part.settings },
          uses: Math.round(part.generations * scale),
          per: 'month' as const,
          workingDays,
        }));
      }
      const averageCost = use.credits / use.generations;
      let settings: EstimatorSettings = settingChoices(catalog, model.kind)[0] ?? { outputs: 1 };
      if (averageCost > 0) {
        let nearest = Number.POSITIVE_INFINITY;
        for (const choice of settingChoices(catalog, model.kind)) {
          const priced = priceRequest(catalog, { tool, modelId: model.id, settings: choice });
          if (!priced.ok) continue;
          const distance = Math.abs(priced.cost - averageCost);
          if (distance < nearest) {
            nearest = distance;
            settings = choice;
          }
        }
      }
      return [
        {
          modelId: model.id,
          tool,
          settings,
          uses: Math.round(use.generations * scale),
          per: 'month',
          workingDays,
        },
      ];
    });
}

/** E1's worked example: 30 images a day of vivid-image and 10 five-second videos a day of motion-video, 22 days. */
export function workedExampleRows(): EstimatorRow[] {
  return [
    {
      modelId: 'vivid-image',
      tool: 'text-to-image',
      settings: { outputs: 1, quality: 'standard' },
      uses: 30,
      per: 'day',
      workingDays: DEFAULT_WORKING_DAYS,
    },
    {
      modelId: 'motion-video',
      tool: 'text-to-video',
      settings: { outputs: 1, quality: 'standard', durationS: 5 },
      uses: 10,
      per: 'day',
      workingDays: DEFAULT_WORKING_DAYS,
    },
  ];
}
