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

export async function readBalance(trx: Transaction<DB>, accountId: string, balance: BalanceName): Promise<number> {
  const row = await trx
    .selectFrom('balances')
    .select('amount')
    .where('account_id', '=', accountId)
    .where('name', '=', balance)
    .executeTakeFirst();
  return Number(row?.amount ?? 0);
}

export async function postEntry(trx: Transaction<DB>, accountId: string, entry: EntryInput): Promise<number> {
  const before = await readBalance(trx, accountId, entry.balance);
  const after = before + entry.amount;
  if (after < 0) throw new Error(`Ledger entry would take ${entry.balance} below zero (${before} + ${entry.amount})`);
  await trx
    .insertInto('balances')
    .values({ account_id: accountId, name: entry.balance, amount: after })
    .onConflict((oc) => oc.columns(['account_id', 'name']).doUpdateSet({ amount: after }))
    .execute();
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
