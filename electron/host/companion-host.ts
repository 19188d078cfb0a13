/**
 * The host: everything the renderer can ask for, as plain Node services. It owns the account list, the secrets, one
 * live connection per account, the embedded backend, the offline history (HistoryService) and the alerts, and it
 * publishes one snapshot of all of it whenever something changes. Electron main and the web-mode server both expose it
 * through the same bridge handlers.
 */
import { EventEmitter } from 'node:events';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import type { Balance, Catalog } from '../../shared/api.js';
import type { Alert, BridgeHandlers, FileNotice, HostSnapshot } from '../../shared/bridge.js';
import { createCompanionClient, type CompanionClient } from '../../shared/client.js';
import { isApiError } from '../../shared/errors.js';
import { AccountConnection } from './account-connection.js';
import { AlertEngine, FiredAlertLog } from './alerts.js';
import { BridgeFailure, withoutURLs } from './bridge-dispatch.js';
import type { BackoffOptions } from './backend-supervisor.js';
import { BuiltInBackend } from './built-in-backend.js';
import { backendPlace, plainFailure } from './display-text.js';
import { ownerOnlyFolder } from '../../backend/storage/private-files.js';
import type { BackendLauncher } from './embedded-backend.js';
import { lostLocalNotice, openHistory, recoverLocalAccount, secretsNotice, settingsNotice } from './file-recovery.js';
import { HistoryService, type HistoryHandlers } from './history/history-service.js';
import { hostLabel, normalizeBaseURL } from './backend-address.js';
import { accountCallHandlers } from './account-calls.js';
import { ChargingCalls } from './charging-calls.js';
import { LastKnownStore } from './last-known.js';
import {
  createLocalAccount,
  embeddedAdminToken,
  recoverFromDatabase,
  reissueLocalToken,
  tokenSecret,
  type LocalAccountStores,
} from './local-account.js';
import { CountingHostLog } from './host-log.js';
import { SecretStore, type SecretCipher } from './secrets.js';
import { SettingsStore, thresholdProblem, type StoredAccount } from './settings.js';

export type HostPlatform = HostSnapshot['platform'];

export const WEB_PLATFORM: HostPlatform = { kind: 'web', tray: false, startAtLogin: false };

/** What Electron main does to save an output where the user chooses; the answer is the path, or null if cancelled. */
export type SaveOutput = (file: { path: string; mime: string; suggestedName: string }) => Promise<string | null>;

export interface CompanionHostOptions {
  /** The app's data folder: settings, secrets, alerts, the history and the embedded backend's database live here. */
  dataDir: string;
  /** How to start the embedded backend (utilityProcess in Electron, a child process under Node). */
  launchBackend: BackendLauncher;
  cipher?: SecretCipher | null;
  /** What the shell can do (default: web mode, no tray, no start at login). */
  platform?: HostPlatform;
  /** False: never start the built-in backend, even with no account (remote accounts only). Default true. */
  embedded?: boolean;
  /** Electron: a save dialog and a copy. Without it (web mode) `downloadOutput` leaves the download to the browser. */
  saveOutput?: SaveOutput;
  /** For tests and demos: start the embedded backend with a test clock. */
  embeddedTestClock?: string | undefined;
  /** For tests: a fixed admin token for the embedded backend (otherwise one is made and kept in the secrets). */
  embeddedAdminToken?: string | undefined;
  /** For tests: a fixed port for the embedded backend (0 = any free port). */
  embeddedPort?: number | undefined;
  /** The name and zone of the local account made on first run. */
  localAccount?: { name: string; timeZone: string };
  connection?: { minDelayMs?: number; maxDelayMs?: number; silenceTimeoutMs?: number };
  /** Identical charging calls within this time are one call (a double click charges once). Default 2 s. */
  duplicateWindowMs?: number;
  /** For tests: how the built-in backend's restarts back off (default 0.5 s doubling to 30 s). */
  embeddedBackoff?: Partial<BackoffOptions>;
  /** Where the host logs what it survives (a backend that stopped, a restart); default standard error. */
  log?: (line: string) => void;
}

const MAX_TIMER_MS = 86_400_000;

