import type { StateCreator } from 'zustand';
import type { GenerationRequest, ToolId } from '../../../../../../shared/api.js';
import { companion } from '../../../../bridge/companion.js';
import type { GenerateStore } from '../../store.js';

/** How many of this form's generations to keep on screen per account. */
const KEEP_SUBMITTED = 20;

export type SubmitAction = {
  /** Generate: the host charges (or refuses) and queues it; its live status then comes with the snapshots. */
  submit: (accountId: string, request: GenerationRequest) => Promise<boolean>;
  dismissSubmitError: () => void;
  /** G3: a richer prompt, free. */
  enhancePrompt: (accountId: string, tool: ToolId) => Promise<void>;
  undoEnhance: () => void;
};

export const createSubmitSlice: StateCreator<GenerateStore, [], [], SubmitAction> = (set, get) => ({
  async submit(accountId, request) {
    if (get().submitting) return false;
    set({ submitting: true, submitError: null });
    const result = await companion().createGeneration({ accountId, request });
    if (!result.ok) {
      set({ submitting: false, submitError: result.error });
      return false;
    }
    set((state) => ({
      submitting: false,
      submitted: {
        ...state.submitted,
        [accountId]: [result.value, ...(state.submitted[accountId] ?? [])].slice(0, KEEP_SUBMITTED),
      },
    }));
    return true;
  },
  dismissSubmitError: () => set({ submitError: null }),
  async enhancePrompt(accountId, tool) {
    const prompt = get().draft.prompt.trim();
    if (prompt === '' || get().enhancing) return;
    set({ enhancing: true, enhanceError: null });
    const result = await companion().enhancePrompt({ accountId, prompt, tool });
    if (!result.ok) {
      set({ enhancing: false, enhanceError: result.error });
      return;
    }
    set((state) => ({
      enhancing: false,
      promptBeforeEnhance: prompt,
      draft: { ...state.draft, prompt: result.value.prompt },
    }));
  },
  undoEnhance() {
    const before = get().promptBeforeEnhance;
    if (before === null) return;
    set((state) => ({ promptBeforeEnhance: null, draft: { ...state.draft, prompt: before } }));
  },
});
