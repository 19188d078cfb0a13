/** The words of the confirmation before a charge or a purchase, and of the Plan page. */
import { describe, expect, it } from 'vitest';
import type { Catalog, CostEstimate, Me, Plan } from '../../../shared/api.js';
import {
  cancelText,
  chargeConfirmLabel,
  planPurchaseText,
  purchaseDoneText,
  quoteText,
  renewalAfterPurchase,
  topupPurchaseText,
} from '../../../renderer/src/components/chargeText.js';
import { planStatusText, timeZoneChoices } from '../../../renderer/src/views/plan/planText.js';

const zone = 'America/New_York';
// 15:00 on Sat 7 Mar 2026 in New York.
const now = new Date('2026-03-07T20:00:00.000Z');

const ultraYearly: Plan = {
  id: 'ultra-yearly',
  name: 'Ultra (yearly)',
  billing: 'credits',
  period: 'year',
  monthlyCredits: 16000,
  unlimitedModels: [{ modelId: 'motion-video', days: 3 }],
  fastDailyLimit: 50,
  price: 480,
};
const plus: Plan = {
  id: 'plus',
  name: 'Plus',
  billing: 'generations',
  period: 'month',
  monthlyGenerations: 100,
  unlimitedModels: [],
  fastDailyLimit: 0,
  price: 10,
};
const free: Plan = {
  id: 'free',
  name: 'Free',
  billing: 'credits',
  period: null,
  monthlyCredits: 0,
  unlimitedModels: [],
  fastDailyLimit: 0,
  price: 0,
};
const catalog = {
  models: [{ id: 'motion-video', name: 'Motion Video' }],
  plans: [ultraYearly, plus, free],
  dailyFreeCredits: 100,
} as unknown as Catalog;

function me(plan: Plan, subscription: Partial<Me['subscription']> = {}): Me {
  return {
    id: 'acc_1',
    name: 'Ana',
    timeZone: zone,
    status: 'active',
    plan,
    subscription: {
      planId: plan.id,
      status: 'none',
      startedAt: null,
      anniversaryDay: null,
      renewsAt: null,
      endsAt: null,
      period: null,
      ...subscription,
    },
  };
}

describe('the current price of a request', () => {
  const sixCredits: CostEstimate = {
    cost: 6,
    unit: 'credits',
    draws: [{ balance: 'free', amount: 6 }],
    lane: 'standard',
    unlimited: false,
  };

  it('names the price, the balances drawn and the lane, and the button carries the price', () => {
    expect(quoteText(sixCredits)).toEqual({
      cost: '6 credits',
      draws: '6 from free credits',
      lane: 'Standard lane',
      refusal: null,
    });
    expect(chargeConfirmLabel('Re-run', sixCredits)).toBe('Re-run for 6 credits');
    expect(
      chargeConfirmLabel('Re-run', {
        ...sixCredits,
        cost: 1,
        unit: 'generations',
        draws: [{ balance: 'generations', amount: 1 }],
      }),
    ).toBe('Re-run for 1 generation');
  });

  it('inside an unlimited window it costs nothing, and a refused request has no confirm button', () => {
    const unlimited: CostEstimate = { cost: 0, unit: 'credits', draws: [], lane: 'fast', unlimited: true };
    expect(quoteText(unlimited).cost).toBe('No credits (inside your unlimited window)');
    expect(chargeConfirmLabel('Re-run', unlimited)).toBe('Re-run at no cost');
    const refused: CostEstimate = {
      ...sixCredits,
      cost: 840,
      refusal: {
        type: 'about:blank',
        title: 'Insufficient credits',
        status: 402,
        code: 'insufficient_credits',
        detail: 'This costs 840 credits; 100 are available',
        shortfall: 740,
      },
    };
    expect(chargeConfirmLabel('Re-run', refused)).toBeNull();
    expect(quoteText(refused)).toMatchObject({
      cost: '840 credits',
      draws: null,
      refusal: {
        title: 'Not enough credits',
        detail: 'You are 740 credits short. This costs 840 credits; 100 are available.',
      },
    });
  });
});

