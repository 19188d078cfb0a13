import { useId, useMemo } from 'react';
import type { Catalog, Model } from '../../../../shared/api.js';
import {
  MAX_BUFFER_PERCENT,
  MIN_BUFFER_PERCENT,
  estimateMonthlyUse,
  fitPlans,
  recommendPlan,
  type EstimatorRow,
  type EstimatorSettings,
  type MonthlyEstimate,
  type PlanFit,
  type Recommendation,
} from '../../../../shared/estimator.js';
import { formatCount, planPriceText } from '../../format.js';
import { selectCatalog, selectSelectedAccount, useHostStore } from '../../store/host/store.js';
import {
  RECENT_USE_DAYS,
  selectBufferPercent,
  selectEstimatorRows,
  selectRecentUse,
  selectRowsSource,
  useHistoryStore,
  type EditableRow,
} from '../../store/history/store.js';
import '../history/history.css';
import './estimator.css';

/** A plan's price a month, and what it is billed when that is another period: "$40/month ($480/year)". */
function priceText(fit: PlanFit): string {
  if (fit.plan.period === null || fit.plan.period === 'month') return planPriceText(fit.plan.price, 'month');
  return `${planPriceText(fit.monthlyPrice, 'month')} (${planPriceText(fit.plan.price, fit.plan.period)})`;
}

/**
 * The plan estimator (E1, E2): what a month of planned use costs in credits and Generate actions, what every plan of
 * the catalog gives for it, and the cheapest plan that covers it. Pure shared code over the catalog the host keeps:
 * it works offline.
 */
export function EstimatorView() {
  const account = useHostStore(selectSelectedAccount);
  const catalog = useHostStore(selectCatalog);
  const rows = useHistoryStore(selectEstimatorRows);
  const bufferPercent = useHistoryStore(selectBufferPercent);
  const source = useHistoryStore(selectRowsSource);
  const recent = useHistoryStore(selectRecentUse);
  const addRow = useHistoryStore((state) => state.addEstimatorRow);
  const setBuffer = useHistoryStore((state) => state.setBufferPercent);
  const useExample = useHistoryStore((state) => state.useWorkedExample);
  const startFromRecent = useHistoryStore((state) => state.startFromRecentUse);
  const bufferId = useId();

  const result = useMemo(() => {
    if (catalog === null) return null;
    const estimate = estimateMonthlyUse(catalog, rows, bufferPercent);
    const fits = fitPlans(catalog, estimate);
    return { estimate, fits, recommendation: recommendPlan(fits, estimate) };
  }, [catalog, rows, bufferPercent]);

  if (catalog === null || result === null) {
    return (
      <div className="view hx estimator-view" data-testid="estimator-view">
        <header className="view-header">
          <h1 className="view-title">Plan estimator</h1>
        </header>
        <p className="history-empty">
          The catalog of models and plans is not on this computer yet: it arrives the first time the app reaches the
          backend.
        </p>
      </div>
    );
  }
  const { estimate, fits, recommendation } = result;

  return (
    <div className="view hx estimator-view" data-testid="estimator-view">
      <header className="view-header">
        <h1 className="view-title">Plan estimator</h1>
        <p className="muted">Works offline, with the catalog saved on this computer.</p>
      </header>

      <section className="section" aria-labelledby="estimator-rows-heading">
        <div className="section-header">
          <h2 id="estimator-rows-heading">What you plan to make</h2>
          <div className="estimator-sources">
            <button
              type="button"
              className="button button--small"
              disabled={account === null || recent.status === 'loading'}
              onClick={() => account !== null && void startFromRecent(account.id, catalog)}
              data-testid="estimator-recent"
            >
              {recent.status === 'loading' ? 'Reading your history…' : `Start from my last ${RECENT_USE_DAYS} days`}
            </button>
            <button
              type="button"
              className="button button--small button--quiet"
              disabled={source === 'example'}
              onClick={useExample}
              data-testid="estimator-example"
            >
              Use the worked example
            </button>
          </div>
        </div>
        <p className="muted estimator-source" role="status" aria-live="polite" data-testid="estimator-source">
          {recent.status === 'error' && recent.error !== null ? (
            <span className="text-danger">Couldn’t read your recent use: {recent.error.message}</span>
          ) : (
            (recent.message ??
            (source === 'example'
              ? 'The worked example of the policy: 30 images a day and 10 five-second videos a day over 22 working days.'
              : ''))
          )}
        </p>
        <RowsTable rows={rows} catalog={catalog} estimate={estimate} />
        <button type="button" className="button" onClick={() => addRow(catalog)} data-testid="estimator-add-row">
          Add a row
        </button>
      </section>

      <section
        className="panel estimator-totals"
        aria-labelledby="estimator-totals-heading"
        data-testid="estimator-totals"
      >
        <h2 id="estimator-totals-heading" className="visually-hidden">
          Your month
        </h2>
        <div className="figure">
          <span className="figure-label">Credits a month before the buffer</span>
          <span>
            <span className="figure-value" data-testid="estimate-credits">
              {formatCount(estimate.credits)}
            </span>{' '}
            <span className="muted">credits</span>
          </span>
        </div>
        <div className="figure buffer-figure">
          <label className="figure-label" htmlFor={bufferId}>
            Buffer:{' '}
            <output htmlFor={bufferId} data-testid="buffer-value">
              {estimate.bufferPercent} %
            </output>
          </label>
          <input
            id={bufferId}
            type="range"
            min={MIN_BUFFER_PERCENT}
            max={MAX_BUFFER_PERCENT}
            step={1}
            value={bufferPercent}
            aria-valuetext={`${bufferPercent} percent`}
            onChange={(event) => setBuffer(Number(event.target.value))}
            data-testid="buffer-slider"
          />
        </div>
        <div className="figure">
          <span className="figure-label">With the buffer</span>
          <span>
            <span className="figure-value figure-value--accent" data-testid="estimate-credits-buffered">
              {formatCount(estimate.creditsWithBuffer)}
            </span>{' '}
            <span className="muted">credits</span>
          </span>
        </div>
        <div className="figure">
          <span className="figure-label">Generate actions a month</span>
          <span>
            <span className="figure-value" data-testid="estimate-generations">
              {formatCount(estimate.generations)}
            </span>{' '}
            <span className="muted">({formatCount(estimate.generationsWithBuffer)} with the buffer)</span>
          </span>
        </div>
      </section>

      <RecommendationNote recommendation={recommendation} />
      <PlansTable fits={fits} estimate={estimate} recommendation={recommendation} />

      <details className="estimator-rules">
        <summary>How this is estimated</summary>
        <ul>
          <li>
            Cost per use is the model’s price × quality × duration × outputs. Uses per day count on each working day.
          </li>
          <li>
            The buffer ({MIN_BUFFER_PERCENT}–{MAX_BUFFER_PERCENT} %) is added to the credits and to the Generate
            actions, rounded up.
          </li>
          <li>
            Free credits ({formatCount(catalog.dailyFreeCredits)} a day) do not add up: they pay at most{' '}
            {formatCount(catalog.dailyFreeCredits)} on each day you generate ({formatCount(estimate.daysOfUse)} days
            here), and never more than the month needs.
          </li>
          <li>Generation plans count one generation per Generate action, whatever the number of outputs.</li>
          <li>
            Pro models need a subscription. Top-ups need a subscription too; their price is not in the catalog, so they
            are shown in credits.
          </li>
          <li>Unlimited windows are not counted: they cover only the first days after each renewal.</li>
          <li>
            The cheapest plan (by price a month) that covers your use is recommended; a plan with top-ups only when none
            covers it alone.
          </li>
        </ul>
      </details>
    </div>
  );
}

