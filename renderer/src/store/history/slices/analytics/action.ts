import type { StateCreator } from 'zustand';
import type { UsageQuery } from '../../../../../../shared/api.js';
import { companion } from '../../../../bridge/companion.js';
import type { HistoryStore } from '../../store.js';
import type { AnalyticsFilters, UsageSeries } from './initialState.js';

export type AnalyticsAction = {
  setAnalyticsFilters: (patch: Partial<AnalyticsFilters>) => void;
  setSeries: (series: UsageSeries) => void;
  /** C10: usage grouped by day, tool or model (the host asks the backend, or its offline store when offline). */
  loadUsage: (accountId: string, query: UsageQuery) => Promise<void>;
  /** C8: failed and blocked work, what it was charged and what came back. */
  loadRefunds: (accountId: string, range: { from?: string; to?: string }) => Promise<void>;
};

export const createAnalyticsSlice: StateCreator<HistoryStore, [], [], AnalyticsAction> = (set, get) => ({
  setAnalyticsFilters: (patch) =>
    set((state) => ({
      analyticsFilters: {
        groupBy: 'day',
        from: '',
        to: '',
        tool: '',
        modelId: '',
        ...state.analyticsFilters,
        ...patch,
      },
    })),

  setSeries: (series) => set({ series }),

  async loadUsage(accountId, query) {
    const key = JSON.stringify([accountId, query]);
    set((state) => ({ usage: { ...state.usage, key, status: 'loading', error: null } }));
    const result = await companion().getUsage({ ...query, accountId });
    if (get().usage.key !== key) return;
    set((state) => ({
      usage: result.ok
        ? { key, status: 'ready', data: result.value, error: null }
        : { ...state.usage, status: 'error', error: result.error },
    }));
  },

  async loadRefunds(accountId, range) {
    const key = JSON.stringify([accountId, range]);
    set((state) => ({ refunds: { ...state.refunds, key, status: 'loading', error: null } }));
    const result = await companion().refundAudit({ accountId, ...range });
    if (get().refunds.key !== key) return;
    set((state) => ({
      refunds: result.ok
        ? { key, status: 'ready', data: result.value, error: null }
        : { ...state.refunds, status: 'error', error: result.error },
    }));
  },
});
