import { useEffect, useId, useMemo } from 'react';
import type { Catalog, UsageQuery } from '../../../../shared/api.js';
import type { AccountView, RefundAuditRow } from '../../../../shared/bridge.js';
import { DayInput } from '../../components/DayInput.js';
import { formatCount, formatInstantInZone, formatPickedDay } from '../../format.js';
import { selectCatalog, selectSelectedAccount, useHostStore } from '../../store/host/store.js';
import {
  selectAnalyticsFilters,
  selectRefunds,
  selectSeries,
  selectUsage,
  useHistoryStore,
  type AnalyticsFilters,
  type UsageGroupBy,
  type UsageSeries,
} from '../../store/history/store.js';
import { localDay, localDayEdge } from '../history/dates.js';
import { useViewNow } from '../history/useViewNow.js';
import { drawsText, modelName, statusLabels, toolName } from '../history/historyText.js';
import { ToolModelFilter } from '../history/ToolModelFilter.js';
import { UsageChart } from './UsageChart.js';
import { usageCsv, usageCsvFileName, type UsageTableRow } from './usageCsv.js';
import { measuresShown, usageRows } from './usageTable.js';

type Shown = ReturnType<typeof measuresShown>;
import '../history/history.css';
import './analytics.css';

/** The default range: the last 30 local days, today included. */
const DEFAULT_DAYS = 30;

const groupLabels: Record<UsageGroupBy, string> = { day: 'Day', tool: 'Tool', model: 'Model' };
const seriesLabels: Record<UsageSeries, { option: string; unit: string; column: string }> = {
  credits: { option: 'Credits', unit: 'credits', column: 'Credits' },
  generations: { option: 'Generations', unit: 'generations', column: 'Generations' },
  count: { option: 'Requests', unit: 'requests', column: 'Requests' },
};

/** What in a pushed snapshot may change the figures: new or finished generations, a sync, reconnecting. */
function usageSignature(account: AccountView | null): string {
  if (account === null) return '';
  const finished = account.recentGenerations
    .filter((g) => g.status !== 'queued' && g.status !== 'running')
    .map((g) => g.id);
  return [account.id, account.connection.state, account.sync?.lastSyncedAt, finished.join(',')].join('|');
}

/** Starts a browser download of text (Blob + <a download>), in Electron too. */
function downloadText(text: string, fileName: string, type: string): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const link = document.createElement('a');
  link.href = url;
  link.download = fileName;
  link.hidden = true;
  document.body.append(link);
  link.click();
  link.remove();
  // The download has read the blob by the next task; a little later is enough and frees it.
  window.setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/**
 * Usage analytics (C10): credits, generations and requests by day, tool or model, over a range of local days, with
 * tool and model filters; a bar chart with the same figures in a table below (and as CSV), and the refund audit (C8,
 * G4): what failed or blocked work was charged and what came back.
 */
