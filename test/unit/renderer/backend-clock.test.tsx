import { describe, expect, it } from 'vitest';
import type { AccountView, HostSnapshot } from '../../../shared/bridge.js';
import { backendNow, nextBackendClocks } from '../../../renderer/src/clock/backendClock.js';

function snapshotWithAsOf(asOf: string | null): HostSnapshot {
  const account = {
    id: 'acc-1',
    balance: asOf === null ? null : { asOf },
  } as unknown as AccountView;
  return { accounts: [account] } as unknown as HostSnapshot;
}

const local = Date.parse('2026-11-22T10:00:00.000Z');

describe('the backend clock estimate', () => {
  it('takes the offset from the first balance (a backend on a test clock in March)', () => {
    const clocks = nextBackendClocks({}, snapshotWithAsOf('2026-03-07T20:00:00.000Z'), local);
    expect(backendNow(clocks, 'acc-1', local + 5_000).toISOString()).toBe('2026-03-07T20:00:05.000Z');
  });

  it('moves forward with a newer balance and ignores an older one (a replayed event)', () => {
    const first = nextBackendClocks({}, snapshotWithAsOf('2026-03-07T20:00:00.000Z'), local);
    const moved = nextBackendClocks(first, snapshotWithAsOf('2026-03-10T18:59:52.000Z'), local + 1_000);
    expect(backendNow(moved, 'acc-1', local + 1_000).toISOString()).toBe('2026-03-10T18:59:52.000Z');
    const replayed = nextBackendClocks(moved, snapshotWithAsOf('2026-03-07T20:00:00.000Z'), local + 2_000);
    expect(replayed).toBe(moved);
  });

  it('keeps the same object when nothing changed, so the store does not re-render', () => {
    const first = nextBackendClocks({}, snapshotWithAsOf('2026-03-07T20:00:00.000Z'), local);
    expect(nextBackendClocks(first, snapshotWithAsOf('2026-03-07T20:00:00.000Z'), local + 60_000)).toBe(first);
    expect(nextBackendClocks(first, snapshotWithAsOf(null), local)).toBe(first);
  });

  it('reuses the estimate an earlier load of the tab took from the same balance', () => {
    const remembered = { asOf: '2026-03-07T20:00:00.000Z', offsetMs: -1_000 };
    const clocks = nextBackendClocks({}, snapshotWithAsOf('2026-03-07T20:00:00.000Z'), local, () => remembered);
    expect(clocks['acc-1']).toEqual(remembered);
  });

  it('uses the local time for an account with no balance yet', () => {
    expect(backendNow({}, 'acc-1', local).getTime()).toBe(local);
  });
});
