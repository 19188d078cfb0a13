/**
 * Accounts, plans and time (A1-A4), monthly allocations (C3) and top-ups (C4), over real HTTP with the typed client
 * and the test clock, on every storage engine. Each describe shares one backend whose clock only moves forward: its
 * tests run in order, each from its own starting instant, and every test makes its own accounts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRequest, LedgerEntry } from '../../../shared/api.js';
import type { CompanionClient } from '../../../shared/client.js';
import { catchApiError } from '../../support/api-error.js';
import type { TestBackend } from '../../support/backend.js';
import { allLedgerEntries, engines, ScriptedProvider, startBackendOn, syncAll } from '../../support/engines.js';

const proImage: GenerationRequest = {
  tool: 'text-to-image',
  modelId: 'vivid-pro-image',
  prompt: 'a glass city',
  settings: { outputs: 1 },
};
/** 480 credits: 100 free + 380 of a subscription's allocation. */
const proVideo: GenerationRequest = {
  tool: 'text-to-video',
  modelId: 'motion-pro-video',
  prompt: 'a glass city at dusk',
  settings: { outputs: 1 },
};

/** The ledger entries on one balance, oldest first, as `[at, kind, amount, after]`. */
async function entriesOn(
  client: CompanionClient,
  balance: LedgerEntry['balance'],
): Promise<Array<[string, string, number, number]>> {
  return (await allLedgerEntries(client))
    .filter((e) => e.balance === balance)
    .reverse()
    .map((e) => [e.at, e.kind, e.amount, e.after]);
}

