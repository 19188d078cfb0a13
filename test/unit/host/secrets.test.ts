/**
 * Tokens: kept in the secret store only (never in settings.json), encrypted when a cipher (Electron's safeStorage) is
 * available and said to be so in the snapshot, and a secret that cannot be read gives a clear account state, not a crash.
 */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { HostSnapshot } from '../../../shared/bridge.js';
import { SecretStore, type SecretCipher } from '../../../electron/host/secrets.js';
import { startBackend, type TestBackend } from '../../support/backend.js';
import { isLive, removeDir, startTestHost, tempDir, waitForSnapshot } from './harness.js';

/** A reversible stand-in for safeStorage: reversed, XOR-ed bytes behind a marker; anything else does not decrypt. */
function fakeCipher(available = true, keychain = 'FAKE1'): SecretCipher & { available: boolean } {
  const MARK = Buffer.from(keychain);
  return {
    available,
    isEncryptionAvailable() {
      return this.available;
    },
    encryptString: (plain) =>
      Buffer.concat([MARK, Buffer.from([...Buffer.from(plain, 'utf8')].reverse().map((b) => b ^ 0x5a))]),
    decryptString: (encrypted) => {
      if (!encrypted.subarray(0, MARK.length).equals(MARK))
        throw new Error('Error while decrypting the ciphertext provided to safeStorage.decryptString.');
      return Buffer.from([...encrypted.subarray(MARK.length)].map((b) => b ^ 0x5a).reverse()).toString('utf8');
    },
  };
}

const TOKEN = 'tok_live_0123456789abcdefghijklmnop';

describe('secret store', () => {
  const dirs: string[] = [];
  const dir = () => {
    const created = tempDir('companion-secrets-');
    dirs.push(created);
    return created;
  };
  afterEach(() => {
    for (const created of dirs.splice(0)) removeDir(created);
  });

  it('with a cipher: encrypted on disk (no plain token in secrets.json), read back, and `encrypted` is true', () => {
    const folder = dir();
    const store = new SecretStore(folder, fakeCipher());
    store.set('account-token:a', TOKEN);
    expect(store.encrypted).toBe(true);
    const file = readFileSync(join(folder, 'secrets.json'), 'utf8');
    expect(file).not.toContain(TOKEN);
    expect(JSON.parse(file)['account-token:a']).toMatchObject({ encrypted: true });
    expect(new SecretStore(folder, fakeCipher()).get('account-token:a')).toBe(TOKEN);
  });

  it('without a cipher, or with one that is not available, `encrypted` is false (the UI warns) and secrets still work', () => {
    const plain = new SecretStore(dir());
    plain.set('x', TOKEN);
    expect([plain.encrypted, plain.get('x')]).toEqual([false, TOKEN]);
    const unavailable = new SecretStore(dir(), fakeCipher(false));
    unavailable.set('x', TOKEN);
    expect([unavailable.encrypted, unavailable.get('x')]).toEqual([false, TOKEN]);
  });

  it('a secret kept in plain text is encrypted once a cipher is available', () => {
    const folder = dir();
    new SecretStore(folder).set('x', TOKEN);
    expect(readFileSync(join(folder, 'secrets.json'), 'utf8')).toContain(TOKEN);
    expect(new SecretStore(folder, fakeCipher()).get('x')).toBe(TOKEN);
    expect(readFileSync(join(folder, 'secrets.json'), 'utf8')).not.toContain(TOKEN);
  });

  it('an undecryptable, damaged or keychain-less secret reads as `unreadable` with the reason, never throws', () => {
    const folder = dir();
    writeFileSync(
      join(folder, 'secrets.json'),
      JSON.stringify({
        garbage: { encrypted: true, value: Buffer.from('not from this keychain').toString('base64') },
        odd: { value: 42 },
        ok: { encrypted: false, value: 'fine' },
      }),
    );
    const store = new SecretStore(folder, fakeCipher());
    expect(store.read('garbage')).toEqual({ state: 'unreadable', reason: expect.stringContaining('cannot decrypt') });
    expect(store.get('garbage')).toBeNull();
    expect(store.read('odd')).toEqual({ state: 'unreadable', reason: 'the saved entry is damaged' });
    expect(store.read('missing')).toEqual({ state: 'missing' });
    expect(store.read('ok')).toEqual({ state: 'ok', value: 'fine' });

    const encryptedElsewhere = dir();
    new SecretStore(encryptedElsewhere, fakeCipher()).set('x', TOKEN);
    expect(new SecretStore(encryptedElsewhere).read('x')).toEqual({
      state: 'unreadable',
      reason: expect.stringContaining('not available'),
    });
  });

  it('a secrets file that is not JSON is kept aside and the store starts empty', () => {
    const folder = dir();
    writeFileSync(join(folder, 'secrets.json'), '{ this is not json');
    const store = new SecretStore(folder, fakeCipher());
    expect(store.damagedFile).toMatch(/secrets\.json\.damaged-\d{4}-\d\d-\d\dT\d\d-\d\d-\d\dZ$/);
    expect(existsSync(store.damagedFile!)).toBe(true);
    expect(store.read('anything')).toEqual({ state: 'missing' });
    store.set('x', TOKEN);
    expect(store.get('x')).toBe(TOKEN);
  });
});

