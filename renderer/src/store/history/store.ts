/**
 * The history domain (H1, H2, C10, E1, E2): the offline history's result sets and detail panel, workspaces, usage
 * analytics and the plan estimator. Everything here is asked of the host over the bridge; the selected account and
 * the catalog are read from the host store, never copied here.
 */
import { create } from 'zustand';
import { createAnalyticsSlice, type AnalyticsAction } from './slices/analytics/action.js';
import { initialAnalyticsState, type AnalyticsState } from './slices/analytics/initialState.js';
import { createBrowseSlice, type BrowseAction } from './slices/browse/action.js';
import { initialBrowseState, type BrowseState } from './slices/browse/initialState.js';
import { createEstimatorSlice, type EstimatorAction } from './slices/estimator/action.js';
import { initialEstimatorState, type EstimatorState } from './slices/estimator/initialState.js';
import { createWorkspacesSlice, type WorkspacesAction } from './slices/workspaces/action.js';
import { initialWorkspacesState, type WorkspacesState } from './slices/workspaces/initialState.js';

export type HistoryStore = BrowseState &
  BrowseAction &
  WorkspacesState &
  WorkspacesAction &
  AnalyticsState &
  AnalyticsAction &
  EstimatorState &
  EstimatorAction;

export const useHistoryStore = create<HistoryStore>()((...args) => ({
  ...initialBrowseState,
  ...createBrowseSlice(...args),
  ...initialWorkspacesState,
  ...createWorkspacesSlice(...args),
  ...initialAnalyticsState,
  ...createAnalyticsSlice(...args),
  ...initialEstimatorState,
  ...createEstimatorSlice(...args),
}));

export * from './slices/analytics/initialState.js';
export * from './slices/analytics/selectors.js';
export * from './slices/browse/initialState.js';
export * from './slices/browse/selectors.js';
export * from './slices/estimator/initialState.js';
export * from './slices/estimator/selectors.js';
export * from './slices/workspaces/initialState.js';
export * from './slices/workspaces/selectors.js';
export { RECENT_USE_DAYS } from './slices/estimator/action.js';
