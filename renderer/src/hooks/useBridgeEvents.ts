import { useEffect } from 'react';
import { companion } from '../bridge/companion.js';
import { useHostStore } from '../store/host/store.js';
import { useUiStore } from '../store/ui/store.js';

/**
 * The one place where what the host pushes becomes store state. It subscribes first and then asks for the current
 * snapshot once, so nothing pushed in between is missed; after that the renderer only listens, it never polls.
 * Alerts become toasts here, and, in web mode, browser notifications (Electron main shows system notifications itself,
 * so the renderer does not duplicate them there). Mount it once, at the root of the app.
 */
export function useBridgeEvents(): void {
  useEffect(() => {
    const { receivePushedSnapshot, loadSnapshot } = useHostStore.getState();
    const unsubscribeSnapshot = companion().on('snapshot', receivePushedSnapshot);
    const unsubscribeAlert = companion().on('alert', (alert) => {
      const snapshot = useHostStore.getState().snapshot;
      if (snapshot?.settings.alertsEnabled === false) return;
      useUiStore.getState().receiveAlert(alert, { browserNotification: snapshot?.platform.kind === 'web' });
    });
    void loadSnapshot();
    return () => {
      unsubscribeSnapshot();
      unsubscribeAlert();
    };
  }, []);
}
