/** Pure words for the Plan page. */
import type { Me } from '../../../../shared/api.js';
import { formatInstantWithZone } from '../../format.js';

/** The subscription's state in one line: renewing, cancelled with its end, or no subscription. */
export function planStatusText(me: Me, now: Date): string {
  const { subscription } = me;
  if (subscription.status === 'active') return 'Active: renews by itself until you cancel';
  if (subscription.status === 'cancelled') {
    return subscription.endsAt == null
      ? 'Cancelled: ends with the paid period'
      : `Cancelled: ends at ${formatInstantWithZone(subscription.endsAt, me.timeZone, now)}`;
  }
  return 'No subscription: the Free plan';
}

/**
 * The time zones to choose from: the runtime's IANA names (with UTC), the account's own first if the runtime does not
 * know it, so the list always shows the zone in use.
 */
export function timeZoneChoices(current: string, known: readonly string[] = runtimeZones()): string[] {
  const zones = new Set(['UTC', ...known]);
  return zones.has(current) ? [...zones] : [current, ...zones];
}

function runtimeZones(): string[] {
  return typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
}
