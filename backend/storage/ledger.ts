/**
 * The append-only ledger (C9): a balance changes only together with the entry that explains it, in the caller's
 * transaction, and the entry records the balance after it.
 */
import { sql, type Insertable, type QueryCreator, type Transaction } from 'kysely';
import type { BalanceName, LedgerEntry } from '../../shared/api.js';
import { onPostgres, prepared } from './prepared.js';
import type { DB, LedgerEntriesTable } from './schema.js';
import { recordChange } from './tx.js';

export type LedgerKind = LedgerEntry['kind'];

export interface EntryInput {
  kind: LedgerKind;
  balance: BalanceName;
  /** Signed change: positive for grants, top-ups and refunds, negative for debits and expiries. */
  amount: number;
  reason: string;
  at: Date;
  generationId?: string | undefined;
}

export type Balances = Record<BalanceName, number>;

const balanceRows = prepared((db, v: { accountId: string }) => db.selectFrom('balances').select(['name', 'amount']).where('account_id', '=', v.accountId));

/** Every balance of an account, in one statement (a balance never posted to is 0). */
export async function readBalances(trx: Transaction<DB>, accountId: string): Promise<Balances> {
  const rows = await balanceRows.rows(trx, { accountId });
  const balances: Balances = { free: 0, subscription: 0, topup: 0, generations: 0 };
  for (const row of rows) balances[row.name as BalanceName] = Number(row.amount);
  return balances;
}

export async function readBalance(trx: Transaction<DB>, accountId: string, balance: BalanceName): Promise<number> {
  const row = await trx
    .selectFrom('balances')
    .select('amount')
    .where('account_id', '=', accountId)
    .where('name', '=', balance)
    .executeTakeFirst();
  return Number(row?.amount ?? 0);
}

export type EntryRow = Omit<Insertable<LedgerEntriesTable>, 'id' | 'after'>;

/** A decrease needs the balance to exist and to cover it (the table's CHECK would refuse the row anyway). */
const decreaseOf = (db: QueryCreator<DB>, v: EntryRow) =>
  db
    .updateTable('balances')
    .set((eb) => ({ amount: eb('amount', '+', v.amount) }))
    .where('account_id', '=', v.account_id)
    .where('name', '=', v.balance)
    .where('amount', '>=', (eb) => eb.neg(eb.cast<number>(eb.val(v.amount), 'bigint')))
    .returning('amount');
const increaseOf = (db: QueryCreator<DB>, v: EntryRow) =>
  db
    .insertInto('balances')
    .values({ account_id: v.account_id, name: v.balance, amount: v.amount })
    .onConflict((oc) => oc.columns(['account_id', 'name']).doUpdateSet((eb) => ({ amount: eb('balances.amount', '+', eb.ref('excluded.amount')) })))
    .returning('amount');
export const moves = { decrease: decreaseOf, increase: increaseOf };
export type Direction = keyof typeof moves;

/** SQLite: the move, then the entry. */
const moved = {
  decrease: prepared((db, v: EntryRow) => decreaseOf(db, v)),
  increase: prepared((db, v: EntryRow) => increaseOf(db, v)),
};
const insertEntry = prepared((db, row: Insertable<LedgerEntriesTable>) => db.insertInto('ledger_entries').values(row));

/**
 * PostgreSQL, as the part of one statement (a data-modifying WITH) that follows a move named `move`: the entry, taking
 * the balance after it from the move. A move that changed nothing (a decrease the balance does not cover) leaves no
 * entry either. One round trip where two held the account's lock longer; SQLite has no such statement, and its two
 * calls stay in the process.
 */
export function enteredAfter(move: string, v: EntryRow) {
  return sql<{ after: number }>`insert into ledger_entries (account_id, at, kind, balance, amount, after, generation_id, reason)
    select ${v.account_id}::text, ${v.at}::text, ${v.kind}::text, ${v.balance}::text, ${v.amount}::bigint, ${sql.ref(`${move}.amount`)},
      ${v.generation_id}::text, ${v.reason}::text
    from ${sql.table(move)}
    returning after`;
}

const enteredOf = (direction: Direction) => prepared((db, v: EntryRow) => sql<{ after: number }>`with moved as (${moves[direction](db, v)}) ${enteredAfter('moved', v)}`);
const entered = { decrease: enteredOf('decrease'), increase: enteredOf('increase') };

export function entryRow(accountId: string, entry: EntryInput): EntryRow {
  return {
    account_id: accountId,
    at: entry.at.toISOString(),
    kind: entry.kind,
    balance: entry.balance,
    amount: entry.amount,
    generation_id: entry.generationId ?? null,
    reason: entry.reason,
  };
}

export const directionOf = (entry: EntryInput): Direction => (entry.amount < 0 ? 'decrease' : 'increase');

/** The error of an entry whose move changed nothing: one that would take its balance below zero. */
export async function belowZero(trx: Transaction<DB>, accountId: string, entry: EntryInput): Promise<Error> {
  return new Error(`Ledger entry would take ${entry.balance} below zero (${await readBalance(trx, accountId, entry.balance)} + ${entry.amount})`);
}

/**
 * Posts one entry: the balance moves by `amount` in the same statement that reads its new value, and the entry records
 * it. An entry that would take a balance below zero throws, and the caller's transaction rolls back with it.
 */
export async function postEntry(trx: Transaction<DB>, accountId: string, entry: EntryInput): Promise<number> {
  const row = entryRow(accountId, entry);
  const direction = directionOf(entry);
  let after: number | undefined;
  if (onPostgres(trx)) {
    const written = await entered[direction].first(trx, row);
    after = written && Number(written.after);
  } else {
    const balance = await moved[direction].first(trx, row);
    if (balance) {
      after = Number(balance.amount);
      await insertEntry.execute(trx, { ...row, after });
    }
  }
  if (after === undefined) throw await belowZero(trx, accountId, entry);
  await recordChange(trx, accountId, 'balance', 'balance', 'upsert');
  return after;
}
