import {
  selectAccounts,
  selectHasSnapshot,
  selectIsPending,
  selectSelectedAccountId,
  useHostStore,
} from '../store/host/store.js';

const selectAccountPending = selectIsPending('selectAccount');

export function AccountSwitcher() {
  const hasSnapshot = useHostStore(selectHasSnapshot);
  const accounts = useHostStore(selectAccounts);
  const selectedId = useHostStore(selectSelectedAccountId);
  const pending = useHostStore(selectAccountPending);
  const selectAccount = useHostStore((state) => state.selectAccount);

  return (
    <label className="field">
      <span className="field-label">Account</span>
      <select
        className="select"
        data-testid="account-switcher"
        value={selectedId ?? ''}
        disabled={accounts.length === 0}
        aria-busy={pending}
        onChange={(event) => void selectAccount(event.target.value)}
      >
        {accounts.length === 0 && <option value="">{hasSnapshot ? 'No accounts' : 'Loading…'}</option>}
        {accounts.map((account) => (
          <option key={account.id} value={account.id} title={account.backend.label}>
            {account.label}
          </option>
        ))}
      </select>
    </label>
  );
}
