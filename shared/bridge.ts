/**
 * The bridge between the renderer and the host (Electron main, or the web-mode server): the one list of methods and
 * pushed events, with zod schemas for both directions. The preload and the web shim expose exactly these names; the
 * host validates every payload against them. Errors cross as data (BridgeResult), never as thrown exceptions.
 */
import { z } from 'zod';
import { Balance, Catalog, Me, isoTime } from './api.js';

export const Theme = z.enum(['system', 'light', 'dark']);
export type Theme = z.infer<typeof Theme>;

export const ConnectionState = z.object({
  /** live: the event stream is open; connecting: first attempt; offline: the backend cannot be reached. */
  state: z.enum(['connecting', 'live', 'offline']),
  since: isoTime,
  /** When the shown data was last confirmed by the backend; null before the first answer. */
  dataAsOf: isoTime.nullable(),
  error: z.string().nullable(),
  nextRetryAt: isoTime.nullable(),
});
export type ConnectionState = z.infer<typeof ConnectionState>;

export const AccountView = z.object({
  id: z.string(),
  label: z.string(),
  backend: z.object({ kind: z.enum(['embedded', 'remote']), label: z.string() }),
  connection: ConnectionState,
  me: Me.nullable(),
  balance: Balance.nullable(),
});
export type AccountView = z.infer<typeof AccountView>;

export const EmbeddedState = z.object({
  state: z.enum(['off', 'starting', 'running', 'failed']),
  error: z.string().nullable(),
});

export const HostSnapshot = z.object({
  accounts: z.array(AccountView),
  selectedAccountId: z.string().nullable(),
  catalog: Catalog.nullable(),
  embedded: EmbeddedState,
  settings: z.object({ theme: Theme }),
  /** False where the platform stores secrets without encryption; the UI warns about it. */
  secretsEncrypted: z.boolean(),
});
export type HostSnapshot = z.infer<typeof HostSnapshot>;

export const BridgeErrorCode = z.enum(['invalid_request', 'not_found', 'unavailable', 'backend_error', 'internal_error']);
export const BridgeError = z.object({ code: BridgeErrorCode, message: z.string(), apiCode: z.string().optional() });
export type BridgeError = z.infer<typeof BridgeError>;

export type BridgeResult<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

/** Every method the renderer may call: input and output schemas. */
export const bridgeMethods = {
  getSnapshot: { input: z.object({}).strict(), output: HostSnapshot },
  selectAccount: { input: z.object({ accountId: z.string().min(1).max(200) }).strict(), output: HostSnapshot },
  setTheme: { input: z.object({ theme: Theme }).strict(), output: HostSnapshot },
  reconnect: { input: z.object({ accountId: z.string().min(1).max(200) }).strict(), output: HostSnapshot },
} as const;

/** Every event the host pushes to the renderer. */
export const bridgeEvents = {
  snapshot: HostSnapshot,
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
};

/** The host side: plain async functions, one per method, given already-validated input. */
export type BridgeHandlers = {
  [M in BridgeMethodName]: (input: z.infer<(typeof bridgeMethods)[M]['input']>) => Promise<BridgeOutput<M>>;
};

/** IPC channel names, derived from the method list so preload and main cannot drift apart. */
export const ipcChannel = (method: BridgeMethodName) => `companion:${method}`;
export const ipcEventChannel = (event: BridgeEventName) => `companion-event:${event}`;