describe('a plan purchase (A3, A4)', () => {
  it('renews one period on, at the local midnight that starts the anniversary day', () => {
    expect(renewalAfterPurchase('year', now, zone).toISOString()).toBe('2027-03-07T05:00:00.000Z');
    expect(renewalAfterPurchase('month', now, zone).toISOString()).toBe('2026-04-07T04:00:00.000Z');
    // Bought on the 31st: the anniversary falls on the last day of a shorter month.
    expect(renewalAfterPurchase('month', new Date('2026-01-31T17:00:00Z'), zone).toISOString()).toBe(
      '2026-02-28T05:00:00.000Z',
    );
  });

  it('a first subscription: price with period, what is granted now, the windows, the renewal', () => {
    const text = planPurchaseText(ultraYearly, me(free), null, catalog, now, zone);
    expect(text.title).toBe('Subscribe to Ultra (yearly)?');
    expect(text.confirmLabel).toBe('Subscribe to Ultra (yearly) for $480/year');
    expect(text.lines).toEqual([
      'Price: $480/year, charged now.',
      'Granted now: 16,000 subscription credits, and again on each monthly anniversary (unused ones expire at the next grant).',
      'Unlimited use from now: Motion Video for 3 days.',
      'Renews at 00:00 on Sun 7 Mar 2027 (America/New_York) for $480/year, until you cancel.',
    ]);
  });

  it('a change of plan says the old allocation ends now and top-ups stay', () => {
    const current = me(ultraYearly, { status: 'active', renewsAt: '2027-03-07T05:00:00.000Z' });
    const balance = { credits: { subscription: { amount: 1200 } } } as never;
    const text = planPurchaseText(plus, current, balance, catalog, now, zone);
    expect(text.confirmLabel).toBe('Switch to Plus for $10/month');
    expect(text.lines).toContain(
      'Granted now: 100 generations a month, and again on each monthly anniversary (unused ones expire at the next grant).',
    );
    expect(text.lines.at(-1)).toBe(
      'Your Ultra (yearly) plan ends now and today becomes your anniversary day. Its 1,200 unused subscription credits end now. Top-up credits stay.',
    );
  });

  it('afterwards: what the account has now and when it renews', () => {
    const after = me(ultraYearly, { status: 'active', renewsAt: '2027-03-07T05:00:00.000Z' });
    const balance = { credits: { subscription: { amount: 16000 }, topup: { amount: 0 } } } as never;
    expect(purchaseDoneText({ kind: 'plan' }, after, balance, now, zone)).toBe(
      'Now on Ultra (yearly): you have 16,000 subscription credits; it renews at 00:00 on Sun 7 Mar 2027 (America/New_York).',
    );
  });
});

describe('a top-up (C4) and cancelling (A4)', () => {
  it('a top-up says what it adds and that it never expires', () => {
    const text = topupPurchaseText(1200);
    expect(text.confirmLabel).toBe('Buy 1,200 credits');
    expect(text.lines).toContain('Top-up credits never expire, and stay spendable after a subscription ends.');
    expect(
      purchaseDoneText(
        { kind: 'topup', credits: 1200 },
        null,
        { credits: { topup: { amount: 1500 } } } as never,
        now,
        zone,
      ),
    ).toBe('Added 1,200 top-up credits. Your top-up balance is now 1,500 credits.');
  });

  it('cancelling says what stays until when, and afterwards the date it stays until', () => {
    const active = me(ultraYearly, { status: 'active', renewsAt: '2027-03-07T05:00:00.000Z' });
    expect(cancelText(active, 100, now, zone)).toEqual({
      until: '00:00 on Sun 7 Mar 2027 (America/New_York)',
      lines: [
        'Your Ultra (yearly) plan, its allocation and unlimited windows stay until 00:00 on Sun 7 Mar 2027 (America/New_York); it does not renew.',
        'After that the account is on the Free plan: 100 free credits a day. Top-up credits stay.',
      ],
    });
    const cancelled = me(ultraYearly, { status: 'cancelled', endsAt: '2027-03-07T05:00:00.000Z' });
    expect(purchaseDoneText({ kind: 'cancel' }, cancelled, null, now, zone)).toBe(
      'Cancelled: your plan stays until 00:00 on Sun 7 Mar 2027 (America/New_York).',
    );
    expect(planStatusText(cancelled, now)).toBe('Cancelled: ends at 00:00 on Sun 7 Mar 2027 (America/New_York)');
    expect(planStatusText(me(free), now)).toBe('No subscription: the Free plan');
  });
});

describe('time zone choices', () => {
  it('lists UTC and the runtime’s zones, with the account’s own zone even when the runtime lacks it', () => {
    expect(timeZoneChoices('Europe/Berlin', ['Europe/Berlin', 'Asia/Tokyo'])).toEqual([
      'UTC',
      'Europe/Berlin',
      'Asia/Tokyo',
    ]);
    expect(timeZoneChoices('America/Ciudad_Juarez', ['Europe/Berlin'])).toEqual([
      'America/Ciudad_Juarez',
      'UTC',
      'Europe/Berlin',
    ]);
  });
});
