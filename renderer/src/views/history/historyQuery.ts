import type { GridQuery, HistoryFilters } from '../../store/history/store.js';
import { localDayEdge } from './dates.js';

/** The History view's filters as a host query: empty fields left out, local days turned into instants in the zone. */
export function queryFromFilters(accountId: string, filters: HistoryFilters, zone: string): GridQuery {
  const query: GridQuery = { accountId };
  const q = filters.q.trim();
  if (q !== '') query.q = q;
  if (filters.tool !== '') query.tool = filters.tool;
  if (filters.modelId !== '') query.modelId = filters.modelId;
  if (filters.status !== '') query.status = filters.status;
  const from = localDayEdge(filters.from, zone, 'start');
  if (from !== undefined) query.from = from;
  const to = localDayEdge(filters.to, zone, 'after');
  if (to !== undefined) query.to = to;
  if (filters.workspaceId !== '') query.workspaceId = filters.workspaceId;
  return query;
}
