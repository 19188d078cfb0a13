/**
 * The charge path made short (docs/PERFORMANCE.md#the-charge-path): the pieces it is built of keep their guarantees.
 *  - the change log takes one step per transaction and still names every entity that changed (H1, /v1/sync);
 *  - a ledger posting that would go below zero fails with a clear message and leaves nothing behind (C9);
 *  - grants and the free reset that are due are applied inside the charge itself, so it sees them, and a refused
 *    charge leaves them for the next look (C2, A3);
 *  - the queue's overview reads a long queue in pages and still numbers every waiting job exactly, and claims that reuse
 *    a reading of the queue take each job once (U8);
 *  - prepared queries (compiled once) run with each call's own values;
 *  - SQLite's write-ahead log is checkpointed by a worker thread, and nothing is lost at close; closing PostgreSQL
 *    leaves no connection behind;
 *  - events published together are stored by one statement, in the order published (H1, /v1/events);
 *  - a replayed Idempotency-Key announces nothing new;
 *  - on PostgreSQL the workers have connections of their own, so a flood of requests cannot stall the queue, and a
 *    claim passes over the jobs of an account whose row a charge holds.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GenerationRequest, ServerEvent } from '../../../shared/api.js';
import { Accounts } from '../../../backend/domain/accounts.js';
import { loadCatalog } from '../../../backend/catalog.js';
import { TestClock } from '../../../backend/clock.js';
import { parseOperationsConfig } from '../../../backend/config.js';
import { openDatabase, type Database } from '../../../backend/storage/database.js';
import { prepared } from '../../../backend/storage/prepared.js';
import { EventLog } from '../../../backend/storage/events.js';
import { Generations } from '../../../backend/domain/generations.js';
import { readBalances } from '../../../backend/storage/ledger.js';
import { Charges, lockedChargeState } from '../../../backend/policy/charges.js';
import type { PolicyContext } from '../../../backend/policy/context.js';
import { DueWork } from '../../../backend/policy/due-work.js';
import { readSubscription, Subscriptions } from '../../../backend/policy/subscriptions.js';
import { ApiProblem } from '../../../backend/problem.js';
import { JobQueue } from '../../../backend/queue/job-queue.js';
import { startBackend } from '../../support/backend.js';
import { engines, freshDatabaseUrl, ScriptedProvider, type FreshDatabase } from '../../support/engines.js';
import { eventually } from '../../support/gated-provider.js';

const catalog = loadCatalog();
const SPARK: GenerationRequest = {
  tool: 'text-to-image',
  modelId: 'spark-image',
  prompt: 'a kite over the dunes',
  settings: { outputs: 1 },
};
/** 10:00 in Berlin on a Tuesday: the next local midnight is 14 hours on. */
const START = new Date('2026-03-10T09:00:00.000Z');

/** The policy services over one database, with a test clock that moves without applying any due work by itself. */
function servicesOn(database: Database, clock: TestClock) {
  const ctx: PolicyContext = {
    db: database.db,
    storage: database.storage,
    catalog,
    clock,
    events: new EventLog(database.db, clock),
    config: parseOperationsConfig({}),
  };
  const subscriptions = new Subscriptions(ctx);
  const dueWork = new DueWork(ctx, subscriptions, async () => {});
  const generations = new Generations(ctx, new Charges(ctx), dueWork);
  return {
    ctx,
    subscriptions,
    dueWork,
    generations,
    accounts: new Accounts(database.db, database.storage, catalog, clock, subscriptions),
    queue: new JobQueue(ctx, generations),
  };
}

