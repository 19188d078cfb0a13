import { useShallow } from 'zustand/react/shallow';
import { zoneAbbreviation } from '../../format.js';
import { selectAccountSummary, useHostStore } from '../../store/host/store.js';

export function AccountHeader({ now }: { now: Date }) {
  const summary = useHostStore(useShallow(selectAccountSummary));
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
            <dd data-testid="account-plan">{summary.planName}</dd>
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
            <strong>This account is suspended.</strong> After a second confirmed fair-use violation the platform closed it
            permanently: new generations, plan changes and top-ups are refused.
          </p>
          <p>Your history and downloaded outputs stay available in this app.</p>
        </div>
      )}
    </header>
  );
}
