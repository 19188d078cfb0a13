/**
 * The few words the host itself shows (system notifications, the tray): numbers and times as a person reads them,
 * times in the account's own time zone (A1: "midnight" is the account's midnight). The renderer formats its own.
 */
import type { Balance, Catalog, Me } from '../../shared/api.js';
import type { HostSnapshot } from '../../shared/bridge.js';

const numberFormat = new Intl.NumberFormat('en-US');

export function formatCount(value: number): string {
  return numberFormat.format(value);
}

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${formatCount(count)} ${count === 1 ? one : many}`;
}

function zoneOrUTC(zone: string | undefined): string {
  if (!zone) return 'UTC';
  try {
    // Constructing the format is the check: it throws on a zone this runtime does not know.
    // oxlint-disable-next-line no-new
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC'; // a zone this runtime does not know: times are shown in UTC (and say so)
  }
}

/** "00:00", "14:30": the time of day of an instant in a zone. */
export function formatLocalTime(iso: string, zone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', {
    timeZone: zoneOrUTC(zone),
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

/** The calendar day of an instant in a zone, as 2026-12-03. */
function localDate(at: Date, zone: string | undefined): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone: zoneOrUTC(zone),
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(at);
}

/**
 * A time of day that names its day unless it is today in the zone: "22:30" today, "22:30 on Thu 3 Dec" otherwise (an
 * alert read the next morning must not leave "which 22:30?" open).
 */
export function formatLocalTimeOn(iso: string, zone: string | undefined, now: Date): string {
  const time = formatLocalTime(iso, zone);
  const at = new Date(iso);
  if (localDate(at, zone) === localDate(now, zone)) return time;
  const day = new Intl.DateTimeFormat('en-GB', {
    timeZone: zoneOrUTC(zone),
    weekday: 'short',
    day: 'numeric',
    month: 'short',
  }).format(at);
  return `${time} on ${day}`;
}

/** "12 Apr": the day of an instant in a zone. */
export function formatLocalDay(iso: string, zone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zoneOrUTC(zone), day: 'numeric', month: 'short' }).format(
    new Date(iso),
  );
}

export function modelName(catalog: Catalog | null, modelId: string): string {
  return catalog?.models.find((m) => m.id === modelId)?.name ?? modelId;
}

/**
 * One account's balance in a line: "1,234 credits · free credits reset 00:00" (credit plans) or
 * "37 of 100 generations left · resets 12 Apr" (generation plans).
 */
export function balanceLine(me: Me | null, balance: Balance | null): string | null {
  if (!balance) return null;
  const zone = me?.timeZone;
  const generations = balance.generations;
  if (generations) {
    const reset = generations.resetsAt ? ` · resets ${formatLocalDay(generations.resetsAt, zone)}` : '';
    if (generations.limit === null) return `unlimited generations${reset}`;
    return `${formatCount(Math.max(0, generations.limit - generations.used))} of ${plural(generations.limit, 'generation')} left${reset}`;
  }
  return `${plural(balance.credits.total, 'credit')} · free credits reset ${formatLocalTime(balance.credits.free.resetsAt, zone)}`;
}

export const APP_NAME = 'Creator Companion';

export interface TrayStatus {
  /** "Creator Companion — 1,234 credits · free credits reset 00:00" (the selected account). */
  tooltip: string;
  /** One line per account for the tray menu, e.g. "Ana: 1,234 credits · free credits reset 00:00". */
  accounts: Array<{ id: string; line: string; selected: boolean }>;
}

export function trayStatus(snapshot: HostSnapshot): TrayStatus {
  const accounts = snapshot.accounts.map((account) => {
    const line =
      balanceLine(account.me, account.balance) ?? (account.connection.state === 'offline' ? 'offline' : 'connecting…');
    const stale = account.balance && account.connection.state === 'offline' ? ' (offline)' : '';
    return {
      id: account.id,
      line: `${account.label}: ${line}${stale}`,
      selected: account.id === snapshot.selectedAccountId,
    };
  });
  const selected = snapshot.accounts.find((a) => a.id === snapshot.selectedAccountId) ?? snapshot.accounts[0];
  const summary = selected ? balanceLine(selected.me, selected.balance) : null;
  return { tooltip: summary ? `${APP_NAME} — ${summary}` : APP_NAME, accounts };
}

/** What a failure means, in words (`text`), and its technical cause for a secondary line (`detail`). */
export interface PlainFailure {
  text: string;
  detail: string | null;
}

/** The causes a person can act on, from the technical message of a failed request or stream. */
const CAUSES: Array<{ pattern: RegExp; words: (place: string) => string }> = [
  {
    pattern: /ECONNREFUSED|ECONNRESET.*connect|cannot connect/i,
    words: (place) => `Can't reach ${place}: it isn't answering.`,
  },
  {
    pattern: /ENOTFOUND|EAI_AGAIN/i,
    words: (place) => `Can't find ${place}: check its address and this computer's network.`,
  },
  { pattern: /ETIMEDOUT|timeout|timed out/i, words: (place) => `${capitalized(place)} is taking too long to answer.` },
  { pattern: /went silent/i, words: (place) => `${capitalized(place)} stopped sending updates.` },
  {
    pattern: /ECONNRESET|socket hang up|stream broke|closed the event stream|EPIPE/i,
    words: (place) => `The connection to ${place} was cut.`,
  },
  {
    pattern: /HTTP 401|unauthori[sz]ed/i,
    words: (place) =>
      `${capitalized(place)} no longer accepts this account's token: remove the account and sign in again.`,
  },
  { pattern: /HTTP 5\d\d|internal server error/i, words: (place) => `${capitalized(place)} had a problem answering.` },
  {
    pattern: /ENETUNREACH|EHOSTUNREACH|network/i,
    words: (place) => `Can't reach ${place}: check this computer's network.`,
  },
];

/**
 * Plain words for a failure to reach a backend ("Can't reach the built-in backend: it isn't answering."), keeping the
 * technical message (an error code, an address) as the detail; `place` names the backend ("the built-in backend",
 * "the backend at example.com"). A message with no known cause is shown as it is (the backend's own refusals are
 * written for people already).
 */
export function plainFailure(message: string, place: string): PlainFailure {
  const cause = CAUSES.find((c) => c.pattern.test(message));
  return cause ? { text: cause.words(place), detail: message } : { text: message, detail: null };
}

/** "the built-in backend" or "the backend at example.com": how messages name where an account lives. */
export function backendPlace(kind: 'embedded' | 'remote', hostLabel: string): string {
  return kind === 'embedded' ? 'the built-in backend' : `the backend at ${hostLabel}`;
}

/** What the dashboard says about the built-in backend while the host restarts it. */
export function embeddedRestartText(attempt: number): string {
  return `The built-in backend stopped; restarting it (attempt ${formatCount(Math.max(1, attempt))})…`;
}

function capitalized(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
