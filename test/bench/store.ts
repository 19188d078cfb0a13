/** The database a bench runs on: SQLite in the backend's data directory, or a fresh PostgreSQL database. */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { Engine } from '../../backend/storage/database.js';

export interface Store {
  databaseUrl: string | undefined;
  drop(): Promise<void>;
}

/** SQLite needs nothing; PostgreSQL gets a fresh database `cc_bench_<random>`, dropped afterwards. */
export async function openStore(engine: Engine): Promise<Store> {
  const server = process.env.COMPANION_TEST_DATABASE_URL;
  if (engine === 'sqlite' || !server) return { databaseUrl: undefined, drop: async () => {} };
  const name = `cc_bench_${randomBytes(6).toString('hex')}`;
  const onServer = async (statement: string) => {
    const client = new pg.Client({ connectionString: server });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  // The name is made here of [a-z0-9_] only, so it needs no quoting.
  await onServer(`CREATE DATABASE ${name}`);
  const url = new URL(server);
  url.pathname = `/${name}`;
  return { databaseUrl: url.toString(), drop: () => onServer(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`) };
}
