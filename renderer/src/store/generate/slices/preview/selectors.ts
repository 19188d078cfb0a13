import type { GenerateStore } from '../../store.js';
import type { CostPreview } from './initialState.js';

export function selectPreview(state: GenerateStore): CostPreview {
  return state.preview;
}
