import { join } from 'node:path';
import { Kysely, PostgresDialect, type PostgresCursor, type PostgresPool, type PostgresPoolClient } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.js';
import { statementName } from './prepared.js';
import { ownerOnlyDatabaseFiles, ownerOnlyFolder } from './private-files.js';
import type { DB } from './schema.js';
import { BackgroundCheckpointer, nodeSqliteDialect, openSqlite } from './sqlite-dialect.js';

export type Engine = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  /**
   * For the queue's workers (claims, finishes, heartbeats): on PostgreSQL a small pool of their own, so that a flood of
   * requests, which can hold every connection of the main pool, never keeps queued work from running. On SQLite the
   * same single connection as `db`.
   */
  workerDb: Kysely<DB>;
  engine: Engine;
  close(): Promise<void>;
}

// PostgreSQL returns bigint columns as strings by default; amounts and ids here fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/**
 * How long a pooled connection may sit unused before it is closed. pg's default, 10 s, closed the connections a burst
 * had opened during the quieter load after it, and the next burst paid for new ones (a server process to start, every
 * named statement to prepare again): measured, 20-75 ms for the charges of that moment, at 250 charges/s. An idle
 * backend still gives its connections back, after 5 minutes.
 */
const IDLE_CONNECTION_MS = 5 * 60_000;

/**
 * The pool as Kysely sees it, with a prepared query's SQL run as a named statement: each connection parses and plans it
 * once, and after that only binds and runs it.
 */
function namingStatements(pool: pg.Pool): PostgresPool {
  return {
    connect: async () => {
      const client = await pool.connect();
      const query = (text: string | PostgresCursor<unknown>, values?: ReadonlyArray<unknown>) => {
        if (typeof text !== 'string') return client.query(text as unknown as pg.Submittable);
        const name = statementName(text);
        return client.query(name ? { name, text, values: values as unknown[] } : { text, values: values as unknown[] });
      };
      return { query: query as unknown as PostgresPoolClient['query'], release: () => client.release() };
    },
    end: () => pool.end(),
    options: pool.options,
  };
}

/** Opens (and migrates) SQLite in `dataDir`, or PostgreSQL when `databaseUrl` names one. */
export async function openDatabase(options: { dataDir: string; databaseUrl?: string | undefined }): Promise<Database> {
  let db: Kysely<DB>;
  let workerDb: Kysely<DB> | undefined;
  let engine: Engine;
  let checkpointer: BackgroundCheckpointer | undefined;
  let connectionsClosed = () => Promise.resolve();
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
      // An idle connection the server drops is replaced on the next query; without a listener it would end the process.
      pool.on('error', (error) => process.stderr.write(`companion-backend: a PostgreSQL connection failed: ${error.message}\n`));
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
    checkpointer = new BackgroundCheckpointer(sqlite, path);
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
  return { db, workerDb: workerDb ?? db, engine, close };
}
