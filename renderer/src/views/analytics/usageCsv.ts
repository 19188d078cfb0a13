/**
 * The analytics table as CSV (RFC 4180): comma-separated, CRLF line ends, a field quoted when it holds a comma, a quote,
 * a line break or surrounding spaces, quotes doubled inside. Text that a spreadsheet would run as a formula (starting
 * with =, +, -, @, a tab or a carriage return) is prefixed with an apostrophe: model names come from an operator's
 * catalog and must not execute when the file is opened.
 */
import type { UsageGroupBy } from '../../store/history/store.js';

export type UsageTableRow = {
  /** The backend's key: a local day (YYYY-MM-DD), a tool id or a model id. */
  key: string;
  /** What the table shows for the key: a date, a tool or model name. */
  label: string;
  credits: number;
  generations: number;
  count: number;
};

const keyHeadings: Record<UsageGroupBy, [string, string]> = {
  day: ['Day', 'Date'],
  tool: ['Tool id', 'Tool'],
  model: ['Model id', 'Model'],
};

export function csvField(value: string | number): string {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]|^\s|\s$/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function csvLine(fields: Array<string | number>): string {
  return fields.map(csvField).join(',');
}

/** The usage table with a header and a totals line. */
export function usageCsv(
  groupBy: UsageGroupBy,
  rows: UsageTableRow[],
  totals: { credits: number; generations: number; count: number },
): string {
  const [keyHeading, labelHeading] = keyHeadings[groupBy];
  const lines = [
    csvLine([keyHeading, labelHeading, 'Credits', 'Generations', 'Requests']),
    ...rows.map((row) => csvLine([row.key, row.label, row.credits, row.generations, row.count])),
    csvLine(['Total', '', totals.credits, totals.generations, totals.count]),
  ];
  return `${lines.join('\r\n')}\r\n`;
}

/** A file name that says what the file holds: "usage-by-day-2026-02-06-to-2026-03-07.csv". */
export function usageCsvFileName(groupBy: UsageGroupBy, from: string, to: string): string {
  const range = from && to ? `-${from}-to-${to}` : from ? `-from-${from}` : to ? `-to-${to}` : '';
  return `usage-by-${groupBy}${range}.csv`;
}
