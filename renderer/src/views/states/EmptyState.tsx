import { selectEmbedded, useHostStore } from '../../store/host/store.js';
import { useUiStore } from '../../store/ui/store.js';

/** No account yet: on a fresh install the built-in backend creates one once it is running. */
export function EmptyState() {
  const embedded = useHostStore(selectEmbedded);
  const state = embedded?.state ?? 'off';
  const navigate = useUiStore((store) => store.navigate);

  return (
    <div className="state-panel" data-testid="empty-state">
      <h1>Welcome to Creator Companion</h1>
      <p role="status" aria-live="polite">
        {state === 'starting' && 'No account yet. The built-in backend is starting…'}
        {state === 'running' && 'No account yet. The built-in backend is running and setting up your account…'}
        {state === 'restarting' && 'No account yet. The built-in backend stopped; restarting it…'}
        {state === 'failed' && 'No account yet. The built-in backend could not start.'}
        {state === 'off' && 'No account yet. Add an account to see its balances here.'}
      </p>
      {state === 'failed' && embedded?.error && (
        <p className="notice notice--error" data-testid="embedded-error">
          {embedded.error}
        </p>
      )}
      <button type="button" className="button" data-testid="empty-add-account" onClick={() => navigate('accounts')}>
        Sign in to an account
      </button>
    </div>
  );
}
