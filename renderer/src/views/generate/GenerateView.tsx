import { useEffect, type FormEvent } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { Catalog, Generation } from '../../../../shared/api.js';
import { Problem } from '../../../../shared/api.js';
import type { AccountView } from '../../../../shared/bridge.js';
import { balanceVersion } from '../../clock/balanceVersion.js';
import { OfflineBanner } from '../../components/OfflineBanner.js';
import { formatCount } from '../../format.js';
import { useBackendNow } from '../../hooks/useBackendNow.js';
import { selectCatalog, selectSelectedAccount, useHostStore } from '../../store/host/store.js';
import { useUiStore } from '../../store/ui/store.js';
import {
  costRequestOf,
  durationsFor,
  generateDisabledReason,
  generationRequestOf,
  modelsForTool,
  parseSeed,
  selectDraft,
  selectPreview,
  selectSubmitted,
  useGenerateStore,
  type Quality,
} from '../../store/generate/store.js';
import { DemoNote } from '../../components/DemoNote.js';
import { GenerationCard } from '../../components/GenerationCard.js';
import { CostPreviewPanel } from './CostPreviewPanel.js';
import { RefusalNote } from './RefusalNote.js';
import { SourcePicker } from './SourcePicker.js';

/** How many of this session's generations the panel shows (History has them all). */
const SHOWN_GENERATIONS = 8;

/** How long the form waits after a change before it asks for the price (typing a seed must not send one per key). */
const PREVIEW_DEBOUNCE_MS = 150;

export function GenerateView() {
  const account = useHostStore(selectSelectedAccount);
  const catalog = useHostStore(selectCatalog);
  if (account === null) return null;
  return (
    <section className="view generate-view" aria-labelledby="generate-heading">
      <h1 id="generate-heading" className="view-title">
        Generate
      </h1>
      <p className="view-intro muted">
        As <strong>{account.label}</strong>. The price is shown before anything runs; Generate charges exactly that.
      </p>
      <OfflineBanner account={account} />
      {catalog === null ? (
        <p className="notice notice--warning" role="status" data-testid="generate-no-catalog">
          The list of tools and models has not arrived from the backend yet.{' '}
          {account.connection.state === 'offline' ? 'The backend is offline: it appears when it answers.' : 'Loading…'}
        </p>
      ) : (
        <div className="generate-layout">
          <GenerateForm key={account.id} account={account} catalog={catalog} />
          <RecentGenerations account={account} catalog={catalog} />
        </div>
      )}
    </section>
  );
}

