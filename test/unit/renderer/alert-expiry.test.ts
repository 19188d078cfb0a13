/**
 * An alert stays on screen only while what it says is true: the decision, alert fact + the account's state now -> still
 * true?
 */
import { describe, expect, it } from 'vitest';
import { alertFactHolds, type AlertFact } from '../../../shared/alert-facts.js';
import type { Balance, Catalog, Me } from '../../../shared/api.js';
import catalogJson from '../../../backend/catalog.json';
import type { AccountView, Alert } from '../../../shared/bridge.js';
import { staleAlertIds } from '../../../renderer/src/alerts/staleAlerts.js';

const asOf = '2026-03-07T20:00:00.000Z';

const catalog = catalogJson as unknown as Catalog;
const me = (planId: string) =>
  ({ timeZone: 'America/New_York', plan: catalog.plans.find((p) => p.id === planId)! }) as Me;
const MIDNIGHT = '2026-03-08T05:00:00.000Z';
const NEXT_MIDNIGHT = '2026-03-09T04:00:00.000Z';

function balance(
  patch: {
    free?: number;
    resetsAt?: string;
    subscription?: number;
    fastUsed?: number;
    fastResetsAt?: string;
    unlimited?: Balance['unlimited'];
  } = {},
): Balance {
  const free = patch.free ?? 100;
  return {
    asOf: '2026-03-07T20:00:00.000Z',
    credits: {
      free: { amount: free, resetsAt: patch.resetsAt ?? MIDNIGHT },
      subscription: { amount: patch.subscription ?? 0, expiresAt: '2026-04-07T05:00:00.000Z' },
      topup: { amount: 0 },
      total: free,
    },
    generations: null,
    fast: { used: patch.fastUsed ?? 0, limit: 2, resetsAt: patch.fastResetsAt ?? MIDNIGHT },
    unlimited: patch.unlimited ?? [],
  };
}

const evening = new Date('2026-03-07T22:00:00.000Z');
const nextMorning = new Date('2026-03-08T14:00:00.000Z');
const holds = (fact: AlertFact, b: Balance | null, now = evening, planId = 'free') =>
  alertFactHolds(fact, { me: me(planId), balance: b, catalog }, now);

