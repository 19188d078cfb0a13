import { selectSelectedAccount, useHostStore } from '../store/host/store.js';

const pillText = { live: 'Live', connecting: 'Connecting…', offline: 'Offline' } as const;

/** The selected account's connection in a word, on every view (the Dashboard has the details and the retry). */
export function ConnectionPill() {
  const account = useHostStore(selectSelectedAccount);
  if (account === null) return null;
  const { state } = account.connection;
  return (
    <p className={`pill connection-pill connection-pill--${state}`} data-testid="shell-connection">
      <span className="connection-dot" aria-hidden="true" />
      <span className="visually-hidden">Connection: </span>
      {pillText[state]}
    </p>
  );
}
