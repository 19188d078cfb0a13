import type { StateCreator } from 'zustand';
import type { BridgeError, BridgeResult, HistoryItem } from '../../../../../../shared/bridge.js';
import type { Generation } from '../../../../../../shared/api.js';
import { companion } from '../../../../bridge/companion.js';
import { amountWithUnit } from '../../../../format.js';
import type { HistoryStore } from '../../store.js';
import {
  HISTORY_PAGE_SIZE,
  MAX_CACHED_GRIDS,
  MAX_CACHED_PAGES,
  closedDetail,
  noHistoryFilters,
  type DetailAction,
  type GridCache,
  type GridQuery,
  type HistoryFilters,
  type PageEntry,
} from './initialState.js';
import { gridKey } from './selectors.js';

export type BrowseAction = {
  setFilters: (patch: Partial<HistoryFilters>) => void;
  clearFilters: () => void;
  /** Fetches the pages of a result set that are missing or out of date (the grid asks for the ones on screen). */
  loadPages: (query: GridQuery, pageIndexes: number[]) => Promise<void>;
  /** The history changed (a sync step, a new generation): result sets are fetched again as they are shown. */
  invalidateGrids: () => void;
  /** Forgets every result set, e.g. when the selected account changes. */
  dropGrids: () => void;
  openDetail: (item: HistoryItem) => Promise<void>;
  closeDetail: () => void;
  setPinned: (item: HistoryItem, pinned: boolean) => Promise<void>;
  /** Opens the re-run's confirmation and asks the backend what the same request costs now (C9). */
  askRerun: (item: HistoryItem) => Promise<void>;
  /** Closes the re-run's confirmation: nothing runs. */
  cancelRerun: () => void;
  /** Runs the re-run the creator confirmed, once; the confirmation closes when it started. */
  rerun: (item: HistoryItem) => Promise<boolean>;
  download: (item: HistoryItem, outputId: string) => Promise<boolean>;
  /** Records the outcome of a workspace change made from the detail panel. */
  detailOutcome: (action: DetailAction, result: BridgeResult<unknown>, message: string) => void;
  /** Puts a changed item (pinned, added to a workspace) everywhere it is shown. */
  replaceItem: (item: HistoryItem) => void;
};

/** What a re-run was charged as it started: "6 credits", "1 generation". */
function rerunChargeText(generation: Generation): string {
  const { credits, generations } = generation.charge;
  return generations > 0 && credits === 0
    ? amountWithUnit(generations, 'generations')
    : amountWithUnit(credits, 'credits');
}

function countUncached(items: HistoryItem[]): number {
  return items.filter((item) => item.outputs.some((output) => item.cache[output.id] !== 'cached')).length;
}

/** Drops the pages farthest from `near` once a result set holds more than MAX_CACHED_PAGES. */
function trimPages(pages: Record<number, PageEntry>, near: number): Record<number, PageEntry> {
  const indexes = Object.keys(pages).map(Number);
  if (indexes.length <= MAX_CACHED_PAGES) return pages;
  const keep = new Set(indexes.sort((a, b) => Math.abs(a - near) - Math.abs(b - near)).slice(0, MAX_CACHED_PAGES));
  return Object.fromEntries(Object.entries(pages).filter(([index]) => keep.has(Number(index))));
}

/**
 * When each result set was last asked for, to evict the least recently used. Not store state: a scroll asks for
 * pages all the time, and that alone must not render anything.
 */
const lastUse = new Map<string, number>();
let useCounter = 0;

function withItemReplaced(grid: GridCache, item: HistoryItem): GridCache {
  let changed = false;
  const pages = Object.fromEntries(
    Object.entries(grid.pages).map(([index, page]) => {
      const at = page.items.findIndex((candidate) => candidate.id === item.id);
      if (at < 0) return [index, page];
      changed = true;
      const items = page.items.slice();
      items[at] = item;
      return [index, { ...page, items, uncached: countUncached(items) }];
    }),
  );
  return changed ? { ...grid, pages } : grid;
}

