import type { CostEstimate } from '../../../../../../shared/api.js';
import type { BridgeError } from '../../../../../../shared/bridge.js';

/** The cost preview (C9) of the request the form describes; `key` names that request (and the balances it saw). */
export type CostPreview =
  | { status: 'idle' }
  /** `previous`: the last preview, shown dimmed while the new one loads. */
  | { status: 'loading'; key: string; previous: CostEstimate | null }
  | { status: 'ready'; key: string; estimate: CostEstimate }
  | { status: 'failed'; key: string; error: BridgeError };

export type PreviewState = {
  preview: CostPreview;
  /** Counts preview requests, so that an answer to an older one never replaces a newer one. */
  previewSequence: number;
};

export const initialPreviewState: PreviewState = {
  preview: { status: 'idle' },
  previewSequence: 0,
};
