/**
 * The host: everything the renderer can ask for, as plain Node services. It owns the account list, the secrets, one
 * live connection per account and the embedded backend, and it publishes one snapshot of all of it whenever something
 * changes. Electron main and the web-mode server both expose it through the same bridge handlers.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Catalog } from '../../shared/api.js';
import type { BridgeHandlers, HostSnapshot } from '../../shared/bridge.js';
import { createCompanionClient } from '../../shared/client.js';
import { AccountConnection, type AccountLiveState } from './account-connection.js';
import { BridgeFailure } from './bridge-dispatch.js';
import { EmbeddedBackend, type BackendLauncher } from './embedded-backend.js';
import { SecretStore, type SecretCipher } from './secrets.js';
import { SettingsStore, type StoredAccount } from './settings.js';

export interface CompanionHostOptions {
  /** The app's data folder: settings, secrets and the embedded backend's database live here. */
  dataDir: string;
  /** How to start the embedded backend (utilityProcess in Electron, a child process under Node). */
  launchBackend: BackendLauncher;
  cipher?: SecretCipher | null;
  /** For tests and demos: start the embedded backend with a test clock. */
  embeddedTestClock?: string | undefined;
  /** For tests: a fixed admin token for the embedded backend (otherwise one is made and kept in the secrets). */
  embeddedAdminToken?: string | undefined;
  /** For tests: a fixed port for the embedded backend (0 = any free port). */
  embeddedPort?: number | undefined;
  /** The name and zone of the local account made on first run. */
  localAccount?: { name: string; timeZone: string };
  connection?: { minDelayMs?: number; maxDelayMs?: number; silenceTimeoutMs?: number };
}

const EMBEDDED_ADMIN_SECRET = 'embedded-admin-token';
const tokenSecret = (accountId: string) => `account-token:${accountId}`;

export class CompanionHost extends EventEmitter<{ snapshot: [HostSnapshot] }> {
  readonly settings: SettingsStore;
  readonly secrets: SecretStore;
  readonly #connections = new Map<string, AccountConnection>();
  #embedded: EmbeddedBackend | null = null;
  #embeddedState: HostSnapshot['embedded'] = { state: 'off', error: null };
  #catalog: Catalog | null = null;
  #publishScheduled = false;

  constructor(private readonly options: CompanionHostOptions) {
    super();
    this.settings = new SettingsStore(options.dataDir);
    this.secrets = new SecretStore(options.dataDir, options.cipher ?? null);
  }

  /** Starts every stored account's connection; with no remote account, starts the embedded backend first. */
  async start(): Promise<void> {
    const accounts = this.settings.accounts();
    const needsEmbedded = accounts.length === 0 || accounts.some((a) => a.kind === 'embedded');
    for (const account of accounts.filter((a) => a.kind === 'remote')) this.#connect(account);
    if (needsEmbedded) await this.startEmbedded();
    this.#publish();
  }

