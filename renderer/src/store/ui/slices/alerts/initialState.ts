import type { Alert } from '../../../../../../shared/bridge.js';

export type AlertsState = {
  /** Alerts on screen as toasts, newest last, until dismissed. */
  toasts: Alert[];
};

export const initialAlertsState: AlertsState = {
  toasts: [],
};
