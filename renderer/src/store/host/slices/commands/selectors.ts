import type { HostStore } from '../../store.js';
import type { HostCommand } from './initialState.js';

export function selectIsPending(command: HostCommand): (state: HostStore) => boolean {
  return (state) => state.pending[command] === true;
}

export function selectCommandError(state: HostStore): HostStore['commandError'] {
  return state.commandError;
}
