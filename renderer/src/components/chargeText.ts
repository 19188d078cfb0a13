/**
 * Pure words for the confirmation before a charge or a purchase (C9, A4, C4): the current price and what it draws,
 * what a plan grants now and when it renews, what a top-up adds. Every function takes the instant and the zone it
 * needs, so the same inputs always give the same words.
 */
import type { Balance, Catalog, CostEstimate, Me, Plan, PlanPeriod, Problem } from '../../../shared/api.js';
import { anniversaryDayOf, nextAnniversary } from '../../../shared/calendar.js';
import { amountWithUnit, drawsText, formatCount, formatInstantWithZone, planPriceText } from '../format.js';

const laneWords: Record<CostEstimate['lane'], string> = {
  fast: 'Fast lane',
  relaxed: 'Relaxed lane: slower, with no daily limit',
  standard: 'Standard lane',
};

/** A refusal's heading in plain words (C7, G6, U4, U7). */
export const refusalHeadings: Partial<Record<Problem['code'], string>> = {
  insufficient_credits: 'Not enough credits',
  subscription_required: 'This needs a subscription',
  generation_limit_reached: 'Generation limit reached',
  fast_limit_reached: 'Today’s Fast generations are used up',
  unlimited_paused: 'Unlimited access is paused',
  account_suspended: 'This account is suspended',
};

