/**
 * The append-only ledger (C9): a balance changes only together with the entry that explains it, in the caller's
 * transaction, and the entry records the balance after it.
 */
import type { Insertable, Transaction } from 'kysely';
import type { BalanceName, LedgerEntry } from '../shared/api.js';
import { prepared } from './db/prepared.js';
import type { DB, LedgerEntriesTable } from './db/schema.js';
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

/** A decrease needs the balance to exist and to cover it (the table's CHECK would refuse the row anyway). */
const decrease = prepared((db, v: { accountId: string; balance: string; amount: number; covered: number }) =>
  db
    .updateTable('balances')
    .set((eb) => ({ amount: eb('amount', '+', v.amount) }))
    .where('account_id', '=', v.accountId)
    .where('name', '=', v.balance)
    .where('amount', '>=', v.covered)
    .returning('amount'),
);
const increase = prepared((db, v: { accountId: string; balance: string; amount: number }) =>
  db
    .insertInto('balances')
    .values({ account_id: v.accountId, name: v.balance, amount: v.amount })
    .onConflict((oc) => oc.columns(['account_id', 'name']).doUpdateSet((eb) => ({ amount: eb('balances.amount', '+', eb.ref('excluded.amount')) })))
    .returning('amount'),
);
const insertEntry = prepared((db, row: Insertable<LedgerEntriesTable>) => db.insertInto('ledger_entries').values(row));

/**
 * Posts one entry: the balance moves by `amount` in the same statement that reads its new value, and the entry records
 * it. An entry that would take a balance below zero throws, and the caller's transaction rolls back with it.
 */
export async function postEntry(trx: Transaction<DB>, accountId: string, entry: EntryInput): Promise<number> {
  const move = { accountId, balance: entry.balance, amount: entry.amount };
  const moved = entry.amount < 0 ? await decrease.first(trx, { ...move, covered: -entry.amount }) : await increase.first(trx, move);
  if (!moved) throw new Error(`Ledger entry would take ${entry.balance} below zero (${await readBalance(trx, accountId, entry.balance)} + ${entry.amount})`);
  const after = Number(moved.amount);
  await insertEntry.execute(trx, {
    account_id: accountId,
    at: entry.at.toISOString(),
    kind: entry.kind,
    balance: entry.balance,
    amount: entry.amount,
    after,
    generation_id: entry.generationId ?? null,
    reason: entry.reason,
  });
  await recordChange(trx, accountId, 'balance', 'balance', 'upsert');
  return after;
}
