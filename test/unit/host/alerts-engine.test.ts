/**
 * The alert engine on its own: account states fed in, alerts out. Every alert fires once per occurrence, never for a
 * state that already held when the app started, and never again after a restart (the fired ids are kept in a file).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog, type Balance, type Generation, type Me } from '../../../shared/api.js';
import type { Alert } from '../../../shared/bridge.js';
import { AlertEngine, FiredAlertLog, type AlertPreferences } from '../../../electron/host/alerts.js';
import { removeDir, tempDir } from './harness.js';

const catalog = Catalog.parse(
  JSON.parse(readFileSync(new URL('../../../backend/catalog.json', import.meta.url), 'utf8')),
);
const plan = (id: string) => catalog.plans.find((p) => p.id === id)!;

function me(planId: string, patch: Partial<Me> = {}): Me {
  return {
    id: 'acc_1',
    name: 'Ana',
    timeZone: 'UTC',
    status: 'active',
    plan: plan(planId),
    subscription: {
      planId,
      status: 'active',
      startedAt: '2026-03-10T09:00:00.000Z',
      anniversaryDay: 10,
      renewsAt: '2026-04-10T00:00:00.000Z',
      period: 'month',
    },
    fairUse: { pausedAt: null, reason: null, appeal: null, violations: 0 },
    ...patch,
  };
}

function balance(
  patch: {
    free?: number;
    subscription?: number;
    fastUsed?: number;
    fastLimit?: number;
    unlimited?: Balance['unlimited'];
    asOf?: string;
    generations?: Balance['generations'];
  } = {},
): Balance {
  const free = patch.free ?? 100;
  const subscription = patch.subscription ?? 5000;
  return {
    asOf: patch.asOf ?? '2026-03-12T12:00:00.000Z',
    credits: {
      free: { amount: free, resetsAt: '2026-03-13T00:00:00.000Z' },
      subscription: { amount: subscription, expiresAt: '2026-04-10T00:00:00.000Z' },
      topup: { amount: 0 },
      total: free + subscription,
    },
    generations: patch.generations ?? null,
    fast: { used: patch.fastUsed ?? 0, limit: patch.fastLimit ?? 50, resetsAt: '2026-03-13T00:00:00.000Z' },
    unlimited: patch.unlimited ?? [],
  };
}

function generation(status: Generation['status'], patch: Partial<Generation> = {}): Generation {
  return {
    id: 'gen_1',
    tool: 'text-to-image',
    modelId: 'vivid-image',
    prompt: 'a lighthouse at dusk',
    settings: { outputs: 1 },
    status,
    lane: 'standard',
    charge: {
      credits: 24,
      generations: 0,
      draws: [
        { balance: 'free', amount: 6 },
        { balance: 'subscription', amount: 18 },
      ],
      refunded: status === 'failed' || status === 'blocked',
    },
    outputs:
      status === 'succeeded'
        ? [{ id: 'out_1', kind: 'image', mime: 'image/png', bytes: 10, sha256: 'a'.repeat(64) }]
        : [],
    createdAt: '2026-03-12T12:00:00.000Z',
    ...patch,
  };
}

describe('alert engine', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) removeDir(dir);
  });

  function engine(options: { dir?: string; preferences?: Partial<AlertPreferences>; clock?: () => Date } = {}) {
    const dir = options.dir ?? tempDir('companion-alerts-');
    if (!options.dir) dirs.push(dir);
    const preferences: AlertPreferences = { enabled: true, thresholds: [75, 90, 100], ...options.preferences };
    const clock = options.clock ?? (() => new Date('2026-03-12T12:00:00.000Z'));
    const alerts = new AlertEngine({
      log: new FiredAlertLog(join(dir, 'alerts.json'), { clock }),
      preferences: () => preferences,
      clock,
    });
    const observe = (account: Me, state: Balance, backendNow = new Date(state.asOf)) =>
      alerts.observeAccount({ accountId: 'acc_1', label: null, me: account, balance: state, catalog, backendNow });
    return { alerts, observe, dir, preferences };
  }

  const ids = (alerts: Alert[]) => alerts.map((a) => a.id);

  describe('thresholds (C2, C3, G1)', () => {
    it('subscription credits: 75, 90 and 100 % used fire once each as the balance drops', () => {
      const { observe } = engine();
      const standard = me('standard');
      expect(observe(standard, balance({ subscription: 5000 }))).toEqual([]); // the first state only seeds
      expect(observe(standard, balance({ subscription: 1300 }))).toEqual([]); // 74 %
      const at75 = observe(standard, balance({ subscription: 1250 }));
      expect(at75).toEqual([
        {
          id: 'threshold:acc_1:subscription:75:2026-04-10T00:00:00.000Z',
          accountId: 'acc_1',
          kind: 'threshold',
          title: "75% of this month's credits used",
          body: '1,250 of 5,000 subscription credits left; they renew on 10 Apr.',
          at: '2026-03-12T12:00:00.000Z',
          fact: {
            kind: 'used',
            balance: 'subscription',
            percent: 75,
            periodEnd: '2026-04-10T00:00:00.000Z',
            asOf: '2026-03-12T12:00:00.000Z',
          },
        },
      ]);
      expect(observe(standard, balance({ subscription: 1000 }))).toEqual([]);
      expect(ids(observe(standard, balance({ subscription: 500 })))).toEqual([
        'threshold:acc_1:subscription:90:2026-04-10T00:00:00.000Z',
      ]);
      const at100 = observe(standard, balance({ subscription: 0 }));
      expect(at100).toMatchObject([
        { id: 'threshold:acc_1:subscription:100:2026-04-10T00:00:00.000Z', title: "This month's credits are used up" },
      ]);
      expect(observe(standard, balance({ subscription: 0 }))).toEqual([]);
    });

    it('free credits of the day: 1 - free / dailyFreeCredits, per day', () => {
      const { observe } = engine();
      const free = me('free', {
        subscription: {
          planId: 'free',
          status: 'none',
          startedAt: null,
          anniversaryDay: null,
          renewsAt: null,
          period: null,
        },
      });
      const noSubscription = (amount: number) => ({
        ...balance({ free: amount, subscription: 0 }),
        credits: { ...balance({ free: amount }).credits, subscription: { amount: 0, expiresAt: null }, total: amount },
      });
      observe(free, noSubscription(100));
      expect(observe(free, noSubscription(26))).toEqual([]);
      expect(observe(free, noSubscription(25))).toMatchObject([
        {
          id: 'threshold:acc_1:free:75:2026-03-13T00:00:00.000Z',
          title: "75% of today's free credits used",
          body: '25 of 100 free credits left; they reset at 00:00 on Fri 13 Mar.',
        },
      ]);
      expect(ids(observe(free, noSubscription(0)))).toEqual(['threshold:acc_1:free:100:2026-03-13T00:00:00.000Z']);
    });

    it('several thresholds passed in one step give the highest only, and the lower ones never come later', () => {
      const { observe } = engine();
      const standard = me('standard');
      observe(standard, balance());
      expect(ids(observe(standard, balance({ subscription: 400 })))).toEqual([
        'threshold:acc_1:subscription:90:2026-04-10T00:00:00.000Z',
      ]);
      expect(observe(standard, balance({ subscription: 300 }))).toEqual([]);
    });

    it('a refund and a new drop within the same month does not repeat an alert; the next month is a new occurrence', () => {
      const { observe } = engine();
      const standard = me('standard');
      observe(standard, balance());
      expect(observe(standard, balance({ subscription: 1000 }))).toHaveLength(1);
      expect(observe(standard, balance({ subscription: 2000 }))).toEqual([]); // refunded
      expect(observe(standard, balance({ subscription: 1000 }))).toEqual([]); // the same 75 % of the same month
      const nextMonth = balance({ subscription: 1000 });
      nextMonth.credits.subscription.expiresAt = '2026-05-10T00:00:00.000Z';
      expect(ids(observe(standard, nextMonth))).toEqual(['threshold:acc_1:subscription:75:2026-05-10T00:00:00.000Z']);
    });

    it('generation-billed plans: used / limit', () => {
      const { observe } = engine();
      const plus = me('plus');
      const used = (n: number) =>
        balance({
          subscription: 0,
          free: 0,
          generations: { used: n, limit: 100, resetsAt: '2026-04-10T00:00:00.000Z' },
        });
      observe(plus, used(10));
      expect(observe(plus, used(89))).toMatchObject([
        {
          id: 'threshold:acc_1:generations:75:2026-04-10T00:00:00.000Z',
          body: '89 of 100 generations used; the count resets on 10 Apr.',
        },
      ]);
      expect(observe(plus, used(100))).toMatchObject([
        { id: 'threshold:acc_1:generations:100:2026-04-10T00:00:00.000Z', title: 'Monthly generation limit reached' },
      ]);
      // Unlimited generations have no thresholds.
      const ultimate = me('ultimate');
      expect(
        observe(ultimate, balance({ generations: { used: 5000, limit: null, resetsAt: '2026-04-10T00:00:00.000Z' } })),
      ).toEqual([]);
    });

    it('a state already past a threshold when the app starts does not fire; the next threshold does', () => {
      const { observe } = engine();
      const standard = me('standard');
      expect(observe(standard, balance({ subscription: 1000 }))).toEqual([]); // 80 % at start
      expect(ids(observe(standard, balance({ subscription: 400 })))).toEqual([
        'threshold:acc_1:subscription:90:2026-04-10T00:00:00.000Z',
      ]);
    });

    it('follows the configured thresholds, and gives nothing while alerts are off (nor later for what happened then)', () => {
      const { observe, preferences } = engine({ preferences: { thresholds: [50] } });
      const standard = me('standard');
      observe(standard, balance());
      expect(observe(standard, balance({ subscription: 1000 }))).toMatchObject([
        { id: 'threshold:acc_1:subscription:50:2026-04-10T00:00:00.000Z' },
      ]);
      preferences.thresholds = [50, 95];
      preferences.enabled = false;
      expect(observe(standard, balance({ subscription: 200 }))).toEqual([]);
      preferences.enabled = true;
      expect(observe(standard, balance({ subscription: 100 }))).toEqual([]);
    });
  });

  describe('restarts and the fired-alert file', () => {
    it('an alert given before a restart is not given again after it, even when its condition comes back', () => {
      const first = engine();
      const standard = me('standard');
      first.observe(standard, balance());
      expect(first.observe(standard, balance({ subscription: 1000 }))).toHaveLength(1);

      const second = engine({ dir: first.dir }); // the app restarts with the same data folder
      second.observe(standard, balance({ subscription: 3000 })); // a refund came while it was closed
      expect(second.observe(standard, balance({ subscription: 1000 }))).toEqual([]);
      expect(ids(second.observe(standard, balance({ subscription: 400 })))).toEqual([
        'threshold:acc_1:subscription:90:2026-04-10T00:00:00.000Z',
      ]);
    });

    it('keeps ids for 40 days after they were last seen, then forgets them', () => {
      const dir = tempDir('companion-alerts-');
      dirs.push(dir);
      let now = new Date('2026-03-12T12:00:00.000Z');
      const log = new FiredAlertLog(join(dir, 'alerts.json'), { clock: () => now });
      log.record(['a', 'b']);
      now = new Date('2026-04-01T12:00:00.000Z');
      log.record(['b']);
      now = new Date('2026-04-22T12:00:00.000Z');
      const reloaded = new FiredAlertLog(join(dir, 'alerts.json'), { clock: () => now });
      expect([reloaded.has('a'), reloaded.has('b')]).toEqual([false, true]);
    });

    it('a damaged file starts empty instead of failing', () => {
      const dir = tempDir('companion-alerts-');
      dirs.push(dir);
      writeFileSync(join(dir, 'alerts.json'), '{ not json');
      const log = new FiredAlertLog(join(dir, 'alerts.json'));
      expect(log.size).toBe(0);
      log.record(['x']);
      expect(JSON.parse(readFileSync(join(dir, 'alerts.json'), 'utf8')).fired).toHaveProperty('x');
    });
  });

  describe('unlimited windows (U1) and the Fast limit (U4)', () => {
    const window = { modelId: 'spark-image', startsAt: '2026-03-10T09:00:00.000Z', endsAt: '2026-03-17T09:00:00.000Z' };

    it('a window ending within the hour, then its end, once each', () => {
      const { observe, alerts } = engine();
      const standard = me('standard');
      const open = balance({ unlimited: [window], asOf: '2026-03-17T07:00:00.000Z' });
      expect(observe(standard, open)).toEqual([]);
      expect(alerts.nextCheckAt(open, new Date(open.asOf))?.toISOString()).toBe('2026-03-17T08:00:00.000Z');
      expect(observe(standard, open, new Date('2026-03-17T07:59:00.000Z'))).toEqual([]);
      const ending = observe(standard, open, new Date('2026-03-17T08:00:00.000Z'));
      expect(ending).toMatchObject([
        {
          id: 'window-ending:acc_1:spark-image:2026-03-17T09:00:00.000Z',
          kind: 'window-ending',
          title: 'Unlimited Spark Image ends within the hour',
          body: expect.stringContaining('ends at 09:00'),
        },
      ]);
      expect(observe(standard, open, new Date('2026-03-17T08:30:00.000Z'))).toEqual([]);
      expect(alerts.nextCheckAt(open, new Date('2026-03-17T08:30:00.000Z'))?.toISOString()).toBe(
        '2026-03-17T09:00:00.000Z',
      );
      // The backend lists open windows only: at its end the window is gone from the balance.
      const ended = observe(standard, balance({ asOf: '2026-03-17T09:00:00.000Z' }));
      expect(ended).toMatchObject([
        {
          id: 'window-ended:acc_1:spark-image:2026-03-17T09:00:00.000Z',
          kind: 'window-ended',
          title: 'Unlimited Spark Image has ended',
          body: expect.stringContaining('ended at 09:00:'),
        },
      ]);
      expect(ending[0]?.fact).toEqual({
        kind: 'window-open',
        modelId: 'spark-image',
        endsAt: '2026-03-17T09:00:00.000Z',
        asOf: '2026-03-17T07:00:00.000Z',
      });
      expect(ended[0]?.fact).toEqual({
        kind: 'window-closed',
        modelId: 'spark-image',
        endedAt: '2026-03-17T09:00:00.000Z',
        asOf: '2026-03-17T09:00:00.000Z',
      });
      expect(observe(standard, balance({ asOf: '2026-03-17T10:00:00.000Z' }))).toEqual([]);
    });

    it('a window whose end is first seen on a later day names the day it ended', () => {
      const { observe } = engine();
      const standard = me('standard');
      observe(standard, balance({ unlimited: [window], asOf: '2026-03-17T07:00:00.000Z' }));
      const ended = observe(standard, balance({ asOf: '2026-03-18T08:00:00.000Z' }));
      expect(ended[0]?.body).toBe(
        'Your unlimited window for Spark Image ended at 09:00 on Tue 17 Mar: it costs credits again from now on.',
      );
    });

    it('a window already in its last hour at start does not fire; its end does', () => {
      const { observe } = engine();
      const standard = me('standard');
      expect(observe(standard, balance({ unlimited: [window], asOf: '2026-03-17T08:30:00.000Z' }))).toEqual([]);
      expect(ids(observe(standard, balance({ asOf: '2026-03-17T09:00:01.000Z' })))).toEqual([
        'window-ended:acc_1:spark-image:2026-03-17T09:00:00.000Z',
      ]);
    });

    it('a window that disappears before its end (the plan changed) has not "ended"', () => {
      const { observe } = engine();
      const standard = me('standard');
      observe(standard, balance({ unlimited: [window], asOf: '2026-03-12T12:00:00.000Z' }));
      expect(observe(me('basic'), balance({ asOf: '2026-03-12T12:05:00.000Z' }))).toEqual([]);
    });

    it('the Fast limit reached: once per day, naming what still runs', () => {
      const { observe } = engine();
      const standard = me('standard');
      observe(standard, balance({ fastUsed: 10 }));
      expect(observe(standard, balance({ fastUsed: 49 }))).toEqual([]);
      expect(observe(standard, balance({ fastUsed: 50 }))).toEqual([
        expect.objectContaining({
          id: 'fast-limit:acc_1:2026-03-13T00:00:00.000Z',
          kind: 'fast-limit',
          title: 'Fast limit reached',
          body: 'All 50 fast generations of today are used; the limit resets at 00:00 on Fri 13 Mar. Spark Image keeps going in the slower Relaxed queue. Unlimited Vivid Image is refused until then.',
        }),
      ]);
      expect(observe(standard, balance({ fastUsed: 51 }))).toEqual([]);
      // A plan without a Fast limit never reaches it.
      expect(observe(me('basic'), balance({ fastUsed: 0, fastLimit: 0 }))).toEqual([]);
    });
  });

  describe('generations (C8, G4)', () => {
    it('finished and failed generations, each once; a failure names its refund', () => {
      const { alerts } = engine();
      const observe = (g: Generation) => alerts.observeGeneration('acc_1', null, g, catalog);
      expect(observe(generation('queued'))).toEqual([]);
      expect(observe(generation('running'))).toEqual([]);
      expect(observe(generation('succeeded'))).toMatchObject([
        {
          id: 'generation:acc_1:gen_1:succeeded',
          kind: 'generation-finished',
          title: 'Vivid Image: your result is ready',
        },
      ]);
      expect(observe(generation('succeeded'))).toEqual([]); // a replayed event
      const failed = observe(generation('failed', { id: 'gen_2', error: 'The provider timed out' }));
      expect(failed).toEqual([
        expect.objectContaining({
          id: 'generation:acc_1:gen_2:failed',
          kind: 'generation-failed',
          title: 'Vivid Image failed: refunded',
          body: '“a lighthouse at dusk” The provider timed out. 24 credits were refunded (6 free, 18 subscription).',
        }),
      ]);
      const blocked = observe(
        generation('blocked', { id: 'gen_3', error: 'Blocked by moderation: the prompt contains "gore"' }),
      );
      expect(blocked).toMatchObject([
        {
          title: 'Vivid Image was blocked by moderation: refunded',
          body: expect.stringContaining('24 credits were refunded'),
        },
      ]);
      const counted = generation('failed', {
        id: 'gen_4',
        charge: { credits: 0, generations: 1, draws: [{ balance: 'generations', amount: 1 }], refunded: true },
      });
      expect(observe(counted)[0]?.body).toContain('The generation was given back: it does not count.');
      expect(observe(generation('cancelled', { id: 'gen_5' }))).toEqual([]);
    });

    it('with several accounts the title names the account', () => {
      const { alerts } = engine();
      expect(alerts.observeGeneration('acc_1', 'Studio', generation('succeeded'), catalog)[0]?.title).toBe(
        'Vivid Image: your result is ready (Studio)',
      );
    });
  });

  describe('fair use (U7)', () => {
    const paused = me('standard', {
      status: 'unlimited_paused',
      fairUse: { pausedAt: '2026-03-12T11:00:00.000Z', reason: 'Reported by support', appeal: null, violations: 0 },
    });

    it('paused, then the appeal restores it: one alert each', () => {
      const { observe } = engine();
      observe(me('standard'), balance());
      expect(observe(paused, balance())).toMatchObject([
        {
          id: 'fair-use:acc_1:paused:2026-03-12T11:00:00.000Z',
          kind: 'fair-use',
          title: 'Unlimited access paused',
          body: expect.stringContaining('Reason: Reported by support.'),
        },
      ]);
      const appealed = {
        ...paused,
        fairUse: {
          ...paused.fairUse!,
          appeal: { id: 'apl_1', status: 'open' as const, message: 'by hand', createdAt: '2026-03-12T11:30:00.000Z' },
        },
      };
      expect(observe(appealed, balance())).toEqual([]);
      expect(observe(me('standard'), balance())).toMatchObject([
        {
          id: 'fair-use:acc_1:restored:2026-03-12T11:00:00.000Z',
          title: 'Unlimited access restored',
          body: 'A reviewer found no violation after your appeal: unlimited use works again.',
        },
      ]);
      expect(observe(me('standard'), balance())).toEqual([]);
    });

    it('an upheld appeal, and a suspension', () => {
      const { observe } = engine();
      observe(paused, balance()); // paused at start: seeds
      const upheld = {
        ...paused,
        fairUse: {
          ...paused.fairUse!,
          appeal: { id: 'apl_1', status: 'upheld' as const, message: 'by hand', createdAt: '2026-03-12T11:30:00.000Z' },
        },
      };
      expect(ids(observe(upheld, balance()))).toEqual(['fair-use:acc_1:appeal:apl_1:upheld']);
      const suspended = me('standard', {
        status: 'suspended',
        fairUse: { pausedAt: '2026-03-20T11:00:00.000Z', reason: 'Reselling', appeal: null, violations: 2 },
      });
      expect(observe(suspended, balance())).toMatchObject([
        { id: 'fair-use:acc_1:suspended', title: 'Account suspended' },
      ]);
      expect(observe(suspended, balance())).toEqual([]);
    });
  });
});
