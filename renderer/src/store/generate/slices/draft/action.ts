import type { StateCreator } from 'zustand';
import type { Catalog, Model, ToolId } from '../../../../../../shared/api.js';
import type { GenerateStore } from '../../store.js';
import type { GenerateDraft } from './initialState.js';

export type DraftAction = {
  /** Picks a tool; keeps the model when it offers the tool, else takes the tool's first model. */
  chooseTool: (tool: ToolId, catalog: Catalog) => void;
  chooseModel: (modelId: string, catalog: Catalog) => void;
  /** Fills in a model when none is chosen yet (the catalog arrived after the form opened). */
  ensureModel: (catalog: Catalog) => void;
  editDraft: (changes: Partial<Omit<GenerateDraft, 'tool' | 'modelId'>>) => void;
};

/** The durations a model's kind offers, shortest first (video 5, 10 s; audio 30, 60, 120 s); none for images. */
export function durationsFor(model: Pick<Model, 'kind'> | null, catalog: Catalog): number[] {
  if (model === null || model.kind === 'image') return [];
  return Object.keys(catalog.multipliers.durationS[model.kind])
    .map(Number)
    .sort((a, b) => a - b);
}

export function modelsForTool(catalog: Catalog, tool: ToolId): Model[] {
  return catalog.models.filter((model) => model.tools.includes(tool));
}

function withModel(draft: GenerateDraft, model: Model | null, catalog: Catalog): GenerateDraft {
  const durations = durationsFor(model, catalog);
  const durationS =
    durations.length === 0
      ? null
      : draft.durationS !== null && durations.includes(draft.durationS)
        ? draft.durationS
        : (durations[0] ?? null);
  return { ...draft, modelId: model?.id ?? '', durationS };
}

export const createDraftSlice: StateCreator<GenerateStore, [], [], DraftAction> = (set, get) => ({
  chooseTool(tool, catalog) {
    const { draft } = get();
    const models = modelsForTool(catalog, tool);
    const kept = models.find((model) => model.id === draft.modelId);
    const model = kept ?? models.find((candidate) => !candidate.pro) ?? models[0] ?? null;
    const needsSource = catalog.tools.find((candidate) => candidate.id === tool)?.needsSource ?? false;
    set({ draft: withModel({ ...draft, tool, sourceId: needsSource ? draft.sourceId : null }, model, catalog) });
  },
  chooseModel(modelId, catalog) {
    const model = catalog.models.find((candidate) => candidate.id === modelId) ?? null;
    set({ draft: withModel(get().draft, model, catalog) });
  },
  ensureModel(catalog) {
    const { draft } = get();
    if (draft.modelId !== '' && catalog.models.some((model) => model.id === draft.modelId)) return;
    get().chooseTool(draft.tool, catalog);
  },
  editDraft(changes) {
    set((state) => ({ draft: { ...state.draft, ...changes } }));
  },
});
