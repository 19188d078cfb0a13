/**
 * The append-only ledger (C9): a balance changes only together with the entry that explains it, in the caller's
 * transaction, and the entry records the balance after it.
 */
import type { Transaction } from 'kysely';
import type { BalanceName, LedgerEntry } from '../shared/api.js';
import type { DB } from './db/schema.js';
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

/** Every balance of an account, in one statement (a balance never posted to is 0). */
export async function readBalances(trx: Transaction<DB>, accountId: string): Promise<Balances> {
  const rows = await trx.selectFrom('balances').select(['name', 'amount']).where('account_id', '=', accountId).execute();
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

/**
 * Posts one entry: the balance moves by `amount` in the same statement that reads its new value, and the entry records
 * it. An entry that would take a balance below zero throws, and the caller's transaction rolls back with it.
 */
export async function postEntry(trx: Transaction<DB>, accountId: string, entry: EntryInput): Promise<number> {
  const moved =
    entry.amount < 0
      ? // A decrease needs the balance to exist and to cover it (the table's CHECK would refuse the row anyway).
        await trx
          .updateTable('balances')
          .set((eb) => ({ amount: eb('amount', '+', entry.amount) }))
          .where('account_id', '=', accountId)
          .where('name', '=', entry.balance)
          .where('amount', '>=', -entry.amount)
          .returning('amount')
          .executeTakeFirst()
      : await trx
          .insertInto('balances')
          .values({ account_id: accountId, name: entry.balance, amount: entry.amount })
          .onConflict((oc) => oc.columns(['account_id', 'name']).doUpdateSet((eb) => ({ amount: eb('balances.amount', '+', eb.ref('excluded.amount')) })))
          .returning('amount')
          .executeTakeFirst();
  if (!moved) throw new Error(`Ledger entry would take ${entry.balance} below zero (${await readBalance(trx, accountId, entry.balance)} + ${entry.amount})`);
  const after = Number(moved.amount);
  await trx
    .insertInto('ledger_entries')
    .values({
      account_id: accountId,
      at: entry.at.toISOString(),
      kind: entry.kind,
      balance: entry.balance,
      amount: entry.amount,
      after,
      generation_id: entry.generationId ?? null,
      reason: entry.reason,
    })
    .execute();
  await recordChange(trx, accountId, 'balance', 'balance', 'upsert');
  return after;
}
