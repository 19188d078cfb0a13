import { useRef, useState, type FormEvent } from 'react';
import type { AccountView } from '../../../../shared/bridge.js';
import {
  selectAccounts,
  selectIsPending,
  selectSecretsUnencrypted,
  selectSelectedAccountId,
  useHostStore,
} from '../../store/host/store.js';

const connectionWords = { live: 'Live', connecting: 'Connecting…', offline: 'Offline' } as const;
const selectSignInPending = selectIsPending('signIn');

/** The accounts this app knows: switch between them, sign in to another backend, remove one with its secrets. */
export function AccountsView() {
  const accounts = useHostStore(selectAccounts);
  const selectedId = useHostStore(selectSelectedAccountId);
  const selectAccount = useHostStore((state) => state.selectAccount);
  const unencrypted = useHostStore(selectSecretsUnencrypted);

  return (
    <section className="view accounts-view" aria-labelledby="accounts-heading">
      <h1 id="accounts-heading" className="view-title">
        Accounts
      </h1>
      {unencrypted && (
        <p className="notice notice--warning" data-testid="secrets-unencrypted">
          On this system tokens are stored without encryption: anyone who can read your files can read them.
        </p>
      )}
      <section className="section" aria-labelledby="accounts-list-heading">
        <h2 id="accounts-list-heading">Your accounts</h2>
        {accounts.length === 0 ? (
          <p className="muted empty-note" data-testid="accounts-empty">
            No accounts yet. Sign in below with a backend address and a token.
          </p>
        ) : (
          <>
            <label className="stack-field stack-field--inline">
              <span className="field-label">Selected account</span>
              <select
                className="select"
                data-testid="accounts-view-switcher"
                value={selectedId ?? ''}
                onChange={(event) => void selectAccount(event.target.value)}
              >
                {accounts.map((account) => (
                  <option key={account.id} value={account.id}>
                    {account.label} — {account.backend.label}
                  </option>
                ))}
              </select>
            </label>
            <table className="table accounts-table" data-testid="accounts-table">
              <caption className="visually-hidden">Accounts</caption>
              <thead>
                <tr>
                  <th scope="col">Account</th>
                  <th scope="col">Backend</th>
                  <th scope="col">Plan</th>
                  <th scope="col">Connection</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {accounts.map((account) => (
                  <AccountRow key={account.id} account={account} selected={account.id === selectedId} />
                ))}
              </tbody>
            </table>
          </>
        )}
      </section>
      <SignInForm first={accounts.length === 0} />
    </section>
  );
}

function AccountRow({ account, selected }: { account: AccountView; selected: boolean }) {
  const selectAccount = useHostStore((state) => state.selectAccount);
  return (
    <tr data-testid="account-row" data-account-id={account.id} aria-current={selected ? 'true' : undefined}>
      <th scope="row">
        {account.label}
        {selected && <span className="badge badge--selected">Selected</span>}
      </th>
      <td data-label="Backend">
        {account.backend.label}
        <span className="muted small"> ({account.backend.kind === 'embedded' ? 'built in' : 'remote'})</span>
      </td>
      <td data-label="Plan">{account.me?.plan.name ?? '—'}</td>
      <td>
        <span className={`pill connection-pill connection-pill--${account.connection.state}`}>
          <span className="connection-dot" aria-hidden="true" />
          {connectionWords[account.connection.state]}
        </span>
      </td>
      <td className="row-actions">
        {!selected && (
          <button type="button" className="button button--small" onClick={() => void selectAccount(account.id)}>
            Use<span className="visually-hidden"> {account.label}</span>
          </button>
        )}
        <RemoveAccount account={account} />
      </td>
    </tr>
  );
}