/** The history methods the HistoryService answers; listed so the host can say "unavailable" for one it lacks. */
const historyMethods: Record<keyof HistoryHandlers, true> = {
  searchHistory: true,
  getHistoryItem: true,
  syncNow: true,
  setPinned: true,
  makeAvailableOffline: true,
  listWorkspaces: true,
  createWorkspace: true,
  renameWorkspace: true,
  deleteWorkspace: true,
  addToWorkspace: true,
  removeFromWorkspace: true,
  refundAudit: true,
  recentUseByModel: true,
};

export class CompanionHost extends EventEmitter<{ snapshot: [HostSnapshot]; alert: [Alert] }> {
  readonly settings: SettingsStore;
  readonly secrets: SecretStore;
  readonly history: HistoryService;
  readonly alerts: AlertEngine;
  readonly platform: HostPlatform;
  /** Every failure the host survives, logged and counted by kind. */
  readonly log: CountingHostLog;
  readonly #connections = new Map<string, AccountConnection>();
  /** Accounts whose token cannot be used, with what to tell the user. */
  readonly #tokenProblems = new Map<string, string>();
  /** The tokens of connected accounts (read once from the secret store), for the history's file downloads. */
  readonly #tokens = new Map<string, string>();
  readonly #alertTimers = new Map<string, NodeJS.Timeout>();
  readonly #chargingCalls: ChargingCalls;
  readonly #startedAt = new Date().toISOString();
  readonly #builtIn: BuiltInBackend;
  #historyProblem: string | null = null;
  /** Damaged files found at start, and what was done about them, for the user. */
  readonly #notices: FileNotice[] = [];
  #publishScheduled = false;
  #stopped = false;
  readonly #lastKnown: LastKnownStore;

