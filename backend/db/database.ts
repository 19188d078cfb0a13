import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import { migrateToLatest } from './migrations.js';
import type { DB } from './schema.js';
import { BackgroundCheckpointer, nodeSqliteDialect, openSqlite } from './sqlite-dialect.js';

export type Engine = 'sqlite' | 'postgres';

export interface Database {
  db: Kysely<DB>;
  engine: Engine;
  close(): Promise<void>;
}

// PostgreSQL returns bigint columns as strings by default; amounts and ids here fit in a JS number.
pg.types.setTypeParser(pg.types.builtins.INT8, (value) => Number(value));

/** Opens (and migrates) SQLite in `dataDir`, or PostgreSQL when `databaseUrl` names one. */
export async function openDatabase(options: { dataDir: string; databaseUrl?: string | undefined }): Promise<Database> {
  let db: Kysely<DB>;
  let engine: Engine;
  let checkpointer: BackgroundCheckpointer | undefined;
  if (options.databaseUrl) {
    engine = 'postgres';
    const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 20 });
    // An idle connection the server drops is replaced on the next query; without a listener it would end the process.
    pool.on('error', (error) => process.stderr.write(`companion-backend: a PostgreSQL connection failed: ${error.message}\n`));
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  } else {
    engine = 'sqlite';
    mkdirSync(options.dataDir, { recursive: true });
    const path = join(options.dataDir, 'companion.sqlite');
    const sqlite = openSqlite(path);
    checkpointer = new BackgroundCheckpointer(sqlite, path);
    db = new Kysely<DB>({ dialect: nodeSqliteDialect(sqlite) });
  }
  try {
    await migrateToLatest(db as Kysely<unknown>, engine);
  } catch (error) {
    await db.destroy();
    await checkpointer?.stop();
    throw error;
  }
  return {
    db,
    engine,
    async close() {
      await db.destroy();
      await checkpointer?.stop();
    },
  };
}
