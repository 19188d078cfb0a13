/**
 * The bridge between the renderer and the host (Electron main, or the web-mode server): the one list of methods and
 * pushed events, with zod schemas for both directions. The preload and the web shim expose exactly these names; the
 * host validates every payload against them. Errors cross as data (BridgeResult), never as thrown exceptions.
 */
import { z } from 'zod';
import { AlertFact } from './alert-facts.js';
import {
  Appeal,
  Balance,
  Catalog,
  CostEstimate,
  CostEstimateRequest,
  Generation,
  GenerationRequest,
  GenerationSettings,
  GenerationStatus,
  Me,
  QueueStatus,
  ToolId,
  Usage,
  UsageQuery,
  Workspace,
  isoTime,
  timeZone,
} from './api.js';

/** One model's recent use by the account (E2): what the estimator starts from. */
export const RecentModelUse = z.object({
  modelId: z.string(),
  tool: ToolId,
  generations: z.number().int().nonnegative(),
  credits: z.number().int().nonnegative(),
  activeDays: z.number().int().nonnegative(),
  /** The same use split by the settings it ran with (outputs, quality, duration), most used first; without it the
   * estimator guesses the settings from the average cost. */
  bySettings: z
    .array(
      z.object({
        settings: GenerationSettings.pick({ outputs: true, quality: true, durationS: true }),
        generations: z.number().int().nonnegative(),
        credits: z.number().int().nonnegative(),
      }),
    )
    .optional(),
});
export type RecentModelUse = z.infer<typeof RecentModelUse>;

export const Theme = z.enum(['system', 'light', 'dark']);
export type Theme = z.infer<typeof Theme>;

export const ConnectionState = z.object({
  /** live: the event stream is open; connecting: first attempt; offline: the backend cannot be reached. */
  state: z.enum(['connecting', 'live', 'offline']),
  since: isoTime,
  /** When the shown data was last confirmed by the backend; null before the first answer. */
  dataAsOf: isoTime.nullable(),
  /** What is wrong, in plain words ("Can't reach the built-in backend: it isn't answering."). */
  error: z.string().nullable(),
  /** The technical cause behind `error` (e.g. "connect ECONNREFUSED"), for a secondary line; never the main message. */
  detail: z.string().nullable().optional(),
  nextRetryAt: isoTime.nullable(),
  /** True while an automatic retry is under way (its countdown reached zero). */
  retrying: z.boolean().optional(),
});
export type ConnectionState = z.infer<typeof ConnectionState>;

/** Offline history sync (H2) of one account. */
export const SyncState = z.object({
  state: z.enum(['idle', 'syncing', 'error']),
  /** First sync: items fetched so far, and the estimate of all; later syncs: the changes applied. */
  done: z.number().int().nonnegative(),
  total: z.number().int().nonnegative().nullable(),
  lastSyncedAt: isoTime.nullable(),
  error: z.string().nullable(),
  /** Workspace changes made offline and not yet sent. */
  pendingChanges: z.number().int().nonnegative(),
});
export type SyncState = z.infer<typeof SyncState>;

export const AccountView = z.object({
  id: z.string(),
  label: z.string(),
  backend: z.object({ kind: z.enum(['embedded', 'remote']), label: z.string() }),
  connection: ConnectionState,
  me: Me.nullable(),
  balance: Balance.nullable(),
  /** The queues as the account sees them (GET /v1/queue and `queue` events). */
  queue: QueueStatus.nullable(),
  /** Generations that are queued or running, and the ones finished in this session, newest first (live from events). */
  recentGenerations: z.array(Generation),
  sync: SyncState.nullable(),
});
export type AccountView = z.infer<typeof AccountView>;

export const EmbeddedState = z.object({
  /** restarting: its process ended unexpectedly and the host is starting it again (with backoff). */
  state: z.enum(['off', 'starting', 'running', 'restarting', 'failed']),
  error: z.string().nullable(),
  /** The restart attempt under way or next (1 = the first after a crash). */
  attempt: z.number().int().nonnegative().optional(),
  /** When the next restart attempt starts; null while one is running. */
  nextAttemptAt: isoTime.nullable().optional(),
  /** The last unexpected exit: when, how in plain words ("its process was killed"), and what it last wrote. */
  lastExit: z.object({ at: isoTime, words: z.string(), detail: z.string().nullable() }).nullable().optional(),
});

