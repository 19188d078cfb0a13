import { selectSecretsUnencrypted, useHostStore } from '../store/host/store.js';

/** Where the OS offers no secret storage (a Linux without a keyring), tokens are kept in plain files: say so, calmly. */
export function SecretsNote() {
  const unencrypted = useHostStore(selectSecretsUnencrypted);
  if (!unencrypted) return null;
  return (
    <p className="secrets-note" data-testid="secrets-note">
      <span className="secrets-note-icon" aria-hidden="true">
        i
      </span>
      Tokens are stored without OS encryption on this system.
    </p>
  );
}
