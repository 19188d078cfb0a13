/**
 * The Generate domain: the form's draft, its cost preview (C9) and what was submitted from it. Kept outside the view
 * so that leaving the Generate view and coming back keeps the prompt, the settings and the running generations.
 */
import { create } from 'zustand';
import { createDraftSlice, type DraftAction } from './slices/draft/action.js';
import { initialDraftState, type DraftState } from './slices/draft/initialState.js';
import { createPreviewSlice, type PreviewAction } from './slices/preview/action.js';
import { initialPreviewState, type PreviewState } from './slices/preview/initialState.js';
import { createSubmitSlice, type SubmitAction } from './slices/submit/action.js';
import { initialSubmitState, type SubmitState } from './slices/submit/initialState.js';

export type GenerateStore = DraftState & DraftAction & PreviewState & PreviewAction & SubmitState & SubmitAction;

export const useGenerateStore = create<GenerateStore>()((...args) => ({
  ...initialDraftState,
  ...createDraftSlice(...args),
  ...initialPreviewState,
  ...createPreviewSlice(...args),
  ...initialSubmitState,
  ...createSubmitSlice(...args),
}));

export { durationsFor, modelsForTool } from './slices/draft/action.js';
export type { GenerateDraft, Quality } from './slices/draft/initialState.js';
export type { CostPreview } from './slices/preview/initialState.js';
export * from './slices/draft/selectors.js';
export * from './slices/preview/selectors.js';
export * from './slices/submit/selectors.js';
