/**
 * Queries built and compiled once, then run with new values. On the charge path, building a query with Kysely and
 * compiling it to SQL cost more than SQLite takes to run most of them (docs/PERFORMANCE.md#the-charge-path). A
 * prepared query is built once per dialect with stand-ins for its values; each run copies the compiled SQL and swaps
 * the values in.
 *
 * The build function must only pass its values into the query (as Kysely values), never look at them: it runs once,
 * with stand-ins, whatever values come later. A stand-in that is compared, added to or turned into text throws. The
 * stand-ins have the keys of the first values given, so a whole row can be passed (`.values(v)`), also from inside
 * the values (`.values(v.row)`, `v.entries[1]`): later values must have the same shape.
 *
 * On PostgreSQL each such query is also a named statement on the server (see `PREPARED_MARK`): parsed and planned once
 * per connection, then only bound and run.
 */
import {
  createQueryId,
  type Compilable,
  type DialectAdapter,
  type Kysely,
  type QueryResult,
  type RawBuilder,
  type RootOperationNode,
} from 'kysely';
import type { DB } from './schema.js';

/** Stands in for a value while the query is built and compiled; each run puts the real value in its place. */
class StandIn {
  constructor(readonly path: readonly string[]) {}
  valueOf(): never {
    throw new Error(
      `A prepared query's build function used the value "${this.path.join('.')}"; it may only pass values into the query`,
    );
  }
  toString(): never {
    return this.valueOf();
  }
}

const nests = (value: unknown): value is object =>
  typeof value === 'object' &&
  value !== null &&
  (Array.isArray(value) || Object.getPrototypeOf(value) === Object.prototype);

/**
 * Stand-ins shaped like `sample` (the first values given): its keys, and for a key that holds a plain object or an
 * array, stand-ins of that shape in turn, so that a whole row can be passed on from inside the values.
 */
function standInsLike(sample: object, path: readonly string[]): object {
  const keys = Reflect.ownKeys(sample).filter((key): key is string => typeof key === 'string' && key !== 'length');
  const at = (key: string) => {
    const value: unknown = (sample as Record<string, unknown>)[key];
    return nests(value) ? standInsLike(value, [...path, key]) : new StandIn([...path, key]);
  };
  return new Proxy(
    {},
    {
      get: (_, key) => at(String(key)),
      ownKeys: () => keys,
      getOwnPropertyDescriptor: (_, key) =>
        typeof key === 'string' && keys.includes(key)
          ? { enumerable: true, configurable: true, value: at(key) }
          : undefined,
    },
  );
}

function valueAt(values: object, path: readonly string[]): unknown {
  let value: unknown = values;
  for (const key of path) value = (value as Record<string, unknown> | undefined)?.[key];
  return value;
}

interface Compiled {
  sql: string;
  query: RootOperationNode;
  /** Each parameter: the path of its value in the values of a run, or the constant the build put there. */
  parameters: ReadonlyArray<{ path: readonly string[] } | { constant: unknown }>;
}

/**
 * Marks a prepared query's SQL, so that the PostgreSQL pool (storage/database.ts) can run it as a named statement:
 * parsed and planned once per connection, then only bound and run. SQL built per call comes in unbounded variety and
 * is never named. SQLite ignores the comment.
 */
export const PREPARED_MARK = '/* prepared */ ';

/** Builds a query from stand-ins: with Kysely's builders, or as SQL text (`sql`) for what they cannot express. */
type Build<V, R> = (db: Kysely<DB>, values: V) => Compilable<R> | RawBuilder<R>;

export class PreparedQuery<V extends object, R> {
  /** Per dialect: SQLite and PostgreSQL compile to different SQL. */
  readonly #compiled = new WeakMap<DialectAdapter, Compiled>();

  constructor(private readonly build: Build<V, R>) {}

  /** Runs the query with these values on a database or inside a transaction. */
  async execute(executor: Kysely<DB>, values: V): Promise<QueryResult<R>> {
    const adapter = executor.getExecutor().adapter;
    let compiled = this.#compiled.get(adapter);
    if (!compiled) {
      const built = this.build(executor, standInsLike(values, []) as V);
      const { sql, query, parameters } = 'isRawBuilder' in built ? built.compile(executor) : built.compile();
      compiled = {
        sql: PREPARED_MARK + sql,
        query,
        parameters: parameters.map((p) => (p instanceof StandIn ? { path: p.path } : { constant: p })),
      };
      this.#compiled.set(adapter, compiled);
    }
    const parameters = compiled.parameters.map((p) => ('path' in p ? valueAt(values, p.path) : p.constant));
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
export function prepared<V extends object, R>(build: Build<V, R>): PreparedQuery<V, R> {
  return new PreparedQuery(build);
}

/** At most this many shapes of one query are kept; a rarer shape is prepared for its one use. */
const SHAPES_KEPT = 64;

/**
 * A query whose SQL depends on a shape (how many rows, which parts): one prepared query per shape, made on first use
 * and kept, up to `SHAPES_KEPT` of them.
 */
export function preparedPerShape<S, V extends object, R>(
  build: (shape: S) => Build<V, R>,
  keyOf: (shape: S) => string | number = String,
): (shape: S) => PreparedQuery<V, R> {
  const kept = new Map<string | number, PreparedQuery<V, R>>();
  return (shape) => {
    const key = keyOf(shape);
    let query = kept.get(key);
    if (!query) {
      query = prepared(build(shape));
      if (kept.size < SHAPES_KEPT) kept.set(key, query);
    }
    return query;
  };
}
