import { useEffect, useRef } from 'react';
import type { AccountView } from '../../../../shared/bridge.js';
import { useHistoryStore } from '../../store/history/store.js';

/** Result sets are refetched at most this often while a sync pushes snapshot after snapshot. */
const REFRESH_THROTTLE_MS = 1000;

/**
 * What in a pushed snapshot means the offline history changed: a sync step, a finished sync, a generation that
 * started or finished, the connection coming back, offline changes sent.
 */
export function historySignature(account: AccountView | null): string {
  if (account === null) return '';
  const sync = account.sync;
  return [
    account.id,
    account.connection.state,
    sync?.state,
    sync?.done,
    sync?.lastSyncedAt,
    sync?.pendingChanges,
    account.recentGenerations.map((generation) => `${generation.id}:${generation.status}`).join(','),
  ].join('|');
}

/**
 * Keeps the shown result sets fresh from what the host pushes (never by polling): when the history changes, the grids
 * fetch the pages on screen again, keeping the old items visible meanwhile.
 */
export function useHistoryFreshness(account: AccountView | null): void {
  const invalidateGrids = useHistoryStore((state) => state.invalidateGrids);
  const signature = historySignature(account);
  const timer = useRef<number | null>(null);
  const lastRun = useRef(0);

  useEffect(() => {
    if (timer.current !== null) return;
    const wait = Math.max(0, lastRun.current + REFRESH_THROTTLE_MS - Date.now());
    timer.current = window.setTimeout(() => {
      timer.current = null;
      lastRun.current = Date.now();
      invalidateGrids();
    }, wait);
  }, [signature, invalidateGrids]);

  useEffect(
    () => () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
      timer.current = null;
    },
    [],
  );
}
