import type { StateCreator } from 'zustand';
import type { BridgeResult, HostSnapshot, Theme } from '../../../../../../shared/bridge.js';
import { companion } from '../../../../bridge/companion.js';
import type { HostStore } from '../../store.js';
import type { HostCommand } from './initialState.js';

export type CommandsAction = {
  selectAccount: (accountId: string) => Promise<void>;
  setTheme: (theme: Theme) => Promise<void>;
  /** Asks the host to reconnect an account now instead of waiting for its next automatic retry. */
  reconnect: (accountId: string) => Promise<void>;
  dismissCommandError: () => void;
};

export const createCommandsSlice: StateCreator<HostStore, [], [], CommandsAction> = (set, get) => {
  /** Runs one command: marks it pending, applies the snapshot it answers with, or keeps its error for the UI. */
  async function run(command: HostCommand, send: () => Promise<BridgeResult<HostSnapshot>>): Promise<void> {
    const pushedCountAtCall = get().pushedCount;
    set((state) => ({ pending: { ...state.pending, [command]: true }, commandError: null }));
    const result = await send();
    set((state) => ({ pending: { ...state.pending, [command]: false } }));
    if (result.ok) get().applyAnswer(result.value, pushedCountAtCall);
    else set({ commandError: { command, error: result.error } });
  }

  return {
    selectAccount: (accountId) => run('selectAccount', () => companion().selectAccount({ accountId })),
    setTheme: (theme) => run('setTheme', () => companion().setTheme({ theme })),
    reconnect: (accountId) => run('reconnect', () => companion().reconnect({ accountId })),
    dismissCommandError: () => set({ commandError: null }),
  };
};