  constructor(private readonly options: CompanionHostOptions) {
    super();
    this.platform = options.platform ?? WEB_PLATFORM;
    this.log = new CountingHostLog(options.log);
    this.#chargingCalls = new ChargingCalls(options.duplicateWindowMs ?? 2_000);
    this.#builtIn = new BuiltInBackend({
      dataDir: options.dataDir,
      launchBackend: options.launchBackend,
      ...(options.embeddedPort !== undefined ? { port: options.embeddedPort } : {}),
      ...(options.embeddedTestClock !== undefined ? { testClock: options.embeddedTestClock } : {}),
      ...(options.embeddedBackoff ? { backoff: options.embeddedBackoff } : {}),
      ...(options.log ? { log: options.log } : {}),
      changed: () => this.#schedulePublish(),
    });
    // Tokens, history and the built-in backend's database live here: the folder is the user's alone.
    ownerOnlyFolder(options.dataDir);
    this.settings = new SettingsStore(options.dataDir, this.log);
    this.#lastKnown = new LastKnownStore(options.dataDir);
    this.secrets = new SecretStore(options.dataDir, options.cipher ?? null, this.log);
    const recoveredLocal = this.settings.damage ? recoverLocalAccount(this.settings, this.secrets) : false;
    if (this.settings.damage) this.#notices.push(settingsNotice(this.settings.damage, recoveredLocal));
    if (this.secrets.damagedFile !== null) this.#notices.push(secretsNotice(this.secrets.damagedFile));
    this.alerts = new AlertEngine({
      log: new FiredAlertLog(join(options.dataDir, 'alerts.json'), { log: this.log }),
      preferences: () => ({
        enabled: this.settings.get('alertsEnabled'),
        thresholds: this.settings.get('alertThresholds'),
      }),
    });
    this.history = new HistoryService({
      dataDir: options.dataDir,
      clientFor: (accountId) => this.#connections.get(accountId)?.client ?? null,
      isOnline: (accountId) => this.#connections.get(accountId)?.state.connection.state === 'live',
      onChange: () => this.#schedulePublish(),
      cacheLimitBytes: () => this.settings.get('cacheLimitBytes'),
      timeZoneFor: (accountId) => this.#connections.get(accountId)?.state.me?.timeZone ?? null,
      snapshot: () => this.snapshot(),
      log: this.log,
    });
  }

  /** Starts the history and every stored account's connection; with no account, starts the embedded backend first. */
  async start(): Promise<void> {
    this.#stopped = false;
    const accounts = this.settings.accounts();
    const needsEmbedded =
      this.options.embedded !== false && (accounts.length === 0 || accounts.some((a) => a.kind === 'embedded'));
    // The built-in backend's process is spawned first: it boots (most of a cold start) while the history opens here,
    // after a turn of the event loop (opening it blocks, and a web server started alongside answers its page first).
    const embedded = needsEmbedded ? this.startEmbedded() : Promise.resolve();
    await new Promise((resolve) => setImmediate(resolve));
    try {
      const rebuilt = await openHistory(this.history, this.log);
      if (rebuilt) this.#notices.push(rebuilt);
    } catch (error) {
      this.#historyProblem = (error as Error).message;
    }
    for (const account of accounts.filter((a) => a.kind === 'remote')) this.#connect(account);
    await embedded;
    this.#publish();
  }

  async startEmbedded(): Promise<void> {
    await this.#builtIn.beginStart();
    this.#publish();
    try {
      const adminToken = embeddedAdminToken(this.secrets, this.options.embeddedAdminToken);
      const hadDatabase = this.#builtIn.hasDatabase();
      const url = await this.#builtIn.start(adminToken);
      let local = this.settings.accounts().find((a) => a.kind === 'embedded');
      const stores = { settings: this.settings, secrets: this.secrets, notices: this.#notices };
      if (local && this.secrets.read(tokenSecret(local.id)).state !== 'ok')
        local = await reissueLocalToken(stores, url, adminToken, local);
      if (!local && hadDatabase && this.#notices.length > 0)
        local = await this.#recoverFromDatabase(stores, url, adminToken);
      if (!local)
        local = await createLocalAccount(
          stores,
          url,
          adminToken,
          this.options.localAccount ?? {
            name: 'My account',
            timeZone: Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC',
          },
        );
      this.#connect(local, url);
      this.#builtIn.onRestarted((restartedURL) => this.#embeddedRestarted(restartedURL));
    } catch (error) {
      this.#builtIn.failed(error as Error);
    }
    this.#publish();
  }

  get embeddedURL(): string | null {
    return this.#builtIn.url;
  }

  /** The built-in backend is back: its account reconnects at once, at the new address if the port had to change. */
  #embeddedRestarted(url: string): void {
    const local = this.settings.accounts().find((a) => a.kind === 'embedded');
    if (!local) return;
    const connection = this.#connections.get(local.id);
    if (connection && connection.client.baseURL === url) connection.reconnectNow();
    else this.#connect(local, url);
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    for (const id of [...this.#connections.keys()]) this.#disconnect(id);
    try {
      await this.history.stop();
    } catch (error) {
      // Stopping must finish: the history closes its store as well as it can.
      this.log.warn('history-stop', error, 'The offline history did not close cleanly');
    }
    await this.#builtIn.stop();
    this.#lastKnown.flush();
  }

  snapshot(): HostSnapshot {
    const stored = this.settings.accounts();
    const accounts = stored.map((account) => {
      const live = this.#connections.get(account.id)?.state;
      const problem = this.#tokenProblems.get(account.id);
      // Until the backend answers, the account shows what it last confirmed, with that data's age.
      const cached = live?.balance ? null : this.#lastKnown.get(account.id);
      return {
        id: account.id,
        label: this.#labelOf(account),
        backend: {
          kind: account.kind,
          label: account.kind === 'embedded' ? 'Built-in backend on this computer' : hostLabel(account.baseURL),
        },
        connection: (() => {
          const connection =
            live?.connection ??
            (problem
              ? { state: 'offline' as const, since: this.#startedAt, dataAsOf: null, error: problem, nextRetryAt: null }
              : {
                  state: 'connecting' as const,
                  since: this.#startedAt,
                  dataAsOf: null,
                  error: null,
                  nextRetryAt: null,
                });
          const shown = account.kind === 'embedded' ? this.#builtIn.whileRestarting(connection) : connection;
          return cached && shown.dataAsOf === null ? { ...shown, dataAsOf: cached.dataAsOf } : shown;
        })(),
        me: live?.me ?? cached?.me ?? null,
        balance: live?.balance ?? cached?.balance ?? null,
        queue: live?.queue ?? null,
        recentGenerations: live?.recentGenerations ?? [],
        sync: this.#syncState(account.id),
      };
    });
    const storedSelection = this.settings.get('selectedAccountId');
    const selectedAccountId = accounts.some((a) => a.id === storedSelection)
      ? storedSelection
      : (accounts[0]?.id ?? null);
    return {
      accounts,
      selectedAccountId,
      catalog: this.#catalogFor(selectedAccountId),
      embedded: this.#builtIn.state,
      settings: { ...this.settings.preferences(), dataFolder: this.options.dataDir },
      platform: this.platform,
      secretsEncrypted: this.secrets.encrypted,
      notices: [...this.#notices],
    };
  }

  readonly handlers: BridgeHandlers = this.#inPlainWords({
    ...this.#historyHandlers(),

    getSnapshot: async () => this.snapshot(),
    selectAccount: async ({ accountId }) => {
      this.#account(accountId);
      this.settings.set('selectedAccountId', accountId);
      return this.#publish();
    },
    setTheme: async ({ theme }) => {
      this.settings.set('theme', theme);
      return this.#publish();
    },
    updateSettings: async (patch) => {
      if (patch.alertThresholds) {
        const problem = thresholdProblem(patch.alertThresholds);
        if (problem) throw new BridgeFailure('invalid_request', problem);
      }
      const cacheLimitChanged =
        patch.cacheLimitBytes !== undefined && patch.cacheLimitBytes !== this.settings.get('cacheLimitBytes');
      this.settings.updatePreferences(patch);
      // A smaller cache evicts at once (in the background: the answer does not wait for the files).
      if (cacheLimitChanged) {
        void Promise.resolve()
          .then(() => this.history.cacheLimitChanged())
          .catch((error: unknown) =>
            this.log.warn('cache-evict', error, 'Evicting after a smaller cache limit failed'),
          );
      }
      return this.#publish();
    },
    reconnect: async ({ accountId }) => {
      const account = this.#account(accountId);
      const connection = this.#connections.get(accountId);
      if (account.kind === 'embedded' && this.#builtIn.restarting) this.#builtIn.restartNow();
      else if (connection) connection.reconnectNow();
      else if (account.kind === 'remote') this.#connect(account);
      else if (this.embeddedURL) this.#connect(account, this.embeddedURL);
      // The built-in backend failed or was stopped: start it again (it connects its account).
      else if (this.#builtIn.state.state !== 'starting') await this.startEmbedded();
      return this.#publish();
    },

    signIn: async ({ baseURL, token, label }) => this.#signIn(baseURL, token.trim(), label?.trim() || undefined),
    removeAccount: async ({ accountId }) => this.#removeAccount(accountId),

    ...accountCallHandlers({
      client: (accountId) => this.#client(accountId),
      connection: (accountId) => this.#connections.get(accountId),
      chargeOnce: (signature, run) => this.#chargeOnce(signature, run),
      log: () => this.log,
      publish: () => this.#publish(),
    }),

    getUsage: async ({ accountId, ...query }) => {
      this.#account(accountId);
      const connection = this.#connections.get(accountId);
      if (connection?.state.connection.state === 'live') {
        try {
          return await connection.client.usage(query);
        } catch (error) {
          if (!isApiError(error) || error.code !== 'network_error') throw error;
        }
      }
      try {
        return await this.history.usage(accountId, query);
      } catch (error) {
        throw new BridgeFailure(
          'unavailable',
          `Usage needs the backend, which cannot be reached now, and the offline history cannot answer it (${this.#historyProblem ?? (error as Error).message})`,
        );
      }
    },

    downloadOutput: async ({ accountId, outputId }) => {
      this.#account(accountId);
      // Web mode: the page downloads the media URL itself.
      if (!this.options.saveOutput) return { savedTo: null };
      const file = await this.history.openMedia(accountId, outputId, 'full');
      if (!file) throw new BridgeFailure('not_found', 'This output is not on this computer and cannot be fetched now');
      return {
        savedTo: await this.options.saveOutput({ ...file, suggestedName: `${outputId}${extensionOf(file.mime)}` }),
      };
    },
  });

  /**
   * Every handler's failure to reach a backend (or a backend's 5xx) reaches the renderer in plain words naming that
   * account's backend ("Can't reach the built-in backend: it isn't answering."), never as a raw error code. The
   * backend's own refusals pass unchanged: they are written for people and carry their problem+json.
   */
  #inPlainWords(handlers: BridgeHandlers): BridgeHandlers {
    const wrapped: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const [name, handler] of Object.entries(handlers) as Array<[string, (input: unknown) => Promise<unknown>]>) {
      wrapped[name] = async (input) => {
        try {
          return await handler(input);
        } catch (error) {
          if (!isApiError(error) || (error.code !== 'network_error' && error.status < 500)) throw error;
          const accountId = (input as { accountId?: unknown } | null)?.accountId;
          const account =
            typeof accountId === 'string' ? this.settings.accounts().find((a) => a.id === accountId) : undefined;
          throw new BridgeFailure(
            error.code === 'network_error' ? 'unavailable' : 'backend_error',
            this.#failureText(account, error.message),
            { apiCode: error.code },
          );
        }
      };
    }
    return wrapped as unknown as BridgeHandlers;
  }

  #failureText(account: StoredAccount | undefined, message: string): string {
    if (account?.kind === 'embedded' && this.#builtIn.restarting) {
      return 'The built-in backend stopped and is being restarted.';
    }
    return plainFailure(withoutURLs(message), this.#placeOf(account)).text;
  }

  #placeOf(account: StoredAccount | undefined): string {
    return account ? backendPlace(account.kind, hostLabel(account.baseURL)) : 'the backend';
  }

  // ---- accounts ------------------------------------------------------------------------------------------------

  async #signIn(rawURL: string, token: string, label: string | undefined): Promise<HostSnapshot> {
    const baseURL = normalizeBaseURL(rawURL);
    const host = hostLabel(baseURL);
    const client = createCompanionClient({ baseURL, token, retries: 0, timeoutMs: 10_000 });
    let me;
    try {
      me = await client.me();
    } catch (error) {
      if (!isApiError(error)) throw error;
      if (error.code === 'unauthorized')
        throw new BridgeFailure('invalid_request', `The token was not accepted by ${host}`, { apiCode: error.code });
      if (error.code === 'network_error') {
        const failure = plainFailure(error.message, `the backend at ${host}`);
        throw new BridgeFailure('unavailable', `${failure.text} Check the address and that the backend is running.`, {
          apiCode: error.code,
        });
      }
      throw new BridgeFailure(
        'backend_error',
        `${host} did not answer like a Creator Companion backend (${error.message})`,
        { apiCode: error.code },
      );
    }
    const duplicate = this.settings
      .accounts()
      .find(
        (a) =>
          a.remoteId === me.id &&
          (a.kind === 'remote'
            ? a.baseURL === baseURL
            : this.embeddedURL !== null && normalizeBaseURL(this.embeddedURL) === baseURL),
      );
    if (duplicate) throw new BridgeFailure('invalid_request', `${me.name} on ${host} is already signed in`);

    const account: StoredAccount = {
      id: `remote-${randomBytes(8).toString('hex')}`,
      label: label ?? me.name,
      customLabel: label !== undefined,
      kind: 'remote',
      baseURL,
      remoteId: me.id,
    };
    this.secrets.set(tokenSecret(account.id), token);
    this.settings.upsertAccount(account);
    this.settings.set('selectedAccountId', account.id);
    this.#connect(account);
    return this.#publish();
  }

  async #removeAccount(accountId: string): Promise<HostSnapshot> {
    const account = this.#account(accountId);
    this.#disconnect(accountId);
    this.#tokenProblems.delete(accountId);
    this.secrets.delete(tokenSecret(accountId));
    this.#lastKnown.delete(accountId);
    this.settings.removeAccount(accountId);
    this.alerts.forget(accountId);
    let historyError: Error | null = null;
    try {
      await this.history.removeAccount(accountId);
    } catch (error) {
      historyError = error as Error;
    }
    // The built-in backend only serves its own account: with it gone, it stops (and comes back at the next start only
    // if no account is left then).
    if (account.kind === 'embedded' && !this.settings.accounts().some((a) => a.kind === 'embedded')) {
      await this.#builtIn.turnOff();
    }
    const snapshot = this.#publish();
    if (historyError && !this.#historyProblem)
      throw new BridgeFailure(
        'internal_error',
        `The account was removed, but its offline history could not be deleted: ${historyError.message}`,
      );
    return snapshot;
  }

  #account(accountId: string): StoredAccount {
    const account = this.settings.accounts().find((a) => a.id === accountId);
    if (!account) throw new BridgeFailure('not_found', 'No such account');
    return account;
  }

  #client(accountId: string): CompanionClient {
    this.#account(accountId);
    const connection = this.#connections.get(accountId);
    if (!connection)
      throw new BridgeFailure('unavailable', this.#tokenProblems.get(accountId) ?? 'This account is not connected');
    return connection.client;
  }

  #chargeOnce<T>(signature: unknown[], run: (idempotencyKey: string) => Promise<T>): Promise<T> {
    return this.#chargingCalls.run(signature, run);
  }

  // ---- embedded backend ----------------------------------------------------------------------------------------

  /** Both files that named the built-in account were damaged: its database still has it, unless it cannot be asked. */
  async #recoverFromDatabase(
    stores: LocalAccountStores,
    url: string,
    adminToken: string,
  ): Promise<StoredAccount | undefined> {
    try {
      return await recoverFromDatabase(stores, url, adminToken);
    } catch (error) {
      this.log.warn(
        'local-account-recovery',
        error,
        'The built-in backend could not list its accounts: a new account is made',
      );
      this.#notices.push(lostLocalNotice());
      return undefined;
    }
  }

  // ---- connections ---------------------------------------------------------------------------------------------

  #connect(account: StoredAccount, urlOverride?: string): void {
    this.#disconnect(account.id);
    const baseURL = urlOverride ?? account.baseURL;
    const token = this.secrets.read(tokenSecret(account.id));
    if (token.state !== 'ok') {
      this.#tokenProblems.set(
        account.id,
        token.state === 'missing'
          ? 'No saved token for this account: remove it and sign in again'
          : `The saved token of this account cannot be read (${token.reason}): remove the account and sign in again`,
      );
      return;
    }
    this.#tokenProblems.delete(account.id);
    if (!baseURL) return;
    this.#tokens.set(account.id, token.value);
    const connection = new AccountConnection({
      baseURL,
      token: token.value,
      place: this.#placeOf(account),
      log: this.log,
      ...this.options.connection,
    });
    connection.on('change', () => {
      this.#observeForAlerts(account.id);
      this.#schedulePublish();
    });
    connection.on('live', () => this.#requestSync(account.id));
    connection.on('generation', (generation) => {
      this.#requestSync(account.id);
      this.#emitAlerts(
        this.alerts.observeGeneration(account.id, this.#alertLabel(account.id), generation, connection.state.catalog),
      );
    });
    this.#connections.set(account.id, connection);
    connection.start();
  }

  #disconnect(accountId: string): void {
    const connection = this.#connections.get(accountId);
    if (connection) {
      connection.removeAllListeners();
      connection.stop();
      this.#connections.delete(accountId);
    }
    this.#tokens.delete(accountId);
    const timer = this.#alertTimers.get(accountId);
    if (timer) clearTimeout(timer);
    this.#alertTimers.delete(accountId);
  }

  #requestSync(accountId: string): void {
    // The history also reports a failed sync through its sync state; a history that is not open has nothing to sync into.
    const failed = (error: unknown) => this.log.warn('sync-request', error, `A sync of ${accountId} could not start`);
    try {
      void Promise.resolve(this.history.requestSync(accountId)).catch(failed);
    } catch (error) {
      failed(error);
    }
  }

  #syncState(accountId: string): HostSnapshot['accounts'][number]['sync'] {
    try {
      const state = this.history.syncState(accountId);
      if (!state?.error) return state;
      const account = this.settings.accounts().find((a) => a.id === accountId);
      return { ...state, error: plainFailure(withoutURLs(state.error), this.#placeOf(account)).text };
    } catch (error) {
      // The history is not open (its problem is shown on its own): no sync state to show.
      this.log.debug('sync-state', error, `No sync state for ${accountId}`);
      return null;
    }
  }

  #catalogFor(selectedAccountId: string | null): Catalog | null {
    const selected = selectedAccountId ? this.#connections.get(selectedAccountId)?.state.catalog : null;
    if (selected) return selected;
    for (const connection of this.#connections.values()) if (connection.state.catalog) return connection.state.catalog;
    return this.#lastKnown.anyCatalog();
  }

  // ---- alerts --------------------------------------------------------------------------------------------------

  #observeForAlerts(accountId: string): void {
    const connection = this.#connections.get(accountId);
    if (!connection || this.#stopped) return;
    const state = connection.state;
    const backendNow = backendTime(state.balance, state.balanceReceivedAt);
    this.#emitAlerts(
      this.alerts.observeAccount({
        accountId,
        label: this.#alertLabel(accountId),
        me: state.me,
        balance: state.balance,
        catalog: state.catalog,
        backendNow,
      }),
    );
    // A window entering its last hour, or ending, comes with no event: look again then.
    const previous = this.#alertTimers.get(accountId);
    if (previous) clearTimeout(previous);
    this.#alertTimers.delete(accountId);
    const next = this.alerts.nextCheckAt(state.balance, backendNow);
    if (next) {
      const delay = Math.min(MAX_TIMER_MS, Math.max(0, next.getTime() - backendNow.getTime()) + 50);
      const timer = setTimeout(() => this.#observeForAlerts(accountId), delay);
      timer.unref();
      this.#alertTimers.set(accountId, timer);
    }
  }

  #alertLabel(accountId: string): string | null {
    const accounts = this.settings.accounts();
    const account = accounts.find((a) => a.id === accountId);
    return accounts.length < 2 || !account ? null : this.#labelOf(account);
  }

  #labelOf(account: StoredAccount): string {
    return account.customLabel ? account.label : (this.#connections.get(account.id)?.state.me?.name ?? account.label);
  }

  #emitAlerts(alerts: Alert[]): void {
    for (const alert of alerts) this.emit('alert', alert);
  }

  // ---- publishing ----------------------------------------------------------------------------------------------

  /** Every history method, answered by the HistoryService, or "unavailable" where it has none yet. */
  #historyHandlers(): HistoryHandlers {
    const handlers: Record<string, (input: unknown) => Promise<unknown>> = {};
    for (const name of Object.keys(historyMethods) as Array<keyof HistoryHandlers>) {
      handlers[name] = async (input) => {
        const handler = (
          this.history.handlers as Partial<Record<keyof HistoryHandlers, (input: unknown) => Promise<unknown>>>
        )[name];
        if (typeof handler !== 'function') {
          throw new BridgeFailure(
            'unavailable',
            `The offline history cannot answer ${name} yet${this.#historyProblem ? ` (${this.#historyProblem})` : ''}`,
          );
        }
        return handler.call(this.history.handlers, input);
      };
    }
    return handlers as unknown as HistoryHandlers;
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
    for (const [accountId, connection] of this.#connections) {
      const { me, balance, catalog, connection: link } = connection.state;
      if (balance && link.dataAsOf)
        this.#lastKnown.remember(accountId, { me, balance, catalog: catalog ?? null, dataAsOf: link.dataAsOf });
    }
    this.emit('snapshot', snapshot);
    return snapshot;
  }
}

/** The backend's time now, from its last balance (its clock may be a test clock that differs from this computer's). */
function backendTime(balance: Balance | null, receivedAt: number | null): Date {
  if (!balance || receivedAt === null) return new Date();
  return new Date(Date.parse(balance.asOf) + (Date.now() - receivedAt));
}

const EXTENSIONS: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'video/mp4': '.mp4',
  'video/webm': '.webm',
  'audio/wav': '.wav',
  'audio/x-wav': '.wav',
  'audio/mpeg': '.mp3',
  'audio/ogg': '.ogg',
};

function extensionOf(mime: string): string {
  return EXTENSIONS[mime.split(';')[0]!.trim().toLowerCase()] ?? '';
}
