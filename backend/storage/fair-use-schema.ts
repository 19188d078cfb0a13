/**
 * Storage of fair use (U7): pauses (flags), appeals, the audit trail of every decision, and the clients seen per account
 * (for credential-sharing detection). Written once with Kysely's schema builder for SQLite and PostgreSQL, in the
 * conventions of storage/migrations.ts: text ids, ISO 8601 UTC text times, integer numbers.
 *
 * `createFairUseTables` is the body of a migration; `FairUseTables` is what the DB interface gains.
 */
import { sql, type Kysely } from 'kysely';

export type FlagSource = 'automatic' | 'reviewer';
export type FlagResolution = 'restored' | 'upheld';
export type AppealStatus = 'open' | 'restored' | 'upheld';
export type AuditActor = 'system' | 'reviewer' | 'user';

/** One pause of unlimited access. Open while `resolved_at` is null; at most one open flag per account. */
export interface FairUseFlagsTable {
  id: string;
  account_id: string;
  /** Numbers the account's flags in order, under the account lock (a test clock standing still gives equal times). */
  seq: number;
  reason: string;
  source: FlagSource;
  created_at: string;
  resolved_at: string | null;
  resolution: FlagResolution | null;
}

/** The user's appeal of one pause; at most one per flag. */
export interface FairUseAppealsTable {
  id: string;
  account_id: string;
  flag_id: string;
  message: string;
  status: AppealStatus;
  created_at: string;
  decided_at: string | null;
  decision_reason: string | null;
}

/** Every fair-use decision with its reason, in order (`seq` per account). */
export interface AuditEntriesTable {
  id: string;
  account_id: string;
  seq: number;
  at: string;
  actor: AuditActor;
  action: string;
  reason: string;
}

/** Which clients (an opaque key chosen by the caller) used an account, and when last. */
export interface ClientSightingsTable {
  account_id: string;
  client_key: string;
  first_seen_at: string;
  last_seen_at: string;
}

export interface FairUseTables {
  fair_use_flags: FairUseFlagsTable;
  fair_use_appeals: FairUseAppealsTable;
  audit_entries: AuditEntriesTable;
  client_sightings: ClientSightingsTable;
}

export async function createFairUseTables(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('fair_use_flags')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addColumn('source', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('resolved_at', 'text')
    .addColumn('resolution', 'text')
    .addCheckConstraint('fair_use_flags_source', sql`source in ('automatic', 'reviewer')`)
    .addCheckConstraint('fair_use_flags_resolution', sql`resolution is null or resolution in ('restored', 'upheld')`)
    .addUniqueConstraint('fair_use_flags_account_seq', ['account_id', 'seq'])
    .execute();
  // U7: one pause at a time; the account lock already serialises writers, this makes it a fact of the data.
  await db.schema
    .createIndex('fair_use_flags_one_open')
    .on('fair_use_flags')
    .column('account_id')
    .unique()
    .where(sql.ref('resolved_at'), 'is', null)
    .execute();

  await db.schema
    .createTable('fair_use_appeals')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('flag_id', 'text', (c) => c.notNull().references('fair_use_flags.id'))
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('decided_at', 'text')
    .addColumn('decision_reason', 'text')
    .addCheckConstraint('fair_use_appeals_status', sql`status in ('open', 'restored', 'upheld')`)
    // U7: the user may appeal once per pause.
    .addUniqueConstraint('fair_use_appeals_one_per_flag', ['flag_id'])
    .execute();
  await db.schema
    .createIndex('fair_use_appeals_by_status')
    .on('fair_use_appeals')
    .columns(['status', 'created_at', 'id'])
    .execute();
  await db.schema
    .createIndex('fair_use_appeals_by_time')
    .on('fair_use_appeals')
    .columns(['created_at', 'id'])
    .execute();

  await db.schema
    .createTable('audit_entries')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('seq', 'integer', (c) => c.notNull())
    .addColumn('at', 'text', (c) => c.notNull())
    .addColumn('actor', 'text', (c) => c.notNull())
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('reason', 'text', (c) => c.notNull())
    .addCheckConstraint('audit_entries_actor', sql`actor in ('system', 'reviewer', 'user')`)
    .addUniqueConstraint('audit_entries_account_seq', ['account_id', 'seq'])
    .execute();

  await db.schema
    .createTable('client_sightings')
    .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
    .addColumn('client_key', 'text', (c) => c.notNull())
    .addColumn('first_seen_at', 'text', (c) => c.notNull())
    .addColumn('last_seen_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('client_sightings_pk', ['account_id', 'client_key'])
    .execute();
  await db.schema
    .createIndex('client_sightings_by_time')
    .on('client_sightings')
    .columns(['account_id', 'last_seen_at'])
    .execute();
}