function RowsTable({ rows, catalog, estimate }: { rows: EditableRow[]; catalog: Catalog; estimate: MonthlyEstimate }) {
  if (rows.length === 0) {
    return <p className="history-empty">No rows: add one for each kind of work you do.</p>;
  }
  return (
    <div className="table-wrap">
      <table className="table estimator-rows" data-testid="estimator-rows">
        <caption className="visually-hidden">Planned use, one row per kind of Generate action</caption>
        <thead>
          <tr>
            <th scope="col">Model and tool</th>
            <th scope="col">Settings</th>
            <th scope="col">Uses</th>
            <th scope="col">Days of use a month</th>
            <th scope="col" className="num">
              Cost per use
            </th>
            <th scope="col" className="num">
              A month
            </th>
            <th scope="col">
              <span className="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <EstimatorRowEditor
              key={row.key}
              row={row}
              index={index}
              catalog={catalog}
              rowEstimate={estimate.rows[index]}
            />
          ))}
        </tbody>
      </table>
    </div>
  );
}

function defaultDuration(catalog: Catalog, model: Model): number | undefined {
  if (model.kind === 'image') return undefined;
  return Number(Object.keys(catalog.multipliers.durationS[model.kind]).sort((a, b) => Number(a) - Number(b))[0]);
}

type RowEditorProps = {
  row: EditableRow;
  index: number;
  catalog: Catalog;
  rowEstimate: MonthlyEstimate['rows'][number] | undefined;
};

