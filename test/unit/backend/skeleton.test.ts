import { readFileSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { AccountCreate, Balance } from '../../../shared/api.js';
import { nextLocalMidnight } from '../../../shared/calendar.js';
import { catchApiError } from '../../support/api-error.js';
import {
  eventOfType,
  openEventStream,
  parseServerEvent,
  startBackend,
  type EventStream,
  type StreamEvent,
  type TestBackend,
} from '../../support/backend.js';

const packageVersion = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/** The balance carried by a `balance` event, checked against the contract. */
function balanceOf(event: StreamEvent): Balance {
  const parsed = parseServerEvent(event);
  if (parsed.type !== 'balance') throw new Error(`Expected a balance event, got ${parsed.type}`);
  return parsed.data;
}

/** GET with a raw fetch, for answers the typed client cannot express (unknown routes, the raw content type). */
async function rawGet(url: string, path: string, token?: string) {
  const response = await fetch(new URL(path, url), token ? { headers: { Authorization: `Bearer ${token}` } } : {});
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: (await response.json()) as Record<string, unknown>,
  };
}

describe('walking skeleton over HTTP (system clock)', () => {
  let t: TestBackend;

  beforeAll(async () => {
    t = await startBackend();
  });

  afterAll(async () => {
    await t.stop();
  });

  describe('GET /v1/health', () => {
    it('answers ok with the package version, without a token', async () => {
      await expect(t.client().health()).resolves.toEqual({ status: 'ok', version: packageVersion });
    });
  });

  describe('authentication', () => {
    it('answers 401 unauthorized problem+json on /v1/me without a token', async () => {
      const answer = await rawGet(t.url, '/v1/me');
      expect(answer.status).toBe(401);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ status: 401, code: 'unauthorized', title: 'Unauthorized' });
    });

    it('answers 401 unauthorized on /v1/me with a wrong token', async () => {
      const error = await catchApiError(t.client('cc_not-a-real-token-000000000000').me());
      expect([error.status, error.code]).toEqual([401, 'unauthorized']);
    });

    it('answers 401 unauthorized on /v1/me with the admin token', async () => {
      const error = await catchApiError(t.admin.me());
      expect([error.status, error.code]).toEqual([401, 'unauthorized']);
    });

    it('answers 401 unauthorized on POST /v1/admin/accounts without a token', async () => {
      const error = await catchApiError(t.client().admin.createAccount({ name: 'Mallory', timeZone: 'UTC' }));
      expect([error.status, error.code]).toEqual([401, 'unauthorized']);
    });

    it('answers 401 unauthorized on POST /v1/admin/accounts with an account token', async () => {
      const { client } = await t.createAccount('Eve', 'UTC');
      const error = await catchApiError(client.admin.createAccount({ name: 'Mallory', timeZone: 'UTC' }));
      expect([error.status, error.code]).toEqual([401, 'unauthorized']);
    });

    it('answers 401 on GET /v1/events without a token', async () => {
      await expect(openEventStream(t.url, 'cc_not-a-real-token-000000000000')).rejects.toMatchObject({ status: 401 });
    });
  });

  describe('accounts', () => {
    it('POST /v1/admin/accounts creates an active account on the free plan with the given time zone', async () => {
      const { account } = await t.createAccount('Ada', 'America/New_York');
      expect(account).toMatchObject({
        name: 'Ada',
        timeZone: 'America/New_York',
        status: 'active',
        plan: { id: 'free', billing: 'credits' },
        subscription: {
          planId: 'free',
          status: 'none',
          startedAt: null,
          anniversaryDay: null,
          renewsAt: null,
          period: null,
        },
      });
    });

    it('A1: an account created without a time zone is in UTC', async () => {
      const { account } = await t.admin.admin.createAccount({ name: 'Grace' });
      expect(account.timeZone).toBe('UTC');
    });

    it('A1: GET /v1/me returns the account with its time zone', async () => {
      const { account, client } = await t.createAccount('Hedy', 'Asia/Tokyo');
      await expect(client.me()).resolves.toEqual(account);
    });

    it('a second account’s token sees only its own account on /v1/me', async () => {
      const first = await t.createAccount('Ada', 'Europe/Berlin');
      const second = await t.createAccount('Bob', 'Asia/Tokyo');
      const seen = await Promise.all([first.client.me(), second.client.me()]);
      expect(seen.map((me) => [me.id, me.name])).toEqual([
        [first.account.id, 'Ada'],
        [second.account.id, 'Bob'],
      ]);
      expect(first.account.id).not.toBe(second.account.id);
    });

    it('answers 400 invalid_request with errors[] when the name is missing', async () => {
      // Deliberately outside the typed contract: the backend must refuse what the types would have.
      const body = { timeZone: 'UTC' } as unknown as AccountCreate;
      const error = await catchApiError(t.admin.admin.createAccount(body));
      expect([error.status, error.code]).toEqual([400, 'invalid_request']);
      expect(error.problem?.errors?.map((e) => e.path)).toEqual(['body.name']);
    });

    it('A1: answers 400 invalid_request with errors[] for the unknown time zone Mars/Olympus', async () => {
      const error = await catchApiError(t.admin.admin.createAccount({ name: 'Ada', timeZone: 'Mars/Olympus' }));
      expect([error.status, error.code]).toEqual([400, 'invalid_request']);
      expect(error.problem?.errors).toEqual([{ path: 'body.timeZone', message: 'unknown IANA time zone' }]);
    });

    it('A1: answers 400 invalid_request for a time zone that is not an IANA name', async () => {
      const error = await catchApiError(t.admin.admin.createAccount({ name: 'Ada', timeZone: 'GMT+2' }));
      expect([error.status, error.code]).toEqual([400, 'invalid_request']);
      expect(error.problem?.errors?.map((e) => e.path)).toEqual(['body.timeZone']);
    });

    it('an account created with planId "basic" is on the basic plan', async () => {
      const { account } = await t.admin.admin.createAccount({ name: 'Ada', timeZone: 'UTC', planId: 'basic' });
      expect([account.plan.id, account.subscription.planId]).toEqual(['basic', 'basic']);
    });

    it('answers 400 invalid_request for an unknown plan', async () => {
      const error = await catchApiError(
        t.admin.admin.createAccount({ name: 'Ada', timeZone: 'UTC', planId: 'platinum' }),
      );
      expect([error.status, error.code]).toEqual([400, 'invalid_request']);
      expect(error.problem?.errors?.map((e) => e.path)).toEqual(['body.planId']);
    });
  });

  describe('Idempotency-Key on POST /v1/admin/accounts', () => {
    it('the same key with the same body returns the first account instead of creating another, with a fresh token (the first is never stored)', async () => {
      const body = { name: 'Ada', timeZone: 'Europe/Berlin' };
      const first = await t.admin.admin.createAccount(body, 'create-ada-1');
      const again = await t.admin.admin.createAccount(body, 'create-ada-1');
      expect(again.account.id).toBe(first.account.id);
      expect(again.token).not.toBe(first.token);
      expect((await t.client(again.token).me()).id).toBe(first.account.id);
    });

    it('the same key with another body answers 409 idempotency_conflict', async () => {
      await t.admin.admin.createAccount({ name: 'Ada', timeZone: 'Europe/Berlin' }, 'create-ada-2');
      const error = await catchApiError(
        t.admin.admin.createAccount({ name: 'Bob', timeZone: 'Europe/Berlin' }, 'create-ada-2'),
      );
      expect([error.status, error.code]).toEqual([409, 'idempotency_conflict']);
    });
  });

  describe('C2 daily free credits', () => {
    it('C2: a new account has 100 free credits, no subscription or top-up credits, total 100', async () => {
      const { client } = await t.createAccount('Ada', 'Asia/Tokyo');
      const balance = await client.balance();
      expect(balance.credits).toMatchObject({
        free: { amount: 100 },
        subscription: { amount: 0, expiresAt: null },
        topup: { amount: 0 },
        total: 100,
      });
    });

    it('A1/C2: the free credits reset at the account’s next local midnight', async () => {
      const { client } = await t.createAccount('Ada', 'Asia/Tokyo');
      const balance = await client.balance();
      expect(balance.credits.free.resetsAt).toBe(nextLocalMidnight(new Date(balance.asOf), 'Asia/Tokyo').toISOString());
    });

    it('a credit-billed account has no generation counter', async () => {
      const { client } = await t.createAccount('Ada', 'UTC');
      expect((await client.balance()).generations).toBeNull();
    });
  });

  describe('unknown routes', () => {
    it('answers 404 not_found problem+json for an unknown route', async () => {
      const answer = await rawGet(t.url, '/v1/nope');
      expect(answer.status).toBe(404);
      expect(answer.contentType).toMatch(/^application\/problem\+json/);
      expect(answer.body).toMatchObject({ status: 404, code: 'not_found' });
    });
  });

  describe('POST /v1/admin/clock', () => {
    it('answers 404 not_found when the backend runs without a test clock', async () => {
      const error = await catchApiError(t.admin.admin.moveClock({ advanceS: 3_600 }));
      expect([error.status, error.code]).toEqual([404, 'not_found']);
    });
  });
});

