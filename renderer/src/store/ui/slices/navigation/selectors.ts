import type { UiStore } from '../../store.js';
import type { ViewId } from './initialState.js';

export function selectView(state: UiStore): ViewId {
  return state.view;
}
