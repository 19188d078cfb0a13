/**
 * Small settings and the account list, kept with `conf` (the library electron-store builds on; same file format).
 * Tokens are never stored here: they live in the SecretStore, apart from settings.
 */
import Conf from 'conf';
import { z } from 'zod';
import { AlertThresholds, Theme, type Settings } from '../../shared/bridge.js';

export interface StoredAccount {
  id: string;
  label: string;
  /** True when the user named the account at sign-in: the label then wins over the backend's account name. */
  customLabel?: boolean;
  /** `embedded`: the backend this app starts itself; `remote`: a backend URL the user signed in to. */
  kind: 'embedded' | 'remote';
  baseURL: string | null;
  /** The backend's account id, once known. */
  remoteId: string | null;
}

/** The user's preferences: everything of the bridge's Settings but the data folder, which is where this file is. */
export type Preferences = Omit<Settings, 'dataFolder'>;

export interface SettingsData extends Preferences {
  accounts: StoredAccount[];
  selectedAccountId: string | null;
}

export const DEFAULT_CACHE_LIMIT_BYTES = 2 * 1024 ** 3;

export const defaultPreferences: Preferences = {
  theme: 'system',
  alertThresholds: [75, 90, 100],
  alertsEnabled: true,
  startAtLogin: false,
  closeToTray: true,
  cacheLimitBytes: DEFAULT_CACHE_LIMIT_BYTES,
};

const defaults: SettingsData = { accounts: [], selectedAccountId: null, ...defaultPreferences };

/** Each stored preference is read through its schema: a hand-edited or outdated file falls back to the default value. */
const preferenceSchemas: { [K in keyof Preferences]: z.ZodType<Preferences[K]> } = {
  theme: Theme,
  alertThresholds: AlertThresholds,
  alertsEnabled: z.boolean(),
  startAtLogin: z.boolean(),
  closeToTray: z.boolean(),
  cacheLimitBytes: z.number().int().positive(),
};

/** Thresholds are percents used, 1 to 100, in increasing order without repeats; the answer names what is wrong. */
export function thresholdProblem(thresholds: readonly number[]): string | null {
  for (const [index, value] of thresholds.entries()) {
    if (!Number.isInteger(value) || value < 1 || value > 100) return `alert thresholds are whole percents from 1 to 100 (got ${value})`;
    const previous = thresholds[index - 1];
    if (previous !== undefined && value <= previous) {
      return `alert thresholds must be in increasing order without repeats, e.g. [75, 90, 100] (got [${thresholds.join(', ')}])`;
    }
  }
  return null;
}

export class SettingsStore {
  readonly #conf: Conf<SettingsData>;

  constructor(dataDir: string) {
    this.#conf = new Conf<SettingsData>({ cwd: dataDir, configName: 'settings', defaults, configFileMode: 0o600, clearInvalidConfig: false });
  }

  get<K extends keyof SettingsData>(key: K): SettingsData[K] {
    const value = this.#conf.store[key];
    if (key in preferenceSchemas) {
      const schema = preferenceSchemas[key as keyof Preferences];
      const parsed = schema.safeParse(value);
      if (!parsed.success || (key === 'alertThresholds' && thresholdProblem(parsed.data as number[]))) return defaults[key];
    }
    return value ?? defaults[key];
  }

  set<K extends keyof SettingsData>(key: K, value: SettingsData[K]): void {
    this.#conf.store = { ...this.#conf.store, [key]: value };
  }

  preferences(): Preferences {
    return {
      theme: this.get('theme'),
      alertThresholds: this.get('alertThresholds'),
      alertsEnabled: this.get('alertsEnabled'),
      startAtLogin: this.get('startAtLogin'),
      closeToTray: this.get('closeToTray'),
      cacheLimitBytes: this.get('cacheLimitBytes'),
    };
  }

  updatePreferences(patch: Partial<Preferences>): void {
    const defined = Object.fromEntries(Object.entries(patch).filter(([, value]) => value !== undefined));
    this.#conf.store = { ...this.#conf.store, ...defined };
  }

  accounts(): StoredAccount[] {
    const accounts = this.#conf.store.accounts;
    return Array.isArray(accounts) ? accounts : [];
  }

  upsertAccount(account: StoredAccount): void {
    const accounts = this.accounts();
    const index = accounts.findIndex((a) => a.id === account.id);
    this.set('accounts', index === -1 ? [...accounts, account] : accounts.with(index, account));
  }

  removeAccount(id: string): void {
    this.set('accounts', this.accounts().filter((a) => a.id !== id));
    if (this.get('selectedAccountId') === id) this.set('selectedAccountId', this.accounts()[0]?.id ?? null);
  }

  get path(): string {
    return this.#conf.path;
  }
}
