import type { StateCreator } from 'zustand';
import type { HostSnapshot } from '../../../../../../shared/bridge.js';
import { companion } from '../../../../bridge/companion.js';
import type { HostStore } from '../../store.js';

export type SnapshotAction = {
  /** Asks the host for its state once, at start-up or when the user retries after a failure. */
  loadSnapshot: () => Promise<void>;
  /** A snapshot the host pushed: always the newest state. Called only by useBridgeEvents. */
  receivePushedSnapshot: (snapshot: HostSnapshot) => void;
  /**
   * A snapshot returned by a call started when `pushedCount` was `pushedCountAtCall`. If the host pushed a snapshot
   * meanwhile, that push is at least as new as this answer, so the answer is dropped rather than rolling state back.
   */
  applyAnswer: (snapshot: HostSnapshot, pushedCountAtCall: number) => void;
};

export const createSnapshotSlice: StateCreator<HostStore, [], [], SnapshotAction> = (set, get) => ({
  async loadSnapshot() {
    const pushedCountAtCall = get().pushedCount;
    if (get().snapshot === null) set({ load: { status: 'loading' } });
    const result = await companion().getSnapshot({});
    if (result.ok) {
      get().applyAnswer(result.value, pushedCountAtCall);
    } else if (get().snapshot === null) {
      set({ load: { status: 'failed', error: result.error } });
    }
  },

  receivePushedSnapshot(snapshot) {
    set((state) => ({ snapshot, load: { status: 'ready' }, pushedCount: state.pushedCount + 1 }));
  },

  applyAnswer(snapshot, pushedCountAtCall) {
    if (get().pushedCount !== pushedCountAtCall && get().snapshot !== null) return;
    set({ snapshot, load: { status: 'ready' } });
  },
});
