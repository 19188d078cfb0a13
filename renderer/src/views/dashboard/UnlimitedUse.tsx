import type { Balance, Catalog } from '../../../../shared/api.js';
import { formatCount, formatInstantWithZone } from '../../format.js';

type UnlimitedUseProps = { balance: Balance; catalog: Catalog | null; timeZone: string; now: Date };

/** U1: every unlimited window with its end time; U4: today's Fast generations against the daily limit. */
export function UnlimitedUse({ balance, catalog, timeZone, now }: UnlimitedUseProps) {
  const windows = balance.unlimited.filter((open) => Date.parse(open.endsAt) > now.getTime());
  const { fast } = balance;
  if (windows.length === 0 && fast.limit === 0) return null;
  const modelName = (modelId: string) => catalog?.models.find((model) => model.id === modelId)?.name ?? modelId;

  return (
    <section className="section" aria-labelledby="unlimited-heading">
      <h2 id="unlimited-heading">Unlimited use</h2>
      <div className="card unlimited-card">
        {windows.length > 0 && (
          <ul className="window-list" data-testid="unlimited-windows">
            {windows.map((unlimited) => (
              <li key={unlimited.modelId}>
                <span className="window-model">{modelName(unlimited.modelId)}</span>
                <span className="muted">
                  {Date.parse(unlimited.startsAt) > now.getTime()
                    ? `From ${formatInstantWithZone(unlimited.startsAt, timeZone, now)} until ${formatInstantWithZone(unlimited.endsAt, timeZone, now)}`
                    : `Unlimited until ${formatInstantWithZone(unlimited.endsAt, timeZone, now)}`}
                </span>
              </li>
            ))}
          </ul>
        )}
        {fast.limit > 0 && (
          <p className="fast-usage" data-testid="fast-usage">
            <span>
              Fast generations today:{' '}
              <strong className="tabular">
                {formatCount(fast.used)} / {formatCount(fast.limit)}
              </strong>
            </span>
            <span className="muted">Resets at {formatInstantWithZone(fast.resetsAt, timeZone, now)}</span>
          </p>
        )}
      </div>
    </section>
  );
}
