import { useMemo } from 'react';
import type { Balance } from '../../../../shared/api.js';
import { amountWithUnit, formatCount, formatDateWithZone, formatDayKey, formatInstantWithZone } from '../../format.js';
import { computePace, PACE_DAYS, type Pace, type PacePlan } from './pace.js';
import { usePaceUsage } from './usePace.js';

type PacePanelProps = { accountId: string; balance: Balance; plan: PacePlan; zone: string; now: Date };

const perDayFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** Spending per day over the last 7 local days, and what that pace means for the balances (when they run out, C3 expiry). */
export function PacePanel({ accountId, balance, plan, zone, now }: PacePanelProps) {
  const usage = usePaceUsage(accountId, balance, zone);
  // The projection walks up to three years day by day: worked out when its inputs change, not on every minute's render.
  const planKey = JSON.stringify(plan);
  const pace = useMemo(
    () =>
      usage.status === 'ready'
        ? computePace(usage.usage, balance, JSON.parse(planKey) as PacePlan, usage.now, zone)
        : null,
    [usage, balance, planKey, zone],
  );

  return (
    <section className="section" aria-labelledby="pace-heading">
      <h2 id="pace-heading">Pace</h2>
      <div className="card pace-card" data-testid="pace" aria-busy={usage.status === 'loading'}>
        {usage.status === 'loading' && (
          <p className="muted" role="status">
            Working out your pace from the last {PACE_DAYS} days…
          </p>
        )}
        {usage.status === 'failed' && (
          <p className="notice notice--error" data-testid="pace-error">
            Couldn’t load your usage of the last {PACE_DAYS} days: {usage.error.message}
          </p>
        )}
        {pace !== null && <PaceFigures {...{ balance, plan, zone, now }} pace={pace} />}
      </div>
    </section>
  );
}

function unusedWhat(amount: number, unit: 'credits' | 'generations'): string {
  if (unit === 'generations') return amount === 1 ? 'generation' : 'generations';
  return amount === 1 ? 'subscription credit' : 'subscription credits';
}

/** What the pace leads to, in words: when (and whether) the balances run short, and what comes back. */
export function outlookText(pace: Pace, plan: PacePlan, zone: string, now: Date): string {
  const { outlook, unit } = pace;
  const what = unit === 'credits' ? 'credits' : 'generations';
  const date = (at: Date) => formatDateWithZone(at.toISOString(), zone, now);
  switch (outlook.kind) {
    case 'unlimited':
      return 'Your plan has no generation limit: nothing runs out.';
    case 'idle':
      return `Nothing spent in the last ${PACE_DAYS} days: your ${amountWithUnit(pace.left ?? 0, unit)} are not running down.`;
    case 'covered': {
      if (outlook.drawsTopup)
        return `At this pace your top-up credits run down, but they last beyond ${date(outlook.horizon)}.`;
      const sources = [
        ...(plan.dailyFree > 0 ? [`each day’s ${formatCount(plan.dailyFree)} free credits`] : []),
        ...(plan.allocation > 0 ? [`each month’s ${amountWithUnit(plan.allocation, unit)}`] : []),
      ];
      return `At this pace you never run out: ${sources.join(' and ') || 'your balances'} cover it.`;
    }
    case 'short':
      return outlook.until === null
        ? `At this pace your ${what} run out around ${date(outlook.at)}${plan.dailyFree > 0 ? `; after that only the ${formatCount(plan.dailyFree)} free credits of each day remain` : ''}.`
        : `At this pace your ${what} run out around ${date(outlook.at)}, until ${date(outlook.until)} brings ${amountWithUnit(outlook.refill, unit)}.`;
  }
}

function PaceFigures({
  pace,
  balance,
  plan,
  zone,
  now,
}: {
  pace: Pace;
  balance: Balance;
  plan: PacePlan;
  zone: string;
  now: Date;
}) {
  const max = Math.max(1, ...pace.days.map((day) => day.amount));
  const unitWord = pace.unit === 'credits' ? 'credits' : 'generations';
  const expiringWhat = pace.unit === 'credits' ? 'subscription credits' : 'generations';

  return (
    <>
      <p className="pace-average">
        <span className="figure-number figure-number--small" data-testid="pace-per-day">
          {perDayFormat.format(pace.perDay)}
        </span>{' '}
        <span className="figure-unit">{unitWord} per day</span>
        <span className="muted">
          {' '}
          · average of the last {PACE_DAYS} days ({zone})
        </span>
      </p>
      <ol className="pace-days" aria-label={`${unitWord} spent per day`}>
        {pace.days.map((day) => (
          <li key={day.key} className="pace-day">
            <span className="pace-bar" aria-hidden="true">
              <span className="pace-bar-fill" style={{ height: `${Math.round((day.amount / max) * 100)}%` }} />
            </span>
            <span className="pace-day-amount tabular">{formatCount(day.amount)}</span>
            <DayLabel text={formatDayKey(day.key)} />
          </li>
        ))}
      </ol>
      <p data-testid="pace-runout">{outlookText(pace, plan, zone, now)}</p>
      {pace.expiresUnused !== null ? (
        <p className="notice notice--warning" data-testid="pace-expiring">
          About {formatCount(pace.expiresUnused.amount)} {unusedWhat(pace.expiresUnused.amount, pace.unit)} will expire
          unused at renewal, at {formatInstantWithZone(pace.expiresUnused.at, zone, now)}: unused ones do not roll over.
        </p>
      ) : (
        (balance.credits.subscription.expiresAt !== null || balance.generations?.resetsAt) && (
          <p className="muted" data-testid="pace-expiring">
            At this pace you use all your {expiringWhat} before they renew.
          </p>
        )
      )}
    </>
  );
}

/** "Sat 28 Nov" as weekday and date, which a narrow window puts on two lines so that seven days fit side by side. */
function DayLabel({ text }: { text: string }) {
  const space = text.indexOf(' ');
  return (
    <span className="pace-day-label">
      <span className="pace-day-weekday">{space < 0 ? text : text.slice(0, space)}</span>
      {space >= 0 && <span className="pace-day-date"> {text.slice(space + 1)}</span>}
    </span>
  );
}
