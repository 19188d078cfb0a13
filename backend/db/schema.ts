/** Table shapes as Kysely sees them. Times are ISO 8601 UTC strings on both engines, so they sort as text. */
import type { Generated } from 'kysely';

export interface AccountsTable {
  id: string;
  name: string;
  time_zone: string;
  plan_id: string;
  status: string;
  created_at: string;
  /** The local midnight whose daily free-credit reset (C2) was applied last. */
  free_reset_at: string;
}

export interface AccountTokensTable {
  token_hash: string;
  account_id: string;
  created_at: string;
}

export interface BalancesTable {
  account_id: string;
  name: string;
  amount: number;
}

export interface LedgerEntriesTable {
  id: Generated<number>;
  account_id: string;
  at: string;
  kind: string;
  balance: string;
  amount: number;
  after: number;
  generation_id: string | null;
  reason: string;
}

export interface EventsTable {
  id: Generated<number>;
  account_id: string;
  type: string;
  data: string;
  at: string;
}

export interface IdempotencyKeysTable {
  account_id: string;
  key: string;
  route: string;
  request_hash: string;
  status: number;
  response: string | null;
  created_at: string;
}

export interface DB {
  accounts: AccountsTable;
  account_tokens: AccountTokensTable;
  balances: BalancesTable;
  ledger_entries: LedgerEntriesTable;
  events: EventsTable;
  idempotency_keys: IdempotencyKeysTable;
}
