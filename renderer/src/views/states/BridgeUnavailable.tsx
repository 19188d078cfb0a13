import type { BridgeError } from '../../../../shared/bridge.js';
import { useHostStore } from '../../store/host/store.js';

/** Headings for the page's own access problems (web mode's secret); anything else is the host not answering. */
const secretHeadings: Record<string, string> = {
  no_secret: 'This address has no access secret',
  address_without_secret: 'This address has no access secret',
  stale_secret: 'This address is from an earlier launch',
};

/** The bridge gave no first snapshot: the app's host (Electron main or the web server) did not answer. */
export function BridgeUnavailable({ error }: { error: BridgeError }) {
  const loadSnapshot = useHostStore((state) => state.loadSnapshot);
  const secretHeading = error.apiCode ? secretHeadings[error.apiCode] : undefined;

  return (
    <div className="state-panel" role="alert" data-testid="bridge-unavailable">
      <h1>{secretHeading ?? 'Can’t reach Creator Companion'}</h1>
      {secretHeading === undefined && (
        <p>The app’s background service did not answer, so there is nothing to show yet.</p>
      )}
      <p className={secretHeading === undefined ? 'notice notice--error' : 'notice'} data-testid="bridge-error">
        {error.message}
      </p>
      {secretHeading === undefined && (
        <button type="button" className="button" onClick={() => void loadSnapshot()}>
          Try again
        </button>
      )}
    </div>
  );
}
