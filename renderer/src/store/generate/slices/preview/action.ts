import type { StateCreator } from 'zustand';
import type { CostEstimate, CostEstimateRequest } from '../../../../../../shared/api.js';
import { companion } from '../../../../bridge/companion.js';
import type { GenerateStore } from '../../store.js';
import type { CostPreview } from './initialState.js';

function previousEstimate(preview: CostPreview): CostEstimate | null {
  if (preview.status === 'ready') return preview.estimate;
  if (preview.status === 'loading') return preview.previous;
  return null;
}

export type PreviewAction = {
  /** The form changed: the shown preview no longer applies (the Generate button waits for the new one). */
  markPreviewLoading: (key: string) => void;
  /** Asks the host what `request` would cost now, charging nothing. */
  loadPreview: (accountId: string, request: CostEstimateRequest, key: string) => Promise<void>;
  clearPreview: () => void;
};

export const createPreviewSlice: StateCreator<GenerateStore, [], [], PreviewAction> = (set, get) => ({
  markPreviewLoading(key) {
    const { preview } = get();
    if (preview.status === 'loading' && preview.key === key) return;
    set((state) => ({
      preview: { status: 'loading', key, previous: previousEstimate(preview) },
      previewSequence: state.previewSequence + 1,
    }));
  },
  async loadPreview(accountId, request, key) {
    const sequence = get().previewSequence + 1;
    set((state) => ({
      previewSequence: sequence,
      preview: { status: 'loading', key, previous: previousEstimate(state.preview) },
    }));
    const result = await companion().estimateCost({ accountId, request });
    if (get().previewSequence !== sequence) return;
    set({
      preview: result.ok
        ? { status: 'ready', key, estimate: result.value }
        : { status: 'failed', key, error: result.error },
    });
  },
  clearPreview() {
    set((state) => ({ preview: { status: 'idle' }, previewSequence: state.previewSequence + 1 }));
  },
});
