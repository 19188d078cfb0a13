/**
 * Small settings and the account list, kept with `conf` (the library electron-store builds on; same file format).
 * Tokens are never stored here: they live in the SecretStore, apart from settings.
 */
import { join } from 'node:path';
import Conf from 'conf';
import { z } from 'zod';
import { AlertThresholds, Theme, type Settings } from '../../shared/bridge.js';
import { copyAside, setAside } from './damaged-files.js';
import { silentHostLog, type HostLog } from './host-log.js';

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
    if (!Number.isInteger(value) || value < 1 || value > 100)
      return `alert thresholds are whole percents from 1 to 100 (got ${value})`;
    const previous = thresholds[index - 1];
    if (previous !== undefined && value <= previous) {
      return `alert thresholds must be in increasing order without repeats, e.g. [75, 90, 100] (got [${thresholds.join(', ')}])`;
    }
  }
  return null;
}

const StoredAccountSchema = z.object({
  id: z.string().min(1),
  label: z.string(),
  customLabel: z.boolean().optional(),
  kind: z.enum(['embedded', 'remote']),
  baseURL: z.string().nullable(),
  remoteId: z.string().nullable(),
});

/** What was wrong with the settings file at start, once it was set aside (the damaged copy's path). */
export type SettingsDamage =
  | { kind: 'unreadable'; aside: string | null }
  | { kind: 'partly-unreadable'; aside: string | null; droppedAccounts: number };

/** The readable part of a stored settings object: the accounts whose entries are whole; null when all of it is. */
function readablePart(store: unknown): { data: Partial<SettingsData>; droppedAccounts: number } | null {
  if (typeof store !== 'object' || store === null || Array.isArray(store)) return { data: {}, droppedAccounts: 0 };
  const record = store as Record<string, unknown>;
  const accounts = Array.isArray(record.accounts) ? record.accounts : null;
  const readable = (accounts ?? []).filter((entry) => StoredAccountSchema.safeParse(entry).success) as StoredAccount[];
  const selected = record.selectedAccountId;
  const selectionFine = selected === null || selected === undefined || typeof selected === 'string';
  if (accounts && readable.length === accounts.length && selectionFine) return null;
  return {
    data: {
      ...(record as Partial<SettingsData>),
      accounts: readable,
      selectedAccountId: selectionFine ? ((selected as string | null | undefined) ?? null) : null,
    },
    droppedAccounts: (accounts?.length ?? 0) - readable.length,
  };
}

export class SettingsStore {
  readonly #conf: Conf<SettingsData>;
  /** Set when the file could not be read, or only in part, at start; the host tells the user. */
  readonly damage: SettingsDamage | null = null;

  constructor(dataDir: string, log: HostLog = silentHostLog()) {
    const open = () =>
      new Conf<SettingsData>({
        cwd: dataDir,
        configName: 'settings',
        defaults,
        configFileMode: 0o600,
        clearInvalidConfig: false,
      });
    const file = join(dataDir, 'settings.json');
    let conf: Conf<SettingsData>;
    try {
      conf = open();
    } catch (error) {
      log.warn('settings-unreadable', error, 'The settings file could not be read: it is set aside (the user is told)');
      this.damage = { kind: 'unreadable', aside: setAside(file) };
      conf = open();
    }
    const repaired = readablePart(conf.store);
    if (repaired) {
      // The damaged file is copied aside before it is rewritten with what could be read of it.
      this.damage ??= { kind: 'partly-unreadable', aside: copyAside(file), droppedAccounts: repaired.droppedAccounts };
      conf.store = { ...defaults, ...repaired.data };
    }
    this.#conf = conf;
  }

  get<K extends keyof SettingsData>(key: K): SettingsData[K] {
    const value = this.#conf.store[key];
    if (key in preferenceSchemas) {
      const schema = preferenceSchemas[key as keyof Preferences];
      const parsed = schema.safeParse(value);
      if (!parsed.success || (key === 'alertThresholds' && thresholdProblem(parsed.data as number[])))
        return defaults[key];
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
    this.set(
      'accounts',
      this.accounts().filter((a) => a.id !== id),
    );
    if (this.get('selectedAccountId') === id) this.set('selectedAccountId', this.accounts()[0]?.id ?? null);
  }

  get path(): string {
    return this.#conf.path;
  }
}