function EstimatorRowEditor({ row, index, catalog, rowEstimate }: RowEditorProps) {
  const update = useHistoryStore((state) => state.updateEstimatorRow);
  const remove = useHistoryStore((state) => state.removeEstimatorRow);
  const model = catalog.models.find((m) => m.id === row.modelId);
  const label = (what: string) => `${what}, row ${index + 1}`;
  const change = (patch: Partial<EstimatorRow>) => update(row.key, patch);
  const durations =
    model === undefined || model.kind === 'image'
      ? []
      : Object.keys(catalog.multipliers.durationS[model.kind])
          .map(Number)
          .sort((a, b) => a - b);
  const outputs = Array.from(
    { length: catalog.multipliers.outputs.max - catalog.multipliers.outputs.min + 1 },
    (_, i) => catalog.multipliers.outputs.min + i,
  );

  function chooseModel(modelId: string) {
    const next = catalog.models.find((m) => m.id === modelId);
    if (next === undefined) return;
    // A duration carries over between models of the same kind (video to video); otherwise the shortest one.
    const keepDuration = next.kind !== 'image' && next.kind === model?.kind && row.settings.durationS !== undefined;
    const durationS = keepDuration ? row.settings.durationS : defaultDuration(catalog, next);
    const settings: EstimatorSettings = { outputs: row.settings.outputs, quality: row.settings.quality ?? 'standard' };
    if (durationS !== undefined) settings.durationS = durationS;
    change({ modelId, tool: next.tools.includes(row.tool) ? row.tool : next.tool, settings });
  }

  const numberValue = (value: string, fallback: number) => {
    const parsed = Number(value);
    return Number.isFinite(parsed) && parsed >= 0 ? parsed : fallback;
  };

  return (
    <tr data-testid="estimator-row">
      <td>
        <div className="row-model">
          <select
            className="select"
            aria-label={label('Model')}
            value={row.modelId}
            onChange={(event) => chooseModel(event.target.value)}
            data-testid="row-model"
          >
            {model === undefined && <option value={row.modelId}>{row.modelId} (not in the catalog)</option>}
            {catalog.models.map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
                {m.pro ? ' (pro)' : ''}
              </option>
            ))}
          </select>
          <select
            className="select"
            aria-label={label('Tool')}
            value={row.tool}
            onChange={(event) => change({ tool: event.target.value as EstimatorRow['tool'] })}
            data-testid="row-tool"
          >
            {(model?.tools ?? [row.tool]).map((tool) => (
              <option key={tool} value={tool}>
                {catalog.tools.find((t) => t.id === tool)?.name ?? tool}
              </option>
            ))}
          </select>
        </div>
      </td>
      <td>
        <div className="row-settings">
          <select
            className="select"
            aria-label={label('Quality')}
            value={row.settings.quality ?? 'standard'}
            onChange={(event) =>
              change({ settings: { ...row.settings, quality: event.target.value as 'standard' | 'hd' } })
            }
          >
            {Object.keys(catalog.multipliers.quality).map((quality) => (
              <option key={quality} value={quality}>
                {quality === 'hd' ? 'HD' : quality === 'standard' ? 'Standard' : quality}
              </option>
            ))}
          </select>
          {durations.length > 0 && (
            <select
              className="select"
              aria-label={label('Duration')}
              value={row.settings.durationS ?? durations[0]}
              onChange={(event) => change({ settings: { ...row.settings, durationS: Number(event.target.value) } })}
              data-testid="row-duration"
            >
              {durations.map((seconds) => (
                <option key={seconds} value={seconds}>
                  {seconds} s
                </option>
              ))}
            </select>
          )}
          <select
            className="select"
            aria-label={label('Outputs per use')}
            value={row.settings.outputs}
            onChange={(event) => change({ settings: { ...row.settings, outputs: Number(event.target.value) } })}
            data-testid="row-outputs"
          >
            {outputs.map((count) => (
              <option key={count} value={count}>
                {count} {count === 1 ? 'output' : 'outputs'}
              </option>
            ))}
          </select>
        </div>
      </td>
      <td>
        <div className="row-uses">
          <input
            className="input input--number"
            type="number"
            min={0}
            step={1}
            inputMode="numeric"
            aria-label={label('Uses')}
            value={row.uses}
            onChange={(event) => change({ uses: numberValue(event.target.value, 0) })}
            data-testid="row-uses"
          />
          <select
            className="select"
            aria-label={label('Uses per')}
            value={row.per}
            onChange={(event) => change({ per: event.target.value as EstimatorRow['per'] })}
            data-testid="row-per"
          >
            <option value="day">a day</option>
            <option value="month">a month</option>
          </select>
        </div>
      </td>
      <td>
        <input
          className="input input--number"
          type="number"
          min={1}
          max={31}
          step={1}
          inputMode="numeric"
          aria-label={label('Days of use a month')}
          value={row.workingDays}
          onChange={(event) => change({ workingDays: Math.min(31, numberValue(event.target.value, 1)) })}
          data-testid="row-days"
        />
      </td>
      <td className="num" data-testid="row-cost">
        {rowEstimate?.costPerUse == null ? (
          <span className="text-danger">{rowEstimate?.issues.join('; ') || '—'}</span>
        ) : (
          `${formatCount(rowEstimate.costPerUse)} credits`
        )}
      </td>
      <td className="num" data-testid="row-month">
        {rowEstimate?.costPerUse == null ? '—' : `${formatCount(rowEstimate.creditsPerMonth)} credits`}
        <span className="muted row-uses-month">
          {formatCount(rowEstimate?.usesPerMonth ?? 0)} {rowEstimate?.usesPerMonth === 1 ? 'use' : 'uses'}
        </span>
      </td>
      <td>
        <button
          type="button"
          className="button button--small button--quiet"
          onClick={() => remove(row.key)}
          data-testid="row-remove"
        >
          Remove<span className="visually-hidden"> row {index + 1}</span>
        </button>
      </td>
    </tr>
  );
}

