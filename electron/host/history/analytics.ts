/**
 * Figures computed from the offline store, for when the backend cannot be reached: usage by day, tool or model (C10,
 * the same semantics as the backend's GET /v1/usage), the refund audit (C8, G4) and recent use per model for the plan
 * estimator (E2).
 *
 * Days are the account's local days (A1). SQLite sums by 15-minute buckets of UTC time and each bucket is placed on
 * its local date afterwards: every time zone in use today is offset from UTC by a multiple of 15 minutes, so a bucket
 * never straddles a local midnight, DST changes included, and the zone is converted once per day, not once per row.
 *
 * A year of history is 100,000 rows: the sums run over the covering index in slices of SLICE_ROWS rows (newest
 * first), each slice one short query, with the event loop free between slices.
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import type { ToolId, Usage, UsageQuery } from '../../../shared/api.js';
import { lastLocalMidnight, localDate, nextLocalMidnight } from '../../../shared/calendar.js';
import type { RecentModelUse as BridgeRecentModelUse, RefundAuditRow } from '../../../shared/bridge.js';
import { ROW_KEY_SLOTS, type HistoryStore } from './store.js';

const BUCKET_MS = 15 * 60 * 1000;
const SLICE_ROWS = 5_000;

interface Totals {
  credits: number;
  generations: number;
  count: number;
}

/** Row-key bounds of a time range: [low, high). */
function keyRange(from: string | number | undefined, to: string | number | undefined): [number, number] {
  const ms = (value: string | number) => (typeof value === 'number' ? value : Date.parse(value));
  return [
    from === undefined ? 0 : ms(from) * ROW_KEY_SLOTS,
    to === undefined ? Number.MAX_SAFE_INTEGER : ms(to) * ROW_KEY_SLOTS,
  ];
}

/**
 * Splits the account's live rows in [low, high) into slices of at most SLICE_ROWS rows, newest first, yielding to the
 * event loop between slices. Each boundary is found by walking SLICE_ROWS entries of the index.
 */
async function* slices(
  store: HistoryStore,
  accountId: string,
  low: number,
  high: number,
): AsyncGenerator<[number, number]> {
  let top = high;
  for (;;) {
    const boundary = store.measured('analytics slice', () =>
      store.get<{ row_key: number }>(
        'SELECT row_key FROM generations WHERE account_id = ? AND deleted = 0 AND row_key >= ? AND row_key < ? ORDER BY row_key DESC LIMIT 1 OFFSET ?',
        accountId,
        low,
        top,
        SLICE_ROWS - 1,
      ),
    );
    const bottom = boundary ? boundary.row_key : low;
    yield [bottom, top];
    if (!boundary || bottom <= low) return;
    top = bottom;
    await nextTick();
  }
}

/**
 * Local dates of 15-minute buckets. The zone's midnights between the first and the last bucket are computed once and
 * each bucket is placed among them by binary search.
 */
function bucketDates(zone: string, buckets: Iterable<number>): (bucket: number) => string {
  let first = Infinity;
  let last = -Infinity;
  for (const bucket of buckets) {
    first = Math.min(first, bucket);
    last = Math.max(last, bucket);
  }
  if (first === Infinity) return () => '';
  const starts: number[] = [];
  const dates: string[] = [];
  for (
    let midnight = lastLocalMidnight(new Date(first * BUCKET_MS), zone);
    midnight.getTime() <= last * BUCKET_MS;
    midnight = nextLocalMidnight(midnight, zone)
  ) {
    starts.push(midnight.getTime());
    dates.push(localDate(midnight, zone));
  }
  return (bucket) => {
    const at = bucket * BUCKET_MS;
    let lowest = 0;
    let highest = starts.length - 1;
    while (lowest < highest) {
      const middle = (lowest + highest + 1) >> 1;
      if (starts[middle]! <= at) lowest = middle;
      else highest = middle - 1;
    }
    return dates[lowest]!;
  };
}

function add(into: Map<string, Totals>, key: string, row: Totals): void {
  const group = into.get(key) ?? { credits: 0, generations: 0, count: 0 };
  group.credits += row.credits;
  group.generations += row.generations;
  group.count += row.count;
  into.set(key, group);
}

