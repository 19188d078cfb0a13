/**
 * Web mode: `window.companion` over the loopback web server instead of Electron IPC (docs/ARCHITECTURE.md, "web mode").
 *
 * Protocol, shared with the server in electron/web:
 * - the page is opened at `http://127.0.0.1:<port>/#secret=<secret>`; the secret is kept in sessionStorage under
 *   `companion-secret` so a reload keeps working, and taken out of the address bar;
 * - a method call is `POST /bridge/<method>` with `x-companion-secret: <secret>` and the input as a JSON body; the answer
 *   body is a BridgeResult;
 * - pushed events arrive on `GET /bridge/events?secret=<secret>` (Server-Sent Events), `event: <name>`, `data: <JSON>`;
 *   every event named in the shared list (`snapshot`, `alert`, ...) is passed on, checked against its schema;
 * - cached outputs load from `GET /media/<accountId>/<outputId>/<thumb|full>?secret=<secret>` (an <img> or <video>
 *   cannot send a header, so the secret is a query parameter there too).
 */
import { z } from 'zod';
import {
  BridgeError,
  bridgeEventNames,
  bridgeEvents,
  bridgeMethodNames,
  bridgeMethods,
  type BridgeEvent,
  type BridgeEventName,
  type BridgeInput,
  type BridgeMethodName,
  type BridgeOutput,
  type BridgeResult,
  type CompanionBridge,
  mediaPath,
} from '../../../shared/bridge.js';

export const SECRET_STORAGE_KEY = 'companion-secret';
/** In localStorage: this browser has opened the app with a secret before (so an address without one is a bookmark). */
export const OPENED_STORAGE_KEY = 'companion-opened-before';
export const SECRET_HEADER = 'x-companion-secret';

/** What the shim needs from the browser, passed in so that it can run against fakes. */
export type WebIo = {
  fetch: typeof fetch;
  EventSource: typeof EventSource;
};

const Envelope = z.union([
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: BridgeError }),
]);

function failure(
  code: BridgeError['code'],
  message: string,
  apiCode?: SecretProblem,
): { ok: false; error: BridgeError } {
  return { ok: false, error: apiCode ? { code, message, apiCode } : { code, message } };
}

/** Why the page cannot use the bridge, as `apiCode` of its error (BridgeUnavailable words its heading after it). */
export type SecretProblem = 'no_secret' | 'address_without_secret' | 'stale_secret';

/**
 * The secret from `#secret=…` (remembered in sessionStorage, and removed from the address bar so it is not left in
 * screenshots, bookmarks or the history), or the one remembered from an earlier load of this tab.
 */
