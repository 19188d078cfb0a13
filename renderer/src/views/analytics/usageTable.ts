/** The usage answer (C10) as the rows the chart, the table and the CSV share: labelled, with empty days filled in. */
import { DateTime } from 'luxon';
import type { Catalog, Usage } from '../../../../shared/api.js';
import type { UsageGroupBy } from '../../store/history/store.js';
import type { UsageTableRow } from './usageCsv.js';

/** Longest range of days filled with zeros; past it only the days with use are listed. */
const MAX_FILLED_DAYS = 400;

/** A local day key (2026-03-07) as "Sat 7 Mar", with the year when the range spans more than one. */
export function dayLabel(key: string, withYear = false): string {
  const day = DateTime.fromISO(key, { zone: 'UTC', locale: 'en-US' });
  return day.isValid ? day.toFormat(withYear ? 'EEE d MMM yyyy' : 'EEE d MMM') : key;
}

/** Every local day from `first` to `last` (YYYY-MM-DD, both included); empty when the range is too long or invalid. */
export function daysBetween(first: string, last: string): string[] {
  const start = DateTime.fromISO(first, { zone: 'UTC' });
  const end = DateTime.fromISO(last, { zone: 'UTC' });
  if (!start.isValid || !end.isValid || end < start) return [];
  const count = Math.round(end.diff(start, 'days').days) + 1;
  if (count > MAX_FILLED_DAYS) return [];
  return Array.from({ length: count }, (_, i) => start.plus({ days: i }).toISODate() ?? '');
}

/**
 * Rows in the order the backend gives (keys sorted), named for people: days as dates, tools and models by their
 * catalog names. By day, the days of the range without use are added with zeros, so the chart's time axis is even.
 */
export function usageRows(
  usage: Usage,
  groupBy: UsageGroupBy,
  catalog: Catalog | null,
  range: { from: string; to: string },
): UsageTableRow[] {
  const name = (key: string): string => {
    if (groupBy === 'tool') return catalog?.tools.find((tool) => tool.id === key)?.name ?? key;
    if (groupBy === 'model') return catalog?.models.find((model) => model.id === key)?.name ?? key;
    return key;
  };
  const rows = usage.rows.map((row) => ({
    key: row.key,
    label: name(row.key),
    credits: row.credits,
    generations: row.generations,
    count: row.count,
  }));
  if (groupBy !== 'day') return rows;
  const keys = rows.map((row) => row.key);
  const first = range.from || keys[0];
  const last = range.to || keys.at(-1);
  const days = first !== undefined && last !== undefined ? daysBetween(first, last) : [];
  const byKey = new Map(rows.map((row) => [row.key, row]));
  const filled = days.length > 0 ? [...new Set([...days, ...keys])].sort() : keys;
  const withYear = filled.length > 0 && filled[0]!.slice(0, 4) !== filled.at(-1)!.slice(0, 4);
  return filled.map((key) => {
    const row = byKey.get(key) ?? { key, label: key, credits: 0, generations: 0, count: 0 };
    return { ...row, label: dayLabel(key, withYear) };
  });
}

/**
 * Which spend figures mean something for the account: its plan's own unit (credits, or plan generations), and the other
 * only when the range has some of it (the plan changed within it). Unknown plan: both.
 */
export function measuresShown(
  billing: 'credits' | 'generations' | null,
  totals: { credits: number; generations: number },
): { credits: boolean; generations: boolean } {
  if (billing === null) return { credits: true, generations: true };
  return {
    credits: billing === 'credits' || totals.credits > 0,
    generations: billing === 'generations' || totals.generations > 0,
  };
}
