import type { HistoryItem } from '../../../../../../shared/bridge.js';
import type { HistoryStore } from '../../store.js';
import { HISTORY_PAGE_SIZE, type GridCache, type GridQuery } from './initialState.js';

/** The key a result set is cached under: the query's fields in a fixed order, empty ones left out. */
export function gridKey(query: GridQuery): string {
  const fields = ['accountId', 'q', 'tool', 'modelId', 'status', 'from', 'to', 'workspaceId'] as const;
  return JSON.stringify(fields.map((field) => [field, query[field] ?? '']).filter(([, value]) => value !== ''));
}

export function selectGrid(key: string): (state: HistoryStore) => GridCache | null {
  return (state) => state.grids[key] ?? null;
}

export function selectFilters(state: HistoryStore): HistoryStore['filters'] {
  return state.filters;
}

export function selectDetail(state: HistoryStore): HistoryStore['detail'] {
  return state.detail;
}

/** The item at a position of a result set, or null while its page is not there. */
export function itemAt(grid: GridCache | null, index: number): HistoryItem | null {
  const page = grid?.pages[Math.floor(index / HISTORY_PAGE_SIZE)];
  return page?.items[index % HISTORY_PAGE_SIZE] ?? null;
}

/** Items of the loaded pages whose outputs are not all on this computer (H2): what cannot be shown offline. */
export function uncachedLoaded(grid: GridCache | null): { uncached: number; loaded: number } {
  let uncached = 0;
  let loaded = 0;
  for (const page of Object.values(grid?.pages ?? {})) {
    loaded += page.items.length;
    uncached += page.uncached;
  }
  return { uncached, loaded };
}

/** How many items a result set has (null before the host's first answer): a number, so that it renders only on change. */
export function selectGridTotal(key: string): (state: HistoryStore) => number | null {
  return (state) => state.grids[key]?.total ?? null;
}

/** uncachedLoaded of a result set, as two numbers: see selectGridTotal. */
export function selectGridUncached(key: string): (state: HistoryStore) => number {
  return (state) => uncachedLoaded(state.grids[key] ?? null).uncached;
}

export function selectGridLoaded(key: string): (state: HistoryStore) => number {
  return (state) => uncachedLoaded(state.grids[key] ?? null).loaded;
}
