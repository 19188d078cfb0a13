/**
 * One account's live link to its backend: a typed client plus one SSE connection to /v1/events, reconnecting with
 * exponential backoff and Last-Event-ID, and a watchdog for connections that go silent. It keeps the account's last
 * known state and marks it offline (with the age of the data) while the backend cannot be reached.
 */
import { EventEmitter } from 'node:events';
import { Balance, Me } from '../../shared/api.js';
import type { ConnectionState } from '../../shared/bridge.js';
import { createCompanionClient, type CompanionClient } from '../../shared/client.js';
import { readEventStream } from './event-stream.js';

export interface AccountConnectionOptions {
  baseURL: string;
  token: string;
  /** Backoff between reconnects: starts at minDelayMs, doubles, capped at maxDelayMs (with +-20 % jitter). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** No byte (events or heartbeats) for this long means the connection is dead. */
  silenceTimeoutMs?: number;
}

export interface AccountLiveState {
  connection: ConnectionState;
  me: Me | null;
  balance: Balance | null;
}

export class AccountConnection extends EventEmitter<{ change: [AccountLiveState] }> {
  readonly client: CompanionClient;
  #state: AccountLiveState;
  #lastEventId: string | null = null;
  #abort: AbortController | null = null;
  #stopped = false;
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #wake: (() => void) | null = null;
  readonly #options: Required<AccountConnectionOptions>;

  constructor(options: AccountConnectionOptions) {
    super();
    this.#options = { minDelayMs: 250, maxDelayMs: 10_000, silenceTimeoutMs: 45_000, ...options };
    this.client = createCompanionClient({ baseURL: options.baseURL, token: options.token, retries: 0, timeoutMs: 10_000 });
    this.#state = {
      connection: { state: 'connecting', since: new Date().toISOString(), dataAsOf: null, error: null, nextRetryAt: null },
      me: null,
      balance: null,
    };
  }

  get state(): AccountLiveState {
    return this.#state;
  }

  start(): void {
    void this.#run();
  }

  /** Skips the wait before the next reconnect attempt. */
  reconnectNow(): void {
    this.#attempt = 0;
    this.#wake?.();
  }

  stop(): void {
    this.#stopped = true;
    this.#abort?.abort();
    this.#wake?.();
  }

  #update(patch: Partial<AccountLiveState>, connection?: Partial<ConnectionState>): void {
    const next = { ...this.#state, ...patch };
    if (connection) {
      const stateChanged = connection.state && connection.state !== this.#state.connection.state;
      next.connection = {
        ...this.#state.connection,
        ...connection,
        since: stateChanged ? new Date().toISOString() : this.#state.connection.since,
      };
    }
    this.#state = next;
    this.emit('change', next);
  }

  async #run(): Promise<void> {
    while (!this.#stopped) {
      try {
        await this.#connectOnce();
      } catch (error) {
        if (this.#stopped) break;
        const delay = this.#nextDelay();
        this.#update({}, {
          state: 'offline',
          error: (error as Error).message,
          nextRetryAt: new Date(Date.now() + delay).toISOString(),
        });
        await this.#sleep(delay);
      }
    }
  }

  async #connectOnce(): Promise<never> {
    this.#abort = new AbortController();
    const abort = this.#abort;
    const me = await this.client.me();
    this.#update({ me });
    let watchdog: NodeJS.Timeout | null = null;
    const feedWatchdog = () => {
      if (watchdog) clearTimeout(watchdog);
      watchdog = setTimeout(() => abort.abort(new Error('the event stream went silent')), this.#options.silenceTimeoutMs);
    };
    try {
      return await readEventStream({
        url: `${this.client.baseURL.replace(/\/+$/, '')}/v1/events`,
        token: this.#options.token,
        lastEventId: this.#lastEventId,
        signal: abort.signal,
        onOpen: () => {
          this.#attempt = 0;
          feedWatchdog();
          this.#update({}, { state: 'live', error: null, nextRetryAt: null, dataAsOf: new Date().toISOString() });
        },
        onActivity: feedWatchdog,
        onEvent: (event) => {
          if (event.id) this.#lastEventId = event.id;
          this.#applyEvent(event.event ?? 'message', event.data);
        },
      });
    } finally {
      if (watchdog) clearTimeout(watchdog);
    }
  }

  #applyEvent(type: string, data: string): void {
    const now = new Date().toISOString();
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch {
      return;
    }
    if (type === 'balance') {
      const balance = Balance.safeParse(payload);
      if (balance.success) this.#update({ balance: balance.data }, { dataAsOf: now });
    } else if (type === 'account') {
      const me = Me.safeParse(payload);
      if (me.success) this.#update({ me: me.data }, { dataAsOf: now });
    } else {
      this.#update({}, { dataAsOf: now });
    }
  }

  #nextDelay(): number {
    const base = Math.min(this.#options.maxDelayMs, this.#options.minDelayMs * 2 ** this.#attempt);
    this.#attempt += 1;
    return Math.round(base * (0.8 + Math.random() * 0.4));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      this.#retryTimer = setTimeout(resolve, ms);
      this.#wake = () => {
        if (this.#retryTimer) clearTimeout(this.#retryTimer);
        resolve();
      };
    });
  }
}