export const AlertThresholds = z.array(z.number().int().min(1).max(100)).max(10);

export const Settings = z.object({
  theme: Theme,
  /** Percent of a balance used at which an alert fires (C2-C4; defaults 75, 90, 100). */
  alertThresholds: AlertThresholds,
  alertsEnabled: z.boolean(),
  startAtLogin: z.boolean(),
  /** Electron: keep running in the tray when the window closes. */
  closeToTray: z.boolean(),
  /** The output cache's size limit in bytes (H2; default 2 GiB). */
  cacheLimitBytes: z.number().int().positive(),
  dataFolder: z.string(),
});
export type Settings = z.infer<typeof Settings>;

/** A file of the app's that could not be read and was set aside: what happened and what was kept, in plain words. */
export const FileNotice = z.object({ id: z.string(), message: z.string() });
export type FileNotice = z.infer<typeof FileNotice>;

export const HostSnapshot = z.object({
  accounts: z.array(AccountView),
  selectedAccountId: z.string().nullable(),
  catalog: Catalog.nullable(),
  embedded: EmbeddedState,
  settings: Settings,
  /** What the running shell can do: Electron has a tray and system notifications; web mode uses the browser's. */
  platform: z.object({ kind: z.enum(['electron', 'web']), tray: z.boolean(), startAtLogin: z.boolean() }),
  /** False where the platform stores secrets without encryption; the UI warns about it. */
  secretsEncrypted: z.boolean(),
  /** Damaged files found at start (set aside, never deleted), for a banner; absent or empty when all was well. */
  notices: z.array(FileNotice).optional(),
});
export type HostSnapshot = z.infer<typeof HostSnapshot>;

export const BridgeErrorCode = z.enum([
  'invalid_request',
  'not_found',
  'unavailable',
  'backend_error',
  'internal_error',
]);
/** `problem` carries the backend's problem+json (a refusal's shortfall and ways out, C7) when there is one. */
export const BridgeError = z.object({
  code: BridgeErrorCode,
  message: z.string(),
  apiCode: z.string().optional(),
  problem: z.record(z.string(), z.unknown()).optional(),
});
export type BridgeError = z.infer<typeof BridgeError>;

export type BridgeResult<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

// ---- history (H1, H2), kept by the host in its offline store ------------------------------------------------
export const HistoryQuery = z.object({
  accountId: z.string().min(1).max(200),
  q: z.string().max(500).optional(),
  tool: ToolId.optional(),
  modelId: z.string().max(200).optional(),
  status: GenerationStatus.optional(),
  from: isoTime.optional(),
  to: isoTime.optional(),
  workspaceId: z.string().max(200).optional(),
  offset: z.number().int().nonnegative().default(0),
  limit: z.number().int().min(1).max(500).default(100),
});
export type HistoryQuery = z.input<typeof HistoryQuery>;

export const CacheState = z.enum(['cached', 'missing', 'downloading']);
export const HistoryItem = Generation.extend({
  accountId: z.string(),
  /** Per output: whether its file is on this computer. */
  cache: z.record(z.string(), CacheState),
  pinned: z.boolean(),
});
export type HistoryItem = z.infer<typeof HistoryItem>;
export const HistoryPage = z.object({ items: z.array(HistoryItem), total: z.number().int().nonnegative() });
export type HistoryPage = z.infer<typeof HistoryPage>;

export const RefundAuditRow = z.object({
  generationId: z.string(),
  at: isoTime,
  modelId: z.string(),
  tool: ToolId,
  status: GenerationStatus,
  error: z.string().nullable(),
  charged: z.array(z.object({ balance: z.string(), amount: z.number().int() })),
  refunded: z.array(z.object({ balance: z.string(), amount: z.number().int() })),
});
export type RefundAuditRow = z.infer<typeof RefundAuditRow>;

