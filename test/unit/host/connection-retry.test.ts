/**
 * A connection that cannot reach its backend says so in plain words (the error code only as the detail), publishes
 * when its next attempt is due, and publishes again when that attempt starts: a countdown on screen that reaches zero
 * is a retry under way, never a promise left in the past.
 */
import { createServer } from 'node:net';
import { afterEach, expect, it } from 'vitest';
import type { ConnectionState } from '../../../shared/bridge.js';
import { AccountConnection } from '../../../electron/host/account-connection.js';

let connection: AccountConnection | null = null;
afterEach(() => connection?.stop());

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return typeof address === 'object' && address ? address.port : 0;
}

it('offline in plain words, then "retrying" when the countdown reaches zero, then offline with the next time', async () => {
  const port = await closedPort();
  connection = new AccountConnection({
    baseURL: `http://127.0.0.1:${port}`,
    token: 't',
    place: 'the backend at example.com',
    minDelayMs: 200,
    maxDelayMs: 400,
  });
  const seen: Array<ConnectionState & { at: number }> = [];
  connection.on('change', (state) => seen.push({ ...state.connection, at: Date.now() }));
  connection.start();
  await expect
    .poll(() => seen.filter((c) => c.state === 'offline' && !c.retrying).length, { timeout: 5_000 })
    .toBeGreaterThanOrEqual(2);

  const first = seen.find((c) => c.state === 'offline')!;
  expect(first.error).toBe("Can't reach the backend at example.com: it isn't answering.");
  expect(first.detail).toContain('ECONNREFUSED');
  expect(first.nextRetryAt).not.toBeNull();
  const retryIndex = seen.findIndex((c) => c.retrying === true);
  expect(retryIndex).toBeGreaterThan(seen.indexOf(first));
  expect(seen[retryIndex]).toMatchObject({ state: 'offline', nextRetryAt: null });
  // The retry started when it was announced for (not before; and within a moment of it, not never).
  expect(seen[retryIndex]!.at).toBeGreaterThanOrEqual(Date.parse(first.nextRetryAt!) - 5);
  expect(seen[retryIndex]!.at).toBeLessThan(Date.parse(first.nextRetryAt!) + 1_000);
  const after = seen.slice(retryIndex + 1).find((c) => !c.retrying)!;
  expect(Date.parse(after.nextRetryAt!)).toBeGreaterThan(Date.parse(first.nextRetryAt!));
});
