import { join } from 'node:path';
import { Kysely, PostgresDialect, type PostgresCursor, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import type { Logger } from '../log.js';
import type { Engine, StorageEngine } from './engine.js';
import { storageEngines } from './engines.js';
import { migrateToLatest } from './migrations.js';
import { PREPARED_MARK } from './prepared.js';
import { ownerOnlyDatabaseFiles, ownerOnlyFolder } from './private-files.js';
import type { DB } from './schema.js';
import { BackgroundCheckpointer, nodeSqliteDialect, openSqlite } from './sqlite-dialect.js';

export type { Engine } from './engine.js';

export interface Database {
  db: Kysely<DB>;
  /**
   * For the queue's workers (claims, finishes, heartbeats): on PostgreSQL a small pool of their own, so that a flood of
   * requests, which can hold every connection of the main pool, never keeps queued work from running. On SQLite the
   * same single connection as `db`.
   */
  workerDb: Kysely<DB>;
  engine: Engine;
  /** What differs between the engines, chosen here once (storage/engine.ts). */
  storage: StorageEngine;
  /** Connections open, in use and requests waiting for one, over every pool (SQLite: its one connection, in use). */
  connections(): { open: number; inUse: number; waiting: number };
  /** PostgreSQL's URL, for the one connection of its own the event listener keeps (storage/event-fanout.ts). */
  url?: string | undefined;
  close(): Promise<void>;
}

// PostgreSQL returns bigint columns as strings by default; amounts and ids here fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * How long a pooled connection may sit unused before it is closed. pg's default, 10 s, closed the connections a burst
 * had opened during the quieter load after it, and the next burst paid for new ones (a server process to start, every
 * named statement to prepare again), which stalled its charges (docs/PERFORMANCE.md#the-charge-path). An idle backend
 * still gives its connections back, after 5 minutes.
 */
const IDLE_CONNECTION_MS = 5 * 60_000;

/**
 * How many prepared queries' SQL texts a pool names (one per query, dialect and shape, so few): past it a query's SQL
 * is parsed on every run again, so that no connection keeps statements without bound.
 */
const NAMED_STATEMENTS = 500;

/**
 * The pool as Kysely sees it, with a prepared query's SQL (marked, see `PREPARED_MARK`) run as a named statement: each
 * connection parses and plans it once, and after that only binds and runs it. The names belong to this pool.
 */
function namingStatements(pool: pg.Pool): PostgresPool {
  const names = new Map<string, string>();
  const nameOf = (sql: string): string | undefined => {
    let name = names.get(sql);
    if (!name && names.size < NAMED_STATEMENTS) {
      name = `companion_${names.size + 1}`;
      names.set(sql, name);
    }
    return name;
  };
  return {
    connect: async () => {
      const client = await pool.connect();
      const query = (text: string | PostgresCursor<unknown>, values?: ReadonlyArray<unknown>) => {
        if (typeof text !== 'string') return client.query(text as unknown as pg.Submittable);
        if (!text.startsWith(PREPARED_MARK)) return client.query({ text, values: values as unknown[] });
        const sql = text.slice(PREPARED_MARK.length);
        const name = nameOf(sql);
        return client.query(
          name ? { name, text: sql, values: values as unknown[] } : { text: sql, values: values as unknown[] },
        );
      };
      return { query: query as unknown as PostgresPoolClient['query'], release: () => client.release() };
    },
    end: () => pool.end(),
    options: pool.options,
  };
}

/** Opens (and migrates) SQLite in `dataDir`, or PostgreSQL when `databaseUrl` names one. */
export async function openDatabase(options: {
  dataDir: string;
  databaseUrl?: string | undefined;
  log?: Logger | undefined;
}): Promise<Database> {
  const survived = (error: Error, message: string) =>
    options.log
      ? options.log.survived('database', error, message)
      : process.stderr.write(`companion-backend: ${message}: ${error.message}\n`);
  let db: Kysely<DB>;
  let workerDb: Kysely<DB> | undefined;
  let engine: Engine;
  let checkpointer: BackgroundCheckpointer | undefined;
  let connectionsClosed = () => Promise.resolve();
  const pools: pg.Pool[] = [];
  if (options.databaseUrl) {
    engine = 'postgres';
    const url = options.databaseUrl;
    // Ending a pool resolves once every connection is asked to end, before their sockets are closed: closing waits for
    // the pools' 'remove' events too, so that a closed backend holds no connection (a database dropped right after
    // closing would otherwise cut one off mid-goodbye).
    let open = 0;
    let allClosed = () => {};
    const pooled = (max: number) => {
      const pool = new pg.Pool({ connectionString: url, max, idleTimeoutMillis: IDLE_CONNECTION_MS });
      pools.push(pool);
      // An idle connection the server drops is replaced on the next query; without a listener it would end the process.
      pool.on('error', (error) =>
        survived(error, 'an idle PostgreSQL connection failed; the next query opens another'),
      );
      pool.on('connect', () => (open += 1));
      pool.on('remove', () => {
        open -= 1;
        if (open === 0) allClosed();
      });
      return new Kysely<DB>({ dialect: new PostgresDialect({ pool: namingStatements(pool) }) });
    };
    connectionsClosed = () =>
      open === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            const bound = setTimeout(resolve, 5_000);
            allClosed = () => {
              clearTimeout(bound);
              resolve();
            };
          });
    db = pooled(20);
    // Claims take turns under an advisory lock; a few connections serve the claim, the finishes and the heartbeats.
    workerDb = pooled(5);
  } else {
    engine = 'sqlite';
    ownerOnlyFolder(options.dataDir);
    const path = join(options.dataDir, 'companion.sqlite');
    ownerOnlyDatabaseFiles(path);
    const sqlite = openSqlite(path);
    checkpointer = new BackgroundCheckpointer(sqlite, path, {
      failed: (error) => survived(error, 'a background checkpoint failed; the next round tries again'),
    });
    db = new Kysely<DB>({ dialect: nodeSqliteDialect(sqlite) });
  }
  const close = async () => {
    await workerDb?.destroy();
    await db.destroy();
    await connectionsClosed();
    await checkpointer?.stop();
  };
  try {
    await migrateToLatest(db as Kysely<unknown>, engine);
  } catch (error) {
    await close();
    throw error;
  }
  const connections = () =>
    engine === 'sqlite'
      ? { open: 1, inUse: 1, waiting: 0 }
      : pools.reduce(
          (sum, p) => ({
            open: sum.open + p.totalCount,
            inUse: sum.inUse + p.totalCount - p.idleCount,
            waiting: sum.waiting + p.waitingCount,
          }),
          { open: 0, inUse: 0, waiting: 0 },
        );
  return {
    db,
    workerDb: workerDb ?? db,
    engine,
    storage: storageEngines[engine],
    connections,
    url: options.databaseUrl,
    close,
  };
}
