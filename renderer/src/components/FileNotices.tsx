import { useState } from 'react';
import { selectFileNotices, useHostStore } from '../store/host/store.js';

/** Files of the app that could not be read at start (set aside, never deleted): what happened and what was kept. */
export function FileNotices() {
  const notices = useHostStore(selectFileNotices);
  const [dismissed, setDismissed] = useState<ReadonlySet<string>>(new Set());
  const shown = notices.filter((n) => !dismissed.has(n.id));
  if (shown.length === 0) return null;
  return (
    <>
      {shown.map((n) => (
        <div key={n.id} className="notice notice--warning" role="status" data-testid="file-notice">
          <p>{n.message}</p>
          <button
            type="button"
            className="button button--quiet"
            onClick={() => setDismissed(new Set([...dismissed, n.id]))}
          >
            Dismiss
          </button>
        </div>
      ))}
    </>
  );
}