export const OfflineRequest = z.union([
  z.object({ accountId: z.string().min(1).max(200), workspaceId: z.string().min(1).max(200) }).strict(),
  z
    .object({
      accountId: z.string().min(1).max(200),
      query: HistoryQuery.omit({ offset: true, limit: true, accountId: true }),
    })
    .strict(),
]);

const accountId = z.string().min(1).max(200);
const AccountOnly = z.object({ accountId }).strict();

/** Every method the renderer may call: input and output schemas. */
export const bridgeMethods = {
  getSnapshot: { input: z.object({}).strict(), output: HostSnapshot },
  selectAccount: { input: AccountOnly, output: HostSnapshot },
  setTheme: { input: z.object({ theme: Theme }).strict(), output: HostSnapshot },
  updateSettings: { input: Settings.omit({ dataFolder: true }).partial().strict(), output: HostSnapshot },
  reconnect: { input: AccountOnly, output: HostSnapshot },

  // Accounts: a backend URL and token, checked against /v1/me before it is kept; removing deletes secrets and cache.
  signIn: {
    input: z
      .object({ baseURL: z.url().max(500), token: z.string().min(8).max(500), label: z.string().max(100).optional() })
      .strict(),
    output: HostSnapshot,
  },
  removeAccount: { input: AccountOnly, output: HostSnapshot },

  // Generate (C6, C7, C9), plans and top-ups (the ways out of a refusal), fair use (U7).
  estimateCost: { input: z.object({ accountId, request: CostEstimateRequest }).strict(), output: CostEstimate },
  createGeneration: { input: z.object({ accountId, request: GenerationRequest }).strict(), output: Generation },
  enhancePrompt: {
    input: z.object({ accountId, prompt: z.string().min(1).max(4000), tool: ToolId.optional() }).strict(),
    output: z.object({ prompt: z.string() }),
  },
  cancelGeneration: {
    input: z.object({ accountId, generationId: z.string().min(1).max(200) }).strict(),
    output: Generation,
  },
  rerunGeneration: {
    input: z.object({ accountId, generationId: z.string().min(1).max(200) }).strict(),
    output: Generation,
  },
  subscribe: { input: z.object({ accountId, planId: z.string().min(1).max(200) }).strict(), output: HostSnapshot },
  cancelSubscription: { input: AccountOnly, output: HostSnapshot },
  buyTopup: {
    input: z.object({ accountId, credits: z.number().int().positive().max(1_000_000) }).strict(),
    output: HostSnapshot,
  },
  /** The account's time zone (A1): its midnights and anniversaries fall in the new zone from now on. */
  setTimeZone: { input: z.object({ accountId, timeZone }).strict(), output: HostSnapshot },
  appeal: { input: z.object({ accountId, message: z.string().trim().min(1).max(4000) }).strict(), output: Appeal },

  // Usage (C10) and pace: from the backend when online, from the offline store otherwise.
  getUsage: { input: UsageQuery.extend({ accountId }).strict(), output: Usage },
  refundAudit: {
    input: z.object({ accountId, from: isoTime.optional(), to: isoTime.optional() }).strict(),
    output: z.array(RefundAuditRow),
  },

  // Offline history (H1, H2).
  searchHistory: { input: HistoryQuery.strict(), output: HistoryPage },
  getHistoryItem: {
    input: z.object({ accountId, generationId: z.string().min(1).max(200) }).strict(),
    output: HistoryItem,
  },
  syncNow: { input: AccountOnly, output: HostSnapshot },
  setPinned: {
    input: z.object({ accountId, generationId: z.string().min(1).max(200), pinned: z.boolean() }).strict(),
    output: HistoryItem,
  },
  makeAvailableOffline: { input: OfflineRequest, output: z.object({ queued: z.number().int().nonnegative() }) },
  /** Saves an output to a file the user picks (Electron) or starts a browser download (web mode). */
  downloadOutput: {
    input: z.object({ accountId, outputId: z.string().min(1).max(200) }).strict(),
    output: z.object({ savedTo: z.string().nullable() }),
  },

  // Workspaces (H1): changes made offline are queued and sent when the network returns.
  listWorkspaces: { input: AccountOnly, output: z.array(Workspace) },
  createWorkspace: {
    input: z.object({ accountId, name: z.string().trim().min(1).max(200) }).strict(),
    output: Workspace,
  },
  renameWorkspace: {
    input: z
      .object({ accountId, workspaceId: z.string().min(1).max(200), name: z.string().trim().min(1).max(200) })
      .strict(),
    output: Workspace,
  },
  deleteWorkspace: {
    input: z.object({ accountId, workspaceId: z.string().min(1).max(200) }).strict(),
    output: z.object({ deleted: z.boolean() }),
  },
  addToWorkspace: {
    input: z
      .object({ accountId, workspaceId: z.string().min(1).max(200), generationId: z.string().min(1).max(200) })
      .strict(),
    output: Workspace,
  },
  removeFromWorkspace: {
    input: z
      .object({ accountId, workspaceId: z.string().min(1).max(200), generationId: z.string().min(1).max(200) })
      .strict(),
    output: Workspace,
  },

  // Estimator (E2): the user's own recent use per model, from the offline store.
  recentUseByModel: {
    input: z.object({ accountId, days: z.number().int().min(1).max(365) }).strict(),
    output: z.array(RecentModelUse),
  },
} as const;

