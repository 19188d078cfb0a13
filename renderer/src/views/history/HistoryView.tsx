import { useCallback, useEffect, useMemo } from 'react';
import { formatCount } from '../../format.js';
import { selectCatalog, selectSelectedAccount, useHostStore } from '../../store/host/store.js';
import type { HistoryItem } from '../../../../shared/bridge.js';
import {
  gridKey,
  selectFilters,
  selectGridLoaded,
  selectGridTotal,
  selectGridUncached,
  selectWorkspaceList,
  useHistoryStore,
} from '../../store/history/store.js';
import { HistoryDetail } from './HistoryDetail.js';
import { HistoryFilters } from './HistoryFilters.js';
import { HistoryGrid } from './HistoryGrid.js';
import { queryFromFilters } from './historyQuery.js';
import { SyncStatus } from './SyncStatus.js';
import { useHistoryFreshness } from './useHistoryFreshness.js';
import { useViewNow } from './useViewNow.js';
import './history.css';

/**
 * Every generation of the selected account (H1), from the host's offline store (H2): search and filters, a
 * virtualized grid of thumbnails, and a detail panel with the output and what can be done with it. Works with the
 * network off; says what it cannot show then.
 */
const noCount = () => 0;

export function HistoryView() {
  const account = useHostStore(selectSelectedAccount);
  const catalog = useHostStore(selectCatalog);
  const platform = useHostStore((state) => state.snapshot?.platform.kind ?? 'web');
  const filters = useHistoryStore(selectFilters);
  const setFilters = useHistoryStore((state) => state.setFilters);
  const clearFilters = useHistoryStore((state) => state.clearFilters);
  const openDetail = useHistoryStore((state) => state.openDetail);
  const closeDetail = useHistoryStore((state) => state.closeDetail);
  const loadWorkspaces = useHistoryStore((state) => state.loadWorkspaces);
  const accountId = account?.id ?? null;
  const workspaces = useHistoryStore(selectWorkspaceList(accountId));
  // The backend's time (a test clock moves it): dates and ages are measured against it, to the minute.
  const now = useViewNow(accountId);
  useHistoryFreshness(account);

  useEffect(() => {
    if (accountId === null) return;
    void loadWorkspaces(accountId);
    return closeDetail;
  }, [accountId, loadWorkspaces, closeDetail]);

  const zone = account?.me?.timeZone ?? 'UTC';
  const query = useMemo(() => queryFromFilters(accountId ?? '', filters, zone), [accountId, filters, zone]);
  const key = gridKey(query);
  const total = useHistoryStore(selectGridTotal(key));
  const online = account?.connection.state !== 'offline';
  // The not-cached count matters only offline; online, pages arriving while scrolling must not render the whole view.
  const uncached = useHistoryStore(online ? noCount : selectGridUncached(key));
  const loaded = useHistoryStore(online ? noCount : selectGridLoaded(key));
  const onOpen = useCallback((item: HistoryItem) => void openDetail(item), [openDetail]);
  if (account === null) return null;

  const filtered = Object.values(filters).some((value) => value !== '');

  return (
    <div className="view hx history-view" data-testid="history-view">
      <header className="view-header">
        <h1 className="view-title">History</h1>
        <p className="muted" role="status" aria-live="polite" data-testid="history-count">
          {total === null
            ? 'Loading your history…'
            : `${formatCount(total)} ${filtered ? 'matching ' : ''}${total === 1 ? 'generation' : 'generations'}`}
        </p>
      </header>
      <SyncStatus
        account={account}
        now={now}
        uncached={total === null ? null : { count: uncached, exact: loaded >= total }}
      />
      <HistoryFilters
        filters={filters}
        onChange={setFilters}
        onClear={clearFilters}
        catalog={catalog}
        workspaces={workspaces}
        now={now}
        zone={zone}
      />
      <HistoryGrid
        query={query}
        catalog={catalog}
        zone={zone}
        online={online}
        label="Generations"
        now={now}
        onOpen={onOpen}
        empty={
          filtered ? (
            <>
              <p>No generation matches these filters.</p>
              <button type="button" className="button" onClick={clearFilters}>
                Clear filters
              </button>
            </>
          ) : (
            <p>No generations yet. What you generate appears here, and stays available offline.</p>
          )
        }
      />
      <HistoryDetail
        accountId={account.id}
        catalog={catalog}
        zone={zone}
        online={online}
        platform={platform}
        now={now}
      />
    </div>
  );
}
