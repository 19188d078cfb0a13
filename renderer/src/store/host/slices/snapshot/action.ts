import type { StateCreator } from 'zustand';
import type { HostSnapshot } from '../../../../../../shared/bridge.js';
import { companion } from '../../../../bridge/companion.js';
import { nextBackendClocks, rememberClocks, rememberedClock } from '../../../../clock/backendClock.js';
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

export const createSnapshotSlice: StateCreator<HostStore, [], [], SnapshotAction> = (set, get) => {
  function clocksAfter(snapshot: HostSnapshot) {
    const previous = get().clocks;
    const clocks = nextBackendClocks(previous, snapshot, Date.now(), rememberedClock);
    if (clocks !== previous) rememberClocks(clocks);
    return clocks;
  }

  return {
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
      const clocks = clocksAfter(snapshot);
      set((state) => ({ snapshot, clocks, load: { status: 'ready' }, pushedCount: state.pushedCount + 1 }));
    },

    applyAnswer(snapshot, pushedCountAtCall) {
      if (get().pushedCount !== pushedCountAtCall && get().snapshot !== null) return;
      set({ snapshot, clocks: clocksAfter(snapshot), load: { status: 'ready' } });
    },
  };
};
