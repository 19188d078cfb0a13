/**
 * Queries built and compiled once, then run with new values. On the charge path, building a query with Kysely and
 * compiling it to SQL cost more than SQLite takes to run most of them (measured with the debit bench's profile): a
 * charge's nine statements spent about 100 us a time on it. A prepared query is built once per dialect with stand-ins
 * for its values; each run copies the compiled SQL and swaps the values in.
 *
 * The build function must only pass its values into the query (as Kysely values), never look at them: it runs once,
 * with stand-ins, whatever values come later. A stand-in that is compared, added to or turned into text throws. The
 * stand-ins have the keys of the first values given, so a whole row can be passed (`.values(v)`): later values must
 * have the same keys.
 *
 * On PostgreSQL each such query is also a named statement on the server (see `statementName`): parsed and planned once
 * per connection, then only bound and run.
 */
import { createQueryId, PostgresAdapter, type Compilable, type DialectAdapter, type Kysely, type QueryResult, type RootOperationNode } from 'kysely';
import type { DB } from './schema.js';

/** Stands in for a value while the query is built and compiled; each run puts the real value in its place. */
class StandIn {
  constructor(readonly key: string) {}
  valueOf(): never {
    throw new Error(`A prepared query's build function used the value "${this.key}"; it may only pass values into the query`);
  }
  toString(): never {
    return this.valueOf();
  }
}

interface Compiled {
  sql: string;
  query: RootOperationNode;
  parameters: readonly unknown[];
}

/** The server-side name of each prepared query's SQL (PostgreSQL), by its text: one per query and dialect, so few. */
const statementNames = new Map<string, string>();

/**
 * The name under which a connection keeps this SQL as a prepared statement, when it is a prepared query's; undefined
 * for any other SQL (built per call, in unbounded variety). Measured on this machine: a point lookup took 0.16 ms
 * as a named statement and 0.27 ms unnamed, which is parsed and planned on every run.
 */
export function statementName(sql: string): string | undefined {
  return statementNames.get(sql);
}

export class PreparedQuery<V extends object, R> {
  /** Per dialect: SQLite and PostgreSQL compile to different SQL. */
  readonly #compiled = new WeakMap<DialectAdapter, Compiled>();

  constructor(private readonly build: (db: Kysely<DB>, values: V) => Compilable<R>) {}

  /** Runs the query with these values on a database or inside a transaction. */
  async execute(executor: Kysely<DB>, values: V): Promise<QueryResult<R>> {
    const adapter = executor.getExecutor().adapter;
    let compiled = this.#compiled.get(adapter);
    if (!compiled) {
      const keys = Reflect.ownKeys(values).filter((key): key is string => typeof key === 'string');
      const standIns = new Proxy(
        {},
        {
          get: (_, key) => new StandIn(String(key)),
          ownKeys: () => keys,
          getOwnPropertyDescriptor: (_, key) => (typeof key === 'string' && keys.includes(key) ? { enumerable: true, configurable: true, value: new StandIn(key) } : undefined),
        },
      ) as V;
      const { sql, query, parameters } = this.build(executor, standIns).compile();
      compiled = { sql, query, parameters };
      if (!statementNames.has(sql)) statementNames.set(sql, `companion_${statementNames.size + 1}`);
      this.#compiled.set(adapter, compiled);
    }
    const parameters = compiled.parameters.map((p) => (p instanceof StandIn ? (values as Record<string, unknown>)[p.key] : p));
    return executor.executeQuery<R>({ sql: compiled.sql, query: compiled.query, queryId: createQueryId(), parameters });
  }

  async rows(executor: Kysely<DB>, values: V): Promise<R[]> {
    return (await this.execute(executor, values)).rows;
  }

  async first(executor: Kysely<DB>, values: V): Promise<R | undefined> {
    return (await this.execute(executor, values)).rows[0];
  }
}

/** A query compiled once per dialect and run with new values each time (see the file's comment). */
export function prepared<V extends object, R>(build: (db: Kysely<DB>, values: V) => Compilable<R>): PreparedQuery<V, R> {
  return new PreparedQuery(build);
}

/** Whether a database or transaction runs on PostgreSQL, for the few statements written for one engine only. */
export function onPostgres(executor: Kysely<DB>): boolean {
  return executor.getExecutor().adapter instanceof PostgresAdapter;
}