export function AnalyticsView() {
  const account = useHostStore(selectSelectedAccount);
  const catalog = useHostStore(selectCatalog);
  const accountId = account?.id ?? null;
  const zone = account?.me?.timeZone ?? 'UTC';
  const now = useViewNow(accountId);
  const stored = useHistoryStore(selectAnalyticsFilters);
  const chosenSeries = useHistoryStore(selectSeries);
  const usage = useHistoryStore(selectUsage);
  const refunds = useHistoryStore(selectRefunds);
  const setFilters = useHistoryStore((state) => state.setAnalyticsFilters);
  const setSeries = useHistoryStore((state) => state.setSeries);
  const loadUsage = useHistoryStore((state) => state.loadUsage);
  const loadRefunds = useHistoryStore((state) => state.loadRefunds);
  const signature = usageSignature(account);
  const today = localDay(now, zone);
  const defaultFrom = localDay(now, zone, DEFAULT_DAYS - 1);
  const filters: AnalyticsFilters = stored ?? { groupBy: 'day', from: defaultFrom, to: today, tool: '', modelId: '' };

  useEffect(() => {
    if (stored === null) setFilters({ from: defaultFrom, to: today });
  }, [stored, defaultFrom, today, setFilters]);

  const query = useMemo((): UsageQuery => {
    const q: UsageQuery = { groupBy: filters.groupBy };
    const from = localDayEdge(filters.from, zone, 'start');
    const to = localDayEdge(filters.to, zone, 'after');
    if (from !== undefined) q.from = from;
    if (to !== undefined) q.to = to;
    if (filters.tool !== '') q.tool = filters.tool;
    if (filters.modelId !== '') q.modelId = filters.modelId;
    return q;
  }, [filters.groupBy, filters.from, filters.to, filters.tool, filters.modelId, zone]);

  useEffect(() => {
    if (accountId === null || stored === null) return;
    void loadUsage(accountId, query);
  }, [accountId, stored, query, signature, loadUsage]);

  useEffect(() => {
    if (accountId === null || stored === null) return;
    void loadRefunds(accountId, { ...(query.from ? { from: query.from } : {}), ...(query.to ? { to: query.to } : {}) });
  }, [accountId, stored, query.from, query.to, signature, loadRefunds]);

  const rows = useMemo(
    () =>
      usage.data === null
        ? []
        : usageRows(usage.data, filters.groupBy, catalog, { from: filters.from, to: filters.to }),
    [usage.data, filters.groupBy, filters.from, filters.to, catalog],
  );
  if (account === null) return null;

  const totals = usage.data?.totals ?? { credits: 0, generations: 0, count: 0 };
  const shown = measuresShown(account.me?.plan.billing ?? null, totals);
  // A series the plan does not spend (generations on a credit plan) falls back to the plan's own unit.
  const series: UsageSeries =
    chosenSeries === 'count' || shown[chosenSeries] ? chosenSeries : shown.credits ? 'credits' : 'generations';
  const offline = account.connection.state === 'offline';
  const day = (key: string) => formatPickedDay(key, now, zone);
  const rangeText =
    filters.from && filters.to
      ? `${day(filters.from)} to ${day(filters.to)}`
      : filters.from
        ? `from ${day(filters.from)}`
        : filters.to
          ? `until ${day(filters.to)}`
          : 'all time';
  const seriesText = seriesLabels[series];
  const summary =
    rows.length === 0
      ? `Bar chart: no ${seriesText.unit} ${rangeText}.`
      : `Bar chart of ${seriesText.unit} per ${groupLabels[filters.groupBy].toLowerCase()}, ${rangeText}: ${formatCount(totalOf(totals, series))} in all over ${formatCount(rows.length)} bars; the table below lists every figure.`;

  return (
    <div className="view hx analytics-view" data-testid="analytics-view">
      <header className="view-header">
        <h1 className="view-title">Analytics</h1>
        <p className="muted">Times are local days in {zone}.</p>
      </header>
      {offline && (
        <p className="notice notice--warning" role="status" data-testid="analytics-offline">
          <span>
            <strong>Offline</strong> — figures come from the history saved on this computer
            {account.sync?.lastSyncedAt ? `, synced ${formatInstantInZone(account.sync.lastSyncedAt, zone, now)}` : ''}.
          </span>
        </p>
      )}
      <AnalyticsControls
        filters={filters}
        series={series}
        shown={shown}
        catalog={catalog}
        today={today}
        defaultFrom={defaultFrom}
        onChange={setFilters}
        onSeries={setSeries}
        now={now}
        zone={zone}
      />

      <section className="panel analytics-summary" aria-label="Totals" data-testid="usage-totals">
        {shown.credits && <Figure label="Credits spent" value={totals.credits} unit="credits" testId="total-credits" />}
        {shown.generations && (
          <Figure
            label="Plan generations used"
            value={totals.generations}
            unit="generations"
            testId="total-generations"
          />
        )}
        <Figure label="Requests" value={totals.count} unit="Generate actions" testId="total-requests" />
      </section>

      <section className="section analytics-chart" aria-labelledby="usage-chart-heading">
        <div className="section-header">
          <h2 id="usage-chart-heading">
            {seriesText.option} by {groupLabels[filters.groupBy].toLowerCase()}
          </h2>
          <p className="muted" role="status" aria-live="polite" data-testid="usage-status">
            {usage.status === 'loading'
              ? 'Loading…'
              : usage.status === 'error'
                ? ''
                : `${formatCount(rows.length)} ${rows.length === 1 ? 'row' : 'rows'}`}
          </p>
        </div>
        {usage.status === 'error' && (
          <div className="notice notice--error" role="alert" data-testid="usage-error">
            <p>Couldn’t load the usage: {usage.error?.message}</p>
            <button type="button" className="button button--small" onClick={() => void loadUsage(account.id, query)}>
              Try again
            </button>
          </div>
        )}
        {usage.data === null && usage.status === 'loading' ? (
          <div className="chart-skeleton skeleton-block" aria-hidden="true" />
        ) : rows.length === 0 && usage.status !== 'error' ? (
          <p className="history-empty" data-testid="usage-empty">
            No use{' '}
            {rangeText === 'all time'
              ? 'yet'
              : `from ${filters.from ? day(filters.from) : 'the start'} to ${filters.to ? day(filters.to) : 'today'}`}
            {filters.tool !== '' || filters.modelId !== '' ? ' with these filters' : ''}.
          </p>
        ) : (
          <UsageChart
            bars={rows.map((row) => ({ label: row.label, value: valueOf(row, series) }))}
            unit={seriesText.unit}
            summary={summary}
          />
        )}
      </section>

      {rows.length > 0 && (
        <UsageTable
          rows={rows}
          groupBy={filters.groupBy}
          totals={totals}
          series={series}
          shown={shown}
          from={filters.from}
          to={filters.to}
        />
      )}

      <RefundAudit
        rows={refunds.data}
        status={refunds.status}
        error={refunds.error?.message ?? null}
        catalog={catalog}
        zone={zone}
        now={now}
      />
    </div>
  );
}

