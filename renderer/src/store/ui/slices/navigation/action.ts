import type { StateCreator } from 'zustand';
import type { UiStore } from '../../store.js';
import type { ViewId } from './initialState.js';

export type NavigationAction = {
  navigate: (view: ViewId) => void;
};

export const createNavigationSlice: StateCreator<UiStore, [], [], NavigationAction> = (set) => ({
  navigate: (view) => set((state) => ({ view, navigations: state.navigations + 1 })),
});
