/**
 * The account event log behind /v1/events: every event is stored with a monotonic id before it is pushed, so a
 * client that reconnects with Last-Event-ID receives exactly what it missed.
 */
import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { ServerEvent } from '../../shared/api.js';
import type { Clock } from '../clock.js';
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

export class EventLog {
  readonly #bus = new EventEmitter();
  /** Events published since the last write, stored together on the next turn of the event loop. */
  #pending: Pending[] = [];

  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
  ) {
    this.#bus.setMaxListeners(0);
  }

  /**
   * Stores an event and pushes it to the account's listeners; resolves once it is stored. Events published in the same
   * turn of the event loop (the many requests of a busy backend) are stored by one statement, in one commit: a charge
   * over HTTP publishes four, and each used to be a commit of its own.
   */
  publish(accountId: string, event: ServerEvent): Promise<StoredEvent> {
    return new Promise((resolve, reject) => {
      this.#pending.push({ accountId, event, at: this.clock.now().toISOString(), resolve, reject });
      if (this.#pending.length === 1) setImmediate(() => void this.#write());
    });
  }

  async #write(): Promise<void> {
    const pending = this.#pending;
    this.#pending = [];
    // At most WRITE_ROWS rows a statement: the databases bound the parameters of one statement.
    for (let start = 0; start < pending.length; start += WRITE_ROWS) {
      const batch = pending.slice(start, start + WRITE_ROWS);
      let ids: number[];
      try {
        const rows = await this.db
          .insertInto('events')
          .values(batch.map((p) => ({ account_id: p.accountId, type: p.event.type, data: JSON.stringify(p.event.data), at: p.at })))
          .returning('id')
          .execute();
        // One statement numbers its rows in the order given, but may return them in any order: ascending ids match it.
        ids = rows.map((r) => Number(r.id)).sort((a, b) => a - b);
      } catch (error) {
        for (const p of batch) p.reject(error);
        continue;
      }
      batch.forEach((p, i) => {
        const stored: StoredEvent = { id: ids[i]!, type: p.event.type, data: p.event.data };
        this.#bus.emit(p.accountId, stored);
        p.resolve(stored);
      });
    }
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
