import type { Generation } from '../../../../../../shared/api.js';
import type { BridgeError } from '../../../../../../shared/bridge.js';

export type SubmitState = {
  submitting: boolean;
  /** The host's refusal or failure of the last Generate, with the backend's problem (C7 ways out) when there is one. */
  submitError: BridgeError | null;
  /** Per account: the generations submitted from this form, newest first, as the host first answered. */
  submitted: Record<string, Generation[]>;
  enhancing: boolean;
  enhanceError: BridgeError | null;
  /** The prompt before the last enhancement, to undo it. */
  promptBeforeEnhance: string | null;
};

export const initialSubmitState: SubmitState = {
  submitting: false,
  submitError: null,
  submitted: {},
  enhancing: false,
  enhanceError: null,
  promptBeforeEnhance: null,
};
