/**
 * Pure text for the UI: numbers, instants in an account's time zone, ages and countdowns. Every function takes the
 * current instant as an argument (the UI clock passes it in), so the same inputs always give the same words.
 */
import { DateTime } from 'luxon';

/** The UI is written in English; numbers and dates follow one locale so that every machine shows the same text. */
const UI_LOCALE = 'en-US';
const countFormat = new Intl.NumberFormat(UI_LOCALE, { maximumFractionDigits: 0 });

/** 12345 -> "12,345". */
export function formatCount(value: number): string {
  return countFormat.format(value);
}

/** "credit" or "credits", to follow a number. */
export function creditsUnit(amount: number): string {
  return amount === 1 ? 'credit' : 'credits';
}

/** `count` and the noun, singular for exactly one: "1 minute", "3 minutes". */
function counted(count: number, noun: string): string {
  return `${formatCount(count)} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * The zone to show times in: the account's, or UTC when this runtime does not know that zone (an IANA name newer than
 * the runtime's time-zone data), so the UI still shows a correct instant and names the zone it used.
 */
export function displayZone(zone: string): string {
  return DateTime.now().setZone(zone).isValid ? zone : 'UTC';
}

/**
 * An instant as a local wall-clock time and date in `zone`: "00:00 on Sun 23 Nov". The year is added when it differs
 * from the current year in that zone ("00:00 on Thu 1 Jan 2026").
 */
export function formatInstantInZone(iso: string, zone: string, now: Date): string {
  const shownZone = displayZone(zone);
  const local = DateTime.fromISO(iso, { zone: shownZone, locale: UI_LOCALE });
  if (!local.isValid) return iso;
  const sameYear = local.year === DateTime.fromJSDate(now, { zone: shownZone }).year;
  return local.toFormat(sameYear ? "HH:mm 'on' EEE d MMM" : "HH:mm 'on' EEE d MMM yyyy");
}

/** An instant with the zone named: "00:00 on Sun 23 Nov (America/New_York)". */
export function formatInstantWithZone(iso: string, zone: string, now: Date): string {
  return `${formatInstantInZone(iso, zone, now)} (${displayZone(zone)})`;
}

/** The zone's short name at `now`: "EST", "EDT", or an offset ("GMT+1") where the locale has no abbreviation. */
export function zoneAbbreviation(zone: string, now: Date): string {
  const local = DateTime.fromJSDate(now, { zone: displayZone(zone) }).setLocale(UI_LOCALE);
  return local.offsetNameShort ?? displayZone(zone);
}

/** Free credits (C2): "Resets at 00:00 on Sun 23 Nov (America/New_York)". */
export function freeResetText(resetsAt: string, zone: string, now: Date): string {
  return `Resets at ${formatInstantWithZone(resetsAt, zone, now)}`;
}

/** Subscription credits (C3): when they expire, or that there are none to expire. */
export function subscriptionExpiryText(amount: number, expiresAt: string | null, zone: string, now: Date): string {
  if (expiresAt !== null) return `Expires at ${formatInstantWithZone(expiresAt, zone, now)}`;
  return amount === 0 ? 'No subscription' : '—';
}

/** Generation-billed plans (G1): the figure and the words under it. */
export function generationsUsage(used: number, limit: number | null): { figure: string; detail: string } {
  if (limit === null) return { figure: 'Unlimited', detail: `${counted(used, 'generation')} used this period` };
  const left = Math.max(0, limit - used);
  return { figure: `${formatCount(used)} / ${formatCount(limit)}`, detail: `${counted(left, 'generation')} left` };
}

/** Generation limits refresh on the anniversary day (G5). */
export function generationsRefreshText(resetsAt: string | null, zone: string, now: Date): string {
  return resetsAt === null ? 'No refresh scheduled' : `Refreshes at ${formatInstantWithZone(resetsAt, zone, now)}`;
}

/**
 * How long ago `fromIso` was, in words that change at most once a minute (so a screen reader is not told every few
 * seconds): "less than a minute ago", "2 minutes ago", "3 hours ago", "2 days ago". A time ahead of `now` (clock skew
 * between machines) counts as just now.
 */
export function formatAge(fromIso: string, now: Date): string {
  const seconds = Math.max(0, Math.floor((now.getTime() - Date.parse(fromIso)) / 1000));
  if (Number.isNaN(seconds) || seconds < 60) return 'less than a minute ago';
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${counted(minutes, 'minute')} ago`;
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return `${counted(hours, 'hour')} ago`;
  return `${counted(Math.floor(hours / 24), 'day')} ago`;
}

/** The age of the data shown while offline: "data from 2 minutes ago", or that none has arrived yet. */
export function dataAgeText(dataAsOf: string | null, now: Date): string {
  return dataAsOf === null ? 'no data received yet' : `data from ${formatAge(dataAsOf, now)}`;
}

/** When the host will try again by itself: "Next automatic retry in 25 seconds"; null when none is planned. */
export function retryCountdownText(nextRetryAt: string | null, now: Date): string | null {
  if (nextRetryAt === null) return null;
  const seconds = Math.ceil((Date.parse(nextRetryAt) - now.getTime()) / 1000);
  if (Number.isNaN(seconds)) return null;
  if (seconds <= 0) return 'Retrying…';
  if (seconds < 60) return `Next automatic retry in ${counted(seconds, 'second')}`;
  return `Next automatic retry in ${counted(Math.ceil(seconds / 60), 'minute')}`;
}
