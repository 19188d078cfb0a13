import { useMemo } from 'react';
import { useBackendNow } from '../../hooks/useBackendNow.js';

/**
 * The backend's current time (a test clock moves it) to the minute, as the same Date object until it changes, so that
 * memoized grid cells are not rendered again on every render of their view.
 */
export function useViewNow(accountId: string | null): Date {
  const ms = useBackendNow(accountId, 60_000).getTime();
  const minute = Math.floor(ms / 60_000) * 60_000;
  return useMemo(() => new Date(minute), [minute]);
}