  async startEmbedded(): Promise<void> {
    this.#embeddedState = { state: 'starting', error: null };
    this.#publish();
    try {
      const adminToken = this.#embeddedAdminToken();
      this.#embedded = new EmbeddedBackend({
        launcher: this.options.launchBackend,
        dataDir: join(this.options.dataDir, 'backend'),
        adminToken,
        port: this.options.embeddedPort,
        testClock: this.options.embeddedTestClock,
      });
      const url = await this.#embedded.start();
      let local = this.settings.accounts().find((a) => a.kind === 'embedded');
      if (!local || !this.secrets.has(tokenSecret(local.id))) local = await this.#createLocalAccount(url, adminToken);
      this.#embeddedState = { state: 'running', error: null };
      this.#connections.get(local.id)?.stop();
      this.#connections.delete(local.id);
      this.#connect(local, url);
    } catch (error) {
      this.#embeddedState = { state: 'failed', error: (error as Error).message };
    }
    this.#publish();
  }

  get embeddedURL(): string | null {
    return this.#embedded?.url ?? null;
  }

  async stop(): Promise<void> {
    for (const connection of this.#connections.values()) connection.stop();
    this.#connections.clear();
    await this.#embedded?.stop();
    this.#embedded = null;
  }

  snapshot(): HostSnapshot {
    const accounts = this.settings.accounts().map((account) => {
      const live: AccountLiveState | undefined = this.#connections.get(account.id)?.state;
      return {
        id: account.id,
        label: live?.me?.name ?? account.label,
        backend: {
          kind: account.kind,
          label: account.kind === 'embedded' ? 'Built-in backend on this computer' : hostLabel(account.baseURL),
        },
        connection: live?.connection ?? {
          state: 'connecting' as const,
          since: new Date().toISOString(),
          dataAsOf: null,
          error: null,
          nextRetryAt: null,
        },
        me: live?.me ?? null,
        balance: live?.balance ?? null,
      };
    });
    return {
      accounts,
      selectedAccountId: this.settings.get('selectedAccountId') ?? accounts[0]?.id ?? null,
      catalog: this.#catalog,
      embedded: this.#embeddedState,
      settings: { theme: this.settings.get('theme') },
      secretsEncrypted: this.secrets.encrypted,
    };
  }

  readonly handlers: BridgeHandlers = {
    getSnapshot: async () => this.snapshot(),
    selectAccount: async ({ accountId }) => {
      if (!this.settings.accounts().some((a) => a.id === accountId)) throw new BridgeFailure('not_found', 'No such account');
      this.settings.set('selectedAccountId', accountId);
      return this.#publish();
    },
    setTheme: async ({ theme }) => {
      this.settings.set('theme', theme);
      return this.#publish();
    },
    reconnect: async ({ accountId }) => {
      const connection = this.#connections.get(accountId);
      if (!connection) throw new BridgeFailure('not_found', 'No such account');
      connection.reconnectNow();
      return this.snapshot();
    },
  };

  #embeddedAdminToken(): string {
    if (this.options.embeddedAdminToken) return this.options.embeddedAdminToken;
    const stored = this.secrets.get(EMBEDDED_ADMIN_SECRET);
    if (stored) return stored;
    const token = randomBytes(32).toString('base64url');
    this.secrets.set(EMBEDDED_ADMIN_SECRET, token);
    return token;
  }

  async #createLocalAccount(url: string, adminToken: string): Promise<StoredAccount> {
    const admin = createCompanionClient({ baseURL: url, token: adminToken });
    const local = this.options.localAccount ?? {
      name: 'My account',
      timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
    };
    const { account, token } = await admin.admin.createAccount(local);
    const stored: StoredAccount = { id: `local-${account.id}`, label: account.name, kind: 'embedded', baseURL: null, remoteId: account.id };
    for (const old of this.settings.accounts().filter((a) => a.kind === 'embedded')) {
      this.secrets.delete(tokenSecret(old.id));
      this.settings.removeAccount(old.id);
    }
    this.secrets.set(tokenSecret(stored.id), token);
    this.settings.upsertAccount(stored);
    if (!this.settings.get('selectedAccountId')) this.settings.set('selectedAccountId', stored.id);
    return stored;
  }

  #connect(account: StoredAccount, urlOverride?: string): void {
    const token = this.secrets.get(tokenSecret(account.id));
    const baseURL = urlOverride ?? account.baseURL;
    if (!token || !baseURL) return;
    const connection = new AccountConnection({ baseURL, token, ...this.options.connection });
    connection.on('change', () => this.#schedulePublish());
    this.#connections.set(account.id, connection);
    connection.start();
    if (!this.#catalog) {
      connection.client
        .catalog()
        .then((catalog) => {
          this.#catalog = catalog;
          this.#schedulePublish();
        })
        .catch(() => {});
    }
  }

  /** Coalesces bursts of changes (a reconnect replays many events) into one snapshot per tick. */
  #schedulePublish(): void {
    if (this.#publishScheduled) return;
    this.#publishScheduled = true;
    queueMicrotask(() => {
      this.#publishScheduled = false;
      this.#publish();
    });
  }

  #publish(): HostSnapshot {
    const snapshot = this.snapshot();
    this.emit('snapshot', snapshot);
    return snapshot;
  }
}

function hostLabel(url: string | null): string {
  if (!url) return 'Unknown backend';
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}
