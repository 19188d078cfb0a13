import type { HistoryStore } from '../../store.js';

export function selectEstimatorRows(state: HistoryStore): HistoryStore['estimatorRows'] {
  return state.estimatorRows;
}

export function selectBufferPercent(state: HistoryStore): number {
  return state.bufferPercent;
}

export function selectRowsSource(state: HistoryStore): HistoryStore['rowsSource'] {
  return state.rowsSource;
}

export function selectRecentUse(state: HistoryStore): HistoryStore['recentUse'] {
  return state.recentUse;
}
