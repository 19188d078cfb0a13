/**
 * Pure text for the UI: numbers, instants in an account's time zone, ages and countdowns. Every function takes the
 * current instant as an argument (the UI clock passes it in), so the same inputs always give the same words.
 */
import { DateTime } from 'luxon';
import { moneyText, priceText, type MoneyPeriod } from '../../shared/money.js';

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

/**
 * A live countdown as precise as its length deserves: over a day "6 d 23 h", over an hour "3 h 0 min", under an hour
 * to the second ("42 min 5 s", "42 s"). Zero or less is "0 s" (the caller says what ending means).
 */
export function countdownText(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const days = Math.floor(total / 86_400);
  const hours = Math.floor((total % 86_400) / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = total % 60;
  if (days > 0) return `${days} d ${hours} h`;
  if (hours > 0) return `${hours} h ${minutes} min`;
  if (minutes > 0) return `${minutes} min ${seconds} s`;
  return `${seconds} s`;
}

/** A queue estimate in round words: "about 12 s", "about 3 min", "about 1 h 5 min"; "starting now" at zero. */
export function etaText(etaS: number): string {
  const seconds = Math.round(etaS);
  if (seconds <= 0) return 'starting now';
  if (seconds < 60) return `about ${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `about ${minutes} min`;
  const hours = Math.floor(minutes / 60);
  return `about ${hours} h ${minutes % 60} min`;
}

/** When queued work starts, to follow "starts": "now", "in about 12 s". */
export function startsText(etaS: number): string {
  return Math.round(etaS) <= 0 ? 'now' : `in ${etaText(etaS)}`;
}

export type LocalParts = { weekday: string; day: string; month: string; year: string; hour: string; minute: string };

/** One Intl formatter per zone: building one is what costs, using one is cheap. */
const zoneFormatters = new Map<string, Intl.DateTimeFormat>();

/**
 * An instant's wall-clock parts in a zone, through Intl directly: the grid formats a date for every cell that scrolls
 * into view, and a luxon zone conversion costs several times more than this.
 */
export function localParts(iso: string, zone: string): LocalParts | null {
  let formatter = zoneFormatters.get(zone);
  if (formatter === undefined) {
    const shown = displayZone(zone);
    formatter = new Intl.DateTimeFormat(UI_LOCALE, {
      timeZone: shown,
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
    });
    zoneFormatters.set(zone, formatter);
  }
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return null;
  const parts: Record<string, string> = {};
  for (const part of formatter.formatToParts(at)) parts[part.type] = part.value;
  return {
    weekday: parts.weekday ?? '',
    day: parts.day ?? '',
    month: parts.month ?? '',
    year: parts.year ?? '',
    hour: parts.hour ?? '',
    minute: parts.minute ?? '',
  };
}

/** formatInstantInZone's words ("15:00 on Sat 7 Mar", the year when not this year's), for grid cells. */
export function instantInZone(iso: string, zone: string, now: Date): string {
  const local = localParts(iso, zone);
  const today = localParts(now.toISOString(), zone);
  if (local === null || today === null) return formatInstantInZone(iso, zone, now);
  const date = `${local.weekday} ${local.day} ${local.month}${local.year === today.year ? '' : ` ${local.year}`}`;
  return `${local.hour}:${local.minute} on ${date}`;
}

/** A grid cell's short date in the zone: "Sat 7 Mar 15:00" ("7 Mar 2025 15:00" in another year). */
export function shortInstant(iso: string, zone: string, now: Date): string {
  const local = localParts(iso, zone);
  const today = localParts(now.toISOString(), zone);
  if (local === null || today === null) return iso;
  const date =
    local.year === today.year
      ? `${local.weekday} ${local.day} ${local.month}`
      : `${local.day} ${local.month} ${local.year}`;
  return `${date} ${local.hour}:${local.minute}`;
}

/** A date (no time) in `zone` with the zone named: "Tue 3 Mar (America/New_York)"; the year when not this year. */
export function formatDateWithZone(iso: string, zone: string, now: Date): string {
  const shownZone = displayZone(zone);
  const local = DateTime.fromISO(iso, { zone: shownZone, locale: UI_LOCALE });
  if (!local.isValid) return iso;
  const sameYear = local.year === DateTime.fromJSDate(now, { zone: shownZone }).year;
  return `${local.toFormat(sameYear ? 'EEE d MMM' : 'EEE d MMM yyyy')} (${shownZone})`;
}

/** A local calendar day key (`2026-03-07`, as usage rows name days) as "Sat 7 Mar". */
export function formatDayKey(key: string): string {
  const day = DateTime.fromISO(key, { zone: 'UTC', locale: UI_LOCALE });
  return day.isValid ? day.toFormat('EEE d MMM') : key;
}

/** A picked local day (`2026-12-02`) as the app writes days: "Wed 2 Dec", with the year when it is not this year in `zone`. */
export function formatPickedDay(key: string, now: Date, zone: string): string {
  const day = DateTime.fromISO(key, { zone: 'UTC', locale: UI_LOCALE });
  if (!day.isValid) return key;
  const sameYear = day.year === DateTime.fromJSDate(now, { zone: displayZone(zone) }).year;
  return day.toFormat(sameYear ? 'EEE d MMM' : 'EEE d MMM yyyy');
}

/** The amount in the unit a plan bills in: "144 credits", "1 credit", "1 generation". */
export function amountWithUnit(amount: number, unit: 'credits' | 'generations'): string {
  return unit === 'credits' ? `${formatCount(amount)} ${creditsUnit(amount)}` : counted(amount, 'generation');
}

const balanceNames: Record<'free' | 'subscription' | 'topup' | 'generations', string> = {
  free: 'free credits',
  subscription: 'subscription credits',
  topup: 'top-up credits',
  generations: 'this period’s generations',
};

/** C5: which balances a charge draws and how much from each: "100 from free credits, 44 from subscription credits". */
export function drawsText(draws: ReadonlyArray<{ balance: keyof typeof balanceNames; amount: number }>): string {
  const parts = draws
    .filter((draw) => draw.amount > 0)
    .map((draw) => `${formatCount(draw.amount)} from ${balanceNames[draw.balance]}`);
  return parts.length === 0 ? 'Nothing is drawn from your balances' : parts.join(', ');
}

/** Bytes as GiB with up to one decimal: 2147483648 -> "2 GiB". */
export function formatGiB(bytes: number): string {
  const gib = bytes / 1024 ** 3;
  return `${new Intl.NumberFormat(UI_LOCALE, { maximumFractionDigits: 1 }).format(gib)} GiB`;
}

/** Bytes in the largest fitting binary unit: "512 KiB", "3.4 MiB". */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return `${new Intl.NumberFormat(UI_LOCALE, { maximumFractionDigits: unit === 0 ? 0 : 1 }).format(value)} ${units[unit]}`;
}

/** A plan's price per billing period: "$8/month", "$480/year", "Free" (shared/money.ts, which the estimator uses too). */
export function planPriceText(price: number, period: MoneyPeriod | null): string {
  return priceText(price, period);
}

export { moneyText };
