/**
 * Schema migrations, written once with Kysely's schema builder for both engines. Each runs in order, once; Kysely's
 * Migrator records them in its own table and takes a lock, so two processes starting together migrate once.
 */
import { sql, type Kysely } from 'kysely';
import { Migrator, type Migration, type MigrationProvider } from 'kysely/migration';
import { createFairUseTables } from './fair-use-schema.js';
import type { Engine } from './engine.js';
import type { DB } from './schema.js';

function autoId(engine: Engine) {
  return engine === 'postgres' ? ('bigserial' as const) : ('integer' as const);
}

function migrationsFor(engine: Engine): Record<string, Migration> {
  return {
    '0001_accounts_ledger_events': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('accounts')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('time_zone', 'text', (c) => c.notNull())
          .addColumn('plan_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('free_reset_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('account_tokens')
          .addColumn('token_hash', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('balances')
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('amount', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('balances_pk', ['account_id', 'name'])
          .addCheckConstraint('balances_not_negative', sql`amount >= 0`)
          .execute();
        await db.schema
          .createTable('ledger_entries')
          .addColumn('id', autoId(engine), (c) =>
            engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('at', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('balance', 'text', (c) => c.notNull())
          .addColumn('amount', 'bigint', (c) => c.notNull())
          .addColumn('after', 'bigint', (c) => c.notNull())
          .addColumn('generation_id', 'text')
          .addColumn('reason', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('ledger_by_account').on('ledger_entries').columns(['account_id', 'id']).execute();
        await db.schema
          .createTable('events')
          .addColumn('id', autoId(engine), (c) =>
            engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
          )
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('type', 'text', (c) => c.notNull())
          .addColumn('data', 'text', (c) => c.notNull())
          .addColumn('at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('events_by_account').on('events').columns(['account_id', 'id']).execute();
        await db.schema
          .createTable('idempotency_keys')
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('key', 'text', (c) => c.notNull())
          .addColumn('route', 'text', (c) => c.notNull())
          .addColumn('request_hash', 'text', (c) => c.notNull())
          .addColumn('status', 'integer', (c) => c.notNull())
          .addColumn('response', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('idempotency_keys_pk', ['account_id', 'key'])
          .execute();
      },
    },
    '0002_subscriptions_generations_history': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable('accounts')
          .addColumn('change_seq', 'bigint', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .createTable('subscriptions')
          .addColumn('account_id', 'text', (c) => c.primaryKey().references('accounts.id'))
          .addColumn('plan_id', 'text', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text', (c) => c.notNull())
          .addColumn('anniversary_day', 'integer', (c) => c.notNull())
          .addColumn('period', 'text', (c) => c.notNull())
          .addColumn('period_ends_at', 'text', (c) => c.notNull())
          .addColumn('last_grant_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('generations')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('tool', 'text', (c) => c.notNull())
          .addColumn('model_id', 'text', (c) => c.notNull())
          .addColumn('prompt', 'text', (c) => c.notNull())
          .addColumn('settings', 'text', (c) => c.notNull())
          .addColumn('workflow', 'integer', (c) => c.notNull())
          .addColumn('status', 'text', (c) => c.notNull())
          .addColumn('lane', 'text', (c) => c.notNull())
          .addColumn('cost_credits', 'bigint', (c) => c.notNull())
          .addColumn('cost_generations', 'integer', (c) => c.notNull())
          .addColumn('draws', 'text', (c) => c.notNull())
          .addColumn('refunded', 'integer', (c) => c.notNull())
          .addColumn('error', 'text')
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('started_at', 'text')
          .addColumn('finished_at', 'text')
          .addColumn('deleted_at', 'text')
          .execute();
        await db.schema
          .createIndex('generations_by_account_time')
          .on('generations')
          .columns(['account_id', 'created_at', 'id'])
          .execute();
        await db.schema
          .createIndex('generations_by_status')
          .on('generations')
          .columns(['status', 'created_at'])
          .execute();
        await db.schema
          .createTable('outputs')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('generation_id', 'text', (c) => c.notNull().references('generations.id'))
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('idx', 'integer', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('mime', 'text', (c) => c.notNull())
          .addColumn('bytes', 'bigint', (c) => c.notNull())
          .addColumn('width', 'integer')
          .addColumn('height', 'integer')
          .addColumn('duration_s', 'real')
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema.createIndex('outputs_by_generation').on('outputs').columns(['generation_id', 'idx']).execute();
        await db.schema
          .createTable('uploads')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('mime', 'text', (c) => c.notNull())
          .addColumn('bytes', 'bigint', (c) => c.notNull())
          .addColumn('width', 'integer', (c) => c.notNull())
          .addColumn('height', 'integer', (c) => c.notNull())
          .addColumn('sha256', 'text', (c) => c.notNull())
          .addColumn('path', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .execute();
        await db.schema
          .createTable('workspaces')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('name', 'text', (c) => c.notNull())
          .addColumn('created_at', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'text', (c) => c.notNull())
          .addColumn('deleted_at', 'text')
          .execute();
        await db.schema
          .createTable('workspace_items')
          .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
          .addColumn('generation_id', 'text', (c) => c.notNull().references('generations.id'))
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('added_at', 'text', (c) => c.notNull())
          .addPrimaryKeyConstraint('workspace_items_pk', ['workspace_id', 'generation_id'])
          .execute();
        await db.schema
          .createIndex('workspace_items_by_generation')
          .on('workspace_items')
          .columns(['generation_id'])
          .execute();
        await db.schema
          .createTable('changes')
          .addColumn('account_id', 'text', (c) => c.notNull())
          .addColumn('kind', 'text', (c) => c.notNull())
          .addColumn('entity_id', 'text', (c) => c.notNull())
          .addColumn('op', 'text', (c) => c.notNull())
          .addColumn('seq', 'bigint', (c) => c.notNull())
          .addPrimaryKeyConstraint('changes_pk', ['account_id', 'kind', 'entity_id'])
          .execute();
        await db.schema.createIndex('changes_by_seq').on('changes').columns(['account_id', 'seq']).execute();
      },
    },
    '0003_unlimited_windows_and_queues': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable('unlimited_windows')
          .addColumn('id', 'text', (c) => c.primaryKey())
          .addColumn('account_id', 'text', (c) => c.notNull().references('accounts.id'))
          .addColumn('model_id', 'text', (c) => c.notNull())
          .addColumn('starts_at', 'text', (c) => c.notNull())
          .addColumn('ends_at', 'text', (c) => c.notNull())
          .addColumn('closed_at', 'text')
          .execute();
        await db.schema
          .createIndex('unlimited_windows_by_account')
          .on('unlimited_windows')
          .columns(['account_id', 'model_id', 'ends_at'])
          .execute();
        await db.schema
          .createIndex('unlimited_windows_open')
          .on('unlimited_windows')
          .columns(['closed_at', 'ends_at'])
          .execute();
        await db.schema
          .alterTable('generations')
          .addColumn('unlimited', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema
          .alterTable('generations')
          .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
          .execute();
        await db.schema.alterTable('generations').addColumn('worker_id', 'text').execute();
        await db.schema.alterTable('generations').addColumn('heartbeat_ms', 'bigint').execute();
        await db.schema.alterTable('generations').addColumn('enqueued_us', 'bigint').execute();
        await db.schema.alterTable('generations').addColumn('not_before_ms', 'bigint').execute();
        await db.schema.alterTable('generations').addColumn('wait_ms', 'bigint').execute();
        await db.schema.alterTable('generations').addColumn('run_ms', 'bigint').execute();
        await db.schema
          .createIndex('generations_queue')
          .on('generations')
          .columns(['status', 'enqueued_us', 'id'])
          .execute();
        await db.schema
          .createIndex('generations_fast_usage')
          .on('generations')
          .columns(['account_id', 'unlimited', 'created_at'])
          .execute();
      },
    },
    '0004_fair_use': {
      up: (db: Kysely<unknown>) => createFairUseTables(db),
    },
    '0005_queue_recent_by_account': {
      // U8's slowdown counts each account's recent enqueues at every dispatch: without this index that read walks all
      // of an account's history.
      up: async (db: Kysely<unknown>) => {
        await db.schema
          .createIndex('generations_enqueued_by_account')
          .on('generations')
          .columns(['account_id', 'enqueued_us'])
          .execute();
        // Each lane is read along its own range, in FIFO order. This index also serves every lookup by status, so the
        // two it replaces go: every charge writes each index of the generations table.
        await db.schema
          .createIndex('generations_queue_by_lane')
          .on('generations')
          .columns(['status', 'lane', 'enqueued_us', 'id'])
          .execute();
        await db.schema.dropIndex('generations_queue').execute();
        await db.schema.dropIndex('generations_by_status').execute();
        // Jobs queued before enqueue stamps existed go first, in their order of creation, just before every stamped job.
        const queue = db as Kysely<DB>;
        const oldest = await queue
          .selectFrom('generations')
          .select((eb) => eb.fn.min('enqueued_us').as('first'))
          .executeTakeFirst();
        const first = oldest?.first == null ? Date.now() * 1000 : Number(oldest.first);
        const unstamped = await queue
          .selectFrom('generations')
          .select('id')
          .where('status', '=', 'queued')
          .where('enqueued_us', 'is', null)
          .orderBy('created_at')
          .orderBy('id')
          .execute();
        for (const [i, { id }] of unstamped.entries()) {
          await queue
            .updateTable('generations')
            .set({ enqueued_us: first - unstamped.length + i })
            .where('id', '=', id)
            .execute();
        }
      },
    },
    '0006_unlimited_usage_partial': {
      // U4 counts an account's unlimited use of today. An index of unlimited generations only serves that count, and a
      // charge paid in credits no longer writes it: one page fewer in the log for each of those charges.
      up: async (db: Kysely<unknown>) => {
        await db.schema
          .createIndex('generations_unlimited_usage')
          .on('generations')
          .columns(['account_id', 'created_at'])
          .where(sql.ref('unlimited'), '=', 1)
          .execute();
        await db.schema.dropIndex('generations_fast_usage').execute();
      },
    },
  };
}

/** The names of every migration this version knows, in order (a restore refuses a copy with others). */
export const migrationNames = (engine: Engine): string[] => Object.keys(migrationsFor(engine)).sort();

export async function migrateToLatest(db: Kysely<unknown>, engine: Engine): Promise<void> {
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(engine) };
  const migrator = new Migrator({ db, provider });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error || failed) {
    throw new Error(
      `Database migration ${failed?.migrationName ?? ''} failed: ${(error as Error | undefined)?.message ?? 'unknown error'}`,
    );
  }
}

/** Migrations this version knows that the database has not run (none when it is current); readiness reads it. */
export async function pendingMigrations(db: Kysely<unknown>, engine: Engine): Promise<string[]> {
  const provider: MigrationProvider = { getMigrations: async () => migrationsFor(engine) };
  const known = await new Migrator({ db, provider }).getMigrations();
  return known.filter((m) => m.executedAt === undefined).map((m) => m.name);
}