describe('test clock, local midnights and the event stream (America/New_York)', () => {
  const START = '2026-03-07T20:00:00Z'; // 15:00 local, the day before the 23-hour DST day
  let t: TestBackend;
  let streams: EventStream[];

  const open = async (token: string, lastEventId?: number, lastEventIdIn?: 'header' | 'query') => {
    const stream = await openEventStream(t.url, token, lastEventId, lastEventIdIn ? { lastEventIdIn } : {});
    streams.push(stream);
    return stream;
  };

  beforeEach(async () => {
    t = await startBackend({ testClock: START });
    streams = [];
  });

  afterEach(async () => {
    await Promise.all(streams.map((stream) => stream.close()));
    await t.stop();
  });

  it('moving the clock answers with the new time', async () => {
    await expect(t.admin.admin.moveClock({ advanceS: 90 })).resolves.toEqual({ now: '2026-03-07T20:01:30.000Z' });
  });

  it('refuses to move the clock backwards with 400 invalid_request', async () => {
    const error = await catchApiError(t.admin.admin.moveClock({ now: '2026-03-07T19:00:00Z' }));
    expect([error.status, error.code]).toEqual([400, 'invalid_request']);
  });

  it('refuses an account token on POST /v1/admin/clock with 401', async () => {
    const { client } = await t.createAccount('Ada', 'America/New_York');
    const error = await catchApiError(client.admin.moveClock({ advanceS: 60 }));
    expect([error.status, error.code]).toEqual([401, 'unauthorized']);
  });

  it('C2: the balance is stamped with the test clock and resets at 05:00Z, local midnight in EST', async () => {
    const { client } = await t.createAccount('Ada', 'America/New_York');
    const balance = await client.balance();
    expect([balance.asOf, balance.credits.free.resetsAt, balance.credits.free.amount]).toEqual([
      '2026-03-07T20:00:00.000Z',
      '2026-03-08T05:00:00.000Z',
      100,
    ]);
  });

  it('a fresh event stream first gets the current balance', async () => {
    const { token } = await t.createAccount('Ada', 'America/New_York');
    const stream = await open(token);
    const first = await stream.next();
    expect(first.event).toBe('balance');
    expect(balanceOf(first).credits.free).toEqual({ amount: 100, resetsAt: '2026-03-08T05:00:00.000Z' });
  });

  it('A1/C2: crossing local midnight pushes a balance event whose resetsAt moved to the next midnight, 23 hours later', async () => {
    const { token } = await t.createAccount('Ada', 'America/New_York');
    const stream = await open(token);
    const first = await stream.next(eventOfType('balance'));
    await t.admin.admin.moveClock({ now: '2026-03-08T06:00:00Z' });
    const reset = await stream.next(eventOfType('balance', Number(first.id)));
    expect(balanceOf(reset).credits.free.resetsAt).toBe('2026-03-09T04:00:00.000Z');
  });

  it('C2: at local midnight unspent free credits are reset to 100, not increased to 200', async () => {
    const { token, client } = await t.createAccount('Ada', 'America/New_York');
    const stream = await open(token);
    const first = await stream.next(eventOfType('balance'));
    await t.admin.admin.moveClock({ now: '2026-03-08T06:00:00Z' });
    const reset = balanceOf(await stream.next(eventOfType('balance', Number(first.id))));
    expect([reset.credits.free.amount, reset.credits.total]).toEqual([100, 100]);
    expect((await client.balance()).credits.free.amount).toBe(100);
  });

  it('C2: at local midnight a partly spent free balance (40 left) is reset to 100', async () => {
    const { account, client } = await t.createAccount('Ada', 'America/New_York');
    // No route spends credits yet: record the spend the way the ledger does (C9), in the backend's own database.
    await t.backend.database.db.transaction().execute((trx) =>
      t.backend.database.storage.postEntry(trx, account.id, {
        kind: 'debit',
        balance: 'free',
        amount: -60,
        reason: 'test: spend 60',
        at: new Date(START),
      }),
    );
    expect((await client.balance()).credits.free.amount).toBe(40);
    await t.admin.admin.moveClock({ now: '2026-03-08T06:00:00Z' });
    expect((await client.balance()).credits.free.amount).toBe(100);
  });

  it('C2: moving the clock within the same local day does not reset anything', async () => {
    const { token } = await t.createAccount('Ada', 'America/New_York');
    const stream = await open(token);
    const first = await stream.next(eventOfType('balance'));
    await t.admin.admin.moveClock({ now: '2026-03-08T04:59:59Z' }); // 23:59:59 local, still March 7
    await t.admin.admin.moveClock({ now: '2026-03-08T05:00:00Z' }); // local midnight
    const next = await stream.next(eventOfType('balance', Number(first.id)));
    // The first event after the initial one is the midnight reset, asOf midnight: nothing fired at 23:59:59.
    expect(balanceOf(next).asOf).toBe('2026-03-08T05:00:00.000Z');
  });

  it('A1: each account is reset at its own local midnight and sees only its own events', async () => {
    const newYork = await t.createAccount('Ada', 'America/New_York');
    const tokyo = await t.createAccount('Kenji', 'Asia/Tokyo');
    const tokyoStream = await open(tokyo.token);
    const tokyoFirst = await tokyoStream.next(eventOfType('balance'));
    await t.admin.admin.moveClock({ now: '2026-03-08T06:00:00Z' }); // past New York midnight only
    await t.admin.admin.moveClock({ now: '2026-03-08T15:30:00Z' }); // past Tokyo midnight (15:00Z)
    const next = balanceOf(await tokyoStream.next(eventOfType('balance', Number(tokyoFirst.id))));
    expect([next.asOf, next.credits.free.resetsAt]).toEqual(['2026-03-08T15:30:00.000Z', '2026-03-09T15:00:00.000Z']);
    expect((await newYork.client.balance()).credits.free.resetsAt).toBe('2026-03-09T04:00:00.000Z');
  });

  describe('Last-Event-ID resume', () => {
    const MIDNIGHT_MOVES = ['2026-03-08T12:00:00Z', '2026-03-09T12:00:00Z', '2026-03-10T12:00:00Z'];

    /** Connects, reads the first event id, disconnects, then moves the clock over three New York midnights. */
    async function missThreeMidnights(token: string): Promise<number> {
      const first = await (await open(token)).next(eventOfType('balance'));
      await streams.pop()?.close();
      for (const now of MIDNIGHT_MOVES) await t.admin.admin.moveClock({ now });
      return Number(first.id);
    }

    it('A1/C2: a reconnect with Last-Event-ID receives the three balance events published meanwhile, in order', async () => {
      const { token } = await t.createAccount('Ada', 'America/New_York');
      const firstId = await missThreeMidnights(token);
      const missed = await (await open(token, firstId)).take(3);
      expect(missed.map((e) => [e.event, balanceOf(e).credits.free.resetsAt])).toEqual([
        ['balance', '2026-03-09T04:00:00.000Z'],
        ['balance', '2026-03-10T04:00:00.000Z'],
        ['balance', '2026-03-11T04:00:00.000Z'],
      ]);
    });

    it('the resumed events have increasing ids, all after the Last-Event-ID', async () => {
      const { token } = await t.createAccount('Ada', 'America/New_York');
      const firstId = await missThreeMidnights(token);
      const ids = (await (await open(token, firstId)).take(3)).map((e) => Number(e.id));
      expect(ids[0]).toBeGreaterThan(firstId);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(3);
    });

    it('none is missing: the resumed ids are exactly those a stream reading from 0 gets after that id', async () => {
      const { token } = await t.createAccount('Ada', 'America/New_York');
      const firstId = await missThreeMidnights(token);
      const resumed = (await (await open(token, firstId)).take(3)).map((e) => e.id);
      const fromZero = await open(token, 0);
      await fromZero.next((e) => e.id === resumed[2]);
      expect(fromZero.events.filter((e) => Number(e.id) > firstId).map((e) => e.id)).toEqual(resumed);
    });

    it('a resumed stream goes on with live events after the backlog', async () => {
      const { token } = await t.createAccount('Ada', 'America/New_York');
      const firstId = await missThreeMidnights(token);
      const stream = await open(token, firstId);
      const backlog = await stream.take(3);
      await t.admin.admin.moveClock({ now: '2026-03-11T12:00:00Z' });
      const live = await stream.next();
      expect(Number(live.id)).toBeGreaterThan(Number(backlog[2]?.id));
      expect(balanceOf(live).credits.free.resetsAt).toBe('2026-03-12T04:00:00.000Z');
    });

    it('?lastEventId= resumes like the Last-Event-ID header', async () => {
      const { token } = await t.createAccount('Ada', 'America/New_York');
      const firstId = await missThreeMidnights(token);
      const byHeader = (await (await open(token, firstId)).take(3)).map((e) => e.id);
      const byQuery = (await (await open(token, firstId, 'query')).take(3)).map((e) => e.id);
      expect(byQuery).toEqual(byHeader);
    });

    it('a fresh connection after the moves first gets the current balance tagged with the latest event id', async () => {
      const { token } = await t.createAccount('Ada', 'America/New_York');
      const firstId = await missThreeMidnights(token);
      const latest = (await (await open(token, firstId)).take(3))[2];
      const fresh = await (await open(token)).next();
      expect([fresh.event, fresh.id]).toEqual(['balance', latest?.id]);
      expect(balanceOf(fresh)).toEqual(balanceOf(latest as StreamEvent));
    });
  });
});

