/**
 * Accounts: signing in checks the token with GET /v1/me first (clear answers for a wrong token, an unreachable or
 * foreign address, a duplicate); removing an account ends its connection and deletes its token, its settings entry and
 * its offline history; the built-in account can be removed too, and comes back at a start only when no account is left.
 */
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { HostSnapshot } from '../../../shared/bridge.js';
import { CompanionHost } from '../../../electron/host/companion-host.js';
import { nodeLauncher } from '../../../electron/host/embedded-backend.js';
import { startBackend, type TestBackend } from '../../support/backend.js';
import {
  eventually,
  isLive,
  removeDir,
  sleep,
  startCountingProxy,
  startTestHost,
  tempDir,
  waitForSnapshot,
} from './harness.js';

const backendEntry = join(fileURLToPath(new URL('../../../', import.meta.url)), 'backend', 'cli.ts');

describe('accounts', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function setup() {
    const backend: TestBackend = await startBackend({ testClock: '2026-03-10T14:00:00.000Z' });
    const dataDir = tempDir();
    const test = await startTestHost({ dataDir });
    cleanups.push(() => removeDir(dataDir));
    cleanups.push(() => test.stop());
    cleanups.push(() => backend.stop());
    return { backend, test, dataDir, host: new URL(backend.url).host };
  }

  describe('signIn', () => {
    it('a good token: the account is added, selected, and goes live; its name comes from the backend unless a label is given', async () => {
      const { backend, test } = await setup();
      const ana = await backend.createAccount('Ana', 'Europe/Berlin', 'standard');
      const snapshot = await test.ok<HostSnapshot>('signIn', { baseURL: `${backend.url}/`, token: ana.token });
      expect(snapshot.accounts).toHaveLength(1);
      const accountId = snapshot.selectedAccountId!;
      const live = await waitForSnapshot(test.host, isLive(accountId));
      expect(live.accounts[0]).toMatchObject({
        id: accountId,
        label: 'Ana',
        backend: { kind: 'remote', label: new URL(backend.url).host },
        me: { id: ana.account.id, timeZone: 'Europe/Berlin' },
      });
      expect(live.catalog?.plans.map((p) => p.id)).toContain('standard');

      const studio = await backend.createAccount('Bea', 'UTC', 'free');
      const labelled = await test.ok<HostSnapshot>('signIn', {
        baseURL: backend.url,
        token: studio.token,
        label: 'Studio',
      });
      expect(labelled.accounts.map((a) => a.label)).toEqual(['Ana', 'Studio']);
      expect(labelled.selectedAccountId).not.toBe(accountId);
      await waitForSnapshot(test.host, (s) => s.accounts.every((a) => a.connection.state === 'live'));
      expect(test.host.snapshot().accounts.map((a) => a.label)).toEqual(['Ana', 'Studio']);
    });

    it('a wrong token is refused with "The token was not accepted by <host>", and nothing is kept', async () => {
      const { backend, test, dataDir, host } = await setup();
      const refused = await test.call('signIn', { baseURL: backend.url, token: 'not-a-real-token-123' });
      expect(refused).toEqual({
        ok: false,
        error: { code: 'invalid_request', message: `The token was not accepted by ${host}`, apiCode: 'unauthorized' },
      });
      expect(test.host.snapshot().accounts).toEqual([]);
      expect(readFileSync(join(dataDir, 'settings.json'), 'utf8')).not.toContain('not-a-real-token');
    });

    it('an unreachable address, and one that is no Creator Companion backend, are refused clearly', async () => {
      const { test } = await setup();
      const unreachable = await test.call('signIn', { baseURL: 'http://127.0.0.1:9', token: 'some-token-123456' });
      expect(unreachable).toMatchObject({
        ok: false,
        error: {
          code: 'unavailable',
          apiCode: 'network_error',
          message:
            "Can't reach the backend at 127.0.0.1:9: it isn't answering. Check the address and that the backend is running.",
        },
      });

      const foreign = createServer((_req, res) => {
        res.writeHead(404, { 'content-type': 'text/html' });
        res.end('<h1>Not here</h1>');
      });
      await new Promise<void>((resolve) => foreign.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => foreign.close(() => resolve())));
      const address = foreign.address() as { port: number };
      const notOurs = await test.call('signIn', {
        baseURL: `http://127.0.0.1:${address.port}`,
        token: 'some-token-123456',
      });
      expect(notOurs).toMatchObject({
        ok: false,
        error: {
          code: 'backend_error',
          message: expect.stringContaining('did not answer like a Creator Companion backend'),
        },
      });
      expect(await test.call('signIn', { baseURL: 'ftp://127.0.0.1/', token: 'some-token-123456' })).toMatchObject({
        ok: false,
        error: { code: 'invalid_request' },
      });
      expect(test.host.snapshot().accounts).toEqual([]);
    });

    it('the same account on the same backend twice is refused', async () => {
      const { backend, test, host } = await setup();
      const ana = await backend.createAccount('Ana', 'UTC', 'free');
      await test.ok('signIn', { baseURL: backend.url, token: ana.token });
      const again = await test.call('signIn', { baseURL: `${backend.url}/`, token: ana.token, label: 'Again' });
      expect(again).toEqual({
        ok: false,
        error: { code: 'invalid_request', message: `Ana on ${host} is already signed in` },
      });
      expect(test.host.snapshot().accounts).toHaveLength(1);
    });
  });

  describe('removeAccount', () => {
    it('ends the connection (no more requests), deletes the token, the settings entry and the offline history, and moves the selection', async () => {
      const { backend, test, dataDir } = await setup();
      const proxy = await startCountingProxy(backend.url);
      cleanups.push(() => proxy.close());
      const ana = await backend.createAccount('Ana', 'UTC', 'free');
      const bea = await backend.createAccount('Bea', 'UTC', 'free');
      const removed = (await test.ok<HostSnapshot>('signIn', { baseURL: proxy.url, token: ana.token }))
        .selectedAccountId!;
      const kept = (await test.ok<HostSnapshot>('signIn', { baseURL: backend.url, token: bea.token }))
        .selectedAccountId!;
      await test.ok('selectAccount', { accountId: removed });
      await waitForSnapshot(test.host, (s) => isLive(removed)(s) && isLive(kept)(s));
      expect(proxy.openConnections()).toBeGreaterThan(0);
      expect(test.host.secrets.has(`account-token:${removed}`)).toBe(true);
      const forgetHistory = vi.spyOn(test.host.history, 'removeAccount');

      const after = await test.ok<HostSnapshot>('removeAccount', { accountId: removed });
      expect(after.accounts.map((a) => a.id)).toEqual([kept]);
      expect(after.selectedAccountId).toBe(kept);
      expect(forgetHistory).toHaveBeenCalledWith(removed);
      expect(test.host.secrets.has(`account-token:${removed}`)).toBe(false);
      expect(readFileSync(join(dataDir, 'settings.json'), 'utf8')).not.toContain(removed);
      expect(readFileSync(join(dataDir, 'secrets.json'), 'utf8')).not.toContain(removed);

      await eventually(() => proxy.openConnections() === 0, 'the event stream closed');
      const seen = proxy.requests.length;
      // Events for the removed account change nothing, and nothing asks its backend any more.
      await ana.client.createGeneration({
        tool: 'text-to-image',
        modelId: 'spark-image',
        prompt: 'a fox',
        settings: { outputs: 1 },
      });
      await sleep(500);
      expect(proxy.requests.length).toBe(seen);
      expect(test.host.snapshot().accounts.map((a) => a.id)).toEqual([kept]);
      expect(await test.call('removeAccount', { accountId: removed })).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
      expect(
        await test.call('estimateCost', {
          accountId: removed,
          request: { tool: 'text-to-image', modelId: 'spark-image', settings: { outputs: 1 } },
        }),
      ).toMatchObject({
        ok: false,
        error: { code: 'not_found' },
      });
    });

    it('the built-in account can be removed; it comes back at the next start only when no account is left', async () => {
      const backend = await startBackend({ testClock: '2026-03-10T14:00:00.000Z' });
      const dataDir = tempDir();
      cleanups.push(() => removeDir(dataDir));
      const make = () =>
        new CompanionHost({
          dataDir,
          launchBackend: nodeLauncher(backendEntry, ['--import', 'tsx']),
          embeddedTestClock: '2026-03-10T14:00:00.000Z',
          embeddedAdminToken: 'accounts-test-admin-token',
          localAccount: { name: 'Local', timeZone: 'UTC' },
          connection: { minDelayMs: 50, maxDelayMs: 200 },
        });
      let host = make();
      cleanups.push(() => host.stop());
      cleanups.push(() => backend.stop());
      await host.start();
      const local = (await waitForSnapshot(host, (s) => s.accounts[0]?.connection.state === 'live')).accounts[0]!;
      expect(local.backend.kind).toBe('embedded');
      const remote = await backend.createAccount('Remote', 'UTC', 'free');
      await host.handlers.signIn({ baseURL: backend.url, token: remote.token });
      await host.handlers.selectAccount({ accountId: local.id });

      const removed = await host.handlers.removeAccount({ accountId: local.id });
      expect(removed.accounts.map((a) => a.backend.kind)).toEqual(['remote']);
      expect(removed.selectedAccountId).toBe(removed.accounts[0]!.id);
      expect(removed.embedded).toEqual({ state: 'off', error: null });
      expect(host.embeddedURL).toBeNull();

      // Restart with a remote account left: no built-in backend.
      await host.stop();
      host = make();
      await host.start();
      expect(host.snapshot().embedded.state).toBe('off');
      expect(host.snapshot().accounts.map((a) => a.backend.kind)).toEqual(['remote']);

      // Remove the last account, restart: a new built-in account is made.
      await host.handlers.removeAccount({ accountId: host.snapshot().accounts[0]!.id });
      expect(host.snapshot().accounts).toEqual([]);
      await host.stop();
      host = make();
      await host.start();
      const fresh = await waitForSnapshot(host, (s) => s.accounts[0]?.connection.state === 'live');
      expect(fresh.embedded.state).toBe('running');
      expect(fresh.accounts.map((a) => a.backend.kind)).toEqual(['embedded']);
      expect(fresh.accounts[0]!.id).not.toBe(local.id);
    });
  });
});
