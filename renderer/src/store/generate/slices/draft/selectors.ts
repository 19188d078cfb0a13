import type { Catalog, CostEstimateRequest, GenerationRequest } from '../../../../../../shared/api.js';
import type { GenerateStore } from '../../store.js';
import type { GenerateDraft } from './initialState.js';

export function selectDraft(state: GenerateStore): GenerateDraft {
  return state.draft;
}

/** The largest seed the backend takes (GenerationSettings.seed). */
export const MAX_SEED = 2 ** 31;

/** The seed as a number, undefined when empty, or an error message. */
export function parseSeed(text: string): { ok: true; seed: number | undefined } | { ok: false; message: string } {
  const trimmed = text.trim();
  if (trimmed === '') return { ok: true, seed: undefined };
  if (!/^\d+$/.test(trimmed) || Number(trimmed) > MAX_SEED)
    return { ok: false, message: `A seed is a whole number from 0 to ${MAX_SEED.toLocaleString('en-US')}.` };
  return { ok: true, seed: Number(trimmed) };
}

export type DraftProblem = 'no-model' | 'bad-seed' | 'no-source';

/**
 * The request the draft describes (what the cost preview prices), or why there is none yet. The prompt does not
 * change the price, so it is not part of it; see generationRequest.
 */
export function costRequestOf(
  draft: GenerateDraft,
  catalog: Catalog | null,
): { ok: true; request: CostEstimateRequest } | { ok: false; problem: DraftProblem } {
  const model = catalog?.models.find((candidate) => candidate.id === draft.modelId);
  if (catalog === null || model === undefined || !model.tools.includes(draft.tool))
    return { ok: false, problem: 'no-model' };
  const seed = parseSeed(draft.seed);
  if (!seed.ok) return { ok: false, problem: 'bad-seed' };
  const tool = catalog.tools.find((candidate) => candidate.id === draft.tool);
  if (tool?.needsSource && draft.sourceId === null) return { ok: false, problem: 'no-source' };
  const settings: CostEstimateRequest['settings'] = { outputs: draft.outputs, quality: draft.quality };
  if (model.kind !== 'image' && draft.durationS !== null) settings.durationS = draft.durationS;
  if (seed.seed !== undefined) settings.seed = seed.seed;
  if (tool?.needsSource && draft.sourceId !== null) settings.sourceId = draft.sourceId;
  const request: CostEstimateRequest = { tool: draft.tool, modelId: model.id, settings };
  if (draft.workflow) request.workflow = true;
  return { ok: true, request };
}

export function generationRequestOf(draft: GenerateDraft, catalog: Catalog | null): GenerationRequest | null {
  const cost = costRequestOf(draft, catalog);
  const prompt = draft.prompt.trim();
  if (!cost.ok || prompt === '') return null;
  return { ...cost.request, prompt };
}
