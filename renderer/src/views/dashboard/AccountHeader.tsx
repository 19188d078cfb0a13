import { useShallow } from 'zustand/react/shallow';
import type { Me } from '../../../../shared/api.js';
import { formatDateWithZone, planPriceText, zoneAbbreviation } from '../../format.js';
import { selectAccountSummary, selectSelectedAccount, useHostStore } from '../../store/host/store.js';
import { useUiStore } from '../../store/ui/store.js';

export function AccountHeader({ now }: { now: Date }) {
  const summary = useHostStore(useShallow(selectAccountSummary));
  const me = useHostStore((state) => selectSelectedAccount(state)?.me ?? null);
  const navigate = useUiStore((state) => state.navigate);
  if (summary === null) return null;

  return (
    <header className="account-header">
      <h1 className="account-name" data-testid="account-name">
        {summary.name}
      </h1>
      <dl className="account-meta">
        {summary.planName !== null && (
          <div>
            <dt>Plan</dt>
            <dd className="account-plan-line">
              <span data-testid="account-plan">{summary.planName}</span>
              {me !== null && (
                <span className="muted" data-testid="account-plan-terms">
                  {planTermsText(me, now)}
                </span>
              )}
              <button
                type="button"
                className="button button--small button--quiet"
                onClick={() => navigate('plan')}
                data-testid="account-manage-plan"
              >
                Manage plan
              </button>
            </dd>
          </div>
        )}
        {summary.timeZone !== null && (
          <div>
            <dt>Time zone</dt>
            <dd>
              <span data-testid="account-timezone">{summary.timeZone}</span>
              <span className="muted"> ({zoneAbbreviation(summary.timeZone, now)})</span>
            </dd>
          </div>
        )}
        <div>
          <dt>Backend</dt>
          <dd>{summary.backendLabel}</dd>
        </div>
      </dl>
      {summary.status === 'unlimited_paused' && (
        <p className="notice notice--warning" data-testid="account-status">
          Unlimited use is paused pending a fair-use review. Credits still work.
        </p>
      )}
      {summary.status === 'suspended' && (
        <div className="notice notice--error notice--block" role="alert" data-testid="account-status">
          <p>
            <strong>This account is suspended.</strong> After a second confirmed fair-use violation the platform closed
            it permanently: new generations, plan changes and top-ups are refused.
          </p>
          <p>Your history and downloaded outputs stay available in this app.</p>
        </div>
      )}
    </header>
  );
}

/** The plan's price and what happens next: "$480/year · renews Sat 6 Mar 2027 (America/New_York)". */
function planTermsText(me: Me, now: Date): string {
  const price = planPriceText(me.plan.price, me.plan.period);
  const { renewsAt, endsAt } = me.subscription;
  if (renewsAt != null) return `${price} · renews ${formatDateWithZone(renewsAt, me.timeZone, now)}`;
  if (endsAt != null) return `${price} · cancelled, ends ${formatDateWithZone(endsAt, me.timeZone, now)}`;
  return price;
}
