import type { Balance } from '../../../../shared/api.js';
import { amountWithUnit, formatCount, formatDateWithZone, formatDayKey, formatInstantWithZone } from '../../format.js';
import { computePace, PACE_DAYS } from './pace.js';
import { usePaceUsage } from './usePace.js';

type PacePanelProps = { accountId: string; balance: Balance; zone: string; now: Date };

const perDayFormat = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });

/** Spending per day over the last 7 local days, and what that pace means for the balances (when they run out, C3 expiry). */
export function PacePanel({ accountId, balance, zone, now }: PacePanelProps) {
  const usage = usePaceUsage(accountId, balance, zone);

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
        {usage.status === 'ready' && <PaceFigures {...{ balance, zone, now }} pace={computePace(usage.usage, balance, usage.now, zone)} />}
      </div>
    </section>
  );
}

function unusedWhat(amount: number, unit: 'credits' | 'generations'): string {
  if (unit === 'generations') return amount === 1 ? 'generation' : 'generations';
  return amount === 1 ? 'subscription credit' : 'subscription credits';
}

function PaceFigures({ pace, balance, zone, now }: { pace: ReturnType<typeof computePace>; balance: Balance; zone: string; now: Date }) {
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
        <span className="muted"> · average of the last {PACE_DAYS} days ({zone})</span>
      </p>
      <ol className="pace-days" aria-label={`${unitWord} spent per day`}>
        {pace.days.map((day) => (
          <li key={day.key} className="pace-day">
            <span className="pace-bar" aria-hidden="true">
              <span className="pace-bar-fill" style={{ height: `${Math.round((day.amount / max) * 100)}%` }} />
            </span>
            <span className="pace-day-amount tabular">{formatCount(day.amount)}</span>
            <span className="pace-day-label">{formatDayKey(day.key)}</span>
          </li>
        ))}
      </ol>
      <p data-testid="pace-runout">
        {pace.left === null
          ? 'Your plan has no generation limit: nothing runs out.'
          : pace.runsOutAt === null
            ? `Nothing spent in the last ${PACE_DAYS} days: your ${amountWithUnit(pace.left, pace.unit)} are not running down.`
            : `At this pace your ${amountWithUnit(pace.left, pace.unit)} run out around ${formatDateWithZone(pace.runsOutAt.toISOString(), zone, now)}.`}
        {pace.unit === 'credits' && pace.runsOutAt !== null && balance.credits.free.amount > 0 && (
          <span className="muted"> Free credits come back every day, so this is a cautious date.</span>
        )}
      </p>
      {pace.expiresUnused !== null ? (
        <p className="notice notice--warning" data-testid="pace-expiring">
          About {formatCount(pace.expiresUnused.amount)} {unusedWhat(pace.expiresUnused.amount, pace.unit)} will expire unused at renewal, at{' '}
          {formatInstantWithZone(pace.expiresUnused.at, zone, now)}: unused ones do not roll over.
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
