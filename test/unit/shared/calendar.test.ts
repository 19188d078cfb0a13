import { describe, expect, it } from 'vitest';
import {
  anniversariesBetween,
  anniversaryDayOf,
  anniversaryInstant,
  clampedAnniversaryDay,
  isKnownTimeZone,
  lastAnniversary,
  lastLocalMidnight,
  localDayHours,
  nextAnniversary,
  nextLocalMidnight,
} from '../../../shared/calendar.js';

const at = (iso: string) => new Date(iso);
const iso = (date: Date) => date.toISOString();

describe('A1 local midnight', () => {
  it('A1: in UTC the next midnight is the start of the next UTC day', () => {
    expect(iso(nextLocalMidnight(at('2026-03-07T20:00:00Z'), 'UTC'))).toBe('2026-03-08T00:00:00.000Z');
  });

  it('A1: an instant exactly at midnight is followed by the next one, a day later', () => {
    expect(iso(nextLocalMidnight(at('2026-03-08T00:00:00Z'), 'UTC'))).toBe('2026-03-09T00:00:00.000Z');
  });

  it('A1: in Asia/Tokyo (UTC+9) the next midnight falls at 15:00Z', () => {
    // 2026-03-07T20:00Z is already 05:00 on the 8th in Tokyo.
    expect(iso(nextLocalMidnight(at('2026-03-07T20:00:00Z'), 'Asia/Tokyo'))).toBe('2026-03-08T15:00:00.000Z');
  });

  it('A1: in Asia/Kolkata (UTC+5:30) the next midnight falls on the half hour', () => {
    expect(iso(nextLocalMidnight(at('2026-03-07T20:00:00Z'), 'Asia/Kolkata'))).toBe('2026-03-08T18:30:00.000Z');
  });

  it('A1: in America/Los_Angeles one second before local midnight, the next midnight is one second away', () => {
    expect(iso(nextLocalMidnight(at('2026-01-15T07:59:59Z'), 'America/Los_Angeles'))).toBe('2026-01-15T08:00:00.000Z');
  });

  it('A1: the last local midnight is the start of the local day that contains the instant', () => {
    expect(iso(lastLocalMidnight(at('2026-03-07T20:00:00Z'), 'America/New_York'))).toBe('2026-03-07T05:00:00.000Z');
  });

  it('A1: an instant exactly at local midnight is its own last midnight', () => {
    expect(iso(lastLocalMidnight(at('2026-03-08T05:00:00Z'), 'America/New_York'))).toBe('2026-03-08T05:00:00.000Z');
  });

  it('A1: an ordinary day in America/New_York is 24 hours', () => {
    expect(localDayHours(at('2026-03-07T20:00:00Z'), 'America/New_York')).toBe(24);
  });
});

describe('A1 days around DST changes', () => {
  it('A1: the spring-forward day America/New_York 2026-03-08 starts at 05:00Z (EST)', () => {
    expect(iso(nextLocalMidnight(at('2026-03-07T20:00:00Z'), 'America/New_York'))).toBe('2026-03-08T05:00:00.000Z');
  });

  it('A1: the day after the spring-forward day starts at 04:00Z (EDT)', () => {
    expect(iso(nextLocalMidnight(at('2026-03-08T12:00:00Z'), 'America/New_York'))).toBe('2026-03-09T04:00:00.000Z');
  });

  it('A1: America/New_York 2026-03-08 is 23 hours long', () => {
    expect(localDayHours(at('2026-03-08T12:00:00Z'), 'America/New_York')).toBe(23);
  });

  it('A1: the fall-back day America/New_York 2026-11-01 starts at 04:00Z (EDT)', () => {
    expect(iso(lastLocalMidnight(at('2026-11-01T12:00:00Z'), 'America/New_York'))).toBe('2026-11-01T04:00:00.000Z');
  });

  it('A1: the day after the fall-back day starts at 05:00Z (EST)', () => {
    expect(iso(nextLocalMidnight(at('2026-11-01T12:00:00Z'), 'America/New_York'))).toBe('2026-11-02T05:00:00.000Z');
  });

  it('A1: America/New_York 2026-11-01 is 25 hours long', () => {
    expect(localDayHours(at('2026-11-01T12:00:00Z'), 'America/New_York')).toBe(25);
  });

  // 2026-11-01T05:30Z and 06:30Z are both 01:30 local in America/New_York: once in EDT, once in EST.
  it.each(['2026-11-01T05:30:00Z', '2026-11-01T06:30:00Z'])(
    'A1: %s in the repeated hour still belongs to 2026-11-01',
    (instant) => {
      expect(iso(nextLocalMidnight(at(instant), 'America/New_York'))).toBe('2026-11-02T05:00:00.000Z');
    },
  );
});

