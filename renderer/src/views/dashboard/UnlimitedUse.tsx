import type { Balance, Catalog, Plan } from '../../../../shared/api.js';
import { countdownText, formatCount, formatInstantWithZone } from '../../format.js';
import { useBackendNow } from '../../hooks/useBackendNow.js';

type UnlimitedUseProps = {
  accountId: string;
  balance: Balance;
  catalog: Catalog | null;
  plan: Plan | null;
  timeZone: string;
  paused: boolean;
};

/**
 * U1: every unlimited window with its end time and a live countdown (a local one-second UI timer on the backend's
 * clock; the window leaves the list when the host's snapshot drops it). U4: today's Fast generations against the
 * daily limit, with the countdown to local midnight, and what the next unlimited request would do once it is used up.
 */
export function UnlimitedUse({ accountId, balance, catalog, plan, timeZone, paused }: UnlimitedUseProps) {
  const now = useBackendNow(accountId, 1000);
  const { fast, unlimited: windows } = balance;
  if (windows.length === 0 && fast.limit === 0) return null;
  const model = (modelId: string) => catalog?.models.find((candidate) => candidate.id === modelId) ?? null;
  const fastUsedUp = fast.limit > 0 && fast.used >= fast.limit;
  const midnight = formatInstantWithZone(fast.resetsAt, timeZone, now);
  const untilMidnightMs = Date.parse(fast.resetsAt) - now.getTime();

  return (
    <section className="section" aria-labelledby="unlimited-heading">
      <h2 id="unlimited-heading">Unlimited use</h2>
      <div className="card unlimited-card">
        {windows.length === 0 ? (
          <p className="muted" data-testid="no-unlimited-windows">
            No unlimited window is open.
            {plan !== null && plan.unlimitedModels.length > 0 && ' The next ones open when your subscription renews.'}
          </p>
        ) : (
          <ul className="window-list" data-testid="unlimited-windows">
            {windows.map((open) => {
              const info = model(open.modelId);
              const name = info?.name ?? open.modelId;
              const startsInMs = Date.parse(open.startsAt) - now.getTime();
              const endsInMs = Date.parse(open.endsAt) - now.getTime();
              const ended = endsInMs <= 0;
              return (
                <li
                  key={`${open.modelId}-${open.startsAt}`}
                  className={ended ? 'window window--ended' : 'window'}
                  data-testid={`unlimited-window-${open.modelId}`}
                >
                  <div className="window-main">
                    <span className="window-model">{name}</span>
                    <span className="muted">
                      {startsInMs > 0
                        ? `Opens at ${formatInstantWithZone(open.startsAt, timeZone, now)}, unlimited until ${formatInstantWithZone(open.endsAt, timeZone, now)}`
                        : `Unlimited until ${formatInstantWithZone(open.endsAt, timeZone, now)}`}
                    </span>
                  </div>
                  <div className="window-side">
                    <span className="countdown tabular" data-testid={`window-countdown-${open.modelId}`}>
                      {ended ? 'Window ended: credit pricing again' : `Ends in ${countdownText(endsInMs)}`}
                    </span>
                    {!ended && paused && (
                      <span className="badge badge--refused" data-testid={`window-next-${open.modelId}`}>
                        Paused for fair-use review
                      </span>
                    )}
                    {!ended && !paused && fastUsedUp && info !== null && (
                      <span
                        className={info.supportsRelaxed ? 'badge badge--relaxed' : 'badge badge--refused'}
                        data-testid={`window-next-${open.modelId}`}
                      >
                        {info.supportsRelaxed
                          ? 'Next request: Relaxed queue'
                          : `Next request refused until ${midnight}`}
                      </span>
                    )}
                  </div>
                </li>
              );
            })}
          </ul>
        )}
        {fast.limit > 0 && (
          <div className="fast-usage" data-testid="fast-usage">
            <p>
              Fast generations today:{' '}
              <strong className="tabular" data-testid="fast-used">
                {formatCount(fast.used)} / {formatCount(fast.limit)}
              </strong>
            </p>
            <p className="muted">
              Resets at {midnight}
              <span className="tabular" data-testid="fast-countdown">
                {' '}
                · in {countdownText(untilMidnightMs)}
              </span>
            </p>
            <meter
              className="meter"
              min={0}
              max={fast.limit}
              value={Math.min(fast.used, fast.limit)}
              aria-label="Fast generations used today"
            />
          </div>
        )}
        {fastUsedUp && (
          <p className="notice notice--warning" role="status" data-testid="fast-limit-badge">
            <span>
              <strong>Fast limit reached.</strong> Until {midnight}, unlimited requests for models with a Relaxed mode
              run in the slower Relaxed queue; the others are refused.
            </span>
          </p>
        )}
      </div>
    </section>
  );
}
