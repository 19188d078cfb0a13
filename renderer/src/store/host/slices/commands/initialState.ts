import type { BridgeError, BridgeMethodName, Theme } from '../../../../../../shared/bridge.js';

/** The bridge methods that change host state (everything but getSnapshot). */
export type HostCommand = Exclude<BridgeMethodName, 'getSnapshot'>;

export type CommandsState = {
  /** Commands waiting for the host's answer, to disable their controls meanwhile. */
  pending: Partial<Record<HostCommand, boolean>>;
  /** The last command the host refused or could not run, shown until dismissed or the next command. */
  commandError: { command: HostCommand; error: BridgeError } | null;
  /** The theme just chosen, shown at once while the host saves it (then the host's own value again). */
  pendingTheme: Theme | null;
};

export const initialCommandsState: CommandsState = {
  pending: {},
  commandError: null,
  pendingTheme: null,
};
