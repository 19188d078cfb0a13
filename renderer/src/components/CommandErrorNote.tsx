import type { HostCommand } from '../store/host/slices/commands/initialState.js';
import { selectCommandError, useHostStore } from '../store/host/store.js';

/** The commands whose errors the shell shows; the others show theirs in their own form. */
const failedTo: Partial<Record<HostCommand, string>> = {
  selectAccount: 'Couldn’t switch account',
  setTheme: 'Couldn’t save the theme',
  reconnect: 'Couldn’t reconnect',
};

/** The last command the host refused, until the user dismisses it or runs another. */
export function CommandErrorNote() {
  const commandError = useHostStore(selectCommandError);
  const dismiss = useHostStore((state) => state.dismissCommandError);
  if (commandError === null) return null;

  return (
    <div className="notice notice--error" role="alert" data-testid="command-error">
      <p>
        <strong>{failedTo[commandError.command] ?? 'That didn’t work'}.</strong> {commandError.error.message}
      </p>
      <button type="button" className="button button--quiet" onClick={dismiss}>
        Dismiss
      </button>
    </div>
  );
}
