import type { Balance, Catalog, CostEstimate } from '../../../../shared/api.js';
import { amountWithUnit, drawsText } from '../../format.js';
import type { CostPreview, DraftProblem } from '../../store/generate/store.js';
import { RefusalNote } from './RefusalNote.js';

type CostPreviewPanelProps = {
  preview: CostPreview;
  /** Why there is no request to price yet, if so. */
  draftProblem: DraftProblem | null;
  accountId: string;
  balance: Balance | null;
  catalog: Catalog | null;
  timeZone: string;
  now: Date;
};

const laneWords: Record<CostEstimate['lane'], string> = {
  fast: 'Fast lane',
  relaxed: 'Relaxed lane: slower, with no daily limit',
  standard: 'Standard lane',
};

const draftProblemWords: Record<DraftProblem, string> = {
  'no-model': 'Choose a tool and a model to see the price.',
  'bad-seed': 'Fix the seed to see the price.',
  'no-source': 'Choose a source image to see the price.',
};

/**
 * C9: what the request would cost now, before it runs: the cost with its unit, the balances it draws from (C5), the
 * lane it would run in, or the refusal with its ways out.
 */
export function CostPreviewPanel({
  preview,
  draftProblem,
  accountId,
  balance,
  catalog,
  timeZone,
  now,
}: CostPreviewPanelProps) {
  const loading = preview.status === 'loading';
  const estimate =
    preview.status === 'ready' ? preview.estimate : preview.status === 'loading' ? preview.previous : null;

  return (
    <section
      className="cost-preview"
      aria-labelledby="cost-preview-heading"
      data-testid="cost-preview"
      aria-busy={loading}
    >
      <h2 id="cost-preview-heading" className="cost-preview-heading">
        Cost preview
        {loading && (
          <span className="muted cost-preview-updating" role="status" data-testid="preview-loading">
            {' '}
            Working out the price…
          </span>
        )}
      </h2>
      <div aria-live="polite" className={loading ? 'cost-preview-body cost-preview-body--stale' : 'cost-preview-body'}>
        {draftProblem !== null && <p className="muted">{draftProblemWords[draftProblem]}</p>}
        {draftProblem === null && preview.status === 'failed' && (
          <p className="notice notice--error" data-testid="preview-error">
            Couldn’t work out the price, so Generate is off. {preview.error.message}
            {preview.error.code === 'unavailable' && ' The price is asked again as soon as the backend answers.'}
          </p>
        )}
        {draftProblem === null && estimate === null && preview.status !== 'failed' && (
          <p className="muted">Working out the price…</p>
        )}
        {draftProblem === null && estimate !== null && preview.status !== 'failed' && (
          <EstimateFigures {...{ estimate, accountId, balance, catalog, timeZone, now }} />
        )}
      </div>
    </section>
  );
}

function EstimateFigures({
  estimate,
  accountId,
  balance,
  catalog,
  timeZone,
  now,
}: { estimate: CostEstimate } & Omit<CostPreviewPanelProps, 'preview' | 'draftProblem'>) {
  const unit = estimate.unit ?? 'credits';
  const costText = estimate.unlimited ? 'Unlimited — no credits' : amountWithUnit(estimate.cost, unit);
  const refused = estimate.refusal !== undefined;
  // A refused unlimited request has no price of its own (the backend says 0): only the refusal matters then.
  const showCost = !refused || estimate.cost > 0;
  return (
    <>
      {showCost && (
        <dl className="preview-figures">
          <div>
            <dt>{refused ? 'Would cost' : 'Cost'}</dt>
            <dd className="preview-cost" data-testid="preview-cost">
              {costText}
            </dd>
          </div>
          {!estimate.unlimited && !refused && (
            <div>
              <dt>Paid from</dt>
              <dd data-testid="preview-draws">
                {unit === 'generations' && estimate.draws.every((draw) => draw.amount === 0)
                  ? 'Counted as 1 generation; your plan has no limit'
                  : drawsText(estimate.draws)}
              </dd>
            </div>
          )}
          {!refused && (
            <div>
              <dt>Runs in</dt>
              <dd data-testid="preview-lane">{laneWords[estimate.lane]}</dd>
            </div>
          )}
        </dl>
      )}
      {estimate.unlimited && !refused && (
        <p className="muted" data-testid="preview-unlimited">
          Inside your unlimited window: this request costs no credits.
        </p>
      )}
      {estimate.refusal !== undefined && (
        <RefusalNote
          problem={estimate.refusal}
          cost={estimate.cost}
          accountId={accountId}
          balance={balance}
          catalog={catalog}
          timeZone={timeZone}
          now={now}
          testId="preview-refusal"
          context="preview"
        />
      )}
    </>
  );
}
