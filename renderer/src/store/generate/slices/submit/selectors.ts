import type { Generation } from '../../../../../../shared/api.js';
import type { GenerateStore } from '../../store.js';
import type { DraftProblem } from '../draft/selectors.js';

const none: Generation[] = [];

export function selectSubmitted(accountId: string | null): (state: GenerateStore) => Generation[] {
  return (state) => (accountId === null ? none : (state.submitted[accountId] ?? none));
}

/** What the Generate button's state depends on: the account, the draft's readiness and the price preview. */
export interface GenerateReadiness {
  suspended: boolean;
  /** Why the draft is not yet a priceable request, or null when it is one. */
  draftProblem: DraftProblem | null;
  promptEmpty: boolean;
  previewFailed: boolean;
  /** The price shown is for this very draft (C9: nothing is sent before its price is known). */
  previewCurrent: boolean;
  refused: boolean;
  submitting: boolean;
}

const draftProblemText: Record<DraftProblem, string> = {
  'no-source': 'Choose a source image first.',
  'bad-seed': 'Fix the seed first.',
  'no-model': 'Choose a model first.',
};

/** Why Generate cannot be pressed now, in the words shown under it; null when it can. The first reason wins. */
export function generateDisabledReason(state: GenerateReadiness): string | null {
  if (state.suspended) return 'This account is suspended.';
  if (state.draftProblem !== null) return draftProblemText[state.draftProblem];
  if (state.promptEmpty) return 'Write a prompt first.';
  if (state.previewFailed) return 'The price could not be worked out.';
  if (!state.previewCurrent) return 'Waiting for the price…';
  if (state.refused) return 'Refused: see the ways out above.';
  if (state.submitting) return 'Sending…';
  return null;
}
