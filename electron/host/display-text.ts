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
    new Intl.DateTimeFormat('en-GB', { timeZone: zone });
    return zone;
  } catch {
    return 'UTC';
  }
}

/** "00:00", "14:30": the time of day of an instant in a zone. */
export function formatLocalTime(iso: string, zone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zoneOrUTC(zone), hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}

/** The calendar day of an instant in a zone, as 2026-12-03. */
function localDate(at: Date, zone: string | undefined): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: zoneOrUTC(zone), year: 'numeric', month: '2-digit', day: '2-digit' }).format(at);
}

/**
 * A time of day that names its day unless it is today in the zone: "22:30" today, "22:30 on Thu 3 Dec" otherwise (an
 * alert read the next morning must not leave "which 22:30?" open).
 */
export function formatLocalTimeOn(iso: string, zone: string | undefined, now: Date): string {
  const time = formatLocalTime(iso, zone);
  const at = new Date(iso);
  if (localDate(at, zone) === localDate(now, zone)) return time;
  const day = new Intl.DateTimeFormat('en-GB', { timeZone: zoneOrUTC(zone), weekday: 'short', day: 'numeric', month: 'short' }).format(at);
  return `${time} on ${day}`;
}

/** "12 Apr": the day of an instant in a zone. */
export function formatLocalDay(iso: string, zone: string | undefined): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone: zoneOrUTC(zone), day: 'numeric', month: 'short' }).format(new Date(iso));
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
    const line = balanceLine(account.me, account.balance) ?? (account.connection.state === 'offline' ? 'offline' : 'connecting…');
    const stale = account.balance && account.connection.state === 'offline' ? ' (offline)' : '';
    return { id: account.id, line: `${account.label}: ${line}${stale}`, selected: account.id === snapshot.selectedAccountId };
  });
  const selected = snapshot.accounts.find((a) => a.id === snapshot.selectedAccountId) ?? snapshot.accounts[0];
  const summary = selected ? balanceLine(selected.me, selected.balance) : null;
  return { tooltip: summary ? `${APP_NAME} — ${summary}` : APP_NAME, accounts };
}
