/**
 * One account's live link to its backend: a typed client plus one SSE connection to /v1/events, reconnecting with
 * exponential backoff and Last-Event-ID, and a watchdog for connections that go silent. It keeps the account's last
 * known state (account, balance, queues, the generations of this session) and marks it offline (with the age of the
 * data) while the backend cannot be reached. Every event is parsed with the shared schemas; one that does not match
 * the contract is ignored.
 */
import { EventEmitter } from 'node:events';
import {
  ServerEvent,
  type Balance,
  type Catalog,
  type Generation,
  type Me,
  type QueueStatus,
} from '../../shared/api.js';
import type { ConnectionState } from '../../shared/bridge.js';
import { createCompanionClient, type CompanionClient } from '../../shared/client.js';
import { withoutURLs } from './bridge-dispatch.js';
import { plainFailure } from './display-text.js';
import { readEventStream } from './event-stream.js';
import { silentHostLog, type HostLog } from './host-log.js';

export interface AccountConnectionOptions {
  baseURL: string;
  token: string;
  /** Backoff between reconnects: starts at minDelayMs, doubles, capped at maxDelayMs (with +-20 % jitter). */
  minDelayMs?: number;
  maxDelayMs?: number;
  /** No byte (events or heartbeats) for this long means the connection is dead. */
  silenceTimeoutMs?: number;
  /** How messages name this backend: "the built-in backend", "the backend at example.com". */
  place?: string;
  /** Where survived failures go (an event that cannot be read); counted, written nowhere when absent. */
  log?: HostLog;
}

export interface AccountLiveState {
  connection: ConnectionState;
  me: Me | null;
  balance: Balance | null;
  /** This computer's time (epoch ms) when `balance` arrived: with `balance.asOf` it tells the backend's time now. */
  balanceReceivedAt: number | null;
  queue: QueueStatus | null;
  /** Queued and running generations, and those that changed since the app started; newest first, at most 50. */
  recentGenerations: Generation[];
  /** The backend's catalog (plans, models, the daily free credits), fetched once. */
  catalog: Catalog | null;
}

export const RECENT_GENERATIONS_LIMIT = 50;
const ACTIVE: ReadonlySet<Generation['status']> = new Set(['queued', 'running']);

