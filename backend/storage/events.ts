/**
 * The account event log behind /v1/events: every event is stored with a monotonic id before it is pushed, so a
 * client that reconnects with Last-Event-ID receives exactly what it missed.
 *
 * On SQLite one process owns the log and pushes each event to its subscribers as soon as it is stored. On PostgreSQL
 * several instances share it: each event reaches the subscribers of every instance, this one included, through that
 * instance's listener (storage/event-fanout.ts), which reads the log in id order.
 */
import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { ServerEvent } from '../../shared/api.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { Database } from './database.js';
import { EventFanout, insertInCommitOrder, type EventRow, type LoggedEvent } from './event-fanout.js';
import type { DB } from './schema.js';

export interface StoredEvent {
  id: number;
  type: ServerEvent['type'];
  data: unknown;
}

/** Events stored by one statement, at most. */
const WRITE_ROWS = 500;

interface Pending {
  accountId: string;
  event: ServerEvent;
  at: string;
  resolve: (stored: StoredEvent) => void;
  reject: (error: unknown) => void;
}

/** The event log of a backend on this database, its listener started when the log is shared (PostgreSQL). */
export async function openEventLog(database: Database, clock: Clock, log: Logger): Promise<EventLog> {
  if (database.engine !== 'postgres' || !database.url) return new EventLog(database.db, clock);
  const events = new EventLog(database.db, clock, { connectionString: database.url, log });
  await events.startListening();
  return events;
}

export class EventLog {
  readonly #bus = new EventEmitter();
  /** Events published since the last write, stored together on the next turn of the event loop. */
  #pending: Pending[] = [];
  /** The shared log's listener, which alone pushes events to this instance's subscribers; none on SQLite. */
  readonly #fanout: EventFanout | null;
  #writing: Promise<void> | null = null;

  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
    shared?: { connectionString: string; log: Logger },
  ) {
    this.#bus.setMaxListeners(0);
    this.#fanout = shared
      ? new EventFanout({
          connectionString: shared.connectionString,
          startAfter: () => this.#latestOfAll(),
          deliver: (event) => this.#deliver(event),
          log: shared.log,
        })
      : null;
  }

  /** What pg_stat_activity calls this instance's listener connection; undefined when the log is not shared. */
  get listenerName(): string | undefined {
    return this.#fanout?.applicationName;
  }

  async startListening(): Promise<void> {
    await this.#fanout?.start();
  }

  async close(): Promise<void> {
    await this.#fanout?.stop();
  }

  /**
   * Stores an event and pushes it to the account's listeners; resolves once it is stored (and, on a shared log, once
   * this instance's listener delivered it, unless that listener is reconnecting). Events published in the same
   * turn of the event loop (the many requests of a busy backend) are stored by one statement, in one commit: a charge
   * over HTTP publishes four, and each used to be a commit of its own.
   */
  publish(accountId: string, event: ServerEvent): Promise<StoredEvent> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ accountId, event, at: this.clock.now().toISOString(), resolve, reject });
      if (this.#pending.length === 1 && !this.#writing) this.#writeSoon();
    });
  }

  /**
   * On a shared log one write at a time: the inserts queue on one lock anyway, and the events published meanwhile are
   * stored together by the next write (in the order published) instead of each holding a pooled connection to wait.
   */
  #writeSoon(): void {
    setImmediate(() => {
      if (!this.#fanout) return void this.#write();
      this.#writing = this.#write().finally(() => {
        this.#writing = null;
        if (this.#pending.length > 0) this.#writeSoon();
      });
    });
  }

  async #write(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    // At most WRITE_ROWS rows a statement: the databases bound the parameters of one statement.
    for (let start = 0; start < pending.length; start += WRITE_ROWS) {
      const batch = pending.slice(start, start + WRITE_ROWS);
      const rows: EventRow[] = batch.map((p) => ({
        account_id: p.accountId,
        type: p.event.type,
        data: JSON.stringify(p.event.data),
        at: p.at,
      }));
      let ids: number[];
      try {
        ids = this.#fanout ? await insertInCommitOrder(this.db, rows) : await this.#insert(rows);
      } catch (error) {
        for (const p of batch) p.reject(error);
        continue;
      }
      const stored = batch.map((p, i): StoredEvent => ({ id: ids[i]!, type: p.event.type, data: p.event.data }));
      const resolve = () => batch.forEach((p, i) => p.resolve(stored[i]!));
      if (this.#fanout) {
        void this.#fanout.delivered(ids[ids.length - 1]!).then(resolve);
      } else {
        batch.forEach((p, i) => this.#bus.emit(p.accountId, stored[i]));
        resolve();
      }
    }
  }

  async #insert(rows: EventRow[]): Promise<number[]> {
    const inserted = await this.db.insertInto('events').values(rows).returning('id').execute();
    // One statement numbers its rows in the order given, but may return them in any order: ascending ids match it.
    return inserted.map((r) => Number(r.id)).sort((a, b) => a - b);
  }

  /** An event the shared log's listener read: parsed only when someone here listens to its account. */
  #deliver(event: LoggedEvent): void {
    if (this.#bus.listenerCount(event.accountId) === 0) return;
    this.#bus.emit(event.accountId, {
      id: event.id,
      type: event.type as StoredEvent['type'],
      data: JSON.parse(event.data),
    });
  }

  async #latestOfAll(): Promise<number> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('id').as('id'))
      .executeTakeFirst();
    return Number(row?.id ?? 0);
  }

  async since(accountId: string, lastId: number): Promise<StoredEvent[]> {
    const rows = await this.db
      .selectFrom('events')
      .select(['id', 'type', 'data'])
      .where('account_id', '=', accountId)
      .where('id', '>', lastId)
      .orderBy('id')
      .execute();
    return rows.map((r) => ({ id: Number(r.id), type: r.type as StoredEvent['type'], data: JSON.parse(r.data) }));
  }

  async latestId(accountId: string): Promise<number> {
    const row = await this.db
      .selectFrom('events')
      .select((eb) => eb.fn.max('id').as('id'))
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return Number(row?.id ?? 0);
  }

  subscribe(accountId: string, listener: (event: StoredEvent) => void): () => void {
    this.#bus.on(accountId, listener);
    return () => this.#bus.off(accountId, listener);
  }
}
