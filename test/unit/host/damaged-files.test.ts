/**
 * Damaged app files are survived: a file that cannot be read is set aside (renamed `<name>.damaged-<time>`, never
 * deleted), the snapshot tells the user in plain words, and the app goes on with what it can recover. The built-in
 * account is never replaced while its database is there: with settings.json unreadable it is found again from its
 * token, with secrets.json unreadable its backend gives the same account a new token, and with both unreadable it is
 * found in the database and given a new token. An overwritten history
 * store is set aside and filled again by sync.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostSnapshot } from '../../../shared/bridge.js';
import { createCompanionClient } from '../../../shared/client.js';
import { CompanionHost } from '../../../electron/host/companion-host.js';
import { nodeLauncher } from '../../../electron/host/embedded-backend.js';
import { SettingsStore } from '../../../electron/host/settings.js';
import { startBackend } from '../../support/backend.js';
import { eventually, isLive, removeDir, startTestHost, tempDir, waitForSnapshot } from './harness.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const asideOf = (dataDir: string, name: string, folder = dataDir) =>
  readdirSync(folder).filter((f) => f.startsWith(`${name}.damaged-`) && !f.endsWith('-wal') && !f.endsWith('-shm'));
const noticeText = (snapshot: HostSnapshot, id: string) => snapshot.notices?.find((n) => n.id === id)?.message ?? '';

function embeddedHost(dataDir: string) {
  const host = new CompanionHost({
    dataDir,
    launchBackend: nodeLauncher(join(repo, 'backend', 'cli.ts'), ['--import', 'tsx']),
    embeddedTestClock: '2026-03-07T20:00:00.000Z',
    localAccount: { name: 'Ana', timeZone: 'Europe/Lisbon' },
    connection: { minDelayMs: 50, maxDelayMs: 200 },
  });
  cleanups.push(() => host.stop());
  return host;
}

/** Starts the built-in backend's host and waits until its local account is live; its account as the backend knows it. */
async function liveLocal(host: CompanionHost): Promise<{ snapshot: HostSnapshot; remoteId: string }> {
  await host.start();
  const snapshot = await waitForSnapshot(
    host,
    (s) => !!s.accounts[0] && isLive(s.accounts[0].id)(s),
    30_000,
    'the local account live',
  );
  return { snapshot, remoteId: snapshot.accounts[0]!.me!.id };
}

describe('settings.json', () => {
  it('not valid JSON: set aside, defaults used, the user told', async () => {
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    writeFileSync(join(dataDir, 'settings.json'), '{"theme": "dark", "accounts": [');
    const test = await startTestHost({ dataDir });
    cleanups.push(() => test.stop());
    const snapshot = test.host.snapshot();
    expect(noticeText(snapshot, 'settings-damaged')).toMatch(
      /^Your settings file could not be read, so your settings are back to their defaults\..*kept as settings\.json\.damaged-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ\.$/,
    );
    const [aside] = asideOf(dataDir, 'settings.json');
    expect(readFileSync(join(dataDir, aside!), 'utf8')).toBe('{"theme": "dark", "accounts": [');
    expect(snapshot.settings.theme).toBe('system');
    // Survived, and so logged and counted by the host's one logger.
    expect(test.host.log.count('settings-unreadable')).toBe(1);
  });

  it('of the wrong shape: the whole account entries are kept, the others left out, a copy set aside', () => {
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    const good = { id: 'remote-1', label: 'Studio', kind: 'remote', baseURL: 'http://127.0.0.1:9', remoteId: 'acc_1' };
    writeFileSync(
      join(dataDir, 'settings.json'),
      JSON.stringify({ theme: 'dark', accounts: [good, { id: 5 }, 'junk'], selectedAccountId: 'remote-1' }),
    );
    const settings = new SettingsStore(dataDir);
    expect(settings.damage).toMatchObject({ kind: 'partly-unreadable', droppedAccounts: 2 });
    expect(settings.accounts()).toEqual([good]);
    expect(settings.get('theme')).toBe('dark');
    expect(asideOf(dataDir, 'settings.json')).toHaveLength(1);
    expect(JSON.parse(readFileSync(join(dataDir, 'settings.json'), 'utf8')).accounts).toEqual([good]);
  });

  it('not valid JSON with the built-in account: the same account comes back from its token, with its data', async () => {
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    const first = embeddedHost(dataDir);
    const { remoteId } = await liveLocal(first);
    await first.stop();

    writeFileSync(join(dataDir, 'settings.json'), 'not json at all');
    const again = embeddedHost(dataDir);
    const { snapshot, remoteId: after } = await liveLocal(again);
    expect(after).toBe(remoteId);
    expect(snapshot.accounts).toHaveLength(1);
    expect(noticeText(snapshot, 'settings-damaged')).toContain(
      'Your account on this computer was found again with its data.',
    );
    expect(asideOf(dataDir, 'settings.json')).toHaveLength(1);
  }, 90_000);
});