/** Runs `test` on a fresh PostgreSQL database, opened as the backend opens it; closes and drops it afterwards. */
async function onFreshPostgres(test: (database: Database, url: string) => Promise<void>): Promise<void> {
  const fresh = await freshDatabaseUrl();
  const dataDir = mkdtempSync(join(tmpdir(), 'companion-fresh-pg-'));
  const database = await openDatabase({ dataDir, databaseUrl: fresh.url });
  try {
    await test(database, fresh.url);
  } finally {
    await database.close();
    await fresh.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

describe.each(engines)('the charge path on %s', (engine) => {
  let dataDir: string;
  let fresh: FreshDatabase | undefined;
  let database: Database;
  let clock: TestClock;
  let s: ReturnType<typeof servicesOn>;

  beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'companion-charge-path-'));
    fresh = engine === 'postgres' ? await freshDatabaseUrl() : undefined;
    database = await openDatabase({ dataDir, databaseUrl: fresh?.url });
    clock = new TestClock(START);
    s = servicesOn(database, clock);
  });

  afterEach(async () => {
    await database.close();
    await fresh?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const ledgerOf = (accountId: string) =>
    database.db
      .selectFrom('ledger_entries')
      .select(['kind', 'balance', 'amount', 'after', 'reason'])
      .where('account_id', '=', accountId)
      .orderBy('id')
      .execute();
  const changesOf = (accountId: string) =>
    database.db
      .selectFrom('changes')
      .select(['kind', 'entity_id', 'seq'])
      .where('account_id', '=', accountId)
      .orderBy('seq')
      .execute();

  it('H1: one transaction takes one step of the change sequence per entity, however often it changes one', async () => {
    const { account } = await s.accounts.create({ name: 'Changes', timeZone: 'UTC' });
    const before = await database.db
      .selectFrom('accounts')
      .select('change_seq')
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow();
    await database.db.transaction().execute(async (trx) => {
      await database.storage.recordChanges(trx, account.id, [
        { kind: 'generation', entityId: 'gen_a', op: 'upsert' },
        { kind: 'balance', entityId: 'balance', op: 'upsert' },
      ]);
      // The same entity changed the same way again: already covered.
      await database.storage.recordChanges(trx, account.id, [{ kind: 'generation', entityId: 'gen_a', op: 'upsert' }]);
      // Deleted afterwards: that is news, with a later number.
      await database.storage.recordChanges(trx, account.id, [{ kind: 'generation', entityId: 'gen_a', op: 'delete' }]);
    });
    const after = await database.db
      .selectFrom('accounts')
      .select('change_seq')
      .where('id', '=', account.id)
      .executeTakeFirstOrThrow();
    expect(Number(after.change_seq) - Number(before.change_seq)).toBe(3);
    const changes = await database.db
      .selectFrom('changes')
      .select(['kind', 'entity_id', 'op', 'seq'])
      .where('account_id', '=', account.id)
      .where('seq', '>', Number(before.change_seq))
      .orderBy('seq')
      .execute();
    expect(changes.map((c) => [c.kind, c.entity_id, c.op, Number(c.seq) - Number(before.change_seq)])).toEqual([
      ['balance', 'balance', 'upsert', 2],
      ['generation', 'gen_a', 'delete', 3],
    ]);
  });

  it('C5, C6, U1: a charge reads the account, its subscription, every balance and the open window in one statement, the same as read apart', async () => {
    const { account } = await s.accounts.create({ name: 'State', timeZone: 'Europe/Berlin' });
    const apart = async () =>
      database.db.transaction().execute(async (trx) => ({
        subscription: await readSubscription(trx, account.id),
        balances: await readBalances(trx, account.id),
      }));
    const together = (modelId = 'spark-image', at = clock.now()) =>
      database.db.transaction().execute((trx) => lockedChargeState(trx, database.storage, account.id, modelId, at));

    // No subscription yet, and balances never posted to read as 0.
    let state = await together();
    expect(state?.account).toEqual(
      await database.db.selectFrom('accounts').selectAll().where('id', '=', account.id).executeTakeFirstOrThrow(),
    );
    expect(state?.subscription).toBeNull();
    expect(state?.balances).toEqual({ free: catalog.dailyFreeCredits, subscription: 0, topup: 0, generations: 0 });
    expect(state?.window).toBeNull();

    await database.db.transaction().execute((trx) => s.subscriptions.subscribe(trx, account.id, 'standard'));
    await database.db.transaction().execute((trx) => s.subscriptions.buyTopup(trx, account.id, 300));
    state = await together();
    const expected = await apart();
    expect(state?.subscription).toEqual(expected.subscription);
    expect(state?.subscription?.plan_id).toBe('standard');
    expect(state?.balances).toEqual(expected.balances);
    expect(state?.balances.topup).toBe(300);
    // Standard opens 7 days of unlimited Spark Image (U1): read for that model, at an instant inside it only.
    const windows = await database.db
      .selectFrom('unlimited_windows')
      .select(['model_id', 'starts_at', 'ends_at'])
      .where('account_id', '=', account.id)
      .where('model_id', '=', 'spark-image')
      .execute();
    expect(windows).toHaveLength(1);
    expect(state?.window).toEqual(windows[0]);
    expect((await together('motion-video'))?.window).toBeNull();
    expect((await together('spark-image', new Date(Date.parse(windows[0]!.ends_at) + 1)))?.window).toBeNull();
    expect((await together('spark-image', new Date(Date.parse(windows[0]!.starts_at) - 1)))?.window).toBeNull();
    expect(
      await database.db
        .transaction()
        .execute((trx) => lockedChargeState(trx, database.storage, 'acct_missing', 'spark-image', clock.now())),
    ).toBeUndefined();
  });

  it('prepared queries: one compiled statement serves every run with its own values, whole rows included', async () => {
    const first = (await s.accounts.create({ name: 'First', timeZone: 'UTC' })).account;
    const second = (await s.accounts.create({ name: 'Second', timeZone: 'Europe/Berlin' })).account;
    const byId = prepared((db, v: { id: string }) =>
      db.selectFrom('accounts').select(['id', 'name', 'time_zone']).where('id', '=', v.id),
    );
    expect(await byId.first(database.db, { id: first.id })).toEqual({ id: first.id, name: 'First', time_zone: 'UTC' });
    expect(await byId.first(database.db, { id: second.id })).toEqual({
      id: second.id,
      name: 'Second',
      time_zone: 'Europe/Berlin',
    });
    expect(await byId.first(database.db, { id: 'acct_none' })).toBeUndefined();

    // A whole row: its keys fix the columns, each run brings its own values (null included).
    const insert = prepared(
      (db, row: { account_id: string; kind: string; entity_id: string; op: string; seq: number }) =>
        db.insertInto('changes').values(row),
    );
    await insert.execute(database.db, {
      account_id: first.id,
      kind: 'workspace',
      entity_id: 'ws_a',
      op: 'upsert',
      seq: 1_000,
    });
    await insert.execute(database.db, {
      account_id: second.id,
      kind: 'workspace',
      entity_id: 'ws_b',
      op: 'delete',
      seq: 2_000,
    });
    const rows = await database.db
      .selectFrom('changes')
      .select(['account_id', 'entity_id', 'op', 'seq'])
      .where('kind', '=', 'workspace')
      .orderBy('seq')
      .execute();
    expect(rows.map((r) => [r.account_id, r.entity_id, r.op, Number(r.seq)])).toEqual([
      [first.id, 'ws_a', 'upsert', 1_000],
      [second.id, 'ws_b', 'delete', 2_000],
    ]);

    // A whole row from inside the values, and values from a list, by position.
    const nested = prepared(
      (
        db,
        v: { row: { account_id: string; kind: string; entity_id: string; op: string; seq: number }; ids: string[] },
      ) =>
        db
          .insertInto('changes')
          .values(v.row)
          .onConflict((oc) =>
            oc.columns(['account_id', 'kind', 'entity_id']).doUpdateSet({ seq: v.row.seq, entity_id: v.ids[1]! }),
          ),
    );
    await nested.execute(database.db, {
      row: { account_id: first.id, kind: 'workspace', entity_id: 'ws_c', op: 'upsert', seq: 3_000 },
      ids: ['unused', 'ws_d'],
    });
    await nested.execute(database.db, {
      row: { account_id: first.id, kind: 'workspace', entity_id: 'ws_c', op: 'upsert', seq: 4_000 },
      ids: ['unused', 'ws_e'],
    });
    const moved = await database.db
      .selectFrom('changes')
      .select(['entity_id', 'seq'])
      .where('account_id', '=', first.id)
      .where('seq', '>=', 3_000)
      .execute();
    expect(moved.map((r) => [r.entity_id, Number(r.seq)])).toEqual([['ws_e', 4_000]]);

    // Built once, so a build function may not decide anything by a value: it would hold for every later run.
    const looks = prepared((db, v: { limit: number }) =>
      db
        .selectFrom('accounts')
        .selectAll()
        .limit(v.limit > 1 ? 10 : 1),
    );
    await expect(looks.rows(database.db, { limit: 5 })).rejects.toThrow(
      'used the value "limit"; it may only pass values into the query',
    );
    const looksDeeper = prepared((db, v: { page: { limit: number } }) =>
      db
        .selectFrom('accounts')
        .selectAll()
        .limit(v.page.limit > 1 ? 10 : 1),
    );
    await expect(looksDeeper.rows(database.db, { page: { limit: 5 } })).rejects.toThrow('used the value "page.limit"');
  });

  it('U8: claims that reuse a reading of the queue still take each job once, skip what another worker took, and see new work at once', async () => {
    const jobs = [];
    for (const name of ['One', 'Two', 'Three']) {
      const { account } = await s.accounts.create({ name, timeZone: 'UTC' });
      jobs.push(await database.db.transaction().execute((trx) => s.generations.create(trx, account.id, SPARK)));
    }
    // Another process's queue on the same database: a reading of its own.
    const elsewhere = servicesOn(database, clock).queue;
    const idle = { running: 0, relaxed: 0 };
    expect((await s.queue.claimNext('here', 8, idle)).job?.id).toBe(jobs[0]!.id);
    expect((await elsewhere.claimNext('elsewhere', 8, idle)).job?.id).toBe(jobs[1]!.id);
    // The reading here still lists the second job: the claim finds it taken and chooses again.
    expect((await s.queue.claimNext('here', 8, { running: 1, relaxed: 0 })).job?.id).toBe(jobs[2]!.id);
    expect(await s.queue.claimNext('here', 8, { running: 2, relaxed: 0 })).toEqual({ job: null, moreWaiting: false });
    // Queued right after a claim that found nothing: the next claim sees it.
    const { account } = await s.accounts.create({ name: 'Four', timeZone: 'UTC' });
    const fourth = await database.db.transaction().execute((trx) => s.generations.create(trx, account.id, SPARK));
    expect((await s.queue.claimNext('here', 8, { running: 2, relaxed: 0 })).job?.id).toBe(fourth.id);
    const owners = await database.db
      .selectFrom('generations')
      .select(['id', 'worker_id'])
      .where('status', '=', 'running')
      .orderBy('worker_id')
      .orderBy('id')
      .execute();
    expect(owners.map((o) => [o.id, o.worker_id]).sort()).toEqual(
      [
        [jobs[0]!.id, 'here'],
        [jobs[1]!.id, 'elsewhere'],
        [jobs[2]!.id, 'here'],
        [fourth.id, 'here'],
      ].sort(),
    );
  });

  it('H1: events published in one turn are stored together, numbered in the order published, and each listener hears its own in order', async () => {
    const accounts: string[] = [];
    for (const name of ['Events A', 'Events B', 'Events C'])
      accounts.push((await s.accounts.create({ name, timeZone: 'UTC' })).account.id);
    const heard = new Map<string, number[]>(accounts.map((id) => [id, []]));
    const unsubscribe = accounts.map((id) => s.ctx.events.subscribe(id, (event) => heard.get(id)!.push(event.id)));
    const before = await Promise.all(accounts.map((id) => s.ctx.events.latestId(id)));
    // 1,200 events in one turn: more than one statement's worth (500). The log stores whatever data it is given: a
    // number in each shows the order.
    const published = await Promise.all(
      Array.from({ length: 1_200 }, (_, i) =>
        s.ctx.events.publish(accounts[i % 3]!, { type: 'account', data: { n: i } } as unknown as ServerEvent),
      ),
    );
    for (const stop of unsubscribe) stop();
    const ids = published.map((e) => e.id);
    expect(ids.every((id, i) => i === 0 || id > ids[i - 1]!)).toBe(true);
    for (const [k, id] of accounts.entries()) {
      const stored = await s.ctx.events.since(id, before[k]!);
      const mine = published.filter((_, i) => i % 3 === k);
      expect(stored.map((e) => [e.id, (e.data as { n: number }).n])).toEqual(
        mine.map((e) => [e.id, (e.data as { n: number }).n]),
      );
      expect(heard.get(id)).toEqual(mine.map((e) => e.id));
    }
  });

  it('C9: an entry that would take a balance below zero fails with a clear message, and nothing of its transaction stays', async () => {
    const { account } = await s.accounts.create({ name: 'Below zero', timeZone: 'UTC' });
    const entriesBefore = await ledgerOf(account.id);
    const attempt = database.db.transaction().execute(async (trx) => {
      await database.storage.postEntry(trx, account.id, {
        kind: 'grant',
        balance: 'free',
        amount: 5,
        reason: 'test: a grant first',
        at: clock.now(),
      });
      await database.storage.postEntry(trx, account.id, {
        kind: 'debit',
        balance: 'topup',
        amount: -1,
        reason: 'test: more than there is',
        at: clock.now(),
      });
    });
    await expect(attempt).rejects.toThrow('Ledger entry would take topup below zero (0 + -1)');
    expect(await ledgerOf(account.id)).toEqual(entriesBefore);
    const free = await database.db
      .selectFrom('balances')
      .select('amount')
      .where('account_id', '=', account.id)
      .where('name', '=', 'free')
      .executeTakeFirstOrThrow();
    expect(Number(free.amount)).toBe(catalog.dailyFreeCredits);
  });

  it('C9: a charge whose debits the balances do not cover fails with a clear message, and writes no generation, change or entry', async () => {
    const { account } = await s.accounts.create({ name: 'Overdrawn', timeZone: 'UTC' });
    // A quote that went wrong: it draws twice the free credits there are. The charge's own writes must still refuse it.
    class Overdrawing extends Charges {
      override debitEntries(...args: Parameters<Charges['debitEntries']>) {
        return super.debitEntries(...args).map((entry) => ({ ...entry, amount: -2 * catalog.dailyFreeCredits }));
      }
    }
    const generations = new Generations(s.ctx, new Overdrawing(s.ctx), s.dueWork);
    const before = { entries: await ledgerOf(account.id), changes: await changesOf(account.id) };
    const attempt = database.db.transaction().execute((trx) => generations.create(trx, account.id, SPARK));
    await expect(attempt).rejects.toThrow(
      `Ledger entry would take free below zero (${catalog.dailyFreeCredits} + ${-2 * catalog.dailyFreeCredits})`,
    );
    expect(
      await database.db.selectFrom('generations').select('id').where('account_id', '=', account.id).execute(),
    ).toEqual([]);
    expect({ entries: await ledgerOf(account.id), changes: await changesOf(account.id) }).toEqual(before);
    // The same charge, priced right, goes through.
    const charged = await database.db.transaction().execute((trx) => s.generations.create(trx, account.id, SPARK));
    expect(
      (await ledgerOf(account.id))
        .slice(before.entries.length)
        .map((e) => [e.kind, e.balance, Number(e.amount), Number(e.after)]),
    ).toEqual([['debit', 'free', -6, catalog.dailyFreeCredits - 6]]);
    expect((await changesOf(account.id)).slice(-2).map((c) => [c.kind, c.entity_id])).toEqual([
      ['generation', charged.id],
      ['balance', 'balance'],
    ]);
  });

  it('C2: a charge after local midnight first resets the free credits, in its own transaction, and pays from the new ones', async () => {
    const { account } = await s.accounts.create({ name: 'Midnight', timeZone: 'Europe/Berlin' });
    await database.db.transaction().execute((trx) => s.generations.create(trx, account.id, SPARK));
    // 00:30 the next day in Berlin; nothing has looked at the account since.
    await clock.set(new Date('2026-03-10T23:30:00.000Z'));
    await database.db.transaction().execute((trx) => s.generations.create(trx, account.id, SPARK));
    const entries = (await ledgerOf(account.id)).map((e) => [e.kind, e.balance, Number(e.amount), Number(e.after)]);
    const daily = catalog.dailyFreeCredits;
    expect(entries).toEqual([
      ['grant', 'free', daily, daily],
      ['debit', 'free', -6, daily - 6],
      ['expire', 'free', -(daily - 6), 0],
      ['grant', 'free', daily, daily],
      ['debit', 'free', -6, daily - 6],
    ]);
  });

  it('C2/C7: a refused charge rolls its due reset back with it; the next look at the account applies the reset once', async () => {
    const { account } = await s.accounts.create({ name: 'Refused', timeZone: 'UTC' });
    await clock.set(new Date('2026-03-11T00:05:00.000Z'));
    const tooDear: GenerationRequest = {
      tool: 'text-to-video',
      modelId: 'motion-video',
      prompt: 'a long tracking shot',
      settings: { outputs: 1, durationS: 10 },
    };
    const refused = await database.db
      .transaction()
      .execute((trx) => s.generations.create(trx, account.id, tooDear))
      .then(
        () => null,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(ApiProblem);
    expect((refused as ApiProblem).code).toBe('insufficient_credits');
    expect((await ledgerOf(account.id)).map((e) => e.kind)).toEqual(['grant']);
    await s.dueWork.apply(account.id);
    await s.dueWork.apply(account.id);
    expect((await ledgerOf(account.id)).map((e) => e.kind)).toEqual(['grant', 'expire', 'grant']);
  });

  it('U8: the overview reads a queue longer than one page and numbers every waiting job in order', async () => {
    const { account } = await s.accounts.create({ name: 'Backlog', timeZone: 'UTC', planId: 'basic' });
    await database.db.transaction().execute((trx) => s.subscriptions.buyTopup(trx, account.id, 20_000));
    const ids: string[] = [];
    for (let i = 0; i < 1_234; i += 1)
      ids.push((await database.db.transaction().execute((trx) => s.generations.create(trx, account.id, SPARK))).id);
    const status = (await s.queue.overview(4))(account.id);
    expect(status.lanes.standard?.waiting).toBe(1_234);
    expect(status.mine.map((m) => m.generationId)).toEqual(ids);
    expect(status.mine.map((m) => m.position)).toEqual(ids.map((_, i) => i + 1));
  }, 60_000);
});

describe('SQLite checkpoints (the write-ahead log)', () => {
  it('a worker thread copies committed pages into the database file; closing leaves no log behind and loses nothing', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'companion-checkpoint-'));
    try {
      const file = join(dataDir, 'companion.sqlite');
      let database = await openDatabase({ dataDir });
      const clock = new TestClock(START);
      const s = servicesOn(database, clock);
      const { account } = await s.accounts.create({ name: 'Pages', timeZone: 'UTC', planId: 'basic' });
      await database.db.transaction().execute((trx) => s.subscriptions.buyTopup(trx, account.id, 20_000));
      const fill = async (from: number) => {
        const sizeBefore = statSync(file).size;
        for (let i = from; i < from + 40; i += 1) {
          await database.db
            .transaction()
            .execute((trx) =>
              s.generations.create(trx, account.id, { ...SPARK, prompt: `page filler ${i} ${'x'.repeat(200)}` }),
            );
        }
        // Far fewer pages than even SQLite's usual automatic checkpoint (1,000) waits for: the file grows because the
        // worker copied them.
        const written = Date.now();
        while (statSync(file).size <= sizeBefore && Date.now() < written + 5_000)
          await new Promise((resolve) => setTimeout(resolve, 20));
        expect(statSync(file).size).toBeGreaterThan(sizeBefore);
        return Date.now() - written;
      };
      await fill(0);
      // Idle, the worker looks less and less often (up to every 200 ms), and still copies what comes next.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      expect(await fill(40)).toBeLessThan(1_000);

      await database.close();
      expect(existsSync(`${file}-wal`)).toBe(false);
      database = await openDatabase({ dataDir });
      const count = await database.db
        .selectFrom('generations')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', account.id)
        .executeTakeFirstOrThrow();
      expect(Number(count.n)).toBe(80);
      await database.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('closing SQLite in a process with nothing else to do', () => {
  it('close() resolves: the checkpoint worker is waited for, and the process exits after it, not in the middle', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'companion-close-'));
    try {
      const code = [
        `const { openDatabase } = await import(${JSON.stringify(new URL('../../../backend/storage/database.ts', import.meta.url).href)});`,
        `const database = await openDatabase({ dataDir: ${JSON.stringify(dataDir)} });`,
        // Closed once the worker runs, as a backend is at its end.
        'await new Promise((resolve) => setTimeout(resolve, 300));',
        'await database.close();',
        "console.log('closed');",
      ].join('\n');
      const child = spawnSync(
        process.execPath,
        ['--disable-warning=ExperimentalWarning', '--import', 'tsx', '--input-type=module', '-e', code],
        {
          cwd: fileURLToPath(new URL('../../../', import.meta.url)),
          encoding: 'utf8',
          timeout: 30_000,
        },
      );
      expect(child.stderr).toBe('');
      expect(child.stdout).toBe('closed\n');
      expect(child.status).toBe(0);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!engines.includes('postgres'))("the workers' own connections (PostgreSQL)", () => {
  it('a job is finished while requests hold every connection of the main pool', async () => {
    const provider = new ScriptedProvider();
    const database = await freshDatabaseUrl();
    const t = await startBackend({ databaseUrl: database.url, testClock: START.toISOString(), provider });
    // Watched from outside the backend: a connection of the test's own.
    const watcher = new pg.Client({ connectionString: database.url });
    await watcher.connect();
    let releaseHolders = () => {};
    const holders: Array<Promise<void>> = [];
    try {
      const { client } = await t.createAccount('Busy', 'UTC');
      const generation = await client.createGeneration({ ...SPARK, prompt: 'held [hold:busy]' });
      await eventually(
        async () => (await client.getGeneration(generation.id)).status === 'running',
        5_000,
        'the job running',
      );

      // Twenty requests' worth of transactions take every connection of the main pool and keep them.
      const { db } = t.backend.services.ctx;
      const released = new Promise<void>((resolve) => (releaseHolders = resolve));
      let holding = 0;
      for (let i = 0; i < 20; i += 1) {
        holders.push(
          db.transaction().execute(async (trx) => {
            await sql`select 1`.execute(trx);
            holding += 1;
            await released;
          }),
        );
      }
      await eventually(() => holding === 20, 5_000, 'the main pool held');

      provider.release('busy');
      const status = async () =>
        (await watcher.query<{ status: string }>('select status from generations where id = $1', [generation.id]))
          .rows[0]?.status;
      await eventually(
        async () => (await status()) === 'succeeded',
        5_000,
        'the job finished while the main pool is full',
      );
      expect(holding).toBe(20);
    } finally {
      releaseHolders();
      await Promise.all(holders);
      provider.releaseAll();
      await watcher.end();
      await t.stop();
      await database.drop();
    }
  });
});

describe.skipIf(!engines.includes('postgres'))('closing PostgreSQL', () => {
  it('close() resolves once every connection of both pools has ended, not just been asked to', async () => {
    const fresh = await freshDatabaseUrl();
    const dataDir = mkdtempSync(join(tmpdir(), 'companion-close-pg-'));
    const watcher = new pg.Client({ connectionString: fresh.url });
    await watcher.connect();
    const connections = async () =>
      Number(
        (
          await watcher.query<{ n: string }>(
            'select count(*) as n from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
          )
        ).rows[0]?.n,
      );
    try {
      for (let round = 0; round < 3; round += 1) {
        const database = await openDatabase({ dataDir, databaseUrl: fresh.url });
        // Several connections open in each pool at once.
        await Promise.all(Array.from({ length: 8 }, () => sql`select pg_sleep(0.02)`.execute(database.db)));
        await Promise.all(Array.from({ length: 3 }, () => sql`select pg_sleep(0.02)`.execute(database.workerDb)));
        expect(await connections()).toBeGreaterThanOrEqual(11);
        await database.close();
        expect(await connections()).toBe(0);
      }
    } finally {
      await watcher.end();
      await fresh.drop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe.skipIf(!engines.includes('postgres'))('prepared queries on PostgreSQL', () => {
  it('each runs as a named statement of its connection, prepared once however often it runs; other SQL is not kept', async () => {
    await onFreshPostgres(async (database) => {
      const { account } = await servicesOn(database, new TestClock(START)).accounts.create({
        name: 'Named',
        timeZone: 'UTC',
      });
      const nameOf = prepared((db, v: { id: string }) =>
        db.selectFrom('accounts').select('name').where('id', '=', v.id),
      );
      const kept = await database.db.connection().execute(async (connection) => {
        for (let run = 0; run < 3; run += 1)
          expect(await nameOf.first(connection, { id: account.id })).toEqual({ name: 'Named' });
        await connection.selectFrom('accounts').select('time_zone').where('id', '=', account.id).execute();
        return (
          await sql<{ name: string; statement: string }>`select name, statement from pg_prepared_statements`.execute(
            connection,
          )
        ).rows;
      });
      const ours = kept.filter((row) => row.statement === 'select "name" from "accounts" where "id" = $1');
      expect(ours).toHaveLength(1);
      expect(ours[0]!.name).toMatch(/^companion_\d+$/);
      expect(kept.filter((row) => row.statement.includes('"time_zone"'))).toEqual([]);
    });
  });
});

describe.skipIf(!engines.includes('postgres'))('claims and busy accounts (PostgreSQL)', () => {
  it("U8: a claim passes over a job whose account is in the middle of a charge and starts the next account's, then waits for the first", async () => {
    await onFreshPostgres(async (database, url) => {
      // A charge of its own, from outside: it holds the account's row lock until it ends.
      const charge = new pg.Client({ connectionString: url });
      await charge.connect();
      try {
        const s = servicesOn(database, new TestClock(START));
        const busy = (await s.accounts.create({ name: 'Busy', timeZone: 'UTC' })).account;
        const other = (await s.accounts.create({ name: 'Other', timeZone: 'UTC' })).account;
        const first = await database.db.transaction().execute((trx) => s.generations.create(trx, busy.id, SPARK));
        const second = await database.db.transaction().execute((trx) => s.generations.create(trx, other.id, SPARK));

        await charge.query('begin');
        await charge.query('select id from accounts where id = $1 for update', [busy.id]);
        // The first in line belongs to the busy account: the claim takes the next one instead of waiting behind it.
        const taken = await Promise.race([
          s.queue.claimNext('worker-1', 4, { running: 0, relaxed: 0 }),
          new Promise<'stuck'>((resolve) => setTimeout(() => resolve('stuck'), 3_000)),
        ]);
        expect(taken === 'stuck' ? 'stuck' : taken.job?.id).toBe(second.id);

        // Only the busy account's job is left: the claim waits for its charge to end, and takes it.
        const waiting = s.queue.claimNext('worker-1', 4, { running: 1, relaxed: 0 });
        await new Promise((resolve) => setTimeout(resolve, 200));
        await charge.query('commit');
        expect((await waiting).job?.id).toBe(first.id);
      } finally {
        await charge.end();
      }
    });
  });
});

describe('Idempotency-Key replays', () => {
  it('a replay answers with the stored generation and announces nothing new', async () => {
    const provider = new ScriptedProvider();
    const t = await startBackend({ testClock: START.toISOString(), provider });
    try {
      const { account, client } = await t.createAccount('Replay', 'UTC');
      const request = { ...SPARK, prompt: 'held [hold:replay]' };
      const first = await client.createGeneration(request, 'replay-1');
      const { db } = t.backend.services.ctx;
      const events = async () =>
        (
          await db
            .selectFrom('events')
            .select(['type', 'data'])
            .where('account_id', '=', account.id)
            .where('type', '=', 'generation')
            .execute()
        ).length;
      // Queued, then running: wait until the job is held by the provider.
      const deadline = Date.now() + 5_000;
      while ((await client.getGeneration(first.id)).status !== 'running' && Date.now() < deadline)
        await new Promise((resolve) => setTimeout(resolve, 20));
      const announced = await events();
      expect(announced).toBeGreaterThanOrEqual(2);
      const again = await client.createGeneration(request, 'replay-1');
      expect(again).toEqual(first);
      expect(await events()).toBe(announced);
      provider.releaseAll();
    } finally {
      provider.releaseAll();
      await t.stop();
    }
  });
});
