/**
 * How the history grid is searched: the SQL of one filter (through the generations table's covering indexes, a
 * workspace's items, or the account's full-text table), and the totals kept while the store does not change.
 */
import type { SQLInputValue } from 'node:sqlite';
import { ROW_KEY_SLOTS } from './store-schema.js';
import { metaMatchExpression, metaToken } from './search-query.js';

/** A filter of the history grid, already validated (bridge `HistoryQuery` after defaults). */
export interface HistoryFilter {
  accountId: string;
  q?: string | undefined;
  tool?: string | undefined;
  modelId?: string | undefined;
  status?: string | undefined;
  from?: string | undefined;
  to?: string | undefined;
  workspaceId?: string | undefined;
}

/** One filter as SQL: `SELECT <order> FROM <from> WHERE <where...>`, ordered by `order` (the row key). */
export interface SearchQuery {
  from: string;
  where: string[];
  params: SQLInputValue[];
  order: string;
}

/** The total of a filter on tool, model and status only, from the kept counts. */
export function countedTotalQuery(filter: HistoryFilter): { sql: string; params: SQLInputValue[] } {
  const where = ['account_id = ?'];
  const params: SQLInputValue[] = [filter.accountId];
  for (const [column, value] of [
    ['tool', filter.tool],
    ['model_id', filter.modelId],
    ['status', filter.status],
  ] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  return { sql: `SELECT sum(n) AS n FROM generation_counts WHERE ${where.join(' AND ')}`, params };
}

function addRange(column: string, filter: HistoryFilter, where: string[], params: SQLInputValue[]): void {
  if (filter.from) {
    where.push(`${column} >= ?`);
    params.push(Date.parse(filter.from) * ROW_KEY_SLOTS);
  }
  if (filter.to) {
    where.push(`${column} < ?`);
    params.push(Date.parse(filter.to) * ROW_KEY_SLOTS);
  }
}

/** Without prompt text: the generations table through its covering indexes, or a workspace's items first. */
export function rowQuery(filter: HistoryFilter): SearchQuery {
  const workspace = filter.workspaceId !== undefined;
  // A workspace's items (by their index, in row-key order) drive the lookups; otherwise the account's rows.
  const from = workspace ? 'workspace_items wi CROSS JOIN generations g ON g.row_key = wi.row_key' : 'generations g';
  const where = workspace
    ? ['wi.account_id = ?', 'wi.workspace_id = ?', 'g.deleted = 0']
    : ['g.account_id = ?', 'g.deleted = 0'];
  const params: SQLInputValue[] = workspace ? [filter.accountId, filter.workspaceId!] : [filter.accountId];
  for (const [column, value] of [
    ['g.tool', filter.tool],
    ['g.model_id', filter.modelId],
    ['g.status', filter.status],
  ] as const) {
    if (value === undefined) continue;
    where.push(`${column} = ?`);
    params.push(value);
  }
  const order = workspace ? 'wi.row_key' : 'g.row_key';
  addRange(order, filter, where, params);
  return { from, where, params, order };
}

/** With prompt text: the account's full-text table alone (filters are tokens in its `meta` column). */
export function textQuery(table: string, filter: HistoryFilter, promptExpression: string): SearchQuery {
  const tokens: string[] = [];
  if (filter.tool) tokens.push(metaToken('t', filter.tool));
  if (filter.modelId) tokens.push(metaToken('m', filter.modelId));
  if (filter.status) tokens.push(metaToken('s', filter.status));
  const where = [`${table} MATCH ?`];
  const params: SQLInputValue[] = [
    tokens.length ? `${promptExpression} AND ${metaMatchExpression(tokens)}` : promptExpression,
  ];
  addRange('rowid', filter, where, params);
  if (filter.workspaceId) {
    // `+` keeps SQLite from running the MATCH once per workspace item (a rowid lookup each).
    where.push(
      '+rowid IN (SELECT row_key FROM workspace_items WHERE account_id = ? AND workspace_id = ? AND row_key IS NOT NULL)',
    );
    params.push(filter.accountId, filter.workspaceId);
  }
  return { from: table, where, params, order: 'rowid' };
}

/**
 * The totals of filters seen since the store last changed: paging through one filter (a virtualized grid scrolling)
 * counts once. Any write that can change what a search finds moves the version, which makes every kept total stale.
 */
export class SearchTotals {
  #version = 0;
  readonly #totals = new Map<string, number>();
  readonly #searchWrites = new Map<string, boolean>();

  /** Called after a write that changed rows: when its SQL can change what a search finds, kept totals go stale. */
  wrote(sql: string): void {
    let answer = this.#searchWrites.get(sql);
    if (answer === undefined) {
      // Cache bookkeeping (e.g. "last viewed") cannot change a search.
      answer = /\b(generations|workspace_items|generation_text_\d+|generation_counts)\b/.test(sql);
      this.#searchWrites.set(sql, answer);
    }
    if (answer) this.#version += 1;
  }

  /** The kept total of a query, or counts it (and keeps it). */
  total(query: SearchQuery, count: () => number): number {
    const key = `${this.#version}\n${query.from}\n${query.where.join(' AND ')}\n${JSON.stringify(query.params)}`;
    let total = this.#totals.get(key);
    if (total === undefined) {
      total = count();
      if (this.#totals.size >= 64) this.#totals.clear();
      this.#totals.set(key, total);
    }
    return total;
  }

  clear(): void {
    this.#totals.clear();
  }
}
