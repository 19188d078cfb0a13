import type { BridgeError, BridgeMethodName } from '../../../../../../shared/bridge.js';

/** The bridge methods that change host state (everything but getSnapshot). */
export type HostCommand = Exclude<BridgeMethodName, 'getSnapshot'>;

export type CommandsState = {
  /** Commands waiting for the host's answer, to disable their controls meanwhile. */
  pending: Partial<Record<HostCommand, boolean>>;
  /** The last command the host refused or could not run, shown until dismissed or the next command. */
  commandError: { command: HostCommand; error: BridgeError } | null;
};

export const initialCommandsState: CommandsState = {
  pending: {},
  commandError: null,
};