describe('A1 a zone that skipped midnight (America/Sao_Paulo, 2015-10-18)', () => {
  let t: TestBackend;

  beforeEach(async () => {
    t = await startBackend({ testClock: '2015-10-17T12:00:00-03:00' });
  });

  afterEach(async () => {
    await t.stop();
  });

  it('A1/C2: the free credits reset when the day starts at 01:00 local (03:00Z), and the next reset is 23 hours later', async () => {
    const { token } = await t.createAccount('Lia', 'America/Sao_Paulo');
    const stream = await openEventStream(t.url, token);
    try {
      const first = await stream.next(eventOfType('balance'));
      expect(balanceOf(first).credits.free.resetsAt).toBe('2015-10-18T03:00:00.000Z');
      await t.admin.admin.moveClock({ now: '2015-10-18T02:59:59Z' }); // 23:59:59 on the 17th, local
      await t.admin.admin.moveClock({ now: '2015-10-18T03:00:00Z' });
      const reset = balanceOf(await stream.next(eventOfType('balance', Number(first.id))));
      expect([reset.asOf, reset.credits.free.amount, reset.credits.free.resetsAt]).toEqual([
        '2015-10-18T03:00:00.000Z',
        100,
        '2015-10-19T02:00:00.000Z',
      ]);
    } finally {
      await stream.close();
    }
  });
});
