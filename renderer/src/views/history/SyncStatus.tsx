import type { AccountView } from '../../../../shared/bridge.js';
import { companion } from '../../bridge/companion.js';
import { formatAge, formatCount } from '../../format.js';
import { useHostStore } from '../../store/host/store.js';

type SyncStatusProps = {
  account: AccountView;
  now: Date;
  /** Items of the shown result set whose outputs are not on this computer; `exact` false when only part is loaded. */
  uncached?: { count: number; exact: boolean } | null;
};

/** Asks the host to sync now and applies the snapshot it answers with (as the host store's own commands do). */
async function syncNow(accountId: string): Promise<void> {
  const { pushedCount, applyAnswer } = useHostStore.getState();
  const result = await companion().syncNow({ accountId });
  if (result.ok) applyAnswer(result.value, pushedCount);
}

/**
 * Where the offline history stands (H2): offline, what is shown is what this computer has; while syncing, how far it
 * got; workspace changes made offline wait to be sent. Pushed with the snapshot: nothing here polls.
 */
export function SyncStatus({ account, now, uncached = null }: SyncStatusProps) {
  const offline = account.connection.state === 'offline';
  const sync = account.sync;
  const pending = sync?.pendingChanges ?? 0;

  return (
    <div className="sync-status" data-testid="sync-status">
      {offline && (
        <p className="notice notice--warning" role="status" data-testid="history-offline">
          <span>
            <strong>Offline</strong> — showing your saved history
            {uncached !== null && uncached.count > 0 && (
              <>
                ; {uncached.exact ? '' : 'at least '}
                {formatCount(uncached.count)} {uncached.count === 1 ? 'item is' : 'items are'} not cached
              </>
            )}
            .
          </span>
        </p>
      )}
      <div className="sync-line">
        <p role="status" aria-live="polite" data-testid="sync-progress">
          {sync === null && 'Your history has not been synced to this computer yet.'}
          {sync?.state === 'syncing' && (
            <>
              Syncing… {formatCount(sync.done)} {sync.done === 1 ? 'item' : 'items'}
              {sync.total !== null && ` of ${formatCount(sync.total)}`}
            </>
          )}
          {sync?.state === 'idle' &&
            (sync.lastSyncedAt === null ? 'Not synced yet.' : `Synced ${formatAge(sync.lastSyncedAt, now)}.`)}
          {sync?.state === 'error' && <span className="text-danger">Sync failed: {sync.error ?? 'unknown error'}</span>}
        </p>
        {sync?.state === 'syncing' && sync.total !== null && sync.total > 0 && (
          <progress
            className="sync-progress"
            max={sync.total}
            value={Math.min(sync.done, sync.total)}
            aria-label="Sync progress"
          />
        )}
        {pending > 0 && (
          <p className="pending-changes" data-testid="pending-changes">
            {formatCount(pending)} {pending === 1 ? 'change' : 'changes'} made offline{' '}
            {offline ? 'will be sent when the connection returns' : 'being sent'}
          </p>
        )}
        <button
          type="button"
          className="button button--small"
          disabled={offline || sync?.state === 'syncing'}
          onClick={() => void syncNow(account.id)}
          data-testid="sync-now"
        >
          Sync now
        </button>
      </div>
    </div>
  );
}