export function takeSecret(location: Location, history: History, storage: Storage, lasting?: Storage): string | null {
  const params = new URLSearchParams(location.hash.replace(/^#/, ''));
  const fromHash = params.get('secret');
  if (fromHash) {
    try {
      storage.setItem(SECRET_STORAGE_KEY, fromHash);
      lasting?.setItem(OPENED_STORAGE_KEY, '1');
    } catch {
      // Storage can be disabled; the secret still works for this page load.
    }
    params.delete('secret');
    const rest = params.toString();
    history.replaceState(history.state, '', `${location.pathname}${location.search}${rest ? `#${rest}` : ''}`);
    return fromHash;
  }
  try {
    return storage.getItem(SECRET_STORAGE_KEY);
  } catch {
    return null;
  }
}

/** Whether this browser opened the app with a secret before. */
export function openedBefore(lasting: Storage): boolean {
  try {
    return lasting.getItem(OPENED_STORAGE_KEY) === '1';
  } catch {
    return false;
  }
}

const NO_SECRET_MESSAGE =
  'This page was opened without its access secret. Open the full address printed by “npm run web” (it ends in #secret=…).';
const ADDRESS_WITHOUT_SECRET_MESSAGE =
  'This address has no access secret: a bookmark or a copied address keeps only its first part. Open the full address printed by “npm run web” this time (it ends in #secret=…).';
const STALE_SECRET_MESSAGE =
  'This address’s access secret is from an earlier launch of Creator Companion: each launch of “npm run web” makes a new one. Open the new address it printed (it ends in #secret=…).';

/**
 * A CompanionBridge that talks to the web-mode server. `secret` null: every call answers `unavailable`, saying whether
 * the address lost its secret (`openedBefore`: this browser had one before) or never had one.
 */
export function createWebBridge(
  secret: string | null,
  io: WebIo,
  options: { openedBefore?: boolean } = {},
): CompanionBridge {
  async function call<M extends BridgeMethodName>(
    method: M,
    input: BridgeInput<M>,
  ): Promise<BridgeResult<BridgeOutput<M>>> {
    if (secret === null) {
      return options.openedBefore
        ? failure('unavailable', ADDRESS_WITHOUT_SECRET_MESSAGE, 'address_without_secret')
        : failure('unavailable', NO_SECRET_MESSAGE, 'no_secret');
    }
    let response: Response;
    try {
      response = await io.fetch(`/bridge/${method}`, {
        method: 'POST',
        headers: { [SECRET_HEADER]: secret, 'content-type': 'application/json' },
        body: JSON.stringify(input ?? {}),
      });
    } catch {
      return failure('unavailable', 'Cannot reach the Creator Companion web server. Is it still running?');
    }
    const envelope = Envelope.safeParse(await response.json().catch(() => undefined));
    if (!envelope.success) {
      // 401: the secret is not this launch's (a bookmark, or a tab kept open across a restart of `npm run web`).
      if (response.status === 401) return failure('unavailable', STALE_SECRET_MESSAGE, 'stale_secret');
      if (response.status === 403) {
        return failure(
          'unavailable',
          'The web server refused this page’s access secret. Open the address it printed again.',
        );
      }
      return failure(
        'internal_error',
        `The web server answered ${method} with HTTP ${response.status} and no bridge result.`,
      );
    }
    if (!envelope.data.ok) return envelope.data;
    const output = bridgeMethods[method].output.safeParse(envelope.data.value);
    if (!output.success) {
      return failure(
        'internal_error',
        `The answer to ${method} does not match the bridge contract: ${z.prettifyError(output.error)}`,
      );
    }
    return { ok: true, value: output.data as BridgeOutput<M> };
  }

  type Listener = (payload: unknown) => void;
  const listeners = new Map<BridgeEventName, Set<Listener>>();
  let source: EventSource | null = null;
  let hasOpened = false;

  function dispatch(event: BridgeEventName, payload: unknown): void {
    for (const listener of listeners.get(event) ?? []) listener(payload);
  }

  function receive(event: BridgeEventName, data: string): void {
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      console.warn(`companion: dropped a ${event} event that is not JSON`);
      return;
    }
    const parsed = bridgeEvents[event].safeParse(json);
    if (!parsed.success) {
      console.warn(
        `companion: dropped a ${event} event that does not match the bridge contract`,
        z.prettifyError(parsed.error),
      );
      return;
    }
    dispatch(event, parsed.data);
  }

  /** Events pushed while the stream was down are lost: after a reconnect, ask for the current state once. */
  async function resyncAfterReconnect(): Promise<void> {
    const snapshot = await call('getSnapshot', {});
    if (snapshot.ok) dispatch('snapshot', snapshot.value);
  }

  function openStream(): void {
    if (source !== null || secret === null) return;
    const stream = new io.EventSource(`/bridge/events?secret=${encodeURIComponent(secret)}`);
    for (const event of bridgeEventNames) {
      stream.addEventListener(event, (message) => receive(event, (message as MessageEvent<string>).data));
    }
    stream.addEventListener('open', () => {
      if (hasOpened) void resyncAfterReconnect();
      hasOpened = true;
    });
    source = stream;
  }

  function closeStreamIfUnused(): void {
    if ([...listeners.values()].some((set) => set.size > 0)) return;
    source?.close();
    source = null;
    hasOpened = false;
  }

  function on<E extends BridgeEventName>(event: E, listener: (payload: BridgeEvent<E>) => void): () => void {
    const wrapped: Listener = (payload) => listener(payload as BridgeEvent<E>);
    let set = listeners.get(event);
    if (set === undefined) {
      set = new Set();
      listeners.set(event, set);
    }
    set.add(wrapped);
    openStream();
    return () => {
      listeners.get(event)?.delete(wrapped);
      closeStreamIfUnused();
    };
  }

  // One method per name in the shared list, so a method added there is callable here with no change. The cast is the
  // mapped type that TypeScript cannot build from Object.fromEntries.
  const methods = Object.fromEntries(
    bridgeMethodNames.map((method) => [method, (input: BridgeInput<typeof method>) => call(method, input)]),
  ) as unknown as Omit<CompanionBridge, 'on' | 'mediaURL'>;

  function mediaURL(accountId: string, outputId: string, variant: 'thumb' | 'full'): string {
    const path = `/media/${mediaPath(accountId, outputId, variant)}`;
    return secret === null ? path : `${path}?secret=${encodeURIComponent(secret)}`;
  }

  return { ...methods, on, mediaURL };
}

/** Defines `window.companion` in a browser. In Electron the preload has defined it already and this does nothing. */
export function installWebBridge(): void {
  if ('companion' in window && window.companion !== undefined) return;
  const secret = takeSecret(window.location, window.history, window.sessionStorage, window.localStorage);
  window.companion = createWebBridge(
    secret,
    { fetch: window.fetch.bind(window), EventSource: window.EventSource },
    { openedBefore: openedBefore(window.localStorage) },
  );
}
