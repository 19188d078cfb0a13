import { selectClockOffsetMs, useHostStore } from '../store/host/store.js';
import { useNow } from './useNow.js';

/**
 * The backend's current time for an account (see clock/backendClock.ts), ticking every `intervalMs` with a local UI
 * timer: what countdowns and "today" are measured against. Nothing is fetched.
 */
export function useBackendNow(accountId: string | null, intervalMs: number | null = 1000): Date {
  const local = useNow(intervalMs);
  const offsetMs = useHostStore(selectClockOffsetMs(accountId));
  return new Date(local.getTime() + offsetMs);
}
