/**
 * Calendar maths for A1 (local midnight, DST included) and A3 (anniversary day with month-end clamping).
 * Luxon carries the IANA time-zone rules; nothing here knows a zone by hand.
 */
import { DateTime } from 'luxon';

function inZone(instant: Date, zone: string): DateTime {
  const local = DateTime.fromJSDate(instant, { zone });
  if (!local.isValid) throw new RangeError(`Unknown time zone: ${zone}`);
  return local;
}

/**
 * The instant a local calendar day starts. Where a zone skipped midnight (America/Sao_Paulo 2015-10-18 went from
 * 23:59:59 to 01:00), the day starts at the first instant that exists on it.
 */
export function startOfLocalDay(year: number, month: number, day: number, zone: string): Date {
  return DateTime.fromObject({ year, month, day }, { zone }).startOf('day').toJSDate();
}

/** A1: the first local midnight strictly after `instant`. */
export function nextLocalMidnight(instant: Date, zone: string): Date {
  const local = inZone(instant, zone);
  const tomorrow = local.plus({ days: 1 });
  return startOfLocalDay(tomorrow.year, tomorrow.month, tomorrow.day, zone);
}

/** A1: the latest local midnight at or before `instant` (the start of its local day). */
export function lastLocalMidnight(instant: Date, zone: string): Date {
  const local = inZone(instant, zone);
  return startOfLocalDay(local.year, local.month, local.day, zone);
}

/** The local calendar date of an instant, as `YYYY-MM-DD`. */
export function localDate(instant: Date, zone: string): string {
  return inZone(instant, zone).toISODate() as string;
}

/** The length in hours of the local day that contains `instant` (23, 24 or 25 around DST changes). */
export function localDayHours(instant: Date, zone: string): number {
  const start = lastLocalMidnight(instant, zone);
  return (nextLocalMidnight(instant, zone).getTime() - start.getTime()) / 3_600_000;
}

/** A3: the anniversary day of a subscription bought at `purchase`: its local day of the month. */
export function anniversaryDayOf(purchase: Date, zone: string): number {
  return inZone(purchase, zone).day;
}

/** A3: the day of a given month on which the anniversary falls: the anniversary day, or the month's last day. */
export function clampedAnniversaryDay(year: number, month: number, anniversaryDay: number): number {
  const daysInMonth = DateTime.utc(year, month, 1).daysInMonth as number;
  return Math.min(anniversaryDay, daysInMonth);
}

/** A3: the local midnight that starts the anniversary day in the given month. */
export function anniversaryInstant(year: number, month: number, anniversaryDay: number, zone: string): Date {
  return startOfLocalDay(year, month, clampedAnniversaryDay(year, month, anniversaryDay), zone);
}

/** A3: the first anniversary instant strictly after `instant` (monthly grants, refreshes and expiries). */
export function nextAnniversary(instant: Date, anniversaryDay: number, zone: string): Date {
  const local = inZone(instant, zone);
  const thisMonth = anniversaryInstant(local.year, local.month, anniversaryDay, zone);
  if (thisMonth.getTime() > instant.getTime()) return thisMonth;
  const next = local.startOf('month').plus({ months: 1 });
  return anniversaryInstant(next.year, next.month, anniversaryDay, zone);
}

/** A3: the latest anniversary instant at or before `instant`. */
export function lastAnniversary(instant: Date, anniversaryDay: number, zone: string): Date {
  const local = inZone(instant, zone);
  const thisMonth = anniversaryInstant(local.year, local.month, anniversaryDay, zone);
  if (thisMonth.getTime() <= instant.getTime()) return thisMonth;
  const previous = local.startOf('month').minus({ months: 1 });
  return anniversaryInstant(previous.year, previous.month, anniversaryDay, zone);
}

/** Every anniversary instant in (after, upTo]: the grants a backend that was down must catch up, once each. */
export function anniversariesBetween(after: Date, upTo: Date, anniversaryDay: number, zone: string): Date[] {
  const due: Date[] = [];
  let cursor = nextAnniversary(after, anniversaryDay, zone);
  while (cursor.getTime() <= upTo.getTime()) {
    due.push(cursor);
    cursor = nextAnniversary(cursor, anniversaryDay, zone);
  }
  return due;
}

/** Whether a string names a time zone that the runtime's time-zone data knows. */
export function isKnownTimeZone(zone: string): boolean {
  // Luxon also accepts "system", "local" and fixed offsets such as "UTC+3"; an account needs a real IANA name.
  if (!/^(UTC|[A-Za-z_]+(\/[A-Za-z0-9_+-]+){1,2})$/.test(zone)) return false;
  return DateTime.local().setZone(zone).isValid;
}