describe('A1 a zone that skipped midnight (America/Sao_Paulo 2015-10-18)', () => {
  it('A1: the day after 2015-10-17 starts at 01:00 local, 03:00Z, because midnight did not exist', () => {
    expect(iso(nextLocalMidnight(at('2015-10-17T12:00:00-03:00'), 'America/Sao_Paulo'))).toBe(
      '2015-10-18T03:00:00.000Z',
    );
  });

  it('A1: an instant on 2015-10-18 has that 03:00Z instant as its last midnight', () => {
    expect(iso(lastLocalMidnight(at('2015-10-18T12:00:00Z'), 'America/Sao_Paulo'))).toBe('2015-10-18T03:00:00.000Z');
  });

  it('A1: 2015-10-18 in America/Sao_Paulo is 23 hours long', () => {
    expect(localDayHours(at('2015-10-18T12:00:00Z'), 'America/Sao_Paulo')).toBe(23);
  });

  it('A1: 2015-10-17, the day before, is 24 hours long', () => {
    expect(localDayHours(at('2015-10-17T12:00:00Z'), 'America/Sao_Paulo')).toBe(24);
  });
});

describe('A3 anniversary day', () => {
  it('A3: the anniversary day is the day of the month of the purchase', () => {
    expect(anniversaryDayOf(at('2026-01-15T12:00:00Z'), 'UTC')).toBe(15);
  });

  it('A3: a purchase just after local midnight in Asia/Tokyo falls on the local day, the 31st', () => {
    // 2026-01-30T15:30Z is 2026-01-31 00:30 in Tokyo, still the 30th in UTC.
    expect(anniversaryDayOf(at('2026-01-30T15:30:00Z'), 'Asia/Tokyo')).toBe(31);
  });

  it('A3: the same purchase instant has the 30th as its anniversary day in UTC', () => {
    expect(anniversaryDayOf(at('2026-01-30T15:30:00Z'), 'UTC')).toBe(30);
  });

  it.each([
    [2026, 1, 31, 31],
    [2026, 4, 31, 30],
    [2028, 2, 31, 29],
    [2027, 2, 31, 28],
    [2028, 2, 29, 29],
    [2027, 2, 29, 28],
    [2026, 4, 15, 15],
  ])('A3: in %i-%i an anniversary on the %i falls on the %i', (year, month, day, expected) => {
    expect(clampedAnniversaryDay(year, month, day)).toBe(expected);
  });

  it('A3: an anniversary on the 31st starts at Europe/Berlin midnight of April 30 (22:00Z, CEST)', () => {
    expect(iso(anniversaryInstant(2026, 4, 31, 'Europe/Berlin'))).toBe('2026-04-29T22:00:00.000Z');
  });

  it('A3: an anniversary on the 31st starts at America/New_York midnight of 2027-02-28 (05:00Z, EST)', () => {
    expect(iso(anniversaryInstant(2027, 2, 31, 'America/New_York'))).toBe('2027-02-28T05:00:00.000Z');
  });

  it('A3: an anniversary on the 30th starts at Asia/Tokyo midnight of the leap day 2028-02-29', () => {
    expect(iso(anniversaryInstant(2028, 2, 30, 'Asia/Tokyo'))).toBe('2028-02-28T15:00:00.000Z');
  });

  it('A3: an anniversary day whose midnight was skipped starts at the first instant of that day', () => {
    expect(iso(anniversaryInstant(2015, 10, 18, 'America/Sao_Paulo'))).toBe('2015-10-18T03:00:00.000Z');
  });
});