export const createBrowseSlice: StateCreator<HistoryStore, [], [], BrowseAction> = (set, get) => {
  /** The grid for a query, created (and the least recently used ones evicted) on first use. */
  function touchGrid(key: string, query: GridQuery): GridCache {
    useCounter += 1;
    lastUse.set(key, useCounter);
    const existing = get().grids[key];
    if (existing) return existing;
    const grid: GridCache = { query, total: null, pages: {}, version: 0, error: null };
    set((state) => {
      const grids = { ...state.grids, [key]: grid };
      const keys = Object.keys(grids).sort((a, b) => (lastUse.get(b) ?? 0) - (lastUse.get(a) ?? 0));
      for (const old of keys.slice(MAX_CACHED_GRIDS)) {
        delete grids[old];
        lastUse.delete(old);
      }
      return { grids };
    });
    return grid;
  }

  async function loadPage(key: string, query: GridQuery, index: number, version: number): Promise<void> {
    const result = await companion().searchHistory({
      ...query,
      offset: index * HISTORY_PAGE_SIZE,
      limit: HISTORY_PAGE_SIZE,
    });
    set((state) => {
      const grid = state.grids[key];
      // The grid was evicted, or the history changed again meanwhile and a newer fetch will follow.
      if (grid === undefined || grid.version !== version) return {};
      const previous = grid.pages[index];
      const page: PageEntry = result.ok
        ? {
            status: 'ready',
            items: result.value.items,
            version,
            error: null,
            uncached: countUncached(result.value.items),
          }
        : {
            status: 'error',
            items: previous?.items ?? [],
            version,
            error: result.error,
            uncached: previous?.uncached ?? 0,
          };
      const total = result.ok ? result.value.total : grid.total;
      const error: BridgeError | null = result.ok ? null : index === 0 && total === null ? result.error : grid.error;
      return {
        grids: {
          ...state.grids,
          [key]: { ...grid, total, error, pages: trimPages({ ...grid.pages, [index]: page }, index) },
        },
      };
    });
  }

  async function detailCall<T>(action: DetailAction, call: () => Promise<BridgeResult<T>>): Promise<BridgeResult<T>> {
    set((state) => ({ detail: { ...state.detail, pending: action, message: null, actionError: null } }));
    const result = await call();
    set((state) => ({ detail: { ...state.detail, pending: null, actionError: result.ok ? null : result.error } }));
    return result;
  }

  return {
    setFilters: (patch) => set((state) => ({ filters: { ...state.filters, ...patch } })),
    clearFilters: () => set({ filters: noHistoryFilters }),

    async loadPages(query, pageIndexes) {
      const key = gridKey(query);
      const grid = touchGrid(key, query);
      const wanted = pageIndexes.filter((index) => {
        const page = grid.pages[index];
        if (page === undefined) return true;
        if (page.status === 'loading') return false;
        return page.version < grid.version;
      });
      if (wanted.length === 0) return;
      set((state) => {
        const current = state.grids[key];
        if (current === undefined) return {};
        const pages = { ...current.pages };
        for (const index of wanted)
          pages[index] = {
            status: 'loading',
            items: pages[index]?.items ?? [],
            version: current.version,
            error: null,
            uncached: pages[index]?.uncached ?? 0,
          };
        return { grids: { ...state.grids, [key]: { ...current, pages } } };
      });
      await Promise.all(wanted.map((index) => loadPage(key, query, index, grid.version)));
    },

    invalidateGrids: () =>
      set((state) => ({
        grids: Object.fromEntries(
          Object.entries(state.grids).map(([key, grid]) => [
            key,
            // A page still loading answers for the old version: mark it stale so that it is asked again.
            {
              ...grid,
              version: grid.version + 1,
              pages: Object.fromEntries(
                Object.entries(grid.pages).map(([i, page]) => [
                  i,
                  page.status === 'loading' ? { ...page, status: 'ready' as const } : page,
                ]),
              ),
            },
          ]),
        ),
      })),

    dropGrids: () => {
      lastUse.clear();
      set({ grids: {}, detail: closedDetail });
    },

    async openDetail(item) {
      set({ detail: { ...closedDetail, item, status: 'loading' } });
      const result = await companion().getHistoryItem({ accountId: item.accountId, generationId: item.id });
      set((state) => {
        if (state.detail.item?.id !== item.id) return {};
        return result.ok
          ? { detail: { ...state.detail, item: result.value, status: 'ready', error: null } }
          : { detail: { ...state.detail, status: 'error', error: result.error } };
      });
    },

    closeDetail: () => set({ detail: closedDetail }),

    async setPinned(item, pinned) {
      const result = await detailCall('pin', () =>
        companion().setPinned({ accountId: item.accountId, generationId: item.id, pinned }),
      );
      if (!result.ok) return;
      get().replaceItem(result.value);
      set((state) => ({
        detail: {
          ...state.detail,
          message: pinned ? 'Pinned: its outputs stay on this computer for offline use.' : 'Unpinned.',
        },
      }));
    },

    async askRerun(item) {
      set((state) => ({
        detail: { ...state.detail, rerunQuote: { status: 'loading' }, message: null, actionError: null },
      }));
      const request = {
        tool: item.tool,
        modelId: item.modelId,
        settings: item.settings,
        ...(item.workflow === undefined ? {} : { workflow: item.workflow }),
      };
      const result = await companion().estimateCost({ accountId: item.accountId, request });
      set((state) => {
        // Closed, or another item opened meanwhile: this price is no one's any more.
        if (state.detail.item?.id !== item.id || state.detail.rerunQuote === null) return {};
        return {
          detail: {
            ...state.detail,
            rerunQuote: result.ok
              ? { status: 'ready', estimate: result.value }
              : { status: 'failed', error: result.error },
          },
        };
      });
    },

    cancelRerun: () => set((state) => ({ detail: { ...state.detail, rerunQuote: null } })),

    async rerun(item) {
      if (get().detail.pending === 'rerun') return false;
      const result = await detailCall('rerun', () =>
        companion().rerunGeneration({ accountId: item.accountId, generationId: item.id }),
      );
      if (result.ok) {
        const charged = result.value.unlimited ? 'no credits (unlimited window)' : rerunChargeText(result.value);
        set((state) => ({
          detail: {
            ...state.detail,
            rerunQuote: null,
            message: `Re-run started with the same settings, charged ${charged}; it appears at the top of your history.`,
          },
        }));
      }
      return result.ok;
    },

    async download(item, outputId) {
      const result = await detailCall('download', () =>
        companion().downloadOutput({ accountId: item.accountId, outputId }),
      );
      if (result.ok) {
        const where = result.value.savedTo;
        set((state) => ({
          detail: { ...state.detail, message: where === null ? 'Download started.' : `Saved to ${where}.` },
        }));
      }
      return result.ok;
    },

    detailOutcome: (action, result, message) =>
      set((state) => ({
        detail: {
          ...state.detail,
          pending: state.detail.pending === action ? null : state.detail.pending,
          message: result.ok ? message : null,
          actionError: result.ok ? null : result.error,
        },
      })),

    replaceItem: (item) =>
      set((state) => ({
        grids: Object.fromEntries(
          Object.entries(state.grids).map(([key, grid]) => [key, withItemReplaced(grid, item)]),
        ),
        detail: state.detail.item?.id === item.id ? { ...state.detail, item } : state.detail,
      })),
  };
};
