import type { Alert } from '../../../../../../shared/bridge.js';
import type { UiStore } from '../../store.js';

export function selectToasts(state: UiStore): Alert[] {
  return state.toasts;
}