function GenerateForm({ account, catalog }: { account: AccountView; catalog: Catalog }) {
  const draft = useGenerateStore(selectDraft);
  const preview = useGenerateStore(selectPreview);
  const { submitting, submitError, enhancing, enhanceError, promptBeforeEnhance } = useGenerateStore(
    useShallow((state) => ({
      submitting: state.submitting,
      submitError: state.submitError,
      enhancing: state.enhancing,
      enhanceError: state.enhanceError,
      promptBeforeEnhance: state.promptBeforeEnhance,
    })),
  );
  const actions = useGenerateStore(
    useShallow((state) => ({
      chooseTool: state.chooseTool,
      chooseModel: state.chooseModel,
      ensureModel: state.ensureModel,
      editDraft: state.editDraft,
      markPreviewLoading: state.markPreviewLoading,
      loadPreview: state.loadPreview,
      clearPreview: state.clearPreview,
      submit: state.submit,
      dismissSubmitError: state.dismissSubmitError,
      enhancePrompt: state.enhancePrompt,
      undoEnhance: state.undoEnhance,
    })),
  );
  const now = useBackendNow(account.id, 60_000);
  const timeZone = account.me?.timeZone ?? 'UTC';

  useEffect(() => actions.ensureModel(catalog), [actions, catalog]);

  const costRequest = costRequestOf(draft, catalog);
  const requestJson = costRequest.ok ? JSON.stringify(costRequest.request) : null;
  // The price depends on the balances, the plan and the account's status too: any change of those asks again, and so
  // does a connection that comes back (a price that could not be had while offline can be now).
  const live = account.connection.state === 'live';
  const previewKey =
    requestJson === null
      ? null
      : JSON.stringify([
          account.id,
          requestJson,
          balanceVersion(account.balance),
          account.me?.status ?? null,
          account.me?.plan.id ?? null,
          live,
        ]);

  useEffect(() => {
    if (previewKey === null || requestJson === null) {
      actions.clearPreview();
      return;
    }
    actions.markPreviewLoading(previewKey);
    const timer = window.setTimeout(
      () => void actions.loadPreview(account.id, JSON.parse(requestJson), previewKey),
      PREVIEW_DEBOUNCE_MS,
    );
    return () => window.clearTimeout(timer);
  }, [previewKey, requestJson, account.id, actions]);

  const tool = catalog.tools.find((candidate) => candidate.id === draft.tool) ?? null;
  const models = modelsForTool(catalog, draft.tool);
  const model = catalog.models.find((candidate) => candidate.id === draft.modelId) ?? null;
  const durations = durationsFor(model, catalog);
  const seed = parseSeed(draft.seed);
  const suspended = account.me?.status === 'suspended';
  const request = generationRequestOf(draft, catalog);
  const previewCurrent = preview.status === 'ready' && preview.key === previewKey;
  const refused = previewCurrent && preview.estimate.refusal !== undefined;

  const disabledReason = generateDisabledReason({
    suspended,
    draftProblem: costRequest.ok ? null : costRequest.problem,
    promptEmpty: draft.prompt.trim() === '',
    previewFailed: preview.status === 'failed',
    previewCurrent,
    refused,
    submitting,
  });

  const submitProblem = submitError?.problem !== undefined ? Problem.safeParse(submitError.problem) : null;

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (request === null || disabledReason !== null) return;
    await actions.submit(account.id, request);
  }

  const qualityMultiplier = (quality: Quality) => catalog.multipliers.quality[quality] ?? 1;
  const durationMultiplier = (seconds: number) =>
    model === null || model.kind === 'image' ? 1 : (catalog.multipliers.durationS[model.kind][String(seconds)] ?? 1);
  const priceUnit = model?.kind === 'video' ? ' per 5 s' : model?.kind === 'audio' ? ' per 30 s' : ' per output';

  return (
    <form
      className="card generate-form"
      aria-labelledby="generate-heading"
      onSubmit={(event) => void onSubmit(event)}
      noValidate
    >
      {suspended && (
        <p className="notice notice--error" role="alert">
          This account is suspended: new generations are refused.
        </p>
      )}
      <div className="form-row">
        <label className="stack-field">
          <span className="field-label">Tool</span>
          <select
            className="select"
            data-testid="gen-tool"
            value={draft.tool}
            onChange={(event) => {
              const chosen = catalog.tools.find((candidate) => candidate.id === event.target.value);
              if (chosen) actions.chooseTool(chosen.id, catalog);
            }}
          >
            {catalog.tools.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.name}
              </option>
            ))}
          </select>
        </label>
        <label className="stack-field">
          <span className="field-label">Model</span>
          <select
            className="select"
            data-testid="gen-model"
            value={draft.modelId}
            onChange={(event) => actions.chooseModel(event.target.value, catalog)}
          >
            {models.map((candidate) => (
              <option key={candidate.id} value={candidate.id}>
                {candidate.name}
                {candidate.pro ? ' — Pro' : ''} · {formatCount(candidate.price)} credits
                {candidate.kind === 'video' ? ' per 5 s' : candidate.kind === 'audio' ? ' per 30 s' : ' per output'}
              </option>
            ))}
          </select>
        </label>
      </div>
      {model?.pro && (
        <p className="muted field-hint">
          <span className="badge badge--pro">Pro</span> Pro models cost more and need an active subscription.
        </p>
      )}
      {model !== null && !model.pro && (
        <p className="muted field-hint">
          {formatCount(model.price)} credits{priceUnit} at standard quality.
        </p>
      )}
      {model?.demo === true && <DemoNote testId="generate-demo-note" />}

      <div className="stack-field">
        <label className="field-label" htmlFor="gen-prompt">
          Prompt
        </label>
        <textarea
          id="gen-prompt"
          className="textarea"
          data-testid="gen-prompt"
          rows={3}
          maxLength={4000}
          value={draft.prompt}
          onChange={(event) => actions.editDraft({ prompt: event.target.value })}
          placeholder={tool?.kind === 'audio' ? 'What should it say or sound like?' : 'Describe what you want to see'}
        />
        <div className="prompt-actions">
          <button
            type="button"
            className="button button--small"
            data-testid="gen-enhance"
            disabled={enhancing || draft.prompt.trim() === ''}
            aria-describedby="enhance-hint"
            onClick={() => void actions.enhancePrompt(account.id, draft.tool)}
          >
            {enhancing ? 'Enhancing…' : 'Enhance prompt'}
          </button>
          {promptBeforeEnhance !== null && (
            <button type="button" className="button button--small button--quiet" onClick={actions.undoEnhance}>
              Undo enhance
            </button>
          )}
          <span id="enhance-hint" className="muted">
            Free: enhancing never costs credits or generations.
          </span>
        </div>
        {enhanceError !== null && (
          <p className="error-text" role="alert" data-testid="enhance-error">
            Couldn’t enhance the prompt: {enhanceError.message}
          </p>
        )}
      </div>

      {tool?.needsSource && (
        <SourcePicker
          accountId={account.id}
          generations={account.recentGenerations}
          sourceId={draft.sourceId}
          onChoose={(outputId) => actions.editDraft({ sourceId: outputId })}
        />
      )}

      <fieldset className="fieldset">
        <legend>Settings</legend>
        <div className="settings-row">
          <label className="stack-field">
            <span className="field-label">Outputs</span>
            <select
              className="select"
              data-testid="gen-outputs"
              value={draft.outputs}
              onChange={(event) => actions.editDraft({ outputs: Number(event.target.value) })}
            >
              {Array.from(
                { length: catalog.multipliers.outputs.max - catalog.multipliers.outputs.min + 1 },
                (_, index) => catalog.multipliers.outputs.min + index,
              ).map((count) => (
                <option key={count} value={count}>
                  {count} {count === 1 ? 'output' : 'outputs'}
                </option>
              ))}
            </select>
          </label>
          <fieldset className="fieldset fieldset--inline">
            <legend className="field-label">Quality</legend>
            {(['standard', 'hd'] as const).map((quality) => (
              <label key={quality} className="radio">
                <input
                  type="radio"
                  name="quality"
                  value={quality}
                  checked={draft.quality === quality}
                  data-testid={`gen-quality-${quality}`}
                  onChange={() => actions.editDraft({ quality })}
                />
                {quality === 'hd' ? 'HD' : 'Standard'}
                {qualityMultiplier(quality) !== 1 && <span className="muted"> (×{qualityMultiplier(quality)})</span>}
              </label>
            ))}
          </fieldset>
          {durations.length > 0 && (
            <label className="stack-field">
              <span className="field-label">Duration</span>
              <select
                className="select"
                data-testid="gen-duration"
                value={draft.durationS ?? ''}
                onChange={(event) => actions.editDraft({ durationS: Number(event.target.value) })}
              >
                {durations.map((seconds) => (
                  <option key={seconds} value={seconds}>
                    {seconds} s{durationMultiplier(seconds) !== 1 ? ` (×${durationMultiplier(seconds)})` : ''}
                  </option>
                ))}
              </select>
            </label>
          )}
          <div className="stack-field">
            <label className="field-label" htmlFor="gen-seed">
              Seed (optional)
            </label>
            <input
              id="gen-seed"
              className="input input--narrow"
              data-testid="gen-seed"
              inputMode="numeric"
              autoComplete="off"
              value={draft.seed}
              aria-invalid={!seed.ok}
              aria-describedby={!seed.ok ? 'gen-seed-error' : undefined}
              onChange={(event) => actions.editDraft({ seed: event.target.value })}
              placeholder="random"
            />
            {!seed.ok && (
              <span id="gen-seed-error" className="error-text">
                {seed.message}
              </span>
            )}
          </div>
        </div>
        <label className="checkbox">
          <input
            type="checkbox"
            data-testid="gen-workflow"
            checked={draft.workflow}
            onChange={(event) => actions.editDraft({ workflow: event.target.checked })}
          />
          Part of a workflow (always charged)
        </label>
        <p className="muted field-hint">
          Workflow requests are charged at the standard rate even inside an unlimited window.
        </p>
      </fieldset>

      {/* The price and the button stay in view beside the fields (they stack below them in a narrow window). */}
      <div className="generate-side">
        <CostPreviewPanel
          preview={
            preview.status !== 'idle' && previewKey !== null && preview.key !== previewKey
              ? { status: 'loading', key: previewKey, previous: null }
              : preview
          }
          draftProblem={costRequest.ok ? null : costRequest.problem}
          accountId={account.id}
          balance={account.balance}
          catalog={catalog}
          timeZone={timeZone}
          now={now}
        />

        {submitError !== null && (
          <div className="submit-error" data-testid="submit-error">
            {submitProblem?.success ? (
              <RefusalNote
                problem={submitProblem.data}
                cost={null}
                accountId={account.id}
                balance={account.balance}
                catalog={catalog}
                timeZone={timeZone}
                now={now}
                testId="submit-refusal"
                context="submit"
              />
            ) : (
              <p className="notice notice--error" role="alert">
                Couldn’t start the generation: {submitError.message}
              </p>
            )}
            <button type="button" className="button button--quiet button--small" onClick={actions.dismissSubmitError}>
              Dismiss
            </button>
          </div>
        )}

        <div className="form-actions">
          <button
            type="submit"
            className="button button--primary button--large"
            data-testid="generate-submit"
            disabled={disabledReason !== null}
            aria-describedby={disabledReason !== null ? 'generate-disabled-reason' : undefined}
          >
            {submitting ? 'Starting…' : 'Generate'}
          </button>
          {disabledReason !== null && (
            <span id="generate-disabled-reason" className="muted" data-testid="generate-disabled-reason">
              {disabledReason}
            </span>
          )}
        </div>
      </div>
    </form>
  );
}

