/**
 * The backend's clock as this window estimates it. Countdowns (unlimited windows, the Fast limit's midnight) and
 * "the last 7 days" must run on the backend's time, not this computer's: the two may differ (clock skew, or a backend
 * on a test clock). Every balance carries `asOf`, the backend's time when it was computed; the estimate is that instant
 * plus the time since this window first saw it, ticking with the local clock in between.
 */
import type { HostSnapshot } from '../../../shared/bridge.js';

export type BackendClock = {
  /** The balance `asOf` the estimate was taken from. */
  asOf: string;
  /** Backend time minus local time, in milliseconds. */
  offsetMs: number;
};

export type BackendClocks = Record<string, BackendClock>;

/** Allowed jitter: a balance computed a moment before it arrived is not a reason to move the estimate back. */
const BACKWARD_TOLERANCE_MS = 2_000;

export const CLOCK_STORAGE_PREFIX = 'companion-backend-clock:';

/**
 * The estimates after a snapshot arrived at local time `nowMs`. A newer `asOf` moves an account's estimate forward;
 * an older one (an event replayed after a reconnect) leaves it alone. `remembered` gives the estimate an earlier load
 * of this tab took from the same `asOf`, so a reload does not mistake a balance computed an hour ago for "now".
 */
export function nextBackendClocks(
  previous: BackendClocks,
  snapshot: HostSnapshot,
  nowMs: number,
  remembered: (accountId: string) => BackendClock | null = () => null,
): BackendClocks {
  let changed = false;
  const next: BackendClocks = { ...previous };
  for (const account of snapshot.accounts) {
    const asOf = account.balance?.asOf;
    if (asOf === undefined) continue;
    const known = previous[account.id];
    if (known?.asOf === asOf) continue;
    const asOfMs = Date.parse(asOf);
    if (Number.isNaN(asOfMs)) continue;
    if (known !== undefined && asOfMs < nowMs + known.offsetMs - BACKWARD_TOLERANCE_MS) continue;
    const stored = known === undefined ? remembered(account.id) : null;
    next[account.id] = stored?.asOf === asOf ? stored : { asOf, offsetMs: asOfMs - nowMs };
    changed = true;
  }
  return changed ? next : previous;
}

/** The backend's time now, by the estimate for `accountId` (the local time when there is none yet). */
export function backendNow(clocks: BackendClocks, accountId: string | null, nowMs: number): Date {
  const offset = accountId === null ? 0 : (clocks[accountId]?.offsetMs ?? 0);
  return new Date(nowMs + offset);
}

function sessionStore(): Storage | null {
  try {
    return typeof window === 'undefined' ? null : window.sessionStorage;
  } catch {
    return null;
  }
}

export function rememberedClock(accountId: string): BackendClock | null {
  try {
    const raw = sessionStore()?.getItem(CLOCK_STORAGE_PREFIX + accountId);
    if (!raw) return null;
    const parsed = JSON.parse(raw) as Partial<BackendClock>;
    return typeof parsed.asOf === 'string' && typeof parsed.offsetMs === 'number'
      ? { asOf: parsed.asOf, offsetMs: parsed.offsetMs }
      : null;
  } catch {
    return null;
  }
}

export function rememberClocks(clocks: BackendClocks): void {
  const storage = sessionStore();
  if (storage === null) return;
  try {
    for (const [accountId, clock] of Object.entries(clocks))
      storage.setItem(CLOCK_STORAGE_PREFIX + accountId, JSON.stringify(clock));
  } catch {
    // Without storage a reload simply starts a new estimate.
  }
}
