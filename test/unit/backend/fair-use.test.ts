/**
 * U7 fair use, against a real database (SQLite always, PostgreSQL when COMPANION_TEST_DATABASE_URL is set): automation
 * and credential-sharing detection pause unlimited access, one appeal per pause, restore and uphold, the second upheld
 * violation suspends for good, and every decision is audited with its reason. Time is a TestClock moved by each test.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Kysely } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as api from '../../../shared/api.js';
import { Accounts } from '../../../backend/domain/accounts.js';
import { loadCatalog } from '../../../backend/catalog.js';
import { TestClock } from '../../../backend/clock.js';
import { parseOperationsConfig } from '../../../backend/config.js';
import { openDatabase, type Database } from '../../../backend/storage/database.js';
import type { DB } from '../../../backend/storage/schema.js';
import { EventLog } from '../../../backend/storage/events.js';
import type { PolicyContext } from '../../../backend/policy/context.js';
import { FairUse, type AccountStatus, type FairUseState } from '../../../backend/policy/fair-use.js';
import { parseFairUseConfig, type FairUseConfigInput } from '../../../backend/policy/fair-use-rules.js';
import { createFairUseTables, type FairUseTables } from '../../../backend/storage/fair-use-schema.js';
import { Subscriptions } from '../../../backend/policy/subscriptions.js';
import { ApiProblem } from '../../../backend/problem.js';
import { engines, freshDatabaseUrl } from '../../support/engines.js';

const catalog = loadCatalog();
const START = new Date('2026-03-02T09:00:00.000Z');
/** What a human's pauses between requests look like: uneven, seconds apart. */
const HUMAN_INTERVALS_S = [4.2, 6.8, 5.1, 9.3, 3.7, 12.4, 5.5, 7.9, 4.8, 6.1, 15.2, 3.9];

