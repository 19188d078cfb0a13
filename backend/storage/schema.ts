/** Table shapes as Kysely sees them. Times are ISO 8601 UTC strings on both engines, so they sort as text. */
import type { Generated } from 'kysely';
import type { FairUseTables } from './fair-use-schema.js';

export interface AccountsTable {
  id: string;
  name: string;
  time_zone: string;
  plan_id: string;
  status: string;
  created_at: string;
  /** The local midnight whose daily free-credit reset (C2) was applied last. */
  free_reset_at: string;
  /** The account's last sync sequence number (changes are numbered per account, under the account's row lock). */
  change_seq: Generated<number>;
}

export interface SubscriptionsTable {
  account_id: string;
  plan_id: string;
  status: string;
  started_at: string;
  anniversary_day: number;
  period: string;
  /** The end of the paid period: the subscription renews (or, cancelled, ends) there. */
  period_ends_at: string;
  /** The anniversary instant of the last monthly grant (A3), so each due date is granted once. */
  last_grant_at: string;
}

export interface GenerationsTable {
  id: string;
  account_id: string;
  tool: string;
  model_id: string;
  prompt: string;
  settings: string;
  workflow: number;
  status: string;
  lane: string;
  cost_credits: number;
  cost_generations: number;
  draws: string;
  refunded: number;
  error: string | null;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  deleted_at: string | null;
  /** 1 when it ran inside an unlimited window (U1) at no cost. */
  unlimited: Generated<number>;
  /** Queue bookkeeping (wall-clock milliseconds, not policy time): attempts, the worker and its heartbeat, measured wait and run. */
  attempts: Generated<number>;
  worker_id: string | null;
  heartbeat_ms: number | null;
  enqueued_us: number | null;
  not_before_ms: number | null;
  wait_ms: number | null;
  run_ms: number | null;
}

export interface UnlimitedWindowsTable {
  id: string;
  account_id: string;
  model_id: string;
  starts_at: string;
  ends_at: string;
  /** When the window's end was applied (and announced); null while it is open. */
  closed_at: string | null;
}

export interface OutputsTable {
  id: string;
  generation_id: string;
  account_id: string;
  idx: number;
  kind: string;
  mime: string;
  bytes: number;
  width: number | null;
  height: number | null;
  duration_s: number | null;
  sha256: string;
  path: string;
  created_at: string;
}

export interface UploadsTable {
  id: string;
  account_id: string;
  mime: string;
  bytes: number;
  width: number;
  height: number;
  sha256: string;
  path: string;
  created_at: string;
}

export interface WorkspacesTable {
  id: string;
  account_id: string;
  name: string;
  created_at: string;
  updated_at: string;
  deleted_at: string | null;
}

export interface WorkspaceItemsTable {
  workspace_id: string;
  generation_id: string;
  account_id: string;
  added_at: string;
}

export interface ChangesTable {
  account_id: string;
  kind: string;
  entity_id: string;
  op: string;
  seq: number;
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

export interface DB extends FairUseTables {
  accounts: AccountsTable;
  account_tokens: AccountTokensTable;
  balances: BalancesTable;
  ledger_entries: LedgerEntriesTable;
  events: EventsTable;
  idempotency_keys: IdempotencyKeysTable;
  subscriptions: SubscriptionsTable;
  generations: GenerationsTable;
  outputs: OutputsTable;
  uploads: UploadsTable;
  workspaces: WorkspacesTable;
  workspace_items: WorkspaceItemsTable;
  changes: ChangesTable;
  unlimited_windows: UnlimitedWindowsTable;
}
