import type { StateCreator } from 'zustand';
import type { BridgeError, BridgeInput, BridgeResult, HostSnapshot, Theme } from '../../../../../../shared/bridge.js';
import { companion } from '../../../../bridge/companion.js';
import type { HostStore } from '../../store.js';
import type { HostCommand } from './initialState.js';

/** The answer of a command that its own form shows: null when it worked, else the host's error. */
export type CommandOutcome = BridgeError | null;

export type CommandsAction = {
  selectAccount: (accountId: string) => Promise<void>;
  setTheme: (theme: Theme) => Promise<void>;
  /** Asks the host to reconnect an account now instead of waiting for its next automatic retry. */
  reconnect: (accountId: string) => Promise<void>;
  dismissCommandError: () => void;
  // The commands below answer their own form: the form shows the error next to the control that caused it.
  updateSettings: (changes: BridgeInput<'updateSettings'>) => Promise<CommandOutcome>;
  signIn: (input: BridgeInput<'signIn'>) => Promise<CommandOutcome>;
  removeAccount: (accountId: string) => Promise<CommandOutcome>;
  subscribe: (accountId: string, planId: string) => Promise<CommandOutcome>;
  cancelSubscription: (accountId: string) => Promise<CommandOutcome>;
  buyTopup: (accountId: string, credits: number) => Promise<CommandOutcome>;
  setTimeZone: (accountId: string, timeZone: string) => Promise<CommandOutcome>;
  syncNow: (accountId: string) => Promise<CommandOutcome>;
};

export const createCommandsSlice: StateCreator<HostStore, [], [], CommandsAction> = (set, get) => {
  /**
   * Runs one command: marks it pending, applies the snapshot it answers with, or reports its error (to the shell's
   * note, or, `local`, only to the caller).
   */
  async function run(
    command: HostCommand,
    send: () => Promise<BridgeResult<HostSnapshot>>,
    local = false,
  ): Promise<CommandOutcome> {
    const pushedCountAtCall = get().pushedCount;
    set((state) => ({
      pending: { ...state.pending, [command]: true },
      commandError: local ? state.commandError : null,
    }));
    const result = await send();
    set((state) => ({ pending: { ...state.pending, [command]: false } }));
    if (result.ok) {
      get().applyAnswer(result.value, pushedCountAtCall);
      return null;
    }
    if (!local) set({ commandError: { command, error: result.error } });
    return result.error;
  }

  return {
    selectAccount: async (accountId) =>
      void (await run('selectAccount', () => companion().selectAccount({ accountId }))),
    setTheme: async (theme) => {
      set({ pendingTheme: theme });
      await run('setTheme', () => companion().setTheme({ theme }));
      set({ pendingTheme: null });
    },
    reconnect: async (accountId) => void (await run('reconnect', () => companion().reconnect({ accountId }))),
    dismissCommandError: () => set({ commandError: null }),
    updateSettings: (changes) => run('updateSettings', () => companion().updateSettings(changes), true),
    signIn: (input) => run('signIn', () => companion().signIn(input), true),
    removeAccount: (accountId) => run('removeAccount', () => companion().removeAccount({ accountId }), true),
    subscribe: (accountId, planId) => run('subscribe', () => companion().subscribe({ accountId, planId }), true),
    cancelSubscription: (accountId) =>
      run('cancelSubscription', () => companion().cancelSubscription({ accountId }), true),
    buyTopup: (accountId, credits) => run('buyTopup', () => companion().buyTopup({ accountId, credits }), true),
    setTimeZone: (accountId, timeZone) =>
      run('setTimeZone', () => companion().setTimeZone({ accountId, timeZone }), true),
    syncNow: (accountId) => run('syncNow', () => companion().syncNow({ accountId }), true),
  };
};