describe.each(engines)('U7 fair use (%s)', (engine) => {
  let database: Database;
  let dataDir: string;
  let dropDatabase: () => Promise<void> = async () => {};
  // The backend's DB once the fair-use tables are part of it: what the service is given in server.ts.
  let db: Kysely<DB & FairUseTables>;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'companion-fair-use-'));
    let databaseUrl: string | undefined;
    if (engine === 'postgres') {
      const fresh = await freshDatabaseUrl();
      databaseUrl = fresh.url;
      dropDatabase = fresh.drop;
    }
    database = await openDatabase({ dataDir, databaseUrl });
    db = database.db as unknown as Kysely<DB & FairUseTables>;
    // Until a migration creates them (then this is skipped).
    const tables = await database.db.introspection.getTables();
    if (!tables.some((t) => t.name === 'fair_use_flags')) await createFairUseTables(database.db as Kysely<unknown>);
  });
  afterAll(async () => {
    await database.close();
    await dropDatabase();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** A fresh account, a test clock at START and a fair-use service recording the status changes it announces. */
  async function setup(config: FairUseConfigInput = {}) {
    const clock = new TestClock(START);
    const ctx: PolicyContext = {
      db: database.db,
      storage: database.storage,
      catalog,
      clock,
      events: new EventLog(database.db, clock),
      config: parseOperationsConfig({}),
    };
    const accounts = new Accounts(database.db, database.storage, catalog, clock, new Subscriptions(ctx));
    const { account } = await accounts.create({ name: 'Ada', timeZone: 'UTC' });
    const announced: Array<[string, AccountStatus]> = [];
    const fairUse = new FairUse({ db, storage: database.storage, clock, config });
    fairUse.onStatusChange((id, status) => void announced.push([id, status]));
    const accountId = account.id;
    const status = async () =>
      (await db.selectFrom('accounts').select('status').where('id', '=', accountId).executeTakeFirstOrThrow()).status;
    const flags = () =>
      db.selectFrom('fair_use_flags').selectAll().where('account_id', '=', accountId).orderBy('seq').execute();
    /** One unlimited request now, then one after each interval; the states observed, in order. */
    const requests = async (intervalsS: readonly number[], clientKey = 'laptop'): Promise<FairUseState[]> => {
      const states = [await fairUse.observeUnlimitedRequest(accountId, { clientKey })];
      for (const seconds of intervalsS) {
        await clock.advance(seconds);
        states.push(await fairUse.observeUnlimitedRequest(accountId, { clientKey }));
      }
      return states;
    };
    /** Pauses, appeals and decides: one whole review. */
    const review = async (decision: 'restore' | 'uphold', reason: string) => {
      await fairUse.flagByReviewer(accountId, `Reselling suspected (${reason})`);
      const appeal = await fairUse.appeal(accountId, 'It was me, by hand');
      await clock.advance(3600);
      return fairUse.decide(appeal.id, { decision, reason });
    };
    return { clock, fairUse, accountId, announced, status, flags, requests, review };
  }

  const repeat = (values: readonly number[], count: number) =>
    Array.from({ length: count }, (_, i) => values[i % values.length]!);

  describe('automation', () => {
    it('U7: 31 unlimited requests in 60 s pause unlimited access; 30 do not', async () => {
      const { requests, status, fairUse, accountId } = await setup();
      // Alternating 1 s and 2.5 s: fast, but not regular, so only the rate can trip.
      const first30 = await requests(repeat([1, 2.5], 29));
      expect(first30.map((s) => s.status)).toEqual(Array(30).fill('active'));
      expect(await status()).toBe('active');

      const thirtyFirst = await fairUse.observeUnlimitedRequest(accountId, { clientKey: 'laptop' });
      expect(thirtyFirst).toEqual({
        status: 'unlimited_paused',
        reason: 'Automation suspected: 31 requests in 60 s',
        pausedNow: true,
      });
      expect(await status()).toBe('unlimited_paused');
    });

    it('U7: requests spread wider than the window do not add up', async () => {
      const { requests, status } = await setup();
      // 2 s and 3 s alternately: 25 requests a minute at most, 50 in all.
      const states = await requests(repeat([2, 3], 49));
      expect(states.every((s) => s.status === 'active')).toBe(true);
      expect(await status()).toBe('active');
    });

    it('U7: 20 requests at exactly 5.000 s intervals pause unlimited access; 19 do not', async () => {
      const { requests, fairUse, accountId, clock } = await setup();
      const first19 = await requests(Array(18).fill(5));
      expect(first19.every((s) => s.status === 'active')).toBe(true);

      await clock.advance(5);
      expect(await fairUse.observeUnlimitedRequest(accountId, { clientKey: 'laptop' })).toEqual({
        status: 'unlimited_paused',
        reason: 'Automation suspected: 20 requests at near-identical intervals (cv 0.00)',
        pausedNow: true,
      });
    });

    it('U7: a machine rhythm with a little jitter (5 s +-1 %) still pauses', async () => {
      const { requests } = await setup();
      const states = await requests(repeat([5.05, 4.95, 5.02, 4.98], 19));
      expect(states.at(-1)?.status).toBe('unlimited_paused');
      expect(states.at(-1)?.reason).toMatch(
        /^Automation suspected: 20 requests at near-identical intervals \(cv 0\.0[0-2]\)$/,
      );
      expect(states.slice(0, -1).every((s) => s.status === 'active')).toBe(true);
    });

    it('U7: human-like jittered intervals do not pause, however many requests', async () => {
      const { requests, status } = await setup();
      const states = await requests(repeat(HUMAN_INTERVALS_S, 80));
      expect(states.every((s) => s.status === 'active')).toBe(true);
      expect(await status()).toBe('active');
    });
  });

  describe('credential sharing', () => {
    it('U7: a 4th distinct client within an hour pauses unlimited access; 3 do not', async () => {
      const { fairUse, accountId, clock, status } = await setup();
      for (const clientKey of ['laptop', 'phone', 'tablet', 'laptop', 'phone']) {
        expect((await fairUse.observeUnlimitedRequest(accountId, { clientKey })).status).toBe('active');
        await clock.advance(600);
      }
      expect(await status()).toBe('active');
      expect(await fairUse.observeUnlimitedRequest(accountId, { clientKey: 'office-pc' })).toEqual({
        status: 'unlimited_paused',
        reason: 'Credential sharing suspected: 4 different clients within 1 h',
        pausedNow: true,
      });
    });

    it('U7: clients seen more than an hour apart do not add up', async () => {
      const { fairUse, accountId, clock } = await setup();
      for (const clientKey of ['laptop', 'phone', 'tablet', 'office-pc', 'laptop']) {
        expect((await fairUse.observeUnlimitedRequest(accountId, { clientKey })).status).toBe('active');
        await clock.advance(25 * 60);
      }
    });

    it('U7: client sightings are stored, so a restarted backend still counts the earlier clients', async () => {
      const { fairUse, accountId, clock } = await setup();
      for (const clientKey of ['laptop', 'phone', 'tablet'])
        await fairUse.observeUnlimitedRequest(accountId, { clientKey });
      const restarted = new FairUse({ db, storage: database.storage, clock });
      expect((await restarted.observeUnlimitedRequest(accountId, { clientKey: 'office-pc' })).status).toBe(
        'unlimited_paused',
      );
    });

    it('U7: 4 concurrent event streams pause unlimited access; 3 do not', async () => {
      const { fairUse, accountId, status } = await setup();
      expect(await fairUse.observeStreams(accountId, 3)).toEqual({ status: 'active', reason: null, pausedNow: false });
      expect(await status()).toBe('active');
      expect(await fairUse.observeStreams(accountId, 4)).toEqual({
        status: 'unlimited_paused',
        reason: 'Credential sharing suspected: 4 sessions at once',
        pausedNow: true,
      });
    });

    it('U6: the thresholds are operator configuration', async () => {
      const { fairUse, accountId } = await setup({ sharing: { maxConcurrentStreams: 5 } });
      expect((await fairUse.observeStreams(accountId, 5)).status).toBe('active');
      expect((await fairUse.observeStreams(accountId, 6)).status).toBe('unlimited_paused');
      expect(() => parseFairUseConfig({ automation: { windowS: -1 } })).toThrow(
        /Invalid fair-use configuration: fairUse\.automation\.windowS/,
      );
    });
  });

  describe('pauses', () => {
    it('U7: a pause records a flag, an audit entry and the reason shown in the account view', async () => {
      const { fairUse, accountId, flags, announced } = await setup();
      await fairUse.observeStreams(accountId, 4);

      expect(await flags()).toEqual([
        expect.objectContaining({
          source: 'automatic',
          reason: 'Credential sharing suspected: 4 sessions at once',
          created_at: START.toISOString(),
          resolved_at: null,
          resolution: null,
        }),
      ]);
      expect(await fairUse.audit(accountId)).toEqual([
        {
          id: expect.any(String),
          at: START.toISOString(),
          actor: 'system',
          action: 'unlimited_paused',
          reason: 'Credential sharing suspected: 4 sessions at once',
        },
      ]);
      const view = await fairUse.fairUseView(accountId);
      expect(view).toEqual({
        pausedAt: START.toISOString(),
        reason: 'Credential sharing suspected: 4 sessions at once',
        appeal: null,
        violations: 0,
      });
      expect(api.FairUse.parse(view)).toEqual(view);
      expect(announced).toEqual([[accountId, 'unlimited_paused']]);
    });

    it('U7: while a pause is pending review, further suspicion adds nothing', async () => {
      const { fairUse, accountId, flags, clock, announced } = await setup();
      await fairUse.observeStreams(accountId, 4);
      await clock.advance(60);
      expect(await fairUse.pause(accountId, 'Reselling suspected', 'reviewer')).toEqual({
        status: 'unlimited_paused',
        reason: 'Credential sharing suspected: 4 sessions at once',
        pausedNow: false,
      });
      expect(await fairUse.observeUnlimitedRequest(accountId, { clientKey: 'laptop' })).toMatchObject({
        status: 'unlimited_paused',
        pausedNow: false,
      });
      expect(await flags()).toHaveLength(1);
      expect(await fairUse.audit(accountId)).toHaveLength(1);
      expect(announced).toHaveLength(1);
    });

    it('U7: a reviewer flag pauses with source reviewer', async () => {
      const { fairUse, accountId, flags, status } = await setup();
      const view = await fairUse.flagByReviewer(accountId, 'Reselling generations on a marketplace');
      expect(view).toEqual({
        pausedAt: START.toISOString(),
        reason: 'Reselling generations on a marketplace',
        appeal: null,
        violations: 0,
      });
      expect(await status()).toBe('unlimited_paused');
      expect((await flags()).map((f) => f.source)).toEqual(['reviewer']);
      expect(await fairUse.audit(accountId)).toEqual([
        {
          id: expect.any(String),
          at: START.toISOString(),
          actor: 'reviewer',
          action: 'unlimited_paused',
          reason: 'Reselling generations on a marketplace',
        },
      ]);
    });

    it("U7: observed inside the caller's transaction (a charge), the pause commits with it and pausedNow tells the caller", async () => {
      const { fairUse, accountId, clock, status, announced } = await setup();
      const observeInCharge = (clientKey: string) =>
        db.transaction().execute((trx) => fairUse.observeUnlimitedRequest(accountId, { clientKey }, trx));
      for (const clientKey of ['laptop', 'phone', 'tablet'])
        expect((await observeInCharge(clientKey)).pausedNow).toBe(false);
      await clock.advance(60);
      expect(await observeInCharge('office-pc')).toMatchObject({ status: 'unlimited_paused', pausedNow: true });
      expect(await status()).toBe('unlimited_paused');
      // The caller publishes: the hook only follows the service's own transactions.
      expect(announced).toEqual([]);
    });

    it('U7: flagging an unknown account is 404 not_found', async () => {
      const { fairUse } = await setup();
      await expect(fairUse.flagByReviewer('acc_nobody', 'x')).rejects.toMatchObject({ status: 404, code: 'not_found' });
    });
  });

  describe('appeals and decisions', () => {
    it('U7: one appeal per pause: the second appeal is refused', async () => {
      const { fairUse, accountId, clock } = await setup();
      await fairUse.flagByReviewer(accountId, 'Scraping suspected');
      await clock.advance(120);
      const appeal = await fairUse.appeal(accountId, 'I was batch-editing my own photos by hand');
      expect(appeal).toEqual({
        id: expect.any(String),
        accountId,
        message: 'I was batch-editing my own photos by hand',
        status: 'open',
        pauseReason: 'Scraping suspected',
        createdAt: new Date(START.getTime() + 120_000).toISOString(),
      });
      expect(api.Appeal.parse(appeal)).toEqual(appeal);
      expect((await fairUse.fairUseView(accountId)).appeal).toEqual({
        id: appeal.id,
        status: 'open',
        message: appeal.message,
        createdAt: appeal.createdAt,
      });

      const again = fairUse.appeal(accountId, 'Please, again');
      await expect(again).rejects.toBeInstanceOf(ApiProblem);
      await expect(again).rejects.toMatchObject({
        status: 409,
        code: 'invalid_request',
        message: 'This pause has already been appealed',
      });
    });

    it('U7: without a pause there is nothing to appeal', async () => {
      const { fairUse, accountId } = await setup();
      await expect(fairUse.appeal(accountId, 'Why?')).rejects.toMatchObject({
        status: 409,
        code: 'invalid_request',
        message: 'There is no paused unlimited access to appeal',
      });
    });

    it('U7: restore returns the account to active and clears the pause', async () => {
      const { fairUse, accountId, clock, status, flags, requests, announced } = await setup();
      // Paused by the rate check (31 requests in 60 s), then restored by a reviewer.
      const states = await requests(repeat([1, 2.5], 30));
      expect(states.at(-1)?.status).toBe('unlimited_paused');
      const appeal = await fairUse.appeal(accountId, 'A deadline; all by hand');
      await clock.advance(1800);
      const decided = await fairUse.decide(appeal.id, {
        decision: 'restore',
        reason: 'Manual work confirmed from the prompts',
      });

      expect(decided).toEqual({
        ...appeal,
        status: 'restored',
        decidedAt: clock.now().toISOString(),
        decisionReason: 'Manual work confirmed from the prompts',
      });
      expect(await status()).toBe('active');
      expect((await flags()).map((f) => [f.resolution, f.resolved_at])).toEqual([
        ['restored', clock.now().toISOString()],
      ]);
      expect(await fairUse.fairUseView(accountId)).toEqual({
        pausedAt: null,
        reason: null,
        appeal: null,
        violations: 0,
      });
      expect(announced.map(([, s]) => s)).toEqual(['unlimited_paused', 'active']);
      // What was reviewed does not count again: the next request is not the 32nd in a minute.
      expect((await fairUse.observeUnlimitedRequest(accountId, { clientKey: 'laptop' })).status).toBe('active');
    });

    it('U7: uphold keeps unlimited access paused', async () => {
      const { fairUse, accountId, status, flags } = await setup();
      await fairUse.observeStreams(accountId, 5);
      const appeal = await fairUse.appeal(accountId, 'My family shares one laptop');
      const decided = await fairUse.decide(appeal.id, {
        decision: 'uphold',
        reason: 'Five sessions from three countries',
      });

      expect(decided).toMatchObject({ status: 'upheld', decisionReason: 'Five sessions from three countries' });
      expect(await status()).toBe('unlimited_paused');
      expect((await flags()).map((f) => f.resolution)).toEqual(['upheld']);
      expect(await fairUse.fairUseView(accountId)).toEqual({
        pausedAt: START.toISOString(),
        reason: 'Credential sharing suspected: 5 sessions at once',
        appeal: {
          id: appeal.id,
          status: 'upheld',
          message: 'My family shares one laptop',
          createdAt: appeal.createdAt,
        },
        violations: 1,
      });
      expect(await fairUse.observeUnlimitedRequest(accountId, { clientKey: 'laptop' })).toMatchObject({
        status: 'unlimited_paused',
        pausedNow: false,
      });
      await expect(fairUse.appeal(accountId, 'Once more')).rejects.toMatchObject({
        status: 409,
        message: 'This pause has already been appealed',
      });
    });

    it('U7: a second upheld violation suspends the account, and suspension is permanent', async () => {
      const { fairUse, accountId, status, review, clock, announced } = await setup();
      await review('uphold', 'Scripted requests confirmed');
      expect(await status()).toBe('unlimited_paused');

      // While the upheld pause stands, a reviewer flags a new violation: a new pause, appealable once.
      await clock.advance(86_400);
      const second = await review('uphold', 'Account resold on a forum');
      expect(second.status).toBe('upheld');
      expect(await status()).toBe('suspended');
      expect(announced.map(([, s]) => s)).toEqual(['unlimited_paused', 'suspended']);
      expect((await fairUse.fairUseView(accountId)).violations).toBe(2);

      // Permanent: nothing left to appeal, a decided appeal cannot be decided again, nothing pauses or restores it.
      await expect(fairUse.appeal(accountId, 'Please reconsider')).rejects.toMatchObject({
        status: 403,
        code: 'account_suspended',
      });
      await expect(fairUse.decide(second.id, { decision: 'restore', reason: 'Changed my mind' })).rejects.toMatchObject(
        { status: 409, code: 'invalid_request' },
      );
      expect(await fairUse.pause(accountId, 'Another suspicion', 'reviewer')).toMatchObject({
        status: 'suspended',
        pausedNow: false,
      });
      expect(await fairUse.observeUnlimitedRequest(accountId, { clientKey: 'laptop' })).toMatchObject({
        status: 'suspended',
        pausedNow: false,
      });
      expect(await status()).toBe('suspended');
    });

    it('U7: a restore decision never lifts a suspension', async () => {
      const { fairUse, accountId, status } = await setup();
      await fairUse.flagByReviewer(accountId, 'Scraping suspected');
      const appeal = await fairUse.appeal(accountId, 'Not me');
      // Suspended by other means while the appeal is open (an operator, say).
      await db.updateTable('accounts').set({ status: 'suspended' }).where('id', '=', accountId).execute();
      expect((await fairUse.decide(appeal.id, { decision: 'restore', reason: 'No scraping found' })).status).toBe(
        'restored',
      );
      expect(await status()).toBe('suspended');
    });

    it('U7: every decision is an audit entry with its reason, oldest first', async () => {
      const { fairUse, accountId, review } = await setup();
      await review('restore', 'Hand-made work, no violation');
      await review('uphold', 'Confirmed reselling');
      await review('uphold', 'Confirmed reselling again');
      const entries = await fairUse.audit(accountId);
      expect(entries.map((e) => [e.actor, e.action, e.reason])).toEqual([
        ['reviewer', 'unlimited_paused', 'Reselling suspected (Hand-made work, no violation)'],
        ['user', 'appealed', 'It was me, by hand'],
        ['reviewer', 'unlimited_restored', 'Hand-made work, no violation'],
        ['reviewer', 'unlimited_paused', 'Reselling suspected (Confirmed reselling)'],
        ['user', 'appealed', 'It was me, by hand'],
        ['reviewer', 'pause_upheld', 'Confirmed reselling'],
        ['reviewer', 'unlimited_paused', 'Reselling suspected (Confirmed reselling again)'],
        ['user', 'appealed', 'It was me, by hand'],
        ['reviewer', 'pause_upheld', 'Confirmed reselling again'],
        [
          'system',
          'account_suspended',
          'U7: a second confirmed fair-use violation (2 upheld) suspends the account permanently',
        ],
      ]);
      const times = entries.map((e) => e.at);
      expect([...times].sort()).toEqual(times);
    });

    it('U7: deciding an unknown appeal is 404 not_found; an already decided one 409', async () => {
      const { fairUse, review } = await setup();
      await expect(fairUse.decide('apl_nobody', { decision: 'restore', reason: 'x' })).rejects.toMatchObject({
        status: 404,
        code: 'not_found',
      });
      const decided = await review('restore', 'Fine');
      await expect(fairUse.decide(decided.id, { decision: 'uphold', reason: 'No, not fine' })).rejects.toMatchObject({
        status: 409,
        code: 'invalid_request',
        message: 'This appeal was already decided (restored)',
      });
    });

    it('U7: reviewers page through appeals oldest first, filtered by status', async () => {
      const first = await setup();
      const ids: string[] = [];
      // Three accounts appeal at one standing instant (the test clock), a fourth a minute later.
      for (const s of [first, await setup(), await setup(), await setup()]) {
        await s.fairUse.flagByReviewer(s.accountId, 'Scraping suspected');
        if (ids.length === 3) await s.clock.advance(60);
        ids.push((await s.fairUse.appeal(s.accountId, 'Not me')).id);
      }
      const { fairUse } = first;
      await fairUse.decide(ids[1]!, { decision: 'uphold', reason: 'Confirmed' });

      // Other tests' appeals share the database: keep to this test's four.
      const mine = (page: { items: api.Appeal[] }) => page.items.filter((a) => ids.includes(a.id)).map((a) => a.id);
      const all: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await fairUse.listAppeals({ limit: 2, cursor });
        expect(api.AppealPage.parse(page)).toEqual(page);
        all.push(...mine(page));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      const sameInstant = [...ids.slice(0, 3)].sort();
      expect(all).toEqual([...sameInstant, ids[3]]);

      const open = await fairUse.listAppeals({ status: 'open', limit: 500 });
      expect(mine(open)).toEqual([...sameInstant.filter((id) => id !== ids[1]), ids[3]]);
      expect(open.items.every((a) => a.status === 'open')).toBe(true);
      await expect(fairUse.listAppeals({ cursor: 'not-a-cursor' })).rejects.toMatchObject({
        status: 400,
        code: 'invalid_request',
      });
    });
  });
});