/** C10: spending by day (local), tool or model; refunded work counts as a request but costs nothing (C8, G4). */
export async function usageFromStore(
  store: HistoryStore,
  accountId: string,
  query: UsageQuery,
  zone: string,
): Promise<Usage> {
  const filters: string[] = [];
  const params: string[] = [];
  if (query.tool) {
    filters.push('AND tool = ?');
    params.push(query.tool);
  }
  if (query.modelId) {
    filters.push('AND model_id = ?');
    params.push(query.modelId);
  }
  const keyColumn =
    query.groupBy === 'tool'
      ? 'tool'
      : query.groupBy === 'model'
        ? 'model_id'
        : `(row_key / ${ROW_KEY_SLOTS * BUCKET_MS})`;
  const sql = `SELECT ${keyColumn} AS k,
                      sum(CASE WHEN refunded = 1 THEN 0 ELSE cost_credits END) AS credits,
                      sum(CASE WHEN refunded = 1 THEN 0 ELSE cost_generations END) AS generations,
                      count(*) AS count
                 FROM generations WHERE account_id = ? AND deleted = 0 AND row_key >= ? AND row_key < ? ${filters.join(' ')}
                GROUP BY k`;
  const groups = new Map<string | number, Totals>();
  const [low, high] = keyRange(query.from, query.to);
  for await (const [bottom, top] of slices(store, accountId, low, high)) {
    const rows = store.measured('usage', () =>
      store.all<Totals & { k: string | number }>(sql, accountId, bottom, top, ...params),
    );
    for (const row of rows) {
      const group = groups.get(row.k) ?? { credits: 0, generations: 0, count: 0 };
      group.credits += row.credits;
      group.generations += row.generations;
      group.count += row.count;
      groups.set(row.k, group);
    }
  }
  const keyed = new Map<string, Totals>();
  const dateOf = query.groupBy === 'day' ? bucketDates(zone, [...groups.keys()].map(Number)) : null;
  for (const [key, totals] of groups) add(keyed, dateOf ? dateOf(Number(key)) : String(key), totals);
  const totals = { credits: 0, generations: 0, count: 0 };
  for (const group of keyed.values()) {
    totals.credits += group.credits;
    totals.generations += group.generations;
    totals.count += group.count;
  }
  return {
    rows: [...keyed.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, g]) => ({ key, ...g })),
    totals,
  };
}

/** Failed and blocked work, newest first, with what it was charged and what came back (C8, G4). */
export async function refundAuditFromStore(
  store: HistoryStore,
  accountId: string,
  from?: string,
  to?: string,
): Promise<RefundAuditRow[]> {
  const audit: RefundAuditRow[] = [];
  const [low, high] = keyRange(from, to);
  for await (const [bottom, top] of slices(store, accountId, low, high)) {
    // Only the fields the audit needs are read out of each row's JSON (in SQLite, not by parsing it whole here).
    const rows = store.measured('refund audit', () =>
      store.all<{
        id: string;
        at: string;
        model_id: string;
        tool: string;
        status: string;
        refunded: number;
        error: string | null;
        draws: string;
      }>(
        `SELECT id, json_extract(data, '$.createdAt') AS at, model_id, tool, status, refunded,
                json_extract(data, '$.error') AS error, json_extract(data, '$.charge.draws') AS draws
           FROM generations
          WHERE account_id = ? AND deleted = 0 AND row_key >= ? AND row_key < ? AND status IN ('failed', 'blocked')
          ORDER BY row_key DESC`,
        accountId,
        bottom,
        top,
      ),
    );
    for (const row of rows) {
      const charged = (JSON.parse(row.draws) as Array<{ balance: string; amount: number }>).map((d) => ({
        balance: d.balance,
        amount: d.amount,
      }));
      audit.push({
        generationId: row.id,
        at: row.at,
        modelId: row.model_id,
        tool: row.tool as ToolId,
        status: row.status as RefundAuditRow['status'],
        error: row.error,
        charged,
        refunded: row.refunded === 1 ? charged : [],
      });
    }
  }
  return audit;
}

