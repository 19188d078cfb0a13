import type { Balance } from '../../../shared/api.js';

/**
 * A balance's identity for "has it changed?": every field, not only `asOf` (a backend on a test clock, or two changes
 * within the same millisecond, can report the same `asOf` for different balances).
 */
export function balanceVersion(balance: Balance | null): string | null {
  return balance === null ? null : JSON.stringify(balance);
}