export const Alert = z.object({
  /** Stable per occurrence (e.g. `threshold:acc_1:subscription:90:2026-11`), so the same alert never fires twice. */
  id: z.string(),
  accountId: z.string(),
  kind: z.enum([
    'threshold',
    'window-ending',
    'window-ended',
    'fast-limit',
    'generation-finished',
    'generation-failed',
    'fair-use',
  ]),
  title: z.string(),
  body: z.string(),
  at: isoTime,
  /** What the alert says is true; it leaves the screen once that stops holding. None: it stays until dismissed. */
  fact: AlertFact.optional(),
});
export type Alert = z.infer<typeof Alert>;

/** Every event the host pushes to the renderer. */
export const bridgeEvents = {
  snapshot: HostSnapshot,
  alert: Alert,
} as const;

export type BridgeMethodName = keyof typeof bridgeMethods;
export type BridgeEventName = keyof typeof bridgeEvents;
export type BridgeInput<M extends BridgeMethodName> = z.input<(typeof bridgeMethods)[M]['input']>;
export type BridgeOutput<M extends BridgeMethodName> = z.infer<(typeof bridgeMethods)[M]['output']>;
export type BridgeEvent<E extends BridgeEventName> = z.infer<(typeof bridgeEvents)[E]>;

export const bridgeMethodNames = Object.keys(bridgeMethods) as BridgeMethodName[];
export const bridgeEventNames = Object.keys(bridgeEvents) as BridgeEventName[];

/** What `window.companion` is, in Electron (preload) and in web mode (the shim). */
export type CompanionBridge = {
  [M in BridgeMethodName]: (input: BridgeInput<M>) => Promise<BridgeResult<BridgeOutput<M>>>;
} & {
  on<E extends BridgeEventName>(event: E, listener: (payload: BridgeEvent<E>) => void): () => void;
  /**
   * Where the renderer loads a cached output or its thumbnail from: a `companion-media://` URL in Electron, a
   * same-origin `/media/...` URL in web mode. The host serves the file from its cache (fetching it first if it can).
   */
  mediaURL(accountId: string, outputId: string, variant: 'thumb' | 'full'): string;
};

/** The media URL path, the same in both shells after the scheme: `<accountId>/<outputId>/<variant>`. */
export const mediaPath = (ofAccount: string, outputId: string, variant: 'thumb' | 'full') =>
  `${encodeURIComponent(ofAccount)}/${encodeURIComponent(outputId)}/${variant}`;

/** The host side: plain async functions, one per method, given already-validated input. */
export type BridgeHandlers = {
  [M in BridgeMethodName]: (input: z.infer<(typeof bridgeMethods)[M]['input']>) => Promise<BridgeOutput<M>>;
};

/** IPC channel names, derived from the method list so preload and main cannot drift apart. */
export const ipcChannel = (method: BridgeMethodName) => `companion:${method}`;
export const ipcEventChannel = (event: BridgeEventName) => `companion-event:${event}`;
