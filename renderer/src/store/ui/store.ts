/** The UI domain: state that lives only in this window (the view shown, toasts on screen), never sent to the host. */
import { create } from 'zustand';
import { createAlertsSlice, type AlertsAction } from './slices/alerts/action.js';
import { initialAlertsState, type AlertsState } from './slices/alerts/initialState.js';
import { createNavigationSlice, type NavigationAction } from './slices/navigation/action.js';
import { initialNavigationState, type NavigationState } from './slices/navigation/initialState.js';

export type UiStore = NavigationState & NavigationAction & AlertsState & AlertsAction;

export const useUiStore = create<UiStore>()((...args) => ({
  ...initialNavigationState,
  ...createNavigationSlice(...args),
  ...initialAlertsState,
  ...createAlertsSlice(...args),
}));

export { views, type ViewId } from './slices/navigation/initialState.js';
export * from './slices/alerts/selectors.js';
export * from './slices/navigation/selectors.js';