function totalOf(totals: { credits: number; generations: number; count: number }, series: UsageSeries): number {
  return totals[series];
}

function valueOf(row: UsageTableRow, series: UsageSeries): number {
  return row[series];
}

function Figure({ label, value, unit, testId }: { label: string; value: number; unit: string; testId: string }) {
  return (
    <div className="figure">
      <span className="figure-label">{label}</span>
      <span>
        <span className="figure-value" data-testid={testId}>
          {formatCount(value)}
        </span>{' '}
        <span className="muted">{unit}</span>
      </span>
    </div>
  );
}

type AnalyticsControlsProps = {
  filters: AnalyticsFilters;
  series: UsageSeries;
  shown: Shown;
  catalog: Catalog | null;
  today: string;
  defaultFrom: string;
  onChange: (patch: Partial<AnalyticsFilters>) => void;
  onSeries: (series: UsageSeries) => void;
  now: Date;
  zone: string;
};

function AnalyticsControls({
  filters,
  series,
  shown,
  catalog,
  today,
  defaultFrom,
  onChange,
  onSeries,
  now,
  zone,
}: AnalyticsControlsProps) {
  const id = useId();
  return (
    <form className="filters analytics-filters" aria-label="Usage filters" onSubmit={(event) => event.preventDefault()}>
      <fieldset className="segmented" data-testid="group-by">
        <legend className="field-label">Group by</legend>
        {(['day', 'tool', 'model'] as const).map((groupBy) => (
          <label key={groupBy} className="segment">
            <input
              type="radio"
              name={`${id}-group`}
              value={groupBy}
              checked={filters.groupBy === groupBy}
              onChange={() => onChange({ groupBy })}
            />
            <span>{groupLabels[groupBy]}</span>
          </label>
        ))}
      </fieldset>
      <label className="filter">
        <span className="field-label">From</span>
        <DayInput
          value={filters.from}
          max={filters.to || today}
          onChange={(from) => onChange({ from })}
          testId="analytics-from"
          now={now}
          zone={zone}
        />
      </label>
      <label className="filter">
        <span className="field-label">To</span>
        <DayInput
          value={filters.to}
          min={filters.from || undefined}
          onChange={(to) => onChange({ to })}
          testId="analytics-to"
          now={now}
          zone={zone}
        />
      </label>
      <ToolModelFilter
        catalog={catalog}
        tool={filters.tool}
        modelId={filters.modelId}
        onChange={onChange}
        testIdPrefix="analytics"
      />
      <fieldset className="segmented" data-testid="series">
        <legend className="field-label">Show</legend>
        {(['credits', 'generations', 'count'] as const)
          .filter((option) => option === 'count' || shown[option])
          .map((option) => (
            <label key={option} className="segment">
              <input
                type="radio"
                name={`${id}-series`}
                value={option}
                checked={series === option}
                onChange={() => onSeries(option)}
              />
              <span>{seriesLabels[option].option}</span>
            </label>
          ))}
      </fieldset>
      <button
        type="button"
        className="button filter-clear"
        disabled={filters.from === defaultFrom && filters.to === today && filters.tool === '' && filters.modelId === ''}
        onClick={() => onChange({ from: defaultFrom, to: today, tool: '', modelId: '' })}
        data-testid="analytics-reset"
      >
        Last {DEFAULT_DAYS} days, everything
      </button>
    </form>
  );
}

type UsageTableProps = {
  rows: UsageTableRow[];
  groupBy: UsageGroupBy;
  totals: { credits: number; generations: number; count: number };
  series: UsageSeries;
  shown: Shown;
  from: string;
  to: string;
};

