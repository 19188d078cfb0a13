/** The two storage engines (see engine.ts): the statements each runs where the engines differ. */
import { sql } from 'kysely';
import type { Engine, StorageEngine } from './engine.js';
import { entriesInOne, entriesInSteps, postEntries, type EntryWriter } from './ledger.js';
import { prepared } from './prepared.js';
import { freshChanges, writeChangesInOne, writeChangesInTwo, type ChangeWriter, type Tx } from './tx.js';

const DISPATCH_LOCK = 72_261;
const dispatchLock = prepared(() => sql`select pg_advisory_xact_lock(${sql.lit(DISPATCH_LOCK)})`);
const lockRow = prepared((db, v: { id: string }) =>
  db.selectFrom('accounts').select('id').where('id', '=', v.id).forUpdate(),
);
const accountRow = prepared((db, v: { id: string }) => db.selectFrom('accounts').selectAll().where('id', '=', v.id));
const lockedAccountRow = prepared((db, v: { id: string }) =>
  db.selectFrom('accounts').selectAll().where('id', '=', v.id).forUpdate(),
);

/** What both engines do alike, given the statements where they differ. */
function engineWith(
  name: Engine,
  writeEntries: EntryWriter,
  writeChanges: ChangeWriter,
  differences: Pick<
    StorageEngine,
    'exclusive' | 'lockAccount' | 'tryLockAccount' | 'lockedAccount' | 'lockDispatch' | 'recordedWrite'
  >,
): StorageEngine {
  const statements = { writeEntries, writeChanges };
  const recordChanges = (trx: Tx, accountId: string, changes: Parameters<StorageEngine['recordChanges']>[2]) =>
    writeChanges(trx, accountId, freshChanges(trx, accountId, changes));
  return {
    name,
    ...differences,
    post: (trx, accountId, entries, paying) => postEntries(trx, statements, accountId, entries, paying),
    postEntry: async (trx, accountId, entry) => (await postEntries(trx, statements, accountId, [entry]))[0]!,
    recordChanges,
    recordChange: (trx, accountId, kind, entityId, op) => recordChanges(trx, accountId, [{ kind, entityId, op }]),
    writeChanges,
  };
}

/**
 * SQLite: one process owns the file and runs one transaction at a time, so locks are already held; a write and its
 * record are separate statements (each runs in the process, without a round trip).
 */
export const sqliteEngine: StorageEngine = engineWith('sqlite', entriesInSteps(writeChangesInTwo), writeChangesInTwo, {
  exclusive: true,
  lockAccount: async () => {},
  tryLockAccount: async () => true,
  lockedAccount: (trx, accountId) => accountRow.first(trx, { id: accountId }),
  lockDispatch: async () => {},
  recordedWrite: async (write, trx, values, accountId, changes) => {
    const fresh = freshChanges(trx, accountId, changes);
    const row = await write.alone.first(trx, values);
    if (row) await writeChangesInTwo(trx, accountId, fresh);
    return row;
  },
});

/**
 * PostgreSQL: row locks (`FOR UPDATE`) and a transaction-scoped advisory lock for dispatch; a write and its record in
 * one statement, one round trip where two held the account's lock longer.
 */
export const postgresEngine: StorageEngine = engineWith('postgres', entriesInOne, writeChangesInOne, {
  exclusive: false,
  lockAccount: async (trx, accountId) => {
    await lockRow.execute(trx, { id: accountId });
  },
  tryLockAccount: async (trx, accountId) => {
    const row = await trx
      .selectFrom('accounts')
      .select('id')
      .where('id', '=', accountId)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    return row !== undefined;
  },
  lockedAccount: (trx, accountId) => lockedAccountRow.first(trx, { id: accountId }),
  lockDispatch: async (trx) => {
    await dispatchLock.execute(trx, {});
  },
  recordedWrite: async (write, trx, values, accountId, changes) => {
    const fresh = freshChanges(trx, accountId, changes);
    if (fresh.length === 0) return write.alone.first(trx, values);
    return write.withChanges(fresh.length).first(trx, { write: values, record: { accountId, changes: fresh } });
  },
});

export const storageEngines: Record<Engine, StorageEngine> = { sqlite: sqliteEngine, postgres: postgresEngine };