export class AccountConnection extends EventEmitter<{
  change: [AccountLiveState];
  live: [];
  generation: [Generation];
}> {
  readonly client: CompanionClient;
  #state: AccountLiveState;
  #lastEventId: string | null = null;
  #abort: AbortController | null = null;
  #stopped = false;
  #attempt = 0;
  #retryTimer: NodeJS.Timeout | null = null;
  #wake: (() => void) | null = null;
  /** Counts `queue` events, so a fetched queue older than an event is not applied over it. */
  #queueVersion = 0;
  /** A GET /v1/queue in flight, and whether another was asked for meanwhile (reads are coalesced, one at a time). */
  #queueRead: Promise<void> | null = null;
  #queueReadAgain = false;
  #queueReadFailures = 0;
  readonly #options: Required<Omit<AccountConnectionOptions, 'log'>>;
  readonly #log: HostLog;

  constructor(options: AccountConnectionOptions) {
    super();
    this.#options = { minDelayMs: 250, maxDelayMs: 10_000, silenceTimeoutMs: 45_000, place: 'the backend', ...options };
    this.#log = options.log ?? silentHostLog();
    this.client = createCompanionClient({
      baseURL: options.baseURL,
      token: options.token,
      retries: 0,
      timeoutMs: 10_000,
    });
    this.#state = {
      connection: {
        state: 'connecting',
        since: new Date().toISOString(),
        dataAsOf: null,
        error: null,
        nextRetryAt: null,
      },
      me: null,
      balance: null,
      balanceReceivedAt: null,
      queue: null,
      recentGenerations: [],
      catalog: null,
    };
  }

  get state(): AccountLiveState {
    return this.#state;
  }

  /** How many GET /v1/queue reads after a finished generation failed. */
  get queueReadFailures(): number {
    return this.#queueReadFailures;
  }

  get stopped(): boolean {
    return this.#stopped;
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

  /** An answer of a call made through `client` (subscribe, top-up, create) that is newer than the last event. */
  applyMe(me: Me): void {
    this.#update({ me });
  }

  applyBalance(balance: Balance): void {
    this.#update({ balance, balanceReceivedAt: Date.now() });
  }

  applyGeneration(generation: Generation): void {
    if (this.#stopped) return;
    const queue = withoutFinished(this.#state.queue, generation);
    this.#update({ recentGenerations: mergeGeneration(this.#state.recentGenerations, generation), queue });
    this.emit('generation', generation);
    // The backend tells its queue only to accounts that still have work in it: the last job's end brings no queue
    // event. So the queue is read again, and the lanes (everyone's work) become the backend's figures, not a guess.
    if (!ACTIVE.has(generation.status) && this.#state.connection.state === 'live') this.refreshQueue();
  }

  /** Reads GET /v1/queue and applies it unless a `queue` event arrived meanwhile (the event is newer). */
  refreshQueue(): void {
    if (this.#stopped) return;
    if (this.#queueRead) {
      this.#queueReadAgain = true;
      return;
    }
    const version = this.#queueVersion;
    this.#queueRead = this.client
      .queue()
      .then((queue) => {
        if (version === this.#queueVersion) this.#update({ queue });
      })
      .catch((error: unknown) => {
        // The next event or reconnect reads it again; until then the queue on screen is the last one known.
        this.#queueReadFailures += 1;
        console.warn(
          `reading the queue failed (${this.#queueReadFailures} so far): ${withoutURLs((error as Error).message)}`,
        );
      })
      .finally(() => {
        this.#queueRead = null;
        if (this.#queueReadAgain) {
          this.#queueReadAgain = false;
          this.refreshQueue();
        }
      });
  }

  #update(patch: Partial<AccountLiveState>, connection?: Partial<ConnectionState>): void {
    if (this.#stopped) return;
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
        const failure = plainFailure(withoutURLs((error as Error).message), this.#options.place);
        this.#update(
          {},
          {
            state: 'offline',
            error: failure.text,
            detail: failure.detail,
            retrying: false,
            nextRetryAt: new Date(Date.now() + delay).toISOString(),
          },
        );
        await this.#sleep(delay);
        // The countdown on screen reached zero: say that the retry is under way, not a time in the past.
        if (!this.#stopped) this.#update({}, { retrying: true, nextRetryAt: null });
      }
    }
  }

  async #connectOnce(): Promise<never> {
    this.#abort = new AbortController();
    const abort = this.#abort;
    // The catalog comes before the stream: what the first balance means (plan allocations, daily credits) needs it.
    // Asked together with the account: one round trip less before the first balance.
    const [me, catalog] = await Promise.all([this.client.me(), this.#state.catalog ?? this.client.catalog()]);
    this.#update({ me, catalog });
    let watchdog: NodeJS.Timeout | null = null;
    const feedWatchdog = () => {
      if (watchdog) clearTimeout(watchdog);
      watchdog = setTimeout(
        () => abort.abort(new Error('the event stream went silent')),
        this.#options.silenceTimeoutMs,
      );
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
          this.#update(
            {},
            {
              state: 'live',
              error: null,
              detail: null,
              retrying: false,
              nextRetryAt: null,
              dataAsOf: new Date().toISOString(),
            },
          );
          this.emit('live');
          void this.#fetchQueueAndActive();
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

  /** Once per connection: the queues (GET /v1/queue) and the generations still waiting or running. */
  async #fetchQueueAndActive(): Promise<void> {
    const version = this.#queueVersion;
    // One after another: small answers, and no burst of parallel sockets held open by the keep-alive agent.
    const settle = <T>(promise: Promise<T>): Promise<PromiseSettledResult<T>> =>
      promise.then(
        (value) => ({ status: 'fulfilled' as const, value }),
        (reason: unknown) => ({ status: 'rejected' as const, reason }),
      );
    const queue = await settle(this.client.queue());
    const queued = await settle(this.client.listGenerations({ status: 'queued', limit: RECENT_GENERATIONS_LIMIT }));
    const running = await settle(this.client.listGenerations({ status: 'running', limit: RECENT_GENERATIONS_LIMIT }));
    const patch: Partial<AccountLiveState> = {};
    if (queue.status === 'fulfilled' && version === this.#queueVersion) patch.queue = queue.value;
    let recent = this.#state.recentGenerations;
    for (const page of [queued, running]) {
      if (page.status !== 'fulfilled') continue;
      // An event may already have told something newer about one of them: events win.
      for (const generation of page.value.items)
        if (!recent.some((g) => g.id === generation.id)) recent = mergeGeneration(recent, generation);
    }
    if (recent !== this.#state.recentGenerations) patch.recentGenerations = recent;
    if (Object.keys(patch).length > 0) this.#update(patch);
  }

  #applyEvent(type: string, data: string): void {
    const now = new Date().toISOString();
    let payload: unknown;
    try {
      payload = JSON.parse(data);
    } catch (error) {
      // One unreadable event is skipped: the next snapshot or reconnect brings the state again.
      this.#log.warn('event-unreadable', error, `An event "${type}" from ${this.#options.place} was not JSON`);
      return;
    }
    const parsed = ServerEvent.safeParse({ type, data: payload });
    if (!parsed.success) {
      this.#update({}, { dataAsOf: now });
      return;
    }
    const event = parsed.data;
    switch (event.type) {
      case 'balance':
        this.#update({ balance: event.data, balanceReceivedAt: Date.now() }, { dataAsOf: now });
        break;
      case 'account':
        this.#update({ me: event.data }, { dataAsOf: now });
        break;
      case 'queue':
        this.#queueVersion += 1;
        this.#update({ queue: event.data }, { dataAsOf: now });
        break;
      case 'generation':
        this.#update({}, { dataAsOf: now });
        this.applyGeneration(event.data);
        break;
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

/** The list with `generation` put in (replacing an older copy), newest first, at most RECENT_GENERATIONS_LIMIT. */
export function mergeGeneration(list: readonly Generation[], generation: Generation): Generation[] {
  // An answer can arrive after the events that followed it (a create answered after the run finished): keep the newer.
  const known = list.find((g) => g.id === generation.id);
  if (known && progress(known.status) > progress(generation.status)) return [...list];
  // A known one keeps its place; a new one goes first. The sort is stable, so equal times keep that order.
  const merged = known ? list.map((g) => (g.id === generation.id ? generation : g)) : [generation, ...list];
  merged.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : 0));
  if (merged.length <= RECENT_GENERATIONS_LIMIT) return merged;
  // Over the limit, finished ones go first: a generation still waiting or running stays visible.
  const active = merged.filter((g) => ACTIVE.has(g.status));
  const finished = merged
    .filter((g) => !ACTIVE.has(g.status))
    .slice(0, Math.max(0, RECENT_GENERATIONS_LIMIT - active.length));
  const kept = new Set([...active.slice(0, RECENT_GENERATIONS_LIMIT), ...finished]);
  return merged.filter((g) => kept.has(g));
}

function progress(status: Generation['status']): number {
  return status === 'queued' ? 0 : status === 'running' ? 1 : 2;
}

/**
 * A finished generation leaves the account's own queue at once, and its lane's figures count it no more: the read of
 * GET /v1/queue that follows confirms them (or corrects what other accounts changed meanwhile).
 */
export function withoutFinished(queue: QueueStatus | null, generation: Generation): QueueStatus | null {
  const left = queue?.mine.find((m) => m.generationId === generation.id);
  if (!queue || !left || ACTIVE.has(generation.status)) return queue;
  const figure = left.position === 0 ? 'running' : 'waiting';
  const less = <L extends QueueStatus['lanes'][keyof QueueStatus['lanes']]>(lane: L): L =>
    lane ? { ...lane, [figure]: Math.max(0, lane[figure] - 1) } : lane;
  return {
    lanes: { ...queue.lanes, [left.lane]: less(queue.lanes[left.lane]), system: less(queue.lanes.system) },
    mine: queue.mine.filter((m) => m.generationId !== generation.id),
  };
}