function UsageTable({ rows, groupBy, totals, series, shown, from, to }: UsageTableProps) {
  const captionId = useId();
  return (
    <section className="section" aria-labelledby={captionId}>
      <div className="section-header">
        <h2 id={captionId}>The figures</h2>
        <button
          type="button"
          className="button button--small"
          onClick={() =>
            downloadText(usageCsv(groupBy, rows, totals), usageCsvFileName(groupBy, from, to), 'text/csv;charset=utf-8')
          }
          data-testid="usage-csv"
        >
          Export CSV
        </button>
      </div>
      <div className="table-wrap">
        <table className="table" data-testid="usage-table">
          <caption className="visually-hidden">
            Usage by {groupLabels[groupBy].toLowerCase()}; the chart above shows the{' '}
            {seriesLabels[series].column.toLowerCase()} column.
          </caption>
          <thead>
            <tr>
              <th scope="col">{groupLabels[groupBy]}</th>
              {shown.credits && (
                <th scope="col" className="num">
                  Credits
                </th>
              )}
              {shown.generations && (
                <th scope="col" className="num">
                  Generations
                </th>
              )}
              <th scope="col" className="num">
                Requests
              </th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.key} data-testid="usage-row" data-key={row.key}>
                <th scope="row">{row.label}</th>
                {shown.credits && <td className="num">{formatCount(row.credits)}</td>}
                {shown.generations && <td className="num">{formatCount(row.generations)}</td>}
                <td className="num">{formatCount(row.count)}</td>
              </tr>
            ))}
          </tbody>
          <tfoot>
            <tr>
              <th scope="row">Total</th>
              {shown.credits && <td className="num">{formatCount(totals.credits)}</td>}
              {shown.generations && <td className="num">{formatCount(totals.generations)}</td>}
              <td className="num">{formatCount(totals.count)}</td>
            </tr>
          </tfoot>
        </table>
      </div>
    </section>
  );
}

function sum(draws: RefundAuditRow['charged']): number {
  return draws.reduce((total, draw) => total + draw.amount, 0);
}

type RefundAuditProps = {
  rows: RefundAuditRow[] | null;
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  catalog: Catalog | null;
  zone: string;
  now: Date;
};

/** C8/G4: failed and blocked work, what it took and what came back; a difference is worth a look. */
function RefundAudit({ rows, status, error, catalog, zone, now }: RefundAuditProps) {
  const list = rows ?? [];
  const charged = list.reduce((total, row) => total + sum(row.charged), 0);
  const refunded = list.reduce((total, row) => total + sum(row.refunded), 0);
  return (
    <section className="section" aria-labelledby="refund-audit-heading" data-testid="refund-audit">
      <div className="section-header">
        <h2 id="refund-audit-heading">Refund audit</h2>
        <p className="muted">Failed and blocked generations are refunded in full to the balances they drew from.</p>
      </div>
      {status === 'error' && (
        <p className="notice notice--error" role="alert">
          Couldn’t load the refund audit: {error}
        </p>
      )}
      {status === 'loading' && rows === null && <p className="muted">Loading…</p>}
      {rows !== null && list.length === 0 && (
        <p className="history-empty" data-testid="refund-empty">
          No failed or blocked generations in this range.
        </p>
      )}
      {list.length > 0 && (
        <div className="table-wrap">
          <table className="table" data-testid="refund-table">
            <caption>
              {formatCount(list.length)} {list.length === 1 ? 'generation' : 'generations'}: {formatCount(charged)}{' '}
              charged, {formatCount(refunded)} refunded
            </caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Model</th>
                <th scope="col">Status</th>
                <th scope="col">Charged</th>
                <th scope="col">Refunded</th>
                <th scope="col" className="num">
                  Not returned
                </th>
              </tr>
            </thead>
            <tbody>
              {list.map((row) => {
                const missing = sum(row.charged) - sum(row.refunded);
                return (
                  <tr key={row.generationId} data-testid="refund-row">
                    <td>{formatInstantInZone(row.at, zone, now)}</td>
                    <td>
                      {modelName(catalog, row.modelId)}
                      <span className="muted"> · {toolName(catalog, row.tool)}</span>
                    </td>
                    <td>
                      {statusLabels[row.status]}
                      {row.error !== null && <span className="muted"> — {row.error}</span>}
                    </td>
                    <td>{auditDraws(row.charged)}</td>
                    <td>{auditDraws(row.refunded)}</td>
                    <td className={`num${missing > 0 ? ' text-danger' : ''}`}>{formatCount(missing)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function auditDraws(draws: RefundAuditRow['charged']): string {
  const known = draws.filter(
    (draw): draw is { balance: 'free' | 'subscription' | 'topup' | 'generations'; amount: number } =>
      ['free', 'subscription', 'topup', 'generations'].includes(draw.balance),
  );
  const text = drawsText(known);
  const others = draws
    .filter((draw) => !known.includes(draw as (typeof known)[number]))
    .map((draw) => `${formatCount(draw.amount)} ${draw.balance}`);
  return [text, ...others].filter((part) => part !== '').join(' + ') || 'nothing';
}
