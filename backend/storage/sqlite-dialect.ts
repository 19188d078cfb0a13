/**
 * Kysely over the built-in node:sqlite. Kysely's SqliteDialect expects a better-sqlite3-shaped database; this adapter
 * gives node:sqlite that shape (statement.reader, array parameters), so no native module is needed.
 */
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { SqliteDialect, type SqliteDatabase, type SqliteStatement } from 'kysely';

export { BackgroundCheckpointer } from './checkpointer.js';

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
  db.exec(
    'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;',
  );
  return db;
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
