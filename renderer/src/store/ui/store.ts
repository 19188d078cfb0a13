/** The UI domain: state that lives only in this window (which view is shown), never sent to the host. */
import { create } from 'zustand';
import { createNavigationSlice, type NavigationAction } from './slices/navigation/action.js';
import { initialNavigationState, type NavigationState } from './slices/navigation/initialState.js';

export type UiStore = NavigationState & NavigationAction;

export const useUiStore = create<UiStore>()((...args) => ({
  ...initialNavigationState,
  ...createNavigationSlice(...args),
}));

export { views, type ViewId } from './slices/navigation/initialState.js';
export * from './slices/navigation/selectors.js';
