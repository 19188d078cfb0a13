import type { StateCreator } from 'zustand';
import type { Alert } from '../../../../../../shared/bridge.js';
import { showBrowserNotification } from '../../../../alerts/browserNotifications.js';
import { markAlertShown } from '../../../../alerts/shownAlerts.js';
import type { UiStore } from '../../store.js';

/** At most this many alerts are kept (a few are shown, the rest counted): a burst must not grow without end. */
const MAX_TOASTS = 20;

/**
 * The toasts to keep: one "your result is ready" at most (the newest; the results are on the Generate view anyway),
 * and when too many are on screen, "result ready" makes way first, then the oldest of the others.
 */
export function keepToasts(toasts: Alert[], max = MAX_TOASTS): Alert[] {
  const newestFinished = toasts.findLast((toast) => toast.kind === 'generation-finished');
  const kept = toasts.filter((toast) => toast.kind !== 'generation-finished' || toast === newestFinished);
  while (kept.length > max) {
    const finished = kept.findIndex((toast) => toast.kind === 'generation-finished');
    kept.splice(finished >= 0 ? finished : 0, 1);
  }
  return kept;
}

export type AlertsAction = {
  /**
   * An alert the host pushed: shown once as a toast (never again in this tab, reloads included) and, when
   * `browserNotification` (web mode, alerts on), as a browser notification too.
   */
  receiveAlert: (alert: Alert, options: { browserNotification: boolean }) => void;
  dismissToast: (alertId: string) => void;
};

function sessionStore(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}

export const createAlertsSlice: StateCreator<UiStore, [], [], AlertsAction> = (set, get) => ({
  receiveAlert(alert, { browserNotification }) {
    const storage = sessionStore();
    if (get().toasts.some((toast) => toast.id === alert.id)) return;
    if (storage !== null && !markAlertShown(storage, alert.id)) return;
    set((state) => ({ toasts: keepToasts([...state.toasts, alert]) }));
    if (browserNotification) showBrowserNotification(alert);
  },
  dismissToast(alertId) {
    set((state) => ({ toasts: state.toasts.filter((toast) => toast.id !== alertId) }));
  },
});