describe('A3 next and last anniversary', () => {
  it('A3: after a purchase on the 31st the next anniversary is the last day of February', () => {
    expect(iso(nextAnniversary(at('2026-01-31T12:00:00Z'), 31, 'UTC'))).toBe('2026-02-28T00:00:00.000Z');
  });

  it('A3: after a clamped February anniversary the next one is back on the 31st', () => {
    expect(iso(nextAnniversary(at('2026-02-28T00:00:00Z'), 31, 'UTC'))).toBe('2026-03-31T00:00:00.000Z');
  });

  it('A3: an instant exactly at an anniversary is followed by the next month’s one', () => {
    expect(iso(nextAnniversary(at('2026-01-30T23:00:00Z'), 31, 'Europe/Berlin'))).toBe('2026-02-27T23:00:00.000Z');
  });

  it('A3: the next anniversary is found in the local month, not the UTC month', () => {
    // 2026-01-30T15:30Z is already January 31 in Tokyo: that day's anniversary (15:00Z) has passed.
    expect(iso(nextAnniversary(at('2026-01-30T15:30:00Z'), 31, 'Asia/Tokyo'))).toBe('2026-02-27T15:00:00.000Z');
  });

  it('A3: before this month’s anniversary the last one was the clamped day of the previous month', () => {
    expect(iso(lastAnniversary(at('2026-03-15T00:00:00Z'), 31, 'UTC'))).toBe('2026-02-28T00:00:00.000Z');
  });

  it('A3: an instant exactly at an anniversary is its own last anniversary', () => {
    expect(iso(lastAnniversary(at('2026-03-31T00:00:00Z'), 31, 'UTC'))).toBe('2026-03-31T00:00:00.000Z');
  });
});

describe('A3 anniversaries between two instants', () => {
  it('A3: over five months each anniversary instant appears exactly once, in order, DST included', () => {
    const due = anniversariesBetween(at('2026-01-15T00:00:00Z'), at('2026-06-15T00:00:00Z'), 31, 'Europe/Berlin');
    expect(due.map(iso)).toEqual([
      '2026-01-30T23:00:00.000Z',
      '2026-02-27T23:00:00.000Z',
      '2026-03-30T22:00:00.000Z',
      '2026-04-29T22:00:00.000Z',
      '2026-05-30T22:00:00.000Z',
    ]);
  });

  it('A3: a gap over a leap February includes the 29th once', () => {
    const due = anniversariesBetween(at('2027-12-01T00:00:00Z'), at('2028-04-01T00:00:00Z'), 29, 'UTC');
    expect(due.map(iso)).toEqual([
      '2027-12-29T00:00:00.000Z',
      '2028-01-29T00:00:00.000Z',
      '2028-02-29T00:00:00.000Z',
      '2028-03-29T00:00:00.000Z',
    ]);
  });

  it('A3: the interval excludes its start and includes its end', () => {
    const due = anniversariesBetween(at('2026-01-30T23:00:00Z'), at('2026-02-27T23:00:00Z'), 31, 'Europe/Berlin');
    expect(due.map(iso)).toEqual(['2026-02-27T23:00:00.000Z']);
  });

  it('A3: an interval shorter than a month with no anniversary inside returns nothing', () => {
    expect(anniversariesBetween(at('2026-02-01T00:00:00Z'), at('2026-02-27T23:59:59Z'), 28, 'UTC')).toEqual([]);
  });
});

describe('A1 time zone names', () => {
  it.each(['UTC', 'Europe/Berlin', 'America/Sao_Paulo', 'America/Argentina/Buenos_Aires'])(
    'A1: %s is a known time zone',
    (zone) => {
      expect(isKnownTimeZone(zone)).toBe(true);
    },
  );

  it.each(['Mars/Olympus', 'Europe/Atlantis', ''])('A1: %j is not a known time zone', (zone) => {
    expect(isKnownTimeZone(zone)).toBe(false);
  });

  it('A1: an unknown time zone is refused, not treated as UTC', () => {
    expect(() => nextLocalMidnight(at('2026-03-07T20:00:00Z'), 'Mars/Olympus')).toThrow(RangeError);
  });
});
