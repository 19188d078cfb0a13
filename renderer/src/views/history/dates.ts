/** Calendar days in the account's zone (A1), for date filters: the user picks local days, the host gets instants. */
import { DateTime } from 'luxon';
import { displayZone } from '../../format.js';

/**
 * The instant a local day (YYYY-MM-DD) starts, or (`after`) the instant the next one starts, which is how a range
 * "to" that day is sent: the backend's `to` is exclusive. Undefined for an empty or invalid day. A local day may be 23
 * or 25 hours long (DST): luxon's day arithmetic follows the zone.
 */
export function localDayEdge(day: string, zone: string, edge: 'start' | 'after'): string | undefined {
  if (day === '') return undefined;
  const local = DateTime.fromISO(day, { zone: displayZone(zone) });
  if (!local.isValid) return undefined;
  const at = edge === 'start' ? local.startOf('day') : local.startOf('day').plus({ days: 1 });
  return at.toUTC().toISO() ?? undefined;
}

/** Today, or `daysBack` days before it, as a local day (YYYY-MM-DD) in the zone. */
export function localDay(now: Date, zone: string, daysBack = 0): string {
  return (
    DateTime.fromJSDate(now, { zone: displayZone(zone) })
      .minus({ days: daysBack })
      .toISODate() ?? ''
  );
}
