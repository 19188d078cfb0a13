/**
 * The account event log behind /v1/events: every event is stored with a monotonic id before it is pushed, so a
 * client that reconnects with Last-Event-ID receives exactly what it missed.
 */
import { EventEmitter } from 'node:events';
import type { Kysely } from 'kysely';
import type { ServerEvent } from '../shared/api.js';
import type { Clock } from './clock.js';
import type { DB } from './db/schema.js';

export interface StoredEvent {
  id: number;
  type: ServerEvent['type'];
  data: unknown;
}

export class EventLog {
  readonly #bus = new EventEmitter();

  constructor(
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
  ) {
    this.#bus.setMaxListeners(0);
  }

  async publish(accountId: string, event: ServerEvent): Promise<StoredEvent> {
    const row = await this.db
      .insertInto('events')
      .values({ account_id: accountId, type: event.type, data: JSON.stringify(event.data), at: this.clock.now().toISOString() })
      .returning('id')
      .executeTakeFirstOrThrow();
    const stored: StoredEvent = { id: Number(row.id), type: event.type, data: event.data };
    this.#bus.emit(accountId, stored);
    return stored;
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
