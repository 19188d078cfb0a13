/**
 * Transaction helpers shared by every writer: the records of what changed (for /v1/sync), written by the engine's own
 * statements (storage/engines.ts).
 */
import {
  sql,
  type Compilable,
  type OperationNodeSource,
  type QueryCreator,
  type RawBuilder,
  type Selectable,
  type Transaction,
} from 'kysely';
import { prepared, preparedPerShape, type PreparedQuery } from './prepared.js';
import type { AccountsTable, DB } from './schema.js';

export type Tx = Transaction<DB>;
export type ChangeKind = 'generation' | 'workspace' | 'balance';

export type AccountRow = Selectable<AccountsTable>;

/** An account's row as this transaction sees it. */
export async function readAccount(trx: Tx, accountId: string): Promise<AccountRow> {
  return trx.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirstOrThrow();
}

const advanceSequence = prepared((db, v: { accountId: string; by: number }) =>
  db
    .updateTable('accounts')
    .set((eb) => ({ change_seq: eb('change_seq', '+', v.by) }))
    .where('id', '=', v.accountId)
    .returning('change_seq'),
);

export interface Change {
  kind: ChangeKind;
  entityId: string;
  op: 'upsert' | 'delete';
}

/** SQLite: the insert of n change rows, numbered by the caller. */
const insertChanges = preparedPerShape(
  (count: number) => (db, v: { accountId: string; changes: Array<Change & { seq: number }> }) =>
    db
      .insertInto('changes')
      .values(
        Array.from({ length: count }, (_, i) => {
          const change = v.changes[i]!;
          return {
            account_id: v.accountId,
            kind: change.kind,
            entity_id: change.entityId,
            op: change.op,
            seq: change.seq,
          };
        }),
      )
      .onConflict((oc) =>
        oc
          .columns(['account_id', 'kind', 'entity_id'])
          .doUpdateSet((eb) => ({ op: eb.ref('excluded.op'), seq: eb.ref('excluded.seq') })),
      ),
);

export interface ChangeValues {
  accountId: string;
  changes: Change[];
}

/**
 * PostgreSQL, as parts of one statement (a data-modifying WITH): `advanced` moves the account's counter by n, and
 * `changed` gives the n changes its last n numbers (no row when the account is missing). One round trip where two held
 * the account's lock longer; a writer adds its own writes to the same statement. With `onlyAfter`, the name of an
 * earlier part, nothing is recorded when that part wrote no row.
 */
export function changeParts(db: QueryCreator<DB>, v: ChangeValues, count: number, onlyAfter?: string) {
  let advanced = db
    .updateTable('accounts')
    .set((eb) => ({ change_seq: eb('change_seq', '+', sql.lit(count)) }))
    .where('id', '=', v.accountId);
  if (onlyAfter) advanced = advanced.where(sql<boolean>`exists (select 1 from ${sql.table(onlyAfter)})`);
  const rows = Array.from({ length: count }, (_, i) => {
    const change = v.changes[i]!;
    return sql`(${change.kind}::text, ${change.entityId}::text, ${change.op}::text, ${sql.lit(i + 1)})`;
  });
  const changed = sql`insert into changes (account_id, kind, entity_id, op, seq)
    select ${v.accountId}::text, c.kind, c.entity_id, c.op, advanced.change_seq - ${sql.lit(count)} + c.n
    from advanced, (values ${sql.join(rows)}) as c (kind, entity_id, op, n)
    on conflict (account_id, kind, entity_id) do update set op = excluded.op, seq = excluded.seq
    returning seq`;
  return { advanced: advanced.returning('change_seq'), changed };
}

/**
 * PostgreSQL: a write that returns its rows (`update ... returning`) and the record of its changes, in one statement;
 * the changes are recorded only when the write changed a row. Answers the write's rows.
 */
function writtenWithChanges<R>(
  db: QueryCreator<DB>,
  write: Compilable<R> & OperationNodeSource,
  v: ChangeValues,
  count: number,
): RawBuilder<R> {
  const { advanced, changed } = changeParts(db, v, count, 'written');
  return sql<R>`with written as (${write}), advanced as (${advanced}), changed as (${changed}) select * from written`;
}

/**
 * A prepared write of one row (`update ... returning`) that records changes when it changed the row, in both forms:
 * `alone`, the write (SQLite follows it with `writeChanges`), and `withChanges`, the write and its record in one
 * statement (PostgreSQL, see `writtenWithChanges`). The engine picks one (`StorageEngine.recordedWrite`).
 */
export interface RecordedWrite<V extends object, R> {
  alone: PreparedQuery<V, R>;
  withChanges: (count: number) => PreparedQuery<{ write: V; record: ChangeValues }, R>;
}

export function recordedWrite<V extends object, R>(
  build: (db: QueryCreator<DB>, v: V) => Compilable<R> & OperationNodeSource,
): RecordedWrite<V, R> {
  return {
    alone: prepared((db, v: V) => build(db, v)),
    withChanges: preparedPerShape(
      (count: number) => (db, v: { write: V; record: ChangeValues }) =>
        writtenWithChanges(db, build(db, v.write), v.record, count),
    ),
  };
}

const advanceAndInsertChanges = preparedPerShape((count: number) => (db, v: ChangeValues) => {
  const { advanced, changed } = changeParts(db, v, count);
  return sql<{ seq: number }>`with advanced as (${advanced}) ${changed}`;
});

/** What each open transaction has recorded, per entity: its last change. */
const recorded = new WeakMap<Tx, Map<string, Change['op']>>();

/**
 * The changes not yet recorded in this transaction, one per entity (its last change in the list), now counted as
 * recorded: the caller writes them (`recordChanges`, or a statement of its own that uses `changeParts`). Within one
 * transaction nobody can read between two changes of one entity, so the second is already covered by the first.
 */
export function freshChanges(trx: Tx, accountId: string, changes: Change[]): Change[] {
  const last = recorded.get(trx) ?? new Map<string, Change['op']>();
  recorded.set(trx, last);
  const batch = new Map<string, Change>();
  for (const change of changes) batch.set(`${accountId}\n${change.kind}\n${change.entityId}`, change);
  const fresh: Change[] = [];
  for (const [key, change] of batch) {
    if (last.get(key) === change.op) continue;
    last.set(key, change.op);
    fresh.push(change);
  }
  return fresh;
}

/** How an engine writes the changes that `freshChanges` returned. */
export type ChangeWriter = (trx: Tx, accountId: string, fresh: Change[]) => Promise<void>;

/** SQLite: one bump of the account's counter, then one insert of every change with its number. */
export const writeChangesInTwo: ChangeWriter = async (trx, accountId, fresh) => {
  const count = fresh.length;
  if (count === 0) return;
  const row = await advanceSequence.first(trx, { accountId, by: count });
  if (!row) throw new Error(`Account ${accountId} is missing`);
  const first = Number(row.change_seq) - count + 1;
  await insertChanges(count).execute(trx, {
    accountId,
    changes: fresh.map((change, i) => ({ ...change, seq: first + i })),
  });
};

/** PostgreSQL: the bump and the insert in one statement (see `changeParts`). */
export const writeChangesInOne: ChangeWriter = async (trx, accountId, fresh) => {
  const count = fresh.length;
  if (count === 0) return;
  const rows = await advanceAndInsertChanges(count).rows(trx, { accountId, changes: fresh });
  if (rows.length === 0) throw new Error(`Account ${accountId} is missing`);
};
