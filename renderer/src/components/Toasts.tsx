import { useEffect, useRef, type KeyboardEvent } from 'react';
import type { Alert } from '../../../shared/bridge.js';
import { staleAlertIds } from '../alerts/staleAlerts.js';
import { useNow } from '../hooks/useNow.js';
import { selectAccounts, selectCatalog, useHostStore } from '../store/host/store.js';
import { selectToasts, useUiStore } from '../store/ui/store.js';

/** "Your result is ready" is news, not a warning: it leaves by itself after a while (the result stays on Generate). */
const RESULT_READY_MS = 8_000;
/** At most this many alerts are shown at once; the rest are counted ("and 2 more") and come up as these go. */
export const VISIBLE_TOASTS = 3;
/** How often facts that end with no event (a window's end) are checked again. */
const RECHECK_MS = 15_000;

/**
 * Alerts pushed by the host, in a polite live region at the top of the main column: in the page's flow, so they never
 * cover the navigation or a view's buttons. The newest few are shown, the others counted. Each leaves when its fact
 * stops holding; warnings otherwise stay until dismissed (a button each, Escape for the focused one, or all at once).
 */
export function Toasts() {
  const toasts = useUiStore(selectToasts);
  const dismiss = useUiStore((state) => state.dismissToast);
  useDismissWhenStale(toasts, dismiss);

  useEffect(() => {
    const timers = toasts
      .filter((toast) => toast.kind === 'generation-finished')
      .map((toast) => window.setTimeout(() => dismiss(toast.id), RESULT_READY_MS));
    return () => timers.forEach((timer) => window.clearTimeout(timer));
  }, [toasts, dismiss]);

  const shown = toasts.slice(-VISIBLE_TOASTS).reverse();
  const more = toasts.length - shown.length;
  const onKeyDown = (event: KeyboardEvent<HTMLElement>) => {
    if (event.key !== 'Escape') return;
    const id = (event.target as HTMLElement).closest<HTMLElement>('[data-alert-id]')?.dataset.alertId;
    if (!id) return;
    event.preventDefault();
    dismiss(id);
  };

  return (
    <section
      className="toasts"
      aria-label="Alerts"
      aria-live="polite"
      aria-relevant="additions"
      data-testid="toasts"
      onKeyDown={onKeyDown}
      hidden={toasts.length === 0}
    >
      {shown.map((toast) => (
        <div key={toast.id} className={`toast toast--${toast.kind}`} data-testid="toast" data-alert-id={toast.id}>
          <div className="toast-text">
            <p className="toast-title">{toast.title}</p>
            <p className="toast-body">{toast.body}</p>
          </div>
          <button type="button" className="button button--quiet toast-close" onClick={() => dismiss(toast.id)}>
            Dismiss<span className="visually-hidden"> alert: {toast.title}</span>
          </button>
        </div>
      ))}
      {toasts.length > 1 && (
        <p className="toasts-footer">
          {more > 0 && (
            <span className="muted" data-testid="toasts-more">
              and {more} more
            </span>
          )}
          <button
            type="button"
            className="button button--small button--quiet"
            data-testid="toasts-dismiss-all"
            onClick={() => toasts.forEach((toast) => dismiss(toast.id))}
          >
            Dismiss all {toasts.length} alerts
          </button>
        </p>
      )}
    </section>
  );
}

/** Takes away the alerts whose fact no longer holds: on every new snapshot, and every RECHECK_MS for ends in time. */
function useDismissWhenStale(toasts: readonly Alert[], dismiss: (id: string) => void): void {
  const accounts = useHostStore(selectAccounts);
  const catalog = useHostStore(selectCatalog);
  const clocks = useHostStore((state) => state.clocks);
  const pushed = useHostStore((state) => state.pushedCount);
  const now = useNow(toasts.some((toast) => toast.fact) ? RECHECK_MS : null);
  // The snapshot count when each alert was first seen: only a later snapshot can hold the balance that caused it.
  const seenAt = useRef(new Map<string, number>());
  useEffect(() => {
    for (const toast of toasts) if (!seenAt.current.has(toast.id)) seenAt.current.set(toast.id, pushed);
    for (const id of seenAt.current.keys()) if (!toasts.some((toast) => toast.id === id)) seenAt.current.delete(id);
    const stateSince = (alert: Alert) => pushed > (seenAt.current.get(alert.id) ?? pushed);
    // Read the time here, not from the last tick: a snapshot may arrive well after it.
    const localMs = Math.max(now.getTime(), Date.now());
    const backendNow = (accountId: string) => new Date(localMs + (clocks[accountId]?.offsetMs ?? 0));
    for (const id of staleAlertIds(toasts, accounts, catalog, backendNow, stateSince)) dismiss(id);
  }, [toasts, accounts, catalog, clocks, now, pushed, dismiss]);
}
