/**
 * Transaction helpers shared by every writer.
 *
 * Concurrency (issue 3, "row locks or serializable retries: your call"): every transaction that changes an account's
 * balances, history or sync log first locks that account's row. On PostgreSQL that is `SELECT ... FOR UPDATE`: two
 * backend processes charging one account queue on the lock, each sees the other's committed balance, and the per-account
 * change sequence is handed out in commit order (so /v1/sync never skips a change). Row locks were chosen over
 * SERIALIZABLE retries because charges contend on one hot row per account: retries would spin under exactly the load
 * (many parallel charges of one account) where correctness matters most. On SQLite one process owns the file and
 * Kysely runs one transaction at a time on its single connection, which is the same guarantee.
 */
import { sql, type Selectable, type Transaction } from 'kysely';
import type { Engine } from './db/database.js';
import { onPostgres, prepared, type PreparedQuery } from './db/prepared.js';
import type { AccountsTable, DB } from './db/schema.js';

export type Tx = Transaction<DB>;
export type ChangeKind = 'generation' | 'workspace' | 'balance';

const lockRow = prepared((db, v: { id: string }) => db.selectFrom('accounts').select('id').where('id', '=', v.id).forUpdate());

export async function lockAccount(trx: Tx, engine: Engine, accountId: string): Promise<void> {
  if (engine === 'postgres') await lockRow.execute(trx, { id: accountId });
}

/** Locks an account if nobody holds its lock now (PostgreSQL); false when it is held. SQLite: always true. */
export async function tryLockAccount(trx: Tx, engine: Engine, accountId: string): Promise<boolean> {
  if (engine !== 'postgres') return true;
  const row = await trx.selectFrom('accounts').select('id').where('id', '=', accountId).forUpdate().skipLocked().executeTakeFirst();
  return row !== undefined;
}

export type AccountRow = Selectable<AccountsTable>;

/** An account's row as this transaction sees it. */
export async function readAccount(trx: Tx, accountId: string): Promise<AccountRow> {
  return trx.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirstOrThrow();
}

const accountRow = {
  sqlite: prepared((db, v: { id: string }) => db.selectFrom('accounts').selectAll().where('id', '=', v.id)),
  postgres: prepared((db, v: { id: string }) => db.selectFrom('accounts').selectAll().where('id', '=', v.id).forUpdate()),
};

/** Locks an account (as `lockAccount`) and reads its row in the same statement; undefined when there is no such account. */
export async function lockedAccount(trx: Tx, engine: Engine, accountId: string): Promise<AccountRow | undefined> {
  return accountRow[engine].first(trx, { id: accountId });
}

const advanceSequence = prepared((db, v: { accountId: string; by: number }) =>
  db
    .updateTable('accounts')
    .set((eb) => ({ change_seq: eb('change_seq', '+', v.by) }))
    .where('id', '=', v.accountId)
    .returning('change_seq'),
);

type ChangeValues = Record<string, string | number>;
type ChangeRows = PreparedQuery<ChangeValues, { seq: number }>;

/** SQLite: the insert of n change rows (one or two in nearly every transaction), numbered by the caller. */
const insertChanges = (count: number) =>
  prepared((db, v: ChangeValues) =>
    db
      .insertInto('changes')
      .values(
        Array.from({ length: count }, (_, i) => ({
          account_id: v.accountId as string,
          kind: v[`kind${i}`] as string,
          entity_id: v[`entity${i}`] as string,
          op: v[`op${i}`] as string,
          seq: v[`seq${i}`] as number,
        })),
      )
      .onConflict((oc) => oc.columns(['account_id', 'kind', 'entity_id']).doUpdateSet((eb) => ({ op: eb.ref('excluded.op'), seq: eb.ref('excluded.seq') })))
      .returning('seq'),
  );

/**
 * PostgreSQL: the account's counter moves by n and the n rows take its last n numbers, in one statement (a
 * data-modifying WITH): one round trip where two held the account's lock longer. No row is written when the account
 * is missing.
 */
