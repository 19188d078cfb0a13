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
import { sql, type Transaction } from 'kysely';
import type { Engine } from './db/database.js';
import type { DB } from './db/schema.js';

export type Tx = Transaction<DB>;
export type ChangeKind = 'generation' | 'workspace' | 'balance';

export async function lockAccount(trx: Tx, engine: Engine, accountId: string): Promise<void> {
  if (engine === 'postgres') {
    await sql`select id from accounts where id = ${accountId} for update`.execute(trx);
  }
}

/** Records that an entity changed, for /v1/sync: one row per entity, moved to the account's next sequence number. */
export async function recordChange(trx: Tx, accountId: string, kind: ChangeKind, entityId: string, op: 'upsert' | 'delete'): Promise<number> {
  const row = await trx
    .updateTable('accounts')
    .set((eb) => ({ change_seq: eb('change_seq', '+', 1) }))
    .where('id', '=', accountId)
    .returning('change_seq')
    .executeTakeFirstOrThrow();
  const seq = Number(row.change_seq);
  await trx
    .insertInto('changes')
    .values({ account_id: accountId, kind, entity_id: entityId, op, seq })
    .onConflict((oc) => oc.columns(['account_id', 'kind', 'entity_id']).doUpdateSet({ op, seq }))
    .execute();
  return seq;
}
