/**
 * The ids of the alerts this tab has shown, kept in sessionStorage so that a reload does not show them again (the host
 * already sends each alert once; this guards against a replay after the event stream reconnects or the page reloads).
 */
export const SHOWN_ALERTS_KEY = 'companion-shown-alerts';
/** Enough for a long session; the oldest ids are forgotten first. */
const MAX_REMEMBERED = 500;

function read(storage: Storage): string[] {
  try {
    const parsed: unknown = JSON.parse(storage.getItem(SHOWN_ALERTS_KEY) ?? '[]');
    return Array.isArray(parsed) ? parsed.filter((id): id is string => typeof id === 'string') : [];
  } catch {
    return [];
  }
}

/** Records `id` as shown. True when it had not been shown before (so it should be shown now). */
export function markAlertShown(storage: Storage, id: string): boolean {
  const shown = read(storage);
  if (shown.includes(id)) return false;
  try {
    storage.setItem(SHOWN_ALERTS_KEY, JSON.stringify([...shown, id].slice(-MAX_REMEMBERED)));
  } catch {
    // Storage full or disabled: the alert is still shown once in this page.
  }
  return true;
}