const advanceAndInsertChanges = (count: number) =>
  prepared((db, v: ChangeValues) =>
    db
      .with('advanced', (qb) =>
        qb
          .updateTable('accounts')
          .set((eb) => ({ change_seq: eb('change_seq', '+', sql.lit(count)) }))
          .where('id', '=', v.accountId as string)
          .returning('change_seq'),
      )
      .insertInto('changes')
      .columns(['account_id', 'kind', 'entity_id', 'op', 'seq'])
      .expression((eb) => {
        const row = (i: number) =>
          eb.selectFrom('advanced').select((s) => [
            s.cast<string>(s.val(v.accountId), 'text').as('account_id'),
            s.cast<string>(s.val(v[`kind${i}`]), 'text').as('kind'),
            s.cast<string>(s.val(v[`entity${i}`]), 'text').as('entity_id'),
            s.cast<string>(s.val(v[`op${i}`]), 'text').as('op'),
            s('advanced.change_seq', '-', sql.lit(count - 1 - i)).as('seq'),
          ]);
        let rows = row(0);
        for (let i = 1; i < count; i++) rows = rows.unionAll(row(i));
        return rows;
      })
      .onConflict((oc) => oc.columns(['account_id', 'kind', 'entity_id']).doUpdateSet((eb) => ({ op: eb.ref('excluded.op'), seq: eb.ref('excluded.seq') })))
      .returning('seq'),
  );

/** Prepared change writes by engine and count, kept up to 8 rows. */
const changeWrites = { sqlite: new Map<number, ChangeRows>(), postgres: new Map<number, ChangeRows>() };
function changeWriteOf(engine: Engine, count: number): ChangeRows {
  let query = changeWrites[engine].get(count);
  if (!query) {
    query = engine === 'postgres' ? advanceAndInsertChanges(count) : insertChanges(count);
    if (count <= 8) changeWrites[engine].set(count, query);
  }
  return query;
}

export interface Change {
  kind: ChangeKind;
  entityId: string;
  op: 'upsert' | 'delete';
}

/** What each open transaction has recorded, per entity: its last change. */
const recorded = new WeakMap<Tx, Map<string, Change['op']>>();

/**
 * Records that entities changed, for /v1/sync: one row per entity, moved to the account's next sequence numbers (one
 * bump of the account's counter and one insert for all of them). Within one transaction nobody can read between two
 * changes of one entity, so the second is already covered by the first.
 */
export async function recordChanges(trx: Tx, accountId: string, changes: Change[]): Promise<void> {
  const last = recorded.get(trx) ?? new Map<string, Change['op']>();
  recorded.set(trx, last);
  // One row per entity (its last change in the batch), and none for an entity already recorded that way.
  const batch = new Map<string, Change>();
  for (const change of changes) batch.set(`${accountId}\n${change.kind}\n${change.entityId}`, change);
  const fresh: Change[] = [];
  for (const [key, change] of batch) {
    if (last.get(key) === change.op) continue;
    last.set(key, change.op);
    fresh.push(change);
  }
  if (fresh.length === 0) return;
  const values: ChangeValues = { accountId };
  fresh.forEach((change, i) => {
    values[`kind${i}`] = change.kind;
    values[`entity${i}`] = change.entityId;
    values[`op${i}`] = change.op;
  });
  if (onPostgres(trx)) {
    const rows = await changeWriteOf('postgres', fresh.length).rows(trx, values);
    if (rows.length === 0) throw new Error(`Account ${accountId} is missing`);
    return;
  }
  const row = await advanceSequence.first(trx, { accountId, by: fresh.length });
  if (!row) throw new Error(`Account ${accountId} is missing`);
  const first = Number(row.change_seq) - fresh.length + 1;
  fresh.forEach((_, i) => (values[`seq${i}`] = first + i));
  await changeWriteOf('sqlite', fresh.length).execute(trx, values);
}

/** Records that one entity changed (see `recordChanges`). */
export async function recordChange(trx: Tx, accountId: string, kind: ChangeKind, entityId: string, op: 'upsert' | 'delete'): Promise<void> {
  await recordChanges(trx, accountId, [{ kind, entityId, op }]);
}
