/**
 * Kysely over the built-in node:sqlite. Kysely's SqliteDialect expects a better-sqlite3-shaped database; this adapter
 * gives node:sqlite that shape (statement.reader, array parameters), so no native module is needed.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import { SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';

class NodeSqliteStatement implements SqliteStatement {
  readonly reader: boolean;
  constructor(private readonly statement: StatementSync) {
    this.reader = statement.columns().length > 0;
  }
  all(parameters: ReadonlyArray<unknown>): unknown[] {
    return this.statement.all(...(parameters as SQLInputValue[]));
  }
  run(parameters: ReadonlyArray<unknown>): { changes: number | bigint; lastInsertRowid: number | bigint } {
    return this.statement.run(...(parameters as SQLInputValue[]));
  }
  iterate(parameters: ReadonlyArray<unknown>): IterableIterator<unknown> {
    return this.statement.iterate(...(parameters as SQLInputValue[])) as IterableIterator<unknown>;
  }
}

export function openSqlite(path: string): DatabaseSync {
  const db = new DatabaseSync(path);
  db.exec('PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
  return db;
}

/** 30,000 pages of 4 KiB: at most about 120 MiB of log (docs/PERFORMANCE.md#sqlites-write-ahead-log). */
const FALLBACK_CHECKPOINT_PAGES = 30_000;

/**
 * Checkpoints the write-ahead log from a worker thread with its own connection. Left to SQLite, the commit that fills
 * the log to 1,000 pages copies it into the database file and syncs it, on the thread that runs every request, and
 * the charge that made that commit waits for it. A passive checkpoint never blocks the writer.
 *
 * The log starts over only once a checkpoint has copied all of it before the next write begins, which a worker seldom
 * manages while charges arrive every millisecond: under such load the log grows until the main connection's own
 * automatic checkpoint, kept as the fallback but at 30,000 pages instead of 1,000, finishes the copy. What that costs
 * the request thread is a sync of the log written since the worker's last checkpoint and a copy of those pages: so the
 * worker checkpoints every `busyMs` while pages are being written, which keeps that sync short. When a checkpoint
 * finds nothing new the worker waits twice as long each time, up to `idleMs`: an idle backend does not wake a core a
 * hundred times a second.
 *
 * A larger fallback slowed every read (a longer log is a longer index to search) and cutting the file back after a
 * restart (journal_size_limit) stalled a commit, so the file keeps its size. The measurements behind each of these
 * choices are in docs/PERFORMANCE.md#sqlites-write-ahead-log.
 */
export class BackgroundCheckpointer {
  readonly #worker: Worker;

  /** `failed` hears of a checkpoint that failed: the next round tries again, and SQLite's own checkpoint is the fallback. */
  constructor(db: DatabaseSync, path: string, options: { failed: (error: Error) => void; busyMs?: number; idleMs?: number }) {
    const { busyMs = 10, idleMs = 200, failed } = options;
    db.exec(`PRAGMA wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES};`);
    const code = `
      const { parentPort, workerData } = require('node:worker_threads');
      const { DatabaseSync } = require('node:sqlite');
      const db = new DatabaseSync(workerData.path);
      db.exec('PRAGMA busy_timeout = 5000;');
      const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
      let lastLog = -1;
      let waitMs = workerData.busyMs;
      let timer;
      const round = () => {
        let log = lastLog;
        try { log = checkpoint.get().log; } catch (error) { parentPort.postMessage({ failed: String(error && error.message || error) }); }
        // The log's length in pages moves whenever something was written since the last round.
        waitMs = log === lastLog ? Math.min(waitMs * 2, workerData.idleMs) : workerData.busyMs;
        lastLog = log;
        timer = setTimeout(round, waitMs);
      };
      timer = setTimeout(round, waitMs);
      parentPort.once('message', () => { clearTimeout(timer); db.close(); parentPort.close(); });
    `;
    this.#worker = new Worker(code, { eval: true, workerData: { path, busyMs, idleMs }, execArgv: ['--disable-warning=ExperimentalWarning'] });
    this.#worker.on('message', (message: { failed?: string }) => {
      if (message.failed) failed(new Error(`a background checkpoint failed: ${message.failed}`));
    });
    this.#worker.unref();
  }

  /** Stops the worker and closes its connection: called after the main connection closed, it is the last one, and
   * closing it checkpoints what is left and removes the log. */
  async stop(): Promise<void> {
    // Held while it stops: an unreferenced worker would let a process with nothing else to do exit mid-close.
    this.#worker.ref();
    const exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.postMessage('stop');
    await exited;
  }
}

/** Prepared statements are kept per SQL text: preparing (and asking for columns) costs more than most queries here. */
const STATEMENT_CACHE = 500;

export function nodeSqliteDialect(db: DatabaseSync): SqliteDialect {
  const statements = new Map<string, NodeSqliteStatement>();
  const adapter: SqliteDatabase = {
    close: () => {
      statements.clear();
      db.close();
    },
    prepare: (sql: string) => {
      let statement = statements.get(sql);
      if (statement) {
        // Refresh its place: the least recently used statement is the one dropped when the cache is full.
        statements.delete(sql);
      } else {
        statement = new NodeSqliteStatement(db.prepare(sql));
        if (statements.size >= STATEMENT_CACHE) statements.delete(statements.keys().next().value!);
      }
      statements.set(sql, statement);
      return statement;
    },
  };
  return new SqliteDialect({ database: adapter });
}
