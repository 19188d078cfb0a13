import { useShallow } from 'zustand/react/shallow';
import { zoneAbbreviation } from '../../format.js';
import { selectAccountSummary, useHostStore } from '../../store/host/store.js';

const statusNotes = {
  unlimited_paused: 'Unlimited use is paused pending review. Credits still work.',
  suspended: 'This account is suspended.',
} as const;

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
      {(summary.status === 'unlimited_paused' || summary.status === 'suspended') && (
        <p className="notice notice--warning" data-testid="account-status">
          {statusNotes[summary.status]}
        </p>
      )}
    </header>
  );
}
