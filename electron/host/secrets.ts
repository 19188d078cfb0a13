/**
 * Secrets (account tokens, the embedded backend's admin token), kept apart from settings. In Electron they are
 * encrypted with safeStorage; under plain Node (web mode, tests) no OS keychain is at hand, so they are stored as
 * they are, and `encrypted` says so, for the UI to warn.
 *
 * A secret that cannot be read back (encrypted on another machine or by another OS user, a keychain that is gone, a
 * damaged file) is reported as `unreadable` with the reason, never thrown: the account then shows what to do.
 */
import Conf from 'conf';
import { join } from 'node:path';
import { setAside } from './damaged-files.js';
import { silentHostLog, type HostLog } from './host-log.js';

/** The part of Electron's safeStorage the host needs; main passes the real one in. */
export interface SecretCipher {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(encrypted: Buffer): string;
}

interface StoredSecret {
  encrypted: boolean;
  value: string;
}

export type SecretRead =
  { state: 'ok'; value: string } | { state: 'missing' } | { state: 'unreadable'; reason: string };

const CONFIG_NAME = 'secrets';

export class SecretStore {
  readonly #conf: Conf<Record<string, StoredSecret>>;
  readonly #cipher: SecretCipher | null;
  /** Set when the secrets file could not be parsed and was moved aside (its path), so the host can say so. */
  readonly damagedFile: string | null;
  readonly #log: HostLog;

  constructor(dataDir: string, cipher: SecretCipher | null = null, log: HostLog = silentHostLog()) {
    this.#cipher = cipher;
    this.#log = log;
    const open = () =>
      new Conf<Record<string, StoredSecret>>({
        cwd: dataDir,
        configName: CONFIG_NAME,
        configFileMode: 0o600,
        clearInvalidConfig: false,
      });
    let damaged: string | null = null;
    let conf: Conf<Record<string, StoredSecret>>;
    try {
      conf = open();
    } catch (error) {
      // A damaged file is kept beside (never deleted: it may still be recoverable by hand) and the store starts empty.
      log.warn('secrets-unreadable', error, 'The secrets file could not be read: it is set aside (the user is told)');
      damaged = setAside(join(dataDir, `${CONFIG_NAME}.json`));
      conf = open();
    }
    this.#conf = conf;
    this.damagedFile = damaged;
  }

  get encrypted(): boolean {
    return this.#cipherAvailable();
  }

  set(name: string, secret: string): void {
    if (this.#cipher && this.#cipherAvailable()) {
      this.#conf.set(name, { encrypted: true, value: this.#cipher.encryptString(secret).toString('base64') });
    } else {
      this.#conf.set(name, { encrypted: false, value: secret });
    }
  }

  /** The secret, or null when there is none or it cannot be read (see `read` for why). */
  get(name: string): string | null {
    const read = this.read(name);
    return read.state === 'ok' ? read.value : null;
  }

  read(name: string): SecretRead {
    const stored: unknown = this.#conf.get(name);
    if (stored === undefined) return { state: 'missing' };
    if (!isStoredSecret(stored)) return { state: 'unreadable', reason: 'the saved entry is damaged' };
    if (!stored.encrypted) {
      // Kept in plain text while no encryption was available; encrypted as soon as it is.
      if (this.#cipherAvailable()) this.set(name, stored.value);
      return { state: 'ok', value: stored.value };
    }
    if (!this.#cipher || !this.#cipherAvailable()) {
      return { state: 'unreadable', reason: 'it was encrypted with the system keychain, which is not available now' };
    }
    try {
      return { state: 'ok', value: this.#cipher.decryptString(Buffer.from(stored.value, 'base64')) };
    } catch (error) {
      return { state: 'unreadable', reason: `the system keychain cannot decrypt it (${(error as Error).message})` };
    }
  }

  delete(name: string): void {
    this.#conf.delete(name);
  }

  /** The names of every stored secret (not their values). */
  names(): string[] {
    return Object.keys(this.#conf.store);
  }

  has(name: string): boolean {
    return this.#conf.has(name);
  }

  get path(): string {
    return this.#conf.path;
  }

  #cipherAvailable(): boolean {
    try {
      return this.#cipher?.isEncryptionAvailable() ?? false;
    } catch (error) {
      // The system keychain did not answer: secrets are kept unencrypted in the owner-only file, as without one.
      this.#log.warn('keychain', error, 'The system keychain is not available');
      return false;
    }
  }
}

function isStoredSecret(value: unknown): value is StoredSecret {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as StoredSecret).encrypted === 'boolean' &&
    typeof (value as StoredSecret).value === 'string'
  );
}
