import type { ConnectionState } from '../../../shared/bridge.js';
import { dataAgeText, retryCountdownText } from '../format.js';
import { useNow } from '../hooks/useNow.js';
import { selectIsPending, useHostStore } from '../store/host/store.js';

const selectReconnectPending = selectIsPending('reconnect');

const stateLabels: Record<ConnectionState['state'], string> = {
  live: 'Live',
  connecting: 'Connecting…',
  offline: 'Offline',
};

const stateHints: Record<ConnectionState['state'], string> = {
  live: 'Balances update as they change.',
  connecting: 'Reaching the backend…',
  offline: '',
};

type ConnectionStatusProps = { accountId: string; connection: ConnectionState };

/**
 * Whether the balances on screen are live. Offline, it says how old they are and offers an immediate retry; the age is
 * recomputed by a local one-second UI clock (the host is not asked again).
 */
export function ConnectionStatus({ accountId, connection }: ConnectionStatusProps) {
  const offline = connection.state === 'offline';
  const now = useNow(offline ? 1000 : null);
  const reconnecting = useHostStore(selectReconnectPending);
  const reconnect = useHostStore((state) => state.reconnect);
  // The host says when a retry is under way; until then the countdown runs to the time it published.
  const countdown = !offline
    ? null
    : connection.retrying
      ? 'Retrying now…'
      : retryCountdownText(connection.nextRetryAt, now);
  const detail = offline ? (connection.detail ?? null) : null;

  return (
    <div className={`connection connection--${connection.state}`}>
      <span className="connection-dot" aria-hidden="true" />
      <div className="connection-text">
        <p className="connection-status" role="status" aria-live="polite" data-testid="connection-status">
          <strong className="connection-label">{stateLabels[connection.state]}</strong>
          {offline && (
            <>
              {' — '}
              <span data-testid="data-age">{dataAgeText(connection.dataAsOf, now)}</span>
            </>
          )}
        </p>
        {offline ? (
          (connection.error !== null || countdown !== null) && (
            <p className="connection-hint">
              {connection.error !== null && <span data-testid="connection-error">{connection.error}</span>}
              {connection.error !== null && countdown !== null && ' · '}
              {countdown !== null && <span data-testid="retry-countdown">{countdown}</span>}
            </p>
          )
        ) : (
          <p className="connection-hint">{stateHints[connection.state]}</p>
        )}
        {detail !== null && (
          <details className="connection-detail small muted" data-testid="connection-detail">
            <summary>Technical details</summary>
            {detail}
          </details>
        )}
      </div>
      {offline && (
        <button
          type="button"
          className="button"
          data-testid="retry-now"
          disabled={reconnecting}
          onClick={() => void reconnect(accountId)}
        >
          {reconnecting ? 'Retrying…' : 'Retry now'}
        </button>
      )}
    </div>
  );
}
