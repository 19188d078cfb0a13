/**
 * The last state each account's backend confirmed (its account, balance and the catalog), kept on disk so the app
 * opens on it at once, marked with its age, while the connection (and the built-in backend) starts; H2's "the app opens
 * on the local store first" for the dashboard. Removing an account removes its entry.
 */
import Conf from 'conf';
import { Balance, Catalog, Me } from '../../shared/api.js';
import { z } from 'zod';

const Entry = z.object({
  me: Me.nullable(),
  balance: Balance.nullable(),
  catalog: Catalog.nullable(),
  dataAsOf: z.string(),
});
export type LastKnownEntry = z.infer<typeof Entry>;

export class LastKnownStore {
  readonly #conf: Conf<Record<string, unknown>>;
  readonly #entries = new Map<string, LastKnownEntry>();
  #timer: NodeJS.Timeout | null = null;

  constructor(dataDir: string) {
    this.#conf = new Conf<Record<string, unknown>>({
      cwd: dataDir,
      configName: 'last-known',
      clearInvalidConfig: true,
    });
    for (const [accountId, value] of Object.entries(this.#conf.store)) {
      const parsed = Entry.safeParse(value);
      if (parsed.success) this.#entries.set(accountId, parsed.data);
    }
  }

  get(accountId: string): LastKnownEntry | null {
    return this.#entries.get(accountId) ?? null;
  }

  anyCatalog(): Catalog | null {
    for (const entry of this.#entries.values()) if (entry.catalog) return entry.catalog;
    return null;
  }

  /** Remembers confirmed data; written to disk at most once a second. */
  remember(accountId: string, entry: LastKnownEntry): void {
    this.#entries.set(accountId, entry);
    if (this.#timer) return;
    this.#timer = setTimeout(() => this.flush(), 1000);
    this.#timer.unref();
  }

  delete(accountId: string): void {
    this.#entries.delete(accountId);
    this.flush();
  }

  flush(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#conf.store = Object.fromEntries(this.#entries);
  }
}
