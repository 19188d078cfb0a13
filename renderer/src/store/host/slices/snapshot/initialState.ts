import type { BridgeError, HostSnapshot } from '../../../../../../shared/bridge.js';
import type { BackendClocks } from '../../../../clock/backendClock.js';

export type SnapshotLoad =
  | { status: 'loading' }
  | { status: 'ready' }
  /** The bridge could not give a first snapshot (web server gone, secret missing, host error). */
  | { status: 'failed'; error: BridgeError };

export type SnapshotState = {
  /** The host's whole state as last pushed or returned; null until the first one arrives. */
  snapshot: HostSnapshot | null;
  load: SnapshotLoad;
  /** Counts pushed snapshots, so that an answer to an older call never replaces a newer push (see applyAnswer). */
  pushedCount: number;
  /** Per account: the backend's clock as estimated from its balances (countdowns run on it). */
  clocks: BackendClocks;
};

export const initialSnapshotState: SnapshotState = {
  snapshot: null,
  load: { status: 'loading' },
  pushedCount: 0,
  clocks: {},
};