describe.each(engines)('plans and subscriptions on %s', (engine) => {
  /** One backend per describe, its clock at `start`; `moveTo` only ever moves it forward. */
  function sharedBackend(start: string) {
    const state: { t: TestBackend } = { t: undefined as unknown as TestBackend };
    beforeAll(async () => {
      state.t = await startBackendOn(engine, { testClock: start, provider: new ScriptedProvider() });
    });
    afterAll(async () => {
      await state.t.stop();
    });
    return {
      get t() {
        return state.t;
      },
      moveTo: (now: string) => state.t.admin.admin.moveClock({ now }),
    };
  }

  describe('A1 local midnight and A2 plan kinds (from 2026-03-28T12:00Z)', () => {
    const b = sharedBackend('2026-03-28T12:00:00Z');

    it('A2: the catalog ships the plans as data: credit-billed and generation-billed', async () => {
      const { plans } = await b.t.client().catalog();
      expect(
        Object.fromEntries(plans.map((p) => [p.id, [p.billing, p.period, p.monthlyCredits ?? p.monthlyGenerations]])),
      ).toEqual({
        free: ['credits', null, 0],
        basic: ['credits', 'month', 1500],
        standard: ['credits', 'month', 5000],
        ultra: ['credits', 'month', 16000],
        'ultra-yearly': ['credits', 'year', 16000],
        core: ['generations', 'month', 10],
        plus: ['generations', 'month', 100],
        ultimate: ['generations', 'month', null],
      });
    });

    it('A2: on a credit-billed plan a request costs credits and there is no generation counter', async () => {
      const { client } = await b.t.createAccount('Ada', 'Europe/Berlin', 'basic');
      const estimate = await client.estimateCost({
        tool: 'text-to-image',
        modelId: 'vivid-image',
        settings: { outputs: 2 },
      });
      expect([estimate.cost, estimate.unit]).toEqual([48, 'credits']);
      expect((await client.balance()).generations).toBeNull();
    });

    it('A2: on a generation-billed plan a request costs one generation and the credits are all zero', async () => {
      const { client } = await b.t.createAccount('Ada', 'Europe/Berlin', 'core');
      const estimate = await client.estimateCost({
        tool: 'text-to-image',
        modelId: 'vivid-image',
        settings: { outputs: 2 },
      });
      expect([estimate.cost, estimate.unit, estimate.draws]).toEqual([
        1,
        'generations',
        [{ balance: 'generations', amount: 1 }],
      ]);
      const balance = await client.balance();
      expect(balance.credits).toMatchObject({
        free: { amount: 0 },
        subscription: { amount: 0 },
        topup: { amount: 0 },
        total: 0,
      });
      expect(balance.generations).toEqual({ used: 0, limit: 10, resetsAt: '2026-04-27T22:00:00.000Z' });
    });

    it('A1: an account created without a time zone is in UTC and resets at midnight UTC', async () => {
      const { account, token } = await b.t.admin.admin.createAccount({ name: 'Grace' });
      expect(account.timeZone).toBe('UTC');
      expect((await b.t.client(token).balance()).credits.free.resetsAt).toBe('2026-03-29T00:00:00.000Z');
    });

    it('A1: in Berlin the day of the spring change is 23 hours long: resets at 23:00Z, then at 22:00Z the next day', async () => {
      const { client } = await b.t.createAccount('Ada', 'Europe/Berlin');
      expect((await client.balance()).credits.free.resetsAt).toBe('2026-03-28T23:00:00.000Z');
      await b.moveTo('2026-03-28T23:00:00Z');
      expect((await client.balance()).credits.free).toEqual({ amount: 100, resetsAt: '2026-03-29T22:00:00.000Z' });
      expect((await entriesOn(client, 'free')).at(-1)).toEqual(['2026-03-28T23:00:00.000Z', 'grant', 100, 100]);
    });

    it('A1: in New York the day the clocks go back is 25 hours long: resets at 04:00Z, then at 05:00Z the next day', async () => {
      await b.moveTo('2026-10-31T16:00:00Z'); // 12:00 EDT
      const { client } = await b.t.createAccount('Ada', 'America/New_York');
      expect((await client.balance()).credits.free.resetsAt).toBe('2026-11-01T04:00:00.000Z');
      await b.moveTo('2026-11-01T04:00:00Z');
      expect((await client.balance()).credits.free.resetsAt).toBe('2026-11-02T05:00:00.000Z');
    });

    it('A1: one instant is a different local midnight per zone: Tokyo resets at 15:00Z, New York at 05:00Z', async () => {
      await b.moveTo('2026-11-02T12:00:00Z');
      const tokyo = await b.t.createAccount('Kenji', 'Asia/Tokyo');
      const newYork = await b.t.createAccount('Ada', 'America/New_York');
      expect([
        (await tokyo.client.balance()).credits.free.resetsAt,
        (await newYork.client.balance()).credits.free.resetsAt,
      ]).toEqual(['2026-11-02T15:00:00.000Z', '2026-11-03T05:00:00.000Z']);
    });
  });

  describe('A3 anniversaries and C3 monthly allocations (from 12:00 on 2026-01-31 in Tokyo)', () => {
    const b = sharedBackend('2026-01-31T03:00:00Z');

    it('A3: a subscription bought on the 31st has anniversary day 31; in February it falls on the 28th (local midnight)', async () => {
      const { client } = await b.t.createAccount('Kenji', 'Asia/Tokyo', 'basic');
      expect((await client.me()).subscription).toEqual({
        planId: 'basic',
        status: 'active',
        startedAt: '2026-01-31T03:00:00.000Z',
        anniversaryDay: 31,
        renewsAt: '2026-02-27T15:00:00.000Z',
        endsAt: null,
        period: 'month',
      });
      expect((await client.balance()).credits.subscription).toEqual({
        amount: 1500,
        expiresAt: '2026-02-27T15:00:00.000Z',
      });
    });

    it('A3/C3: moving the clock over several months grants once per due date, at the clamped anniversaries', async () => {
      const { client } = await b.t.createAccount('Kenji', 'Asia/Tokyo', 'basic');
      await b.moveTo('2026-05-15T03:00:00Z');
      expect(await entriesOn(client, 'subscription')).toEqual([
        ['2026-01-31T03:00:00.000Z', 'grant', 1500, 1500],
        ['2026-02-27T15:00:00.000Z', 'expire', -1500, 0],
        ['2026-02-27T15:00:00.000Z', 'grant', 1500, 1500],
        ['2026-03-30T15:00:00.000Z', 'expire', -1500, 0],
        ['2026-03-30T15:00:00.000Z', 'grant', 1500, 1500],
        ['2026-04-29T15:00:00.000Z', 'expire', -1500, 0],
        ['2026-04-29T15:00:00.000Z', 'grant', 1500, 1500],
      ]);
      expect((await client.balance()).credits.subscription).toEqual({
        amount: 1500,
        expiresAt: '2026-05-30T15:00:00.000Z',
      });
      expect((await client.me()).subscription.renewsAt).toBe('2026-05-30T15:00:00.000Z');
    });

    it('C3: unused subscription credits expire at the next grant: 1,120 left become 1,500, not 2,620', async () => {
      await b.moveTo('2026-05-15T03:00:00Z'); // 12:00 on the 15th in Tokyo
      const { client } = await b.t.createAccount('Kenji', 'Asia/Tokyo', 'basic');
      await client.createGeneration(proVideo);
      expect((await client.balance()).credits.subscription.amount).toBe(1120);
      await b.moveTo('2026-06-14T14:59:59Z');
      expect((await client.balance()).credits.subscription.amount).toBe(1120);
      await b.moveTo('2026-06-14T15:00:00Z');
      expect((await entriesOn(client, 'subscription')).slice(-2)).toEqual([
        ['2026-06-14T15:00:00.000Z', 'expire', -1120, 0],
        ['2026-06-14T15:00:00.000Z', 'grant', 1500, 1500],
      ]);
      expect((await client.balance()).credits.subscription).toEqual({
        amount: 1500,
        expiresAt: '2026-07-14T15:00:00.000Z',
      });
    });

    it('A3: a yearly plan is billed per year but receives its allocation monthly on the anniversary day', async () => {
      await b.moveTo('2026-06-20T03:00:00Z'); // 05:00 on the 20th in Berlin
      const { client } = await b.t.createAccount('Ada', 'Europe/Berlin', 'ultra-yearly');
      expect((await client.me()).subscription).toMatchObject({
        anniversaryDay: 20,
        period: 'year',
        renewsAt: '2027-06-19T22:00:00.000Z',
      });
      await b.moveTo('2026-09-25T00:00:00Z');
      const grants = (await entriesOn(client, 'subscription')).filter(([, kind]) => kind === 'grant');
      expect(grants).toEqual([
        ['2026-06-20T03:00:00.000Z', 'grant', 16000, 16000],
        ['2026-07-19T22:00:00.000Z', 'grant', 16000, 16000],
        ['2026-08-19T22:00:00.000Z', 'grant', 16000, 16000],
        ['2026-09-19T22:00:00.000Z', 'grant', 16000, 16000],
      ]);
      expect((await client.me()).subscription.renewsAt).toBe('2027-06-19T22:00:00.000Z');
      expect((await client.balance()).credits.subscription).toEqual({
        amount: 16000,
        expiresAt: '2026-10-19T22:00:00.000Z',
      });
    });
  });

  describe('A4 plan changes and cancellation, C4 top-ups (from 10:00 on 2026-06-10 in New York)', () => {
    const b = sharedBackend('2026-06-10T14:00:00Z');
    const newYorker = (planId?: string) => b.t.createAccount('Ada', 'America/New_York', planId);

    it('A4: "free" is not a plan one subscribes to: 400 invalid_request naming body.planId, nothing written', async () => {
      const { client } = await newYorker();
      const before = await syncAll(client);
      const error = await catchApiError(client.subscribe({ planId: 'free' }));
      expect([error.status, error.code, error.problem?.errors?.map((e) => e.path)]).toEqual([
        400,
        'invalid_request',
        ['body.planId'],
      ]);
      expect(await syncAll(client)).toEqual(before);
      expect((await client.me()).plan.id).toBe('free');
    });

    it('A4: cancelling with no subscription answers 409 not_cancellable', async () => {
      const { client } = await newYorker();
      const error = await catchApiError(client.cancelSubscription());
      expect([error.status, error.code]).toEqual([409, 'not_cancellable']);
    });

    it('A4: subscribing from free takes effect at once: the plan, anniversary day today and the allocation now', async () => {
      const { client } = await newYorker();
      const me = await client.subscribe({ planId: 'standard' });
      expect([me.plan.id, me.subscription]).toEqual([
        'standard',
        {
          planId: 'standard',
          status: 'active',
          startedAt: '2026-06-10T14:00:00.000Z',
          anniversaryDay: 10,
          renewsAt: '2026-07-10T04:00:00.000Z',
          endsAt: null,
          period: 'month',
        },
      ]);
      expect(await entriesOn(client, 'subscription')).toEqual([['2026-06-10T14:00:00.000Z', 'grant', 5000, 5000]]);
    });

    it('A4: subscribing to the plan one has changes nothing and grants nothing', async () => {
      const { client } = await newYorker('basic');
      const before = { me: await client.me(), ledger: await allLedgerEntries(client) };
      await client.subscribe({ planId: 'basic' });
      expect({ me: await client.me(), ledger: await allLedgerEntries(client) }).toEqual(before);
    });

    it('A4: a replayed subscribe (same Idempotency-Key) grants the allocation once', async () => {
      const { client } = await newYorker();
      await client.subscribe({ planId: 'ultra' }, 'subscribe-once');
      await client.subscribe({ planId: 'ultra' }, 'subscribe-once');
      expect(await entriesOn(client, 'subscription')).toEqual([['2026-06-10T14:00:00.000Z', 'grant', 16000, 16000]]);
    });

    it('C4: a top-up without a subscription is refused with 403 subscription_required, and nothing is written', async () => {
      const { client } = await newYorker();
      const before = await syncAll(client);
      const error = await catchApiError(client.buyTopup({ credits: 500 }));
      expect([error.status, error.code]).toEqual([403, 'subscription_required']);
      expect(await syncAll(client)).toEqual(before);
      expect((await client.balance()).credits.topup.amount).toBe(0);
    });

    it('A4: upgrading mid-period expires the old allocation, grants the new one at once and moves the anniversary to today', async () => {
      const { client } = await newYorker('basic');
      await client.createGeneration(proVideo); // 1,120 of basic's 1,500 left
      await b.moveTo('2026-06-25T14:00:00Z'); // 10:00 on the 25th
      const me = await client.subscribe({ planId: 'ultra' });
      expect(me.subscription).toEqual({
        planId: 'ultra',
        status: 'active',
        startedAt: '2026-06-25T14:00:00.000Z',
        anniversaryDay: 25,
        renewsAt: '2026-07-25T04:00:00.000Z',
        endsAt: null,
        period: 'month',
      });
      expect((await entriesOn(client, 'subscription')).slice(-2)).toEqual([
        ['2026-06-25T14:00:00.000Z', 'expire', -1120, 0],
        ['2026-06-25T14:00:00.000Z', 'grant', 16000, 16000],
      ]);
      expect((await client.balance()).credits.subscription).toEqual({
        amount: 16000,
        expiresAt: '2026-07-25T04:00:00.000Z',
      });
    });

    it('A4: after an upgrade the monthly grant follows the new anniversary (the 25th), not the old one (the 10th)', async () => {
      await b.moveTo('2026-06-25T14:00:00Z');
      const { client } = await newYorker('basic');
      await client.subscribe({ planId: 'ultra' });
      const before = await entriesOn(client, 'subscription');
      await b.moveTo('2026-07-10T14:00:00Z');
      expect(await entriesOn(client, 'subscription')).toEqual(before);
      await b.moveTo('2026-07-25T04:00:00Z');
      expect((await entriesOn(client, 'subscription')).slice(before.length)).toEqual([
        ['2026-07-25T04:00:00.000Z', 'expire', -16000, 0],
        ['2026-07-25T04:00:00.000Z', 'grant', 16000, 16000],
      ]);
    });

    it('A4: cancelling keeps the plan until the end of the paid period, then the account returns to free', async () => {
      await b.moveTo('2026-07-26T14:00:00Z'); // 10:00 on the 26th
      const { client } = await newYorker('basic');
      const cancelled = await client.cancelSubscription();
      expect([cancelled.plan.id, cancelled.subscription]).toEqual([
        'basic',
        {
          planId: 'basic',
          status: 'cancelled',
          startedAt: '2026-07-26T14:00:00.000Z',
          anniversaryDay: 26,
          renewsAt: null,
          endsAt: '2026-08-26T04:00:00.000Z',
          period: 'month',
        },
      ]);
      expect((await client.balance()).credits.subscription).toEqual({
        amount: 1500,
        expiresAt: '2026-08-26T04:00:00.000Z',
      });
      await b.moveTo('2026-08-26T03:59:59Z');
      expect((await client.estimateCost(proImage)).refusal).toBeUndefined();
      await b.moveTo('2026-08-26T04:00:00Z');
      const me = await client.me();
      expect([me.plan.id, me.subscription.status]).toEqual(['free', 'none']);
      expect((await entriesOn(client, 'subscription')).slice(-1)).toEqual([
        ['2026-08-26T04:00:00.000Z', 'expire', -1500, 0],
      ]);
      expect((await client.balance()).credits.subscription).toEqual({ amount: 0, expiresAt: null });
      expect((await client.estimateCost(proImage)).refusal).toMatchObject({
        status: 403,
        code: 'subscription_required',
      });
    });

    it('A4: subscribing again to the same plan undoes a pending cancellation, with no second grant', async () => {
      await b.moveTo('2026-08-27T14:00:00Z');
      const { client } = await newYorker('basic');
      await client.cancelSubscription();
      const ledger = await allLedgerEntries(client);
      const me = await client.subscribe({ planId: 'basic' });
      expect(me.subscription).toMatchObject({ status: 'active', renewsAt: '2026-09-27T04:00:00.000Z', endsAt: null });
      expect(await allLedgerEntries(client)).toEqual(ledger);
    });

    it('C4: top-up credits never expire: they outlast the monthly grant', async () => {
      await b.moveTo('2026-09-01T14:00:00Z'); // anniversary day 1: next grant 2026-10-01T04:00Z
      const { client } = await newYorker('basic');
      await client.buyTopup({ credits: 500 });
      await b.moveTo('2026-10-02T14:00:00Z');
      expect((await client.balance()).credits).toMatchObject({
        subscription: { amount: 1500 },
        topup: { amount: 500 },
      });
      expect(await entriesOn(client, 'topup')).toEqual([['2026-09-01T14:00:00.000Z', 'topup', 500, 500]]);
    });

    it('C4: top-ups outlast a cancelled subscription and stay spendable on the free plan, but no more can be bought', async () => {
      await b.moveTo('2026-10-05T14:00:00Z');
      const { client } = await newYorker('basic');
      await client.buyTopup({ credits: 300 });
      expect((await client.cancelSubscription()).subscription.endsAt).toBe('2026-11-05T05:00:00.000Z'); // EST by then
      await b.moveTo('2026-11-06T14:00:00Z');
      expect((await client.me()).plan.id).toBe('free');
      expect((await client.balance()).credits).toMatchObject({
        free: { amount: 100 },
        subscription: { amount: 0 },
        topup: { amount: 300 },
        total: 400,
      });
      const generation = await client.createGeneration({
        tool: 'text-to-image',
        modelId: 'vivid-image',
        prompt: 'autumn leaves',
        settings: { outputs: 3, quality: 'hd' },
      });
      expect(generation.charge.draws).toEqual([
        { balance: 'free', amount: 100 },
        { balance: 'topup', amount: 44 },
      ]);
      const error = await catchApiError(client.buyTopup({ credits: 100 }));
      expect([error.status, error.code]).toEqual([403, 'subscription_required']);
    });
  });
});
