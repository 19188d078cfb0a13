import { useState } from 'react';
import { companion } from '../bridge/companion.js';

/** Cancels a queued generation (refunded in full by the backend); says so when the host refuses (it started meanwhile). */
export function CancelButton({
  accountId,
  generationId,
  what,
}: {
  accountId: string;
  generationId: string;
  what: string;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function cancel() {
    setBusy(true);
    setError(null);
    const result = await companion().cancelGeneration({ accountId, generationId });
    setBusy(false);
    if (!result.ok) setError(result.error.message);
  }

  return (
    <span className="cancel">
      <button
        type="button"
        className="button button--small"
        disabled={busy}
        data-testid="cancel-generation"
        onClick={() => void cancel()}
      >
        {busy ? 'Cancelling…' : 'Cancel'}
        <span className="visually-hidden"> {what}</span>
      </button>
      {error !== null && (
        <span className="error-text" role="alert">
          {error}
        </span>
      )}
    </span>
  );
}