function RecommendationNote({ recommendation }: { recommendation: Recommendation }) {
  const name = recommendation.kind === 'none' ? null : recommendation.fit.plan.name;
  return (
    <section
      className={`panel recommendation recommendation--${recommendation.kind}`}
      aria-labelledby="recommendation-heading"
      data-testid="recommendation"
    >
      <h2 id="recommendation-heading">
        {recommendation.kind === 'none' ? (
          'No plan covers this'
        ) : (
          <>
            Recommended: <span data-testid="recommended-plan">{name}</span>
            {recommendation.kind === 'with-topups' &&
              ` with ${formatCount(recommendation.topupCredits)} top-up credits a month`}
          </>
        )}
      </h2>
      <p data-testid="recommendation-reason">{recommendation.reason}</p>
    </section>
  );
}

function PlansTable({
  fits,
  estimate,
  recommendation,
}: {
  fits: PlanFit[];
  estimate: MonthlyEstimate;
  recommendation: Recommendation;
}) {
  const recommendedId = recommendation.kind === 'none' ? null : recommendation.planId;
  return (
    <section className="section" aria-labelledby="plans-heading">
      <h2 id="plans-heading">Every plan for this month</h2>
      <div className="table-wrap">
        <table className="table" data-testid="plans-table">
          <caption>
            Your month needs {formatCount(estimate.creditsWithBuffer)} credits on a credit plan, or{' '}
            {formatCount(estimate.generationsWithBuffer)} generations on a generation plan (buffer included).
          </caption>
          <thead>
            <tr>
              <th scope="col">Plan</th>
              <th scope="col">Gives a month</th>
              <th scope="col" className="num">
                Daily free credits used
              </th>
              <th scope="col">Covers your month?</th>
              <th scope="col" className="num">
                Top-ups needed
              </th>
              <th scope="col" className="num">
                Price
              </th>
            </tr>
          </thead>
          <tbody>
            {fits.map((fit) => {
              const recommended = fit.plan.id === recommendedId;
              return (
                <tr
                  key={fit.plan.id}
                  className={recommended ? 'is-recommended' : undefined}
                  data-testid="plan-row"
                  data-plan-id={fit.plan.id}
                  aria-current={recommended ? 'true' : undefined}
                >
                  <th scope="row">
                    {fit.plan.name}
                    {recommended && <span className="recommended-badge">Recommended</span>}
                    <span className="muted plan-billing">
                      {fit.billing === 'credits' ? 'credit plan' : 'generation plan'}
                    </span>
                  </th>
                  <td>
                    {fit.billing === 'credits'
                      ? `${formatCount(fit.monthlyCredits)} credits`
                      : fit.monthlyGenerations === null
                        ? 'Unlimited generations'
                        : `${formatCount(fit.monthlyGenerations)} generations`}
                  </td>
                  <td className="num">
                    {fit.billing === 'credits' ? `${formatCount(fit.usableFreeCredits)} credits` : '—'}
                  </td>
                  <td data-testid="plan-covers">
                    {fit.blockedBy !== null
                      ? `No: ${fit.blockedBy}`
                      : fit.covers
                        ? 'Yes'
                        : fit.billing === 'credits'
                          ? `No: ${formatCount(fit.shortBy)} credits short`
                          : `No: ${formatCount(fit.shortBy)} generations short`}
                  </td>
                  <td className="num" data-testid="plan-topups">
                    {fit.billing === 'generations'
                      ? 'Not available'
                      : fit.topupCredits === null
                        ? fit.shortBy > 0
                          ? 'Not available'
                          : '—'
                        : fit.topupCredits === 0
                          ? 'None'
                          : `${formatCount(fit.topupCredits)} credits`}
                  </td>
                  <td className="num plan-price">{priceText(fit)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </section>
  );
}