/** Removing asks first, in a modal dialog that says what goes: the token and the files cached on this computer. */
function RemoveAccount({ account }: { account: AccountView }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const removeAccount = useHostStore((state) => state.removeAccount);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function confirm() {
    setBusy(true);
    setError(null);
    const failure = await removeAccount(account.id);
    setBusy(false);
    if (failure === null) dialog.current?.close();
    else setError(failure.message);
  }

  return (
    <>
      <button
        type="button"
        className="button button--small button--danger"
        data-testid="remove-account"
        onClick={() => dialog.current?.showModal()}
      >
        Remove…<span className="visually-hidden"> {account.label}</span>
      </button>
      <dialog
        ref={dialog}
        className="dialog"
        aria-labelledby={`remove-${account.id}-title`}
        aria-describedby={`remove-${account.id}-text`}
        data-testid="remove-dialog"
      >
        <h2 id={`remove-${account.id}-title`}>Remove {account.label}?</h2>
        <p id={`remove-${account.id}-text`}>
          This deletes its token (its secrets) and its cached files (history and downloaded outputs) from this computer.
          The account itself stays on {account.backend.label}: sign in again to bring it back.
        </p>
        {error !== null && (
          <p className="notice notice--error" role="alert">
            Couldn’t remove it: {error}
          </p>
        )}
        <div className="dialog-actions">
          <button type="button" className="button" onClick={() => dialog.current?.close()} autoFocus>
            Keep it
          </button>
          <button
            type="button"
            className="button button--danger"
            data-testid="confirm-remove"
            disabled={busy}
            onClick={() => void confirm()}
          >
            {busy ? 'Removing…' : 'Remove account'}
          </button>
        </div>
      </dialog>
    </>
  );
}

/** Replaces the token, wherever it appears in a message, so that nothing on screen ever repeats it. */
function withoutToken(message: string, token: string): string {
  return token.length >= 4 ? message.split(token).join('••••') : message;
}

/** Sign in: a backend address and a token (checked by the host against the backend before it is kept). */
function SignInForm({ first }: { first: boolean }) {
  const signIn = useHostStore((state) => state.signIn);
  const pending = useHostStore(selectSignInPending);
  const [baseURL, setBaseURL] = useState('');
  const [token, setToken] = useState('');
  const [label, setLabel] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  async function submit(event: FormEvent) {
    event.preventDefault();
    setError(null);
    setDone(null);
    const given = token.trim();
    const failure = await signIn({
      baseURL: baseURL.trim(),
      token: given,
      ...(label.trim() ? { label: label.trim() } : {}),
    });
    if (failure !== null) {
      setError(withoutToken(failure.message, given));
      return;
    }
    // The token leaves the form as soon as the host has it.
    setToken('');
    setDone(label.trim() || baseURL.trim());
    setLabel('');
  }

  return (
    <section className="section" aria-labelledby="sign-in-heading">
      <h2 id="sign-in-heading">{first ? 'Sign in' : 'Sign in to another account'}</h2>
      <form className="card sign-in-form" onSubmit={(event) => void submit(event)} data-testid="sign-in-form">
        <label className="stack-field">
          <span className="field-label">Backend address</span>
          <input
            className="input"
            type="url"
            required
            data-testid="sign-in-url"
            placeholder="https://companion.example.com"
            autoComplete="url"
            value={baseURL}
            onChange={(event) => setBaseURL(event.target.value)}
          />
        </label>
        <label className="stack-field">
          <span className="field-label">Token</span>
          <input
            className="input"
            type="password"
            required
            minLength={8}
            data-testid="sign-in-token"
            autoComplete="off"
            spellCheck={false}
            value={token}
            onChange={(event) => setToken(event.target.value)}
          />
          <span className="muted small">Kept by the app in its secret store; it is never shown again.</span>
        </label>
        <label className="stack-field">
          <span className="field-label">Label (optional)</span>
          <input
            className="input"
            data-testid="sign-in-label"
            maxLength={100}
            value={label}
            onChange={(event) => setLabel(event.target.value)}
            placeholder="Studio account"
          />
        </label>
        {error !== null && (
          <p className="notice notice--error" role="alert" data-testid="sign-in-error">
            Sign-in refused: {error}
          </p>
        )}
        {done !== null && (
          <p className="notice notice--success" role="status" data-testid="sign-in-done">
            Signed in: {done} is now in your accounts.
          </p>
        )}
        <div className="form-actions">
          <button
            type="submit"
            className="button button--primary"
            data-testid="sign-in-submit"
            disabled={pending || baseURL.trim() === '' || token.trim().length < 8}
          >
            {pending ? 'Checking…' : 'Sign in'}
          </button>
        </div>
      </form>
    </section>
  );
}
