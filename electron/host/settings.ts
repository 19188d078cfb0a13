/**
 * Small settings and the account list, kept with `conf` (the library electron-store builds on; same file format).
 * Tokens are never stored here: they live in the SecretStore, apart from settings.
 */
import Conf from 'conf';
import type { Theme } from '../../shared/bridge.js';

export interface StoredAccount {
  id: string;
  label: string;
  /** `embedded`: the backend this app starts itself; `remote`: a backend URL the user signed in to. */
  kind: 'embedded' | 'remote';
  baseURL: string | null;
  /** The backend's account id, once known. */
  remoteId: string | null;
}

export interface SettingsData {
  accounts: StoredAccount[];
  selectedAccountId: string | null;
  theme: Theme;
}

const defaults: SettingsData = { accounts: [], selectedAccountId: null, theme: 'system' };

export class SettingsStore {
  readonly #conf: Conf<SettingsData>;

  constructor(dataDir: string) {
    this.#conf = new Conf<SettingsData>({ cwd: dataDir, configName: 'settings', defaults, clearInvalidConfig: false });
  }

  get<K extends keyof SettingsData>(key: K): SettingsData[K] {
    return this.#conf.store[key];
  }

  set<K extends keyof SettingsData>(key: K, value: SettingsData[K]): void {
    this.#conf.store = { ...this.#conf.store, [key]: value };
  }

  accounts(): StoredAccount[] {
    return this.get('accounts');
  }

  upsertAccount(account: StoredAccount): void {
    const others = this.accounts().filter((a) => a.id !== account.id);
    this.set('accounts', [...others, account]);
  }

  removeAccount(id: string): void {
    this.set('accounts', this.accounts().filter((a) => a.id !== id));
    if (this.get('selectedAccountId') === id) this.set('selectedAccountId', this.accounts()[0]?.id ?? null);
  }

  get path(): string {
    return this.#conf.path;
  }
}