describe('secrets.json', () => {
  it('not valid JSON: set aside, and the built-in account gets a new token for the same account', async () => {
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    const first = embeddedHost(dataDir);
    const { remoteId } = await liveLocal(first);
    await first.stop();

    writeFileSync(join(dataDir, 'secrets.json'), '{"account-token:');
    const again = embeddedHost(dataDir);
    const { snapshot, remoteId: after } = await liveLocal(again);
    expect(after).toBe(remoteId);
    expect(snapshot.accounts.map((a) => a.id)).toEqual([`local-${remoteId}`]);
    expect(noticeText(snapshot, 'secrets-damaged')).toContain(
      'Your account on this computer keeps its data and gets a new token',
    );
    const [aside] = asideOf(dataDir, 'secrets.json');
    expect(readFileSync(join(dataDir, aside!), 'utf8')).toBe('{"account-token:');
  }, 90_000);
});

describe('settings.json and secrets.json both unreadable', () => {
  it('the built-in account is found again in its database with a new token, and the user is told', async () => {
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    const first = embeddedHost(dataDir);
    const { remoteId } = await liveLocal(first);
    await first.stop();

    writeFileSync(join(dataDir, 'settings.json'), '{');
    writeFileSync(join(dataDir, 'secrets.json'), '{');
    const again = embeddedHost(dataDir);
    const { snapshot, remoteId: after } = await liveLocal(again);
    expect(after).toBe(remoteId);
    expect(snapshot.accounts.map((a) => a.id)).toEqual([`local-${remoteId}`]);
    expect(noticeText(snapshot, 'local-account-recovered')).toBe(
      'Your account on this computer was found again in the built-in backend’s database, with its history, and given a new token.',
    );
    expect(noticeText(snapshot, 'local-account-lost')).toBe('');
  }, 90_000);

  it('with several accounts in the database the earliest is taken back, and the notice says how many there were', async () => {
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    const first = embeddedHost(dataDir);
    const { remoteId } = await liveLocal(first);
    const adminToken = (
      JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, { value: string }>
    )['embedded-admin-token']!.value;
    const admin = createCompanionClient({ baseURL: first.embeddedURL!, token: adminToken, retries: 0 });
    // The built-in backend runs on a test clock: the second account is made a minute after the first.
    await admin.admin.moveClock({ advanceS: 60 });
    await admin.admin.createAccount({ name: 'Later', timeZone: 'UTC' });
    await first.stop();

    writeFileSync(join(dataDir, 'settings.json'), '{');
    writeFileSync(join(dataDir, 'secrets.json'), '{');
    const again = embeddedHost(dataDir);
    const { snapshot, remoteId: after } = await liveLocal(again);
    expect(after).toBe(remoteId);
    expect(noticeText(snapshot, 'local-account-recovered')).toContain(
      'The built-in backend had 2 accounts; the earliest, “Ana”, is the one shown.',
    );
  }, 90_000);
});

describe('secrets.json with a damaged entry', () => {
  it('the built-in account whose token entry cannot be read gets a new token for the same account', async () => {
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    const first = embeddedHost(dataDir);
    const { remoteId } = await liveLocal(first);
    await first.stop();

    const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets.json'), 'utf8')) as Record<string, unknown>;
    secrets[`account-token:local-${remoteId}`] = { value: 42 };
    writeFileSync(join(dataDir, 'secrets.json'), JSON.stringify(secrets));
    const again = embeddedHost(dataDir);
    const { remoteId: after } = await liveLocal(again);
    expect(after).toBe(remoteId);
  }, 90_000);
});

describe('history.sqlite', () => {
  it('overwritten: set aside, a fresh store opened, and sync fills it from the backend', async () => {
    const backend = await startBackend({ testClock: '2026-03-10T14:00:00.000Z' });
    cleanups.push(() => backend.stop());
    const account = await backend.createAccount('Ana', 'UTC');
    const made = await account.client.createGeneration({
      tool: 'text-to-image',
      modelId: 'spark-image',
      prompt: 'a red fox',
      settings: { outputs: 1 },
    });

    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    const first = await startTestHost({ dataDir });
    const accountId = (await first.ok<HostSnapshot>('signIn', { baseURL: backend.url, token: account.token }))
      .selectedAccountId!;
    await waitForSnapshot(first.host, isLive(accountId));
    await first.stop();

    const store = join(dataDir, 'history', 'history.sqlite');
    expect(existsSync(store)).toBe(true);
    writeFileSync(store, Buffer.alloc(8192, 0x5a));
    const again = await startTestHost({ dataDir });
    cleanups.push(() => again.stop());
    expect(noticeText(again.host.snapshot(), 'history-damaged')).toMatch(
      /^The offline history could not be opened, so a new one was started; it is filled again from your backends as they connect\. The damaged file is kept as history\.sqlite\.damaged-/,
    );
    expect(asideOf(dataDir, 'history.sqlite', join(dataDir, 'history'))).toHaveLength(1);
    await eventually(async () => {
      const search = await again.call('searchHistory', { accountId, q: 'fox' });
      return search.ok && (search.value as { items: Array<{ id: string }> }).items.some((item) => item.id === made.id);
    }, 'the generation back in the rebuilt history');
  }, 60_000);
});
