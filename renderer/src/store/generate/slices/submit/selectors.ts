import type { Generation } from '../../../../../../shared/api.js';
import type { GenerateStore } from '../../store.js';

const none: Generation[] = [];

export function selectSubmitted(accountId: string | null): (state: GenerateStore) => Generation[] {
  return (state) => (accountId === null ? none : (state.submitted[accountId] ?? none));
}
