import type { BridgeError } from '../../../../shared/bridge.js';
import { useHostStore } from '../../store/host/store.js';

/** The bridge gave no first snapshot: the app's host (Electron main or the web server) did not answer. */
export function BridgeUnavailable({ error }: { error: BridgeError }) {
  const loadSnapshot = useHostStore((state) => state.loadSnapshot);

  return (
    <div className="state-panel" role="alert" data-testid="bridge-unavailable">
      <h1>Can’t reach Creator Companion</h1>
      <p>The app’s background service did not answer, so there is nothing to show yet.</p>
      <p className="notice notice--error" data-testid="bridge-error">
        {error.message}
      </p>
      <button type="button" className="button" onClick={() => void loadSnapshot()}>
        Try again
      </button>
    </div>
  );
}