/** Text as a sentence: ends with one full stop. */
export function sentence(text: string): string {
  const trimmed = text.trim();
  return trimmed === '' || /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

/** What a request costs now, in words, for the confirmation: the price, the balances drawn, the lane, or the refusal. */
export type QuoteText = {
  cost: string;
  draws: string | null;
  lane: string | null;
  refusal: { title: string; detail: string } | null;
};

export function quoteText(estimate: CostEstimate): QuoteText {
  const unit = estimate.unit ?? 'credits';
  if (estimate.refusal !== undefined) {
    const { code, title, detail, shortfall } = estimate.refusal;
    const short =
      code === 'insufficient_credits' && shortfall !== undefined
        ? `You are ${amountWithUnit(shortfall, 'credits')} short. `
        : '';
    return {
      cost: estimate.cost > 0 ? amountWithUnit(estimate.cost, unit) : '—',
      draws: null,
      lane: null,
      refusal: { title: refusalHeadings[code] ?? title, detail: `${short}${sentence(detail ?? title)}` },
    };
  }
  if (estimate.unlimited)
    return {
      cost: 'No credits (inside your unlimited window)',
      draws: null,
      lane: laneWords[estimate.lane],
      refusal: null,
    };
  return {
    cost: amountWithUnit(estimate.cost, unit),
    draws: drawsText(estimate.draws),
    lane: laneWords[estimate.lane],
    refusal: null,
  };
}

/** The confirm button: the action and its price ("Re-run for 6 credits"); null when the backend would refuse it. */
export function chargeConfirmLabel(action: string, estimate: CostEstimate): string | null {
  if (estimate.refusal !== undefined) return null;
  if (estimate.unlimited) return `${action} at no cost`;
  return `${action} for ${amountWithUnit(estimate.cost, estimate.unit ?? 'credits')}`;
}

const MONTHS: Record<PlanPeriod, number> = { month: 1, quarter: 3, year: 12 };

/** A3: when a subscription bought at `now` is billed again: its anniversary instant one period on. */
export function renewalAfterPurchase(period: PlanPeriod, now: Date, zone: string): Date {
  const day = anniversaryDayOf(now, zone);
  let end = now;
  for (let i = 0; i < MONTHS[period]; i += 1) end = nextAnniversary(end, day, zone);
  return end;
}

/** "16,000 credits a month", "100 generations a month", "unlimited generations". */
export function planAllowance(plan: Plan): string {
  if (plan.billing === 'generations') {
    return plan.monthlyGenerations == null
      ? 'unlimited generations'
      : `${formatCount(plan.monthlyGenerations)} generations a month`;
  }
  return `${formatCount(plan.monthlyCredits ?? 0)} credits a month`;
}

/** "Spark Image for 7 days", with the model's name from the catalog. */
export function unlimitedModelsText(plan: Plan, catalog: Catalog | null): string[] {
  return plan.unlimitedModels.map(({ modelId, days }) => {
    const name = catalog?.models.find((model) => model.id === modelId)?.name ?? modelId;
    return `${name} for ${days} ${days === 1 ? 'day' : 'days'}`;
  });
}

/** What choosing `plan` would do, as the confirmation lists it (A3, A4, C3). */
export type PlanPurchaseText = { title: string; price: string; lines: string[]; confirmLabel: string };

export function planPurchaseText(
  plan: Plan,
  me: Me | null,
  balance: Balance | null,
  catalog: Catalog | null,
  now: Date,
  zone: string,
): PlanPurchaseText {
  const price = planPriceText(plan.price, plan.period);
  const subscribed = me !== null && me.subscription.status !== 'none';
  const verb = subscribed ? 'Switch' : 'Subscribe';
  const lines: string[] = [`Price: ${price}${plan.period === null ? '' : ', charged now'}.`];
  const allocation =
    plan.billing === 'credits' ? `${formatCount(plan.monthlyCredits ?? 0)} subscription credits` : planAllowance(plan);
  lines.push(
    `Granted now: ${allocation}, and again on each monthly anniversary (unused ones expire at the next grant).`,
  );
  const windows = unlimitedModelsText(plan, catalog);
  if (windows.length > 0) lines.push(`Unlimited use from now: ${windows.join(', ')}.`);
  if (plan.period !== null) {
    lines.push(
      `Renews at ${formatInstantWithZone(renewalAfterPurchase(plan.period, now, zone).toISOString(), zone, now)} for ${price}, until you cancel.`,
    );
  }
  if (subscribed && me !== null) {
    const left = balance?.credits.subscription.amount ?? 0;
    const replaced = left > 0 ? ` Its ${formatCount(left)} unused subscription credits end now.` : '';
    lines.push(
      `Your ${me.plan.name} plan ends now and today becomes your anniversary day.${replaced} Top-up credits stay.`,
    );
  }
  return { title: `${verb} to ${plan.name}?`, price, lines, confirmLabel: `${verb} to ${plan.name} for ${price}` };
}

/** What a top-up adds (C4). The catalog lists no top-up price, so the confirmation says the credits alone. */
export function topupPurchaseText(credits: number): { title: string; lines: string[]; confirmLabel: string } {
  return {
    title: `Buy ${formatCount(credits)} top-up credits?`,
    lines: [
      `${formatCount(credits)} credits are added to your top-up balance now.`,
      'Top-up credits never expire, and stay spendable after a subscription ends.',
      'They are spent after your free and subscription credits.',
    ],
    confirmLabel: `Buy ${formatCount(credits)} credits`,
  };
}

/** A4: what cancelling keeps, and until when. */
export function cancelText(
  me: Me,
  dailyFreeCredits: number,
  now: Date,
  zone: string,
): { lines: string[]; until: string | null } {
  const endsAt = me.subscription.renewsAt ?? me.subscription.endsAt ?? null;
  const until = endsAt === null ? null : formatInstantWithZone(endsAt, zone, now);
  const lines = [
    until === null
      ? `Your ${me.plan.name} plan stays until the end of the paid period.`
      : `Your ${me.plan.name} plan, its allocation and unlimited windows stay until ${until}; it does not renew.`,
    `After that the account is on the Free plan: ${formatCount(dailyFreeCredits)} free credits a day. Top-up credits stay.`,
  ];
  return { lines, until };
}

/** The plain-words outcome once a purchase went through, from the account as it is now (after the purchase). */
export function purchaseDoneText(
  request: { kind: 'plan' } | { kind: 'topup'; credits: number } | { kind: 'cancel' },
  me: Me | null,
  balance: Balance | null,
  now: Date,
  zone: string,
): string {
  if (request.kind === 'topup') {
    const total =
      balance === null ? '' : ` Your top-up balance is now ${formatCount(balance.credits.topup.amount)} credits.`;
    return `Added ${formatCount(request.credits)} top-up credits.${total}`;
  }
  if (me === null) return 'Done.';
  if (request.kind === 'cancel') {
    const endsAt = me.subscription.endsAt ?? null;
    return endsAt === null
      ? 'Cancelled: your plan stays until the end of the paid period.'
      : `Cancelled: your plan stays until ${formatInstantWithZone(endsAt, zone, now)}.`;
  }
  const granted =
    me.plan.billing === 'credits'
      ? `you have ${formatCount(balance?.credits.subscription.amount ?? me.plan.monthlyCredits ?? 0)} subscription credits`
      : `you have ${planAllowance(me.plan)}`;
  const renews =
    me.subscription.renewsAt === null
      ? ''
      : `; it renews at ${formatInstantWithZone(me.subscription.renewsAt, zone, now)}`;
  return `Now on ${me.plan.name}: ${granted}${renews}.`;
}
