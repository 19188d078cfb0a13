import type { HistoryStore } from '../../store.js';

export function selectAnalyticsFilters(state: HistoryStore): HistoryStore['analyticsFilters'] {
  return state.analyticsFilters;
}

export function selectSeries(state: HistoryStore): HistoryStore['series'] {
  return state.series;
}

export function selectUsage(state: HistoryStore): HistoryStore['usage'] {
  return state.usage;
}

export function selectRefunds(state: HistoryStore): HistoryStore['refunds'] {
  return state.refunds;
}
