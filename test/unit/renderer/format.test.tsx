import { describe, expect, it } from 'vitest';
import { namesText } from '../../../renderer/src/views/history/HistoryDetail.js';
import {
  amountWithUnit,
  countdownText,
  creditsUnit,
  dataAgeText,
  drawsText,
  etaText,
  formatBytes,
  formatDateWithZone,
  formatDayKey,
  formatGiB,
  planPriceText,
  formatPickedDay,
  moneyText,
  formatAge,
  formatCount,
  formatInstantInZone,
  freeResetText,
  generationsRefreshText,
  generationsUsage,
  retryCountdownText,
  subscriptionExpiryText,
  zoneAbbreviation,
} from '../../../renderer/src/format.js';

const saturdayNoonUtc = new Date('2025-11-22T12:00:00Z');

describe('renderer formatting: numbers', () => {
  it('groups thousands', () => {
    expect(formatCount(0)).toBe('0');
    expect(formatCount(1500)).toBe('1,500');
    expect(formatCount(1234567)).toBe('1,234,567');
  });

  it('says credit for exactly one and credits otherwise', () => {
    expect(creditsUnit(1)).toBe('credit');
    expect(creditsUnit(0)).toBe('credits');
    expect(creditsUnit(100)).toBe('credits');
  });
});

describe('renderer formatting: instants in the account time zone (A1)', () => {
  it('shows the next local midnight in New York as 00:00 on its own date', () => {
    expect(formatInstantInZone('2025-11-23T05:00:00.000Z', 'America/New_York', saturdayNoonUtc)).toBe(
      '00:00 on Sun 23 Nov',
    );
  });

  it('names the zone in the free reset text', () => {
    expect(freeResetText('2025-11-23T05:00:00.000Z', 'America/New_York', saturdayNoonUtc)).toBe(
      'Resets at 00:00 on Sun 23 Nov (America/New_York)',
    );
  });

  it('shows the same instant on the previous day in Los Angeles', () => {
    expect(formatInstantInZone('2025-11-23T05:00:00.000Z', 'America/Los_Angeles', saturdayNoonUtc)).toBe(
      '21:00 on Sat 22 Nov',
    );
  });

  it('follows DST: Berlin midnights before and after the spring change', () => {
    const march = new Date('2025-03-29T12:00:00Z');
    expect(formatInstantInZone('2025-03-29T23:00:00Z', 'Europe/Berlin', march)).toBe('00:00 on Sun 30 Mar');
    expect(formatInstantInZone('2025-03-30T22:00:00Z', 'Europe/Berlin', march)).toBe('00:00 on Mon 31 Mar');
  });

  it('adds the year when it is not the current year in that zone', () => {
    const december = new Date('2025-12-20T12:00:00Z');
    expect(formatInstantInZone('2026-01-01T05:00:00Z', 'America/New_York', december)).toBe('00:00 on Thu 1 Jan 2026');
  });

  it('falls back to UTC, and says so, for a zone this runtime does not know', () => {
    expect(freeResetText('2025-11-23T00:00:00Z', 'Mars/Olympus_Mons', saturdayNoonUtc)).toBe(
      'Resets at 00:00 on Sun 23 Nov (UTC)',
    );
  });

  it('abbreviates the zone by season', () => {
    expect(zoneAbbreviation('America/New_York', saturdayNoonUtc)).toBe('EST');
    expect(zoneAbbreviation('America/New_York', new Date('2025-07-01T12:00:00Z'))).toBe('EDT');
  });
});

describe('renderer formatting: subscription and generations', () => {
  it('C3: says when subscription credits expire', () => {
    expect(subscriptionExpiryText(1500, '2025-12-15T05:00:00Z', 'America/New_York', saturdayNoonUtc)).toBe(
      'Expires at 00:00 on Mon 15 Dec (America/New_York)',
    );
  });

  it('says No subscription when there are no subscription credits and no expiry', () => {
    expect(subscriptionExpiryText(0, null, 'America/New_York', saturdayNoonUtc)).toBe('No subscription');
  });

  it('shows a dash for credits without an expiry', () => {
    expect(subscriptionExpiryText(20, null, 'America/New_York', saturdayNoonUtc)).toBe('—');
  });

  it('G1: shows used / limit and what is left', () => {
    expect(generationsUsage(3, 10)).toEqual({ figure: '3 / 10', detail: '7 generations left' });
    expect(generationsUsage(10, 10)).toEqual({ figure: '10 / 10', detail: '0 generations left' });
    expect(generationsUsage(1200, 1000)).toEqual({ figure: '1,200 / 1,000', detail: '0 generations left' });
  });

  it('G1: shows Unlimited when the plan has no limit', () => {
    expect(generationsUsage(1, null)).toEqual({ figure: 'Unlimited', detail: '1 generation used this period' });
  });

  it('G5: says when generations refresh', () => {
    expect(generationsRefreshText('2025-12-15T05:00:00Z', 'America/New_York', saturdayNoonUtc)).toBe(
      'Refreshes at 00:00 on Mon 15 Dec (America/New_York)',
    );
    expect(generationsRefreshText(null, 'America/New_York', saturdayNoonUtc)).toBe('No refresh scheduled');
  });
});

