/**
 * Events across backend instances on one PostgreSQL database. The `events` table is the truth; `LISTEN/NOTIFY` only
 * wakes each instance's listener, which then reads every event after its cursor, in id order, and hands each to the
 * instance's own subscribers. An instance's own events come back the same way (never pushed directly as well), so a
 * subscriber hears every event once, in id order, whichever instance stored it.
 *
 * Ids are a sequence, handed out when a row is inserted, not when it commits: two inserting transactions could commit
 * out of id order, and a listener that read `id > cursor` between those commits would move past the id that commits
 * later and never see it. So every event insert first takes one transaction-scoped advisory lock: the next insert gets
 * its id only after the previous one committed, ids commit in order, and whatever a reader sees is every event up to
 * the highest id it sees. Tracking gaps instead would need a rule for when a gap is a rollback (never filled) rather
 * than a commit still to come, and a lock costs one short wait per batch of events (an instance stores the events of
 * one turn of its event loop together).
 */
import { randomBytes } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import pg from 'pg';
import type { Logger } from '../log.js';
import type { DB } from './schema.js';

/** The advisory lock key event inserts take (the dispatch lock is 72_261). */
const EVENTS_LOCK = 72_262;
/** The channel a committed batch of events is announced on; the payload is the batch's highest id. */
export const EVENTS_CHANNEL = 'companion_events';
/** The application_name of every listener connection starts with this (pg_stat_activity shows it). */
export const LISTENER_APPLICATION = 'companion-events';
/** Events one read of the log returns, at most; a longer backlog is read page by page. */
const READ_PAGE = 1_000;
const RECONNECT_FIRST_MS = 100;
const RECONNECT_MOST_MS = 5_000;

export interface EventRow {
  account_id: string;
  type: string;
  data: string;
  at: string;
}

/** A row of the log as the listener reads it; `data` still JSON text (parsed only for an account someone hears). */
export interface LoggedEvent {
  id: number;
  accountId: string;
  type: string;
  data: string;
}

interface Waiter {
  id: number;
  resolve: () => void;
}

/**
 * Inserts events so that they commit in id order (see above) and announces them in the same transaction (PostgreSQL
 * delivers the notification when it commits); their ids, ascending.
 */
