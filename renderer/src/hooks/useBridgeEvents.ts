import { useEffect } from 'react';
import { companion } from '../bridge/companion.js';
import { useHostStore } from '../store/host/store.js';

/**
 * The one place where what the host pushes becomes store state. It subscribes first and then asks for the current
 * snapshot once, so nothing pushed in between is missed; after that the renderer only listens, it never polls.
 * Mount it once, at the root of the app.
 */
export function useBridgeEvents(): void {
  useEffect(() => {
    const { receivePushedSnapshot, loadSnapshot } = useHostStore.getState();
    const unsubscribe = companion().on('snapshot', receivePushedSnapshot);
    void loadSnapshot();
    return unsubscribe;
  }, []);
}