/**
 * The account's generations since the app started, live from the host's snapshots: the ones submitted here first appear
 * as answered. Those made elsewhere with the same account (another computer) come with the events too: the heading
 * says so rather than calling them "this session".
 */
function RecentGenerations({ account, catalog }: { account: AccountView; catalog: Catalog }) {
  const submitted = useGenerateStore(selectSubmitted(account.id));
  const now = useBackendNow(account.id, 60_000);
  const byId = new Map<string, Generation>();
  for (const generation of submitted) byId.set(generation.id, generation);
  // The snapshot's copy is the live one: it replaces the answer given at submit.
  for (const generation of account.recentGenerations) byId.set(generation.id, generation);
  const all = [...byId.values()].sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  const generations = all.slice(0, SHOWN_GENERATIONS);
  const navigate = useUiStore((state) => state.navigate);
  const timeZone = account.me?.timeZone ?? 'UTC';

  return (
    <section className="recent-generations" aria-labelledby="recent-heading">
      <h2 id="recent-heading">Since the app started</h2>
      <p className="muted small">This account’s generations, from here and elsewhere; every one is in History.</p>
      {generations.length === 0 ? (
        <p className="muted empty-note" data-testid="recent-empty">
          Nothing generated since the app started. What you generate appears here with its status, place in the queue
          and outputs.
        </p>
      ) : (
        <div className="generation-list" data-testid="recent-generations">
          {generations.map((generation) => (
            <GenerationCard
              key={generation.id}
              accountId={account.id}
              generation={generation}
              queue={account.queue}
              catalog={catalog}
              timeZone={timeZone}
              now={now}
            />
          ))}
          {all.length > SHOWN_GENERATIONS && (
            <p className="muted small">
              The {SHOWN_GENERATIONS} newest are shown here.{' '}
              <button type="button" className="button button--small button--quiet" onClick={() => navigate('history')}>
                See all in History
              </button>
            </p>
          )}
        </div>
      )}
    </section>
  );
}