/** The host always knows the settings each use ran with, so its rows carry `bySettings`. */
export type RecentModelUse = BridgeRecentModelUse & { bySettings: NonNullable<BridgeRecentModelUse['bySettings']> };

/**
 * E2: the account's own use per model over the last `days` days: the generations it paid for (refunded ones cost
 * nothing and are left out), their credits, and on how many distinct local days the model was used. `tool` is the
 * tool the model was used with most.
 */
type SettingsUse = NonNullable<RecentModelUse['bySettings']>[number];

/** Adds a row of use to its settings' total (outputs, quality, duration: what the price depends on). */
function addSettingsUse(
  bySettings: Map<string, SettingsUse>,
  row: { n: number; credits: number; outputs: number | null; quality: string | null; duration_s: number | null },
): void {
  const settings: SettingsUse['settings'] = { outputs: Math.min(4, Math.max(1, Number(row.outputs ?? 1))) };
  if (row.quality === 'standard' || row.quality === 'hd') settings.quality = row.quality;
  if (row.duration_s !== null && Number(row.duration_s) > 0) settings.durationS = Number(row.duration_s);
  const key = `${settings.outputs}|${settings.quality ?? ''}|${settings.durationS ?? ''}`;
  const use = bySettings.get(key) ?? { settings, generations: 0, credits: 0 };
  use.generations += row.n;
  use.credits += row.credits;
  bySettings.set(key, use);
}

export async function recentUseFromStore(
  store: HistoryStore,
  accountId: string,
  days: number,
  now: Date,
  zone: string,
): Promise<RecentModelUse[]> {
  const models = new Map<
    string,
    {
      generations: number;
      credits: number;
      buckets: Set<number>;
      tools: Map<string, number>;
      bySettings: Map<string, SettingsUse>;
    }
  >();
  const [low, high] = keyRange(now.getTime() - days * 86_400_000, now.getTime() + 1);
  for await (const [bottom, top] of slices(store, accountId, low, high)) {
    const rows = store.measured('recent use', () =>
      store.all<{
        model_id: string;
        tool: string;
        bucket: number;
        n: number;
        credits: number;
        outputs: number | null;
        quality: string | null;
        duration_s: number | null;
      }>(
        `SELECT model_id, tool, row_key / ${ROW_KEY_SLOTS * BUCKET_MS} AS bucket, count(*) AS n, sum(cost_credits) AS credits,
                json_extract(data, '$.settings.outputs') AS outputs, json_extract(data, '$.settings.quality') AS quality,
                json_extract(data, '$.settings.durationS') AS duration_s
           FROM generations WHERE account_id = ? AND deleted = 0 AND refunded = 0 AND row_key >= ? AND row_key < ?
          GROUP BY model_id, tool, bucket, outputs, quality, duration_s`,
        accountId,
        bottom,
        top,
      ),
    );
    for (const row of rows) {
      const model = models.get(row.model_id) ?? {
        generations: 0,
        credits: 0,
        buckets: new Set<number>(),
        tools: new Map<string, number>(),
        bySettings: new Map<string, SettingsUse>(),
      };
      addSettingsUse(model.bySettings, row);
      model.generations += row.n;
      model.credits += row.credits;
      model.buckets.add(row.bucket);
      model.tools.set(row.tool, (model.tools.get(row.tool) ?? 0) + row.n);
      models.set(row.model_id, model);
    }
  }
  const dateOf = bucketDates(
    zone,
    [...models.values()].flatMap((m) => [...m.buckets]),
  );
  return [...models.entries()]
    .map(([modelId, m]) => ({
      modelId,
      tool: [...m.tools.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))[0]![0] as ToolId,
      generations: m.generations,
      credits: m.credits,
      activeDays: new Set([...m.buckets].map(dateOf)).size,
      bySettings: [...m.bySettings.values()].sort((a, b) => b.generations - a.generations || b.credits - a.credits),
    }))
    .sort((a, b) => b.credits - a.credits || a.modelId.localeCompare(b.modelId));
}