export async function insertInCommitOrder(db: Kysely<DB>, rows: EventRow[]): Promise<number[]> {
  return db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(${sql.lit(EVENTS_LOCK)})`.execute(trx);
    const inserted = await trx.insertInto('events').values(rows).returning('id').execute();
    const ids = inserted.map((r) => Number(r.id)).sort((a, b) => a - b);
    await sql`select pg_notify(${EVENTS_CHANNEL}, ${String(ids[ids.length - 1])})`.execute(trx);
    return ids;
  });
}

/**
 * One backend instance's listener: a dedicated connection (not from the pools, which a flood of requests can hold),
 * LISTENing on the channel. On each wake, and after every (re)connect, it reads the log after its cursor and delivers
 * each event; a lost connection is logged, reopened with backoff, and the events committed meanwhile are caught up
 * from the cursor.
 */
export class EventFanout {
  /** What pg_stat_activity calls this listener's connection: unique per instance, so an operator can tell them apart. */
  readonly applicationName = `${LISTENER_APPLICATION} ${process.pid}-${randomBytes(3).toString('hex')}`;
  #client: pg.Client | null = null;
  #connected = false;
  #stopped = false;
  #cursor = 0;
  #reading: Promise<void> | null = null;
  #readAgain = false;
  #reconnectMs = RECONNECT_FIRST_MS;
  #reconnectTimer: NodeJS.Timeout | null = null;
  /** Publishers waiting until their events were delivered here: the highest id each waits for. */
  #waiting: Waiter[] = [];

  constructor(
    private readonly options: {
      connectionString: string;
      /** The highest event id stored before this listener starts: delivery begins after it. */
      startAfter: () => Promise<number>;
      deliver: (event: LoggedEvent) => void;
      log: Logger;
    },
  ) {}

  /** Starts after the latest stored event and connects; a first connection that fails is retried like a lost one. */
  async start(): Promise<void> {
    this.#cursor = await this.options.startAfter();
    await this.#connect();
  }

  /**
   * Resolves once the event with this id was delivered here, or at once while the listener is not connected (it
   * catches up when it is again): a publisher then knows its own subscribers heard it, without waiting on an outage.
   */
  delivered(id: number): Promise<void> {
    if (!this.#connected || this.#cursor >= id) return Promise.resolve();
    return new Promise((resolve) => this.#waiting.push({ id, resolve }));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#reconnectTimer) clearTimeout(this.#reconnectTimer);
    this.#releaseWaiting(Infinity);
    const client = this.#client;
    this.#client = null;
    this.#connected = false;
    await this.#reading;
    await client
      ?.end()
      .catch((error: unknown) => this.options.log.survived('events', error, 'closing the event listener failed'));
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.options.connectionString,
      application_name: this.applicationName,
      keepAlive: true,
    });
    client.on('error', (error) => this.#lost(client, error));
    client.on('end', () => this.#lost(client, new Error('the connection ended')));
    client.on('notification', (message) => {
      if (message.channel === EVENTS_CHANNEL && Number(message.payload) > this.#cursor) this.#read();
    });
    this.#client = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    } catch (error) {
      this.#lost(client, error);
      return;
    }
    if (this.#client !== client) return;
    this.#connected = true;
    this.#reconnectMs = RECONNECT_FIRST_MS;
    // Whatever was committed while there was no listener.
    this.#read();
  }

  #lost(client: pg.Client, error: unknown): void {
    if (this.#stopped || this.#client !== client) return;
    this.#client = null;
    this.#connected = false;
    this.#releaseWaiting(Infinity);
    this.options.log.survived(
      'events',
      error,
      `the event listener lost its connection; it reconnects in ${this.#reconnectMs} ms and catches up from the log`,
    );
    client.removeAllListeners('notification');
    void client.end().catch(() => {});
    this.#reconnectTimer = setTimeout(() => {
      this.#reconnectTimer = null;
      void this.#connect();
    }, this.#reconnectMs);
    this.#reconnectMs = Math.min(RECONNECT_MOST_MS, this.#reconnectMs * 2);
  }

  /** Reads the log after the cursor; a wake during a read makes it read once more after. */
  #read(): void {
    if (this.#reading) {
      this.#readAgain = true;
      return;
    }
    this.#reading = this.#readAll().finally(() => {
      this.#reading = null;
      if (this.#readAgain && this.#connected) {
        this.#readAgain = false;
        this.#read();
      }
    });
  }

  async #readAll(): Promise<void> {
    const client = this.#client;
    if (!client) return;
    this.#readAgain = false;
    try {
      for (;;) {
        const { rows } = await client.query<{ id: number; account_id: string; type: string; data: string }>(
          'select id, account_id, type, data from events where id > $1 order by id limit $2',
          [this.#cursor, READ_PAGE],
        );
        for (const row of rows) {
          const id = Number(row.id);
          if (id <= this.#cursor) continue;
          this.#cursor = id;
          this.#deliver({ id, accountId: row.account_id, type: row.type, data: row.data });
        }
        this.#releaseWaiting(this.#cursor);
        if (rows.length < READ_PAGE) return;
      }
    } catch (error) {
      // The connection is most likely gone: treat it as lost, so the next one catches up from the cursor.
      this.#lost(client, error);
    }
  }

  /** A subscriber that throws loses its own event, not the listener nor the events after it. */
  #deliver(event: LoggedEvent): void {
    try {
      this.options.deliver(event);
    } catch (error) {
      this.options.log.survived('events', error, `a subscriber failed on event ${event.id}; the others still hear it`);
    }
  }

  #releaseWaiting(upTo: number): void {
    const still: Waiter[] = [];
    for (const waiter of this.#waiting) {
      if (waiter.id <= upTo) waiter.resolve();
      else still.push(waiter);
    }
    this.#waiting = still;
  }
}
