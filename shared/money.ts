/**
 * Money as the app writes it everywhere: US dollars with the symbol, cents only when there are some, and the billing
 * period after a slash ("$8/month", "$480/year", "$6.67/month"). The renderer's format.ts exports it to the views;
 * it lives here because the estimator's sentences (shared/estimator.ts) name prices too.
 */
export type MoneyPeriod = 'month' | 'quarter' | 'year';

const wholeDollars = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD', maximumFractionDigits: 0 });
const dollarsAndCents = new Intl.NumberFormat('en-US', {
  style: 'currency',
  currency: 'USD',
  minimumFractionDigits: 2,
  maximumFractionDigits: 2,
});

/** 30 -> "$30", 6.666 -> "$6.67", 8.5 -> "$8.50": cents only when there are some, and then both digits. */
export function moneyText(amount: number): string {
  const cents = Math.round(amount * 100);
  return cents % 100 === 0 ? wholeDollars.format(cents / 100) : dollarsAndCents.format(cents / 100);
}

/** A price per billing period: "$8/month", "$480/year"; "Free" for nothing; the bare amount without a period. */
export function priceText(price: number, period: MoneyPeriod | null): string {
  if (price === 0) return 'Free';
  return period === null ? moneyText(price) : `${moneyText(price)}/${period}`;
}