describe('whether an alert is still true', () => {
  const usedUp: AlertFact = { asOf, kind: 'used', balance: 'free', percent: 100, periodEnd: MIDNIGHT };

  it('free credits used up: true while they are, false after the reset (100 again) or once some came back', () => {
    expect(holds(usedUp, balance({ free: 0 }))).toBe(true);
    expect(holds(usedUp, balance({ free: 6 }))).toBe(false); // a refund
    expect(holds(usedUp, balance({ free: 100, resetsAt: NEXT_MIDNIGHT }), nextMorning)).toBe(false);
    // The clock passed the period's end before a new balance arrived: the reset happened all the same.
    expect(holds(usedUp, balance({ free: 0 }), nextMorning)).toBe(false);
    expect(
      holds({ asOf, kind: 'used', balance: 'free', percent: 75, periodEnd: MIDNIGHT }, balance({ free: 25 })),
    ).toBe(true);
    expect(
      holds({ asOf, kind: 'used', balance: 'free', percent: 75, periodEnd: MIDNIGHT }, balance({ free: 26 })),
    ).toBe(false);
  });

  it('subscription credits: false once a top of the month renews them', () => {
    const fact: AlertFact = {
      asOf,
      kind: 'used',
      balance: 'subscription',
      percent: 90,
      periodEnd: '2026-04-07T05:00:00.000Z',
    };
    expect(holds(fact, balance({ subscription: 300 }), evening, 'standard')).toBe(true);
    const renewed = {
      ...balance({ subscription: 5000 }),
      credits: { ...balance().credits, subscription: { amount: 5000, expiresAt: '2026-05-07T04:00:00.000Z' } },
    };
    expect(holds(fact, renewed, evening, 'standard')).toBe(false);
  });

  it('a window ending within the hour: false once it ended, or was renewed (a later end)', () => {
    const fact: AlertFact = { asOf, kind: 'window-open', modelId: 'spark-image', endsAt: '2026-03-07T22:30:00.000Z' };
    const open = balance({
      unlimited: [{ modelId: 'spark-image', startsAt: '2026-03-01T00:00:00.000Z', endsAt: '2026-03-07T22:30:00.000Z' }],
    });
    expect(holds(fact, open)).toBe(true);
    expect(holds(fact, open, new Date('2026-03-07T22:30:00.000Z'))).toBe(false);
    const renewed = balance({
      unlimited: [{ modelId: 'spark-image', startsAt: '2026-03-07T22:00:00.000Z', endsAt: '2026-03-14T22:00:00.000Z' }],
    });
    expect(holds(fact, renewed)).toBe(false);
  });

  it('a window that ended: true until a window of that model is open again', () => {
    const fact: AlertFact = {
      asOf,
      kind: 'window-closed',
      modelId: 'spark-image',
      endedAt: '2026-03-07T21:30:00.000Z',
    };
    expect(holds(fact, balance())).toBe(true);
    expect(
      holds(
        fact,
        balance({
          unlimited: [
            { modelId: 'spark-image', startsAt: '2026-03-07T21:45:00.000Z', endsAt: '2026-03-14T21:45:00.000Z' },
          ],
        }),
      ),
    ).toBe(false);
  });

  it('the Fast limit: false after local midnight', () => {
    const fact: AlertFact = { asOf, kind: 'fast-used', resetsAt: MIDNIGHT };
    expect(holds(fact, balance({ fastUsed: 2 }))).toBe(true);
    expect(holds(fact, balance({ fastUsed: 0, fastResetsAt: NEXT_MIDNIGHT }), nextMorning)).toBe(false);
    expect(holds(fact, balance({ fastUsed: 2 }), new Date(MIDNIGHT))).toBe(false);
  });

  it('a balance older than the one that made the alert true says nothing: the alert can arrive first', () => {
    const fact: AlertFact = {
      asOf: '2026-03-07T21:00:00.000Z',
      kind: 'used',
      balance: 'free',
      percent: 100,
      periodEnd: MIDNIGHT,
    };
    expect(holds(fact, balance({ free: 6 }))).toBe(true); // asOf 20:00: before the spend
    expect(holds(fact, { ...balance({ free: 6 }), asOf: '2026-03-07T21:05:00.000Z' })).toBe(false);
    // Time still counts: past the reset, the fact is gone whatever balance is on screen.
    expect(holds(fact, balance({ free: 0 }), nextMorning)).toBe(false);
  });

  it('with no balance known yet (offline from the start) the alert stays', () => {
    expect(holds(usedUp, null)).toBe(true);
    expect(holds({ asOf, kind: 'fast-used', resetsAt: MIDNIGHT }, null)).toBe(true);
  });
});

describe('the alerts on screen that are stale', () => {
  const account = (b: Balance) => ({ id: 'acc-1', me: me('free'), balance: b }) as AccountView;
  const alert = (id: string, fact?: AlertFact): Alert => ({
    id,
    accountId: 'acc-1',
    kind: fact ? 'threshold' : 'generation-failed',
    title: id,
    body: '',
    at: '2026-03-07T20:00:00.000Z',
    ...(fact ? { fact } : {}),
  });
  const alerts = [
    alert('used-up', { asOf, kind: 'used', balance: 'free', percent: 100, periodEnd: MIDNIGHT }),
    alert('failed'),
    { ...alert('other'), accountId: 'gone', fact: { asOf, kind: 'fast-used' as const, resetsAt: MIDNIGHT } },
  ];

  it('names those whose fact no longer holds, and those of a removed account; an alert without a fact stays', () => {
    expect(staleAlertIds(alerts, [account(balance({ free: 0 }))], catalog, () => evening)).toEqual(['other']);
    expect(
      staleAlertIds(alerts, [account(balance({ free: 100, resetsAt: NEXT_MIDNIGHT }))], catalog, () => nextMorning),
    ).toEqual(['used-up', 'other']);
  });

  it('an alert that arrived before the snapshot with its balance is kept until a newer snapshot, unless time ended it', () => {
    const beforeTheSpend = [account(balance({ free: 6 }))];
    expect(
      staleAlertIds(
        alerts.slice(0, 1),
        beforeTheSpend,
        catalog,
        () => evening,
        () => false,
      ),
    ).toEqual([]);
    expect(
      staleAlertIds(
        alerts.slice(0, 1),
        beforeTheSpend,
        catalog,
        () => evening,
        () => true,
      ),
    ).toEqual(['used-up']);
    expect(
      staleAlertIds(
        alerts.slice(0, 1),
        beforeTheSpend,
        catalog,
        () => nextMorning,
        () => false,
      ),
    ).toEqual(['used-up']);
  });
});