describe('renderer formatting: age of offline data', () => {
  const now = new Date('2025-11-22T12:00:00Z');

  it('changes its words at most once a minute', () => {
    expect(formatAge('2025-11-22T11:59:30Z', now)).toBe('less than a minute ago');
    expect(formatAge('2025-11-22T11:59:00Z', now)).toBe('1 minute ago');
    expect(formatAge('2025-11-22T11:57:59Z', now)).toBe('2 minutes ago');
  });

  it('moves to hours and days', () => {
    expect(formatAge('2025-11-22T09:00:00Z', now)).toBe('3 hours ago');
    expect(formatAge('2025-11-20T11:00:00Z', now)).toBe('2 days ago');
  });

  it('treats a time ahead of the local clock as just now', () => {
    expect(formatAge('2025-11-22T12:05:00Z', now)).toBe('less than a minute ago');
  });

  it('says how old the shown data is, or that there is none', () => {
    expect(dataAgeText('2025-11-22T11:58:00Z', now)).toBe('data from 2 minutes ago');
    expect(dataAgeText(null, now)).toBe('no data received yet');
  });

  it('counts down to the next automatic retry', () => {
    expect(retryCountdownText('2025-11-22T12:00:25Z', now)).toBe('Next automatic retry in 25 seconds');
    expect(retryCountdownText('2025-11-22T12:00:00.400Z', now)).toBe('Next automatic retry in 1 second');
    expect(retryCountdownText('2025-11-22T12:01:30Z', now)).toBe('Next automatic retry in 2 minutes');
    expect(retryCountdownText('2025-11-22T11:59:59Z', now)).toBe('Retrying…');
    expect(retryCountdownText(null, now)).toBeNull();
  });
});

describe('renderer formatting: countdowns and queue estimates', () => {
  it('U1: counts down as precisely as the length deserves: days and hours, hours and minutes, seconds under an hour', () => {
    expect(countdownText(((6 * 24 + 23) * 3600 + 59 * 60 + 58) * 1000)).toBe('6 d 23 h');
    expect(countdownText((3 * 3600 + 5) * 1000)).toBe('3 h 0 min');
    expect(countdownText((59 * 60 + 5) * 1000)).toBe('59 min 5 s');
    expect(countdownText(42_000)).toBe('42 s');
    expect(countdownText(41_200)).toBe('42 s');
    expect(countdownText(-5_000)).toBe('0 s');
  });

  it('U8: says queue estimates in round words', () => {
    expect(etaText(12.4)).toBe('about 12 s');
    expect(etaText(150)).toBe('about 3 min');
    expect(etaText(3900)).toBe('about 1 h 5 min');
    expect(etaText(0)).toBe('starting now');
  });
});

describe('renderer formatting: charges, dates and sizes', () => {
  it('C5: names each balance a charge draws on', () => {
    expect(
      drawsText([
        { balance: 'free', amount: 100 },
        { balance: 'subscription', amount: 44 },
      ]),
    ).toBe('100 from free credits, 44 from subscription credits');
    expect(drawsText([{ balance: 'topup', amount: 1500 }])).toBe('1,500 from top-up credits');
    expect(drawsText([])).toBe('Nothing is drawn from your balances');
  });

  it('puts the unit after the amount', () => {
    expect(amountWithUnit(144, 'credits')).toBe('144 credits');
    expect(amountWithUnit(1, 'credits')).toBe('1 credit');
    expect(amountWithUnit(1, 'generations')).toBe('1 generation');
  });

  it('A1: dates in the account zone, with the zone named', () => {
    expect(formatDateWithZone('2026-03-10T03:00:00Z', 'America/New_York', new Date('2026-03-07T20:00:00Z'))).toBe(
      'Mon 9 Mar (America/New_York)',
    );
    expect(formatDayKey('2026-03-07')).toBe('Sat 7 Mar');
  });

  it('sizes in binary units and plan prices per period', () => {
    expect(formatGiB(2 * 1024 ** 3)).toBe('2 GiB');
    expect(formatGiB(1.5 * 1024 ** 3)).toBe('1.5 GiB');
    expect(formatBytes(183_204)).toBe('178.9 KiB');
    expect(formatBytes(512)).toBe('512 bytes');
    expect(planPriceText(8, 'month')).toBe('$8/month');
    expect(planPriceText(480, 'year')).toBe('$480/year');
    expect(planPriceText(0, null)).toBe('Free');
  });

  it('money always with its currency: cents only when there are some, then both digits', () => {
    expect(moneyText(30)).toBe('$30');
    expect(moneyText(20 / 3)).toBe('$6.67');
    expect(moneyText(8.5)).toBe('$8.50');
    expect(moneyText(1_200)).toBe('$1,200');
    expect(planPriceText(40, 'month')).toBe('$40/month');
  });

  it('a picked day as the app writes days, with the year only when it is not this year in the zone', () => {
    const now = new Date('2026-12-04T20:00:00Z');
    expect(formatPickedDay('2026-12-02', now, 'America/New_York')).toBe('Wed 2 Dec');
    expect(formatPickedDay('2025-12-31', now, 'America/New_York')).toBe('Wed 31 Dec 2025');
    // 01:00Z on 1 Jan is still 31 Dec in New York: "this year" is the zone's.
    expect(formatPickedDay('2027-01-01', new Date('2027-01-01T01:00:00Z'), 'America/New_York')).toBe('Fri 1 Jan 2027');
    expect(formatPickedDay('not a day', now, 'UTC')).toBe('not a day');
  });
});

describe('workspace names in a sentence', () => {
  it('joins them as a person writes them', () => {
    expect(namesText(['Moodboard'])).toBe('Moodboard');
    expect(namesText(['Moodboard', 'Client A'])).toBe('Moodboard and Client A');
    expect(namesText(['A', 'B', 'C'])).toBe('A, B and C');
  });
});
