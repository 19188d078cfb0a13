/**
 * The host domain: the snapshot the host pushes (accounts, balances, connection, settings) and the commands that change
 * it. Built from slices; each slice keeps its initial state, actions and selectors side by side.
 */
import { create } from 'zustand';
import { createCommandsSlice, type CommandsAction } from './slices/commands/action.js';
import { initialCommandsState, type CommandsState } from './slices/commands/initialState.js';
import { createSnapshotSlice, type SnapshotAction } from './slices/snapshot/action.js';
import { initialSnapshotState, type SnapshotState } from './slices/snapshot/initialState.js';

export type HostStore = SnapshotState & SnapshotAction & CommandsState & CommandsAction;

export const useHostStore = create<HostStore>()((...args) => ({
  ...initialSnapshotState,
  ...createSnapshotSlice(...args),
  ...initialCommandsState,
  ...createCommandsSlice(...args),
}));

export * from './slices/commands/selectors.js';
export * from './slices/snapshot/selectors.js';