describe('tokens in the host', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function backendWithAccount() {
    const backend: TestBackend = await startBackend({ testClock: '2026-03-10T14:00:00.000Z' });
    cleanups.push(() => backend.stop());
    return { backend, account: await backend.createAccount('Ana', 'UTC', 'free') };
  }

  it('a signed-in token is never in settings.json; with a cipher secrets.json holds no plain token and the snapshot says encrypted', async () => {
    const { backend, account } = await backendWithAccount();
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    const test = await startTestHost({ dataDir, cipher: fakeCipher() });
    cleanups.push(() => test.stop());
    const snapshot = await test.ok<HostSnapshot>('signIn', { baseURL: backend.url, token: account.token });
    expect(snapshot.secretsEncrypted).toBe(true);
    await waitForSnapshot(test.host, isLive(snapshot.selectedAccountId!));
    for (const name of readdirSync(dataDir).filter((f) => f.endsWith('.json'))) {
      expect(readFileSync(join(dataDir, name), 'utf8'), name).not.toContain(account.token);
    }
    // Nor is it, or the backend's address, anywhere in what the renderer gets.
    const shown = JSON.stringify(test.host.snapshot());
    expect(shown).not.toContain(account.token);
    expect(shown).not.toContain(backend.url);
    expect(test.host.snapshot().accounts[0]!.backend).toEqual({ kind: 'remote', label: new URL(backend.url).host });
  });

  it('without a cipher the snapshot says the secrets are not encrypted', async () => {
    const { backend, account } = await backendWithAccount();
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    const test = await startTestHost({ dataDir });
    cleanups.push(() => test.stop());
    const snapshot = await test.ok<HostSnapshot>('signIn', { baseURL: backend.url, token: account.token });
    expect(snapshot.secretsEncrypted).toBe(false);
    expect(readFileSync(join(dataDir, 'settings.json'), 'utf8')).not.toContain(account.token);
  });

  it('a token that cannot be decrypted after a restart: the account shows what to do, the app keeps running', async () => {
    const { backend, account } = await backendWithAccount();
    const dataDir = tempDir();
    cleanups.push(() => removeDir(dataDir));
    const first = await startTestHost({ dataDir, cipher: fakeCipher() });
    const accountId = (await first.ok<HostSnapshot>('signIn', { baseURL: backend.url, token: account.token }))
      .selectedAccountId!;
    await first.stop();

    // Another keychain (a copied profile, a reset keyring) cannot decrypt what this one wrote.
    const otherKeychain = fakeCipher(true, 'OTHER');
    const second = await startTestHost({ dataDir, cipher: otherKeychain });
    cleanups.push(() => second.stop());
    const view = second.host.snapshot().accounts.find((a) => a.id === accountId)!;
    expect(view.connection).toMatchObject({ state: 'offline', error: expect.stringContaining('cannot be read') });
    expect(view.connection.error).toContain('sign in again');
    expect(
      await second.call('estimateCost', {
        accountId,
        request: { tool: 'text-to-image', modelId: 'spark-image', settings: { outputs: 1 } },
      }),
    ).toMatchObject({
      ok: false,
      error: { code: 'unavailable', message: expect.stringContaining('cannot be read') },
    });
    expect(await second.call('reconnect', { accountId })).toMatchObject({ ok: true });
    // Removing it and signing in again works.
    await second.ok('removeAccount', { accountId });
    const again = await second.ok<HostSnapshot>('signIn', { baseURL: backend.url, token: account.token });
    await waitForSnapshot(second.host, isLive(again.selectedAccountId!));
  });
});
