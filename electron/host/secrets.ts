/**
 * Secrets (account tokens, the embedded backend's admin token), kept apart from settings. In Electron they are
 * encrypted with safeStorage; under plain Node (web mode, tests) no OS keychain is at hand, so they are stored as
 * they are, and `encrypted` says so, for the UI to warn.
 */
import Conf from 'conf';

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

export class SecretStore {
  readonly #conf: Conf<Record<string, StoredSecret>>;
  readonly #cipher: SecretCipher | null;

  constructor(dataDir: string, cipher: SecretCipher | null = null) {
    this.#conf = new Conf<Record<string, StoredSecret>>({ cwd: dataDir, configName: 'secrets', configFileMode: 0o600 });
    this.#cipher = cipher;
  }

  get encrypted(): boolean {
    return this.#cipher?.isEncryptionAvailable() ?? false;
  }

  set(name: string, secret: string): void {
    if (this.encrypted && this.#cipher) {
      this.#conf.set(name, { encrypted: true, value: this.#cipher.encryptString(secret).toString('base64') });
    } else {
      this.#conf.set(name, { encrypted: false, value: secret });
    }
  }

  get(name: string): string | null {
    const stored = this.#conf.get(name);
    if (!stored) return null;
    if (!stored.encrypted) return stored.value;
    if (!this.#cipher?.isEncryptionAvailable()) return null;
    return this.#cipher.decryptString(Buffer.from(stored.value, 'base64'));
  }

  delete(name: string): void {
    this.#conf.delete(name);
  }

  has(name: string): boolean {
    return this.#conf.has(name);
  }
}
