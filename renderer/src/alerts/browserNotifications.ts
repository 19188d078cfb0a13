/**
 * Web mode only: alerts as the browser's desktop notifications, once the user allowed them from Settings. In Electron
 * the main process shows system notifications itself, so the renderer never does.
 */
import type { Alert } from '../../../shared/bridge.js';

export type NotificationPermissionState = NotificationPermission | 'unsupported';

export function notificationPermission(): NotificationPermissionState {
  return typeof Notification === 'undefined' ? 'unsupported' : Notification.permission;
}

/** Asks once (the browser remembers the answer); resolves to the resulting permission. */
export async function requestNotificationPermission(): Promise<NotificationPermissionState> {
  if (typeof Notification === 'undefined') return 'unsupported';
  return Notification.requestPermission();
}

export function showBrowserNotification(alert: Alert): void {
  if (notificationPermission() !== 'granted') return;
  try {
    // `tag` makes the browser replace rather than stack a notification with the same id; showing it is the point.
    // oxlint-disable-next-line no-new
    new Notification(alert.title, { body: alert.body, tag: alert.id });
  } catch {
    // Some browsers only allow notifications from a service worker; the in-app toast is still shown.
  }
}
