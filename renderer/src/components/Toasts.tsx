import { useEffect } from 'react';
import { selectToasts, useUiStore } from '../store/ui/store.js';

/** "Your result is ready" is news, not a warning: it leaves by itself after a while (the result stays on Generate). */
const RESULT_READY_MS = 8_000;

/**
 * Alerts pushed by the host, as toasts in a polite live region: a screen reader announces each one once, without
 * interrupting. Warnings stay until dismissed (no timer takes them away before they are read); several at once can be
 * dismissed together, so they never keep covering the view.
 */
export function Toasts() {
  const toasts = useUiStore(selectToasts);
  const dismiss = useUiStore((state) => state.dismissToast);

  useEffect(() => {
    const timers = toasts
      .filter((toast) => toast.kind === 'generation-finished')
      .map((toast) => window.setTimeout(() => dismiss(toast.id), RESULT_READY_MS));
    return () => timers.forEach((timer) => window.clearTimeout(timer));
  }, [toasts, dismiss]);

  return (
    <section className="toasts" aria-label="Alerts" aria-live="polite" aria-relevant="additions" data-testid="toasts">
      {toasts.length > 1 && (
        <button type="button" className="button button--small toasts-dismiss-all" data-testid="toasts-dismiss-all" onClick={() => toasts.forEach((toast) => dismiss(toast.id))}>
          Dismiss all {toasts.length} alerts
        </button>
      )}
      {toasts.map((toast) => (
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
    </section>
  );
}
