import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostSnapshot } from '../../../shared/bridge.js';
import { createCompanionClient } from '../../../shared/client.js';
import { CompanionHost } from '../../../electron/host/companion-host.js';
import { nodeLauncher, type BackendLauncher, type BackendProcess } from '../../../electron/host/embedded-backend.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const backendEntry = join(repo, 'backend', 'cli.ts');
const ADMIN = 'host-test-admin-token';

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

function waitForSnapshot(
  host: CompanionHost,
  predicate: (s: HostSnapshot) => boolean,
  timeoutMs = 15_000,
): Promise<HostSnapshot> {
  const now = host.snapshot();
  if (predicate(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      host.off('snapshot', listener);
      reject(
        new Error(
          `no matching snapshot within ${timeoutMs} ms; last: ${JSON.stringify(host.snapshot().accounts[0]?.connection)}`,
        ),
      );
    }, timeoutMs);
    const listener = (snapshot: HostSnapshot) => {
      if (!predicate(snapshot)) return;
      clearTimeout(timer);
      host.off('snapshot', listener);
      resolve(snapshot);
    };
    host.on('snapshot', listener);
  });
}

describe('host services against a real backend', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function startHost(port: number) {
    const dataDir = mkdtempSync(join(tmpdir(), 'companion-host-'));
    const children: BackendProcess[] = [];
    const launch = nodeLauncher(backendEntry, ['--import', 'tsx']);
    const recordingLauncher: BackendLauncher = (args, env) => {
      const child = launch(args, env);
      children.push(child);
      return child;
    };
    const host = new CompanionHost({
      dataDir,
      launchBackend: recordingLauncher,
      embeddedTestClock: '2026-03-07T20:00:00.000Z',
      embeddedAdminToken: ADMIN,
      embeddedPort: port,
      localAccount: { name: 'Ana', timeZone: 'America/New_York' },
      connection: { minDelayMs: 100, maxDelayMs: 400 },
    });
    cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
    cleanups.push(() => host.stop());
    await host.start();
    return { host, dataDir, children };
  }

  it('creates a local account on the embedded backend on first run and shows its balance live', async () => {
    const { host } = await startHost(0);
    const snapshot = await waitForSnapshot(
      host,
      (s) => s.accounts[0]?.connection.state === 'live' && !!s.accounts[0]?.balance,
    );
    expect(snapshot.embedded.state).toBe('running');
    expect(snapshot.accounts).toHaveLength(1);
    const account = snapshot.accounts[0]!;
    expect(account.backend.kind).toBe('embedded');
    expect(account.me?.name).toBe('Ana');
    expect(account.me?.timeZone).toBe('America/New_York');
    expect(account.balance?.credits.free.amount).toBe(100);
    expect(account.balance?.credits.free.resetsAt).toBe('2026-03-08T05:00:00.000Z');
    expect(snapshot.selectedAccountId).toBe(account.id);
    expect(snapshot.catalog?.models.map((m) => m.id)).toContain('spark-image');
    expect(snapshot.secretsEncrypted).toBe(false);
  });

  it('A1: the snapshot follows the backend when its clock passes local midnight', async () => {
    const { host } = await startHost(0);
    await waitForSnapshot(host, (s) => s.accounts[0]?.connection.state === 'live' && !!s.accounts[0]?.balance);
    const admin = createCompanionClient({ baseURL: host.embeddedURL!, token: ADMIN });
    await admin.admin.moveClock({ now: '2026-03-08T06:00:00.000Z' });
    // 2026-03-08 is a 23-hour day in New York: the next reset is at 04:00Z, not 05:00Z.
    const after = await waitForSnapshot(
      host,
      (s) => s.accounts[0]?.balance?.credits.free.resetsAt === '2026-03-09T04:00:00.000Z',
    );
    expect(after.accounts[0]?.balance?.asOf).toBe('2026-03-08T06:00:00.000Z');
    expect(after.accounts[0]?.balance?.credits.free.amount).toBe(100);
  });

  it('restarts a killed built-in backend on the same port; the account says so meanwhile, then is live again by itself', async () => {
    const port = await freePort();
    const { host, children } = await startHost(port);
    const live = await waitForSnapshot(
      host,
      (s) => s.accounts[0]?.connection.state === 'live' && !!s.accounts[0]?.balance,
    );
    const dataAsOf = live.accounts[0]!.connection.dataAsOf;
    expect(dataAsOf).not.toBeNull();
    const url = host.embeddedURL;

    children[0]!.kill('SIGKILL');
    const offline = await waitForSnapshot(
      host,
      (s) => s.embedded.state === 'restarting' && s.accounts[0]?.connection.state === 'offline',
    );
    expect(offline.accounts[0]?.balance?.credits.free.amount).toBe(100); // the last known data stays on screen
    expect(offline.accounts[0]?.connection.dataAsOf).toBe(dataAsOf); // with its age
    expect(offline.accounts[0]?.connection.error).toBe('The built-in backend stopped; restarting it (attempt 1)…');
    expect(offline.accounts[0]?.connection.detail).toContain('its process was killed');
    expect(offline.embedded).toMatchObject({ attempt: 1, lastExit: { words: 'its process was killed' } });

    // The host brings the same backend (same data folder and port) back and reconnects without being told.
    const back = await waitForSnapshot(
      host,
      (s) => s.embedded.state === 'running' && s.accounts[0]?.connection.state === 'live',
      30_000,
    );
    expect(host.embeddedURL).toBe(url);
    expect(back.accounts[0]?.connection.error).toBeNull();
    expect(back.accounts[0]?.balance?.credits.free.amount).toBe(100);
    expect(Date.parse(back.accounts[0]!.connection.dataAsOf!)).toBeGreaterThan(Date.parse(dataAsOf!));
  });

  it('keeps the account, its token and the selection across restarts of the app', async () => {
    const { host, dataDir } = await startHost(0);
    const first = await waitForSnapshot(host, (s) => s.accounts[0]?.connection.state === 'live');
    await host.stop();
    const again = new CompanionHost({
      dataDir,
      launchBackend: nodeLauncher(backendEntry, ['--import', 'tsx']),
      embeddedTestClock: '2026-03-07T20:00:00.000Z',
      embeddedAdminToken: ADMIN,
      connection: { minDelayMs: 100, maxDelayMs: 400 },
    });
    cleanups.push(() => again.stop());
    await again.start();
    const second = await waitForSnapshot(again, (s) => s.accounts[0]?.connection.state === 'live');
    expect(second.accounts.map((a) => a.id)).toEqual(first.accounts.map((a) => a.id));
    expect(second.accounts[0]?.me?.id).toBe(first.accounts[0]?.me?.id);
    expect(second.selectedAccountId).toBe(first.selectedAccountId);
  });

  it('rejects bridge calls with a bad payload or an unknown account as typed errors', async () => {
    const { host } = await startHost(0);
    const { dispatchBridgeCall } = await import('../../../electron/host/bridge-dispatch.js');
    expect(await dispatchBridgeCall(host.handlers, 'selectAccount', { accountId: 42 })).toMatchObject({
      ok: false,
      error: { code: 'invalid_request' },
    });
    expect(await dispatchBridgeCall(host.handlers, 'selectAccount', { accountId: 'nobody' })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await dispatchBridgeCall(host.handlers, 'deleteEverything', {})).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
    expect(await dispatchBridgeCall(host.handlers, 'setTheme', { theme: 'dark' })).toMatchObject({
      ok: true,
      value: { settings: { theme: 'dark' } },
    });
  });
});
