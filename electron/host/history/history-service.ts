/**
 * The offline history (H1, H2): every generation of every account in a local SQLite store synced from /v1/sync, prompt
 * search, the output cache, workspaces that work offline, and usage figures computed locally.
 *
 * The pieces: `HistoryStore` (the SQLite file; why it runs on the main thread is explained there), `SyncEngine`
 * (pages, cursor, coalescing), `WorkspaceBook` (offline workspace changes and their conflict rules), `OutputCache`
 * (downloads, verification, thumbnails, eviction) and the analytics functions. This class wires them to the host and
 * exposes the bridge handlers.
 */
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setImmediate as nextTick } from 'node:timers/promises';
import type { Usage, UsageQuery } from '../../../shared/api.js';
import type { BridgeHandlers, HistoryItem, HistoryPage, HostSnapshot, SyncState } from '../../../shared/bridge.js';
import type { CompanionClient } from '../../../shared/client.js';
import { BridgeFailure } from '../bridge-dispatch.js';
import { recentUseFromStore, refundAuditFromStore, usageFromStore } from './analytics.js';
import { OutputCache } from './output-cache.js';
import { silentHostLog, type HostLog } from '../host-log.js';
import { HistoryStore, type GenerationRow, type HistoryFilter, type OutputRef } from './store.js';
import { SyncEngine } from './sync-engine.js';
import { WorkspaceBook, WorkspaceNotFound, workspaceRemote } from './workspaces.js';

export interface HistoryServiceOptions {
  /** The app's data folder: the store lives in `<dataDir>/history`, the cache in `<dataDir>/cache`. */
  dataDir: string;
  /** The live client of an account, or null when the account is unknown. */
  clientFor(accountId: string): CompanionClient | null;
  /** Whether the account's backend is reachable now (its event stream is live). */
  isOnline(accountId: string): boolean;
  /** Called when an account's sync state, history or workspaces changed (the host then publishes a snapshot). */
  onChange(accountId: string): void;
  /** The output cache's size limit in bytes. */
  cacheLimitBytes(): number;
  /** The account's time zone (`me.timeZone`) for usage by local day (C10, A1); the last one seen is kept for offline. */
  timeZoneFor?(accountId: string): string | null;
  /** What `syncNow` answers with: the host's snapshot after the sync has started. */
  snapshot?(): HostSnapshot;
  /** Opens the store (the benchmark opens one that times every step). */
  openStore?(path: string, log: HostLog): HistoryStore;
  /** Where survived failures go (a download that broke, a sync that failed); counted, written nowhere when absent. */
  log?: HostLog;
  /** The clock for "the last N days" and timestamps (tests move it). */
  now?(): Date;
  /** Background downloads at once (default 3). */
  downloadConcurrency?: number;
}

export type HistoryHandlers = Pick<
  BridgeHandlers,
  | 'searchHistory'
  | 'getHistoryItem'
  | 'syncNow'
  | 'setPinned'
  | 'makeAvailableOffline'
  | 'listWorkspaces'
  | 'createWorkspace'
  | 'renameWorkspace'
  | 'deleteWorkspace'
  | 'addToWorkspace'
  | 'removeFromWorkspace'
  | 'refundAudit'
  | 'recentUseByModel'
>;

export class HistoryService {
  #store: HistoryStore | null = null;
  #book: WorkspaceBook | null = null;
  #sync: SyncEngine | null = null;
  #cache: OutputCache | null = null;
  readonly #now: () => Date;
  readonly #log: HostLog;

  constructor(readonly options: HistoryServiceOptions) {
    this.#now = options.now ?? (() => new Date());
    this.#log = options.log ?? silentHostLog();
  }

  /** The store file: `<dataDir>/history/history.sqlite`. */
  get storePath(): string {
    return join(this.options.dataDir, 'history', 'history.sqlite');
  }

  get cacheDir(): string {
    return join(this.options.dataDir, 'cache');
  }

  async start(): Promise<void> {
    if (this.#store) return;
    const store = this.options.openStore?.(this.storePath, this.#log) ?? new HistoryStore(this.storePath, this.#log);
    const book = new WorkspaceBook(store, this.#now);
    const cache = new OutputCache({
      store,
      cacheDir: this.cacheDir,
      clientFor: (accountId) => this.options.clientFor(accountId),
      isOnline: (accountId) => this.options.isOnline(accountId),
      limitBytes: () => this.options.cacheLimitBytes(),
      onChange: (accountId) => this.options.onChange(accountId),
      now: () => this.#now().getTime(),
      concurrency: this.options.downloadConcurrency ?? 3,
      log: this.#log,
    });
    const sync = new SyncEngine({
      store,
      book,
      clientFor: (accountId) => this.options.clientFor(accountId),
      remoteFor: (accountId) => {
        const client = this.options.clientFor(accountId);
        return client ? workspaceRemote(client) : null;
      },
      isOnline: (accountId) => this.options.isOnline(accountId),
      onChange: (accountId) => this.options.onChange(accountId),
      onFilesOrphaned: (paths) => void this.#removeOrphans(paths),
      onReachable: (accountId) => {
        cache.resume();
        void this.#rememberTimeZone(accountId);
      },
      now: this.#now,
    });
    this.#store = store;
    this.#book = book;
    this.#cache = cache;
    this.#sync = sync;
    // Downloads left queued or half done by the last run continue (from their .part files) for accounts online now.
    cache.resume();
  }

  async stop(): Promise<void> {
    if (!this.#store) return;
    await this.#sync?.stop();
    await this.#cache?.stop();
    await this.#store.close();
    this.#store = null;
    this.#book = null;
    this.#sync = null;
    this.#cache = null;
  }

  get #parts(): { store: HistoryStore; book: WorkspaceBook; sync: SyncEngine; cache: OutputCache } {
    if (!this.#store || !this.#book || !this.#sync || !this.#cache)
      throw new BridgeFailure('unavailable', 'The offline history is not open');
    return { store: this.#store, book: this.#book, sync: this.#sync, cache: this.#cache };
  }

  /** For the benchmark and tests: the store itself. */
  get store(): HistoryStore {
    return this.#parts.store;
  }

  /** For tests and the benchmark: sync pages applied per account since start. */
  pagesApplied(accountId: string): number {
    return this.#parts.sync.pagesApplied.get(accountId) ?? 0;
  }

  async #rememberTimeZone(accountId: string): Promise<void> {
    const known = this.options.timeZoneFor?.(accountId);
    if (known) return this.#store?.setTimeZone(accountId, known);
    if (this.#store?.account(accountId)?.timeZone) return;
    const me = await this.options
      .clientFor(accountId)
      ?.me()
      .catch((error: unknown) =>
        this.#log.warn(
          'time-zone-read',
          error,
          `The time zone of ${accountId} could not be read (usage stays in UTC until it can)`,
        ),
      );
    if (me) this.#store?.setTimeZone(accountId, me.timeZone);
  }

  /** Files of generations deleted on the backend; one that cannot be removed only takes room until the cache evicts. */
  async #removeOrphans(paths: string[]): Promise<void> {
    const results = await Promise.allSettled(paths.map((p) => rm(p, { force: true })));
    for (const result of results) {
      if (result.status === 'rejected')
        this.#log.warn('orphan-remove', result.reason, 'A cached file of a deleted generation could not be removed');
    }
  }

  #timeZone(accountId: string): string {
    const known = this.options.timeZoneFor?.(accountId);
    if (known) {
      this.#parts.store.setTimeZone(accountId, known);
      return known;
    }
    return this.#parts.store.account(accountId)?.timeZone ?? 'UTC';
  }

  /**
   * Starts (or continues) syncing an account: pulls what changed, sends queued workspace changes when it is online and
   * resumes its queued downloads. Call it when the connection goes live, on `generation` events and for syncNow.
   * Resolves when the account's sync is idle again; never rejects (failures show in its SyncState).
   */
  requestSync(accountId: string): Promise<void> {
    if (!this.#sync) return Promise.resolve();
    return this.#sync
      .request(accountId)
      .catch((error: unknown) =>
        this.#log.warn('sync-failed', error, `The sync of ${accountId} failed (its sync state says so)`),
      );
  }

  syncState(accountId: string): SyncState | null {
    if (!this.#store) return null;
    return this.#parts.sync.state(accountId);
  }

  /** Usage from the offline store (C10), for when the backend cannot be reached. */
  async usage(accountId: string, query: UsageQuery): Promise<Usage> {
    return usageFromStore(this.#parts.store, accountId, query, this.#timeZone(accountId));
  }

  /** The file to serve for a media URL, fetching it into the cache first when it can; null when it cannot be had. */
  async openMedia(
    accountId: string,
    outputId: string,
    variant: 'thumb' | 'full',
  ): Promise<{ path: string; mime: string } | null> {
    const { store, cache } = this.#parts;
    const output = store.output(accountId, outputId);
    return output ? cache.open(output, variant) : null;
  }

  /** The cache's size limit changed (settings): evicts down to the new limit at once. */
  async cacheLimitChanged(): Promise<void> {
    await this.#parts.cache.evict();
  }

  /** Forgets an account: its rows, its cached files, its queued changes. */
  async removeAccount(accountId: string): Promise<void> {
    const { store, sync, cache } = this.#parts;
    await sync.forget(accountId);
    await cache.removeAccount(accountId);
    // In short steps: a large account would otherwise hold the main thread for the whole delete.
    while (store.removeAccountStep(accountId) > 0) await nextTick();
    store.removeAccountStep(accountId);
  }

  // ---- the bridge --------------------------------------------------------------------------------------------
  #items(accountId: string, rows: GenerationRow[]): HistoryItem[] {
    const { store } = this.#parts;
    const memberships = store.workspaceIdsOf(
      accountId,
      rows.map((r) => r.id),
    );
    const states = store.cacheStatesOf(
      accountId,
      rows.flatMap((r) => r.generation.outputs.map((o) => o.id)),
    );
    return rows.map((row) => ({
      ...row.generation,
      // The local view: workspace changes made offline show at once.
      workspaceIds: memberships.get(row.id) ?? [],
      accountId,
      pinned: row.pinned,
      cache: Object.fromEntries(row.generation.outputs.map((o) => [o.id, OutputCache.visibleState(states.get(o.id))])),
    }));
  }

  #item(accountId: string, generationId: string): HistoryItem {
    const row = this.#parts.store.rowByGenerationId(accountId, generationId);
    if (!row) throw new BridgeFailure('not_found', `Generation ${generationId} is not in the offline history`);
    return this.#items(accountId, [row])[0]!;
  }

  #filter(accountId: string, query: Omit<HistoryFilter, 'accountId'>): HistoryFilter {
    return {
      ...query,
      accountId,
      ...(query.workspaceId ? { workspaceId: this.#parts.book.resolve(accountId, query.workspaceId) } : {}),
    };
  }

  search(filter: HistoryFilter, offset: number, limit: number): HistoryPage {
    const { store } = this.#parts;
    const page = store.search(this.#filter(filter.accountId, filter), offset, limit);
    return { items: this.#items(filter.accountId, store.rows(page.rowKeys)), total: page.total };
  }

  async #outputsOf(accountId: string, rowKeys: number[]): Promise<OutputRef[]> {
    const outputs: OutputRef[] = [];
    for (let start = 0; start < rowKeys.length; start += 500) {
      outputs.push(...this.#parts.store.outputsOfRows(accountId, rowKeys.slice(start, start + 500)));
      await nextTick();
    }
    return outputs;
  }

  #workspaceCall<T>(work: () => T): T {
    try {
      return work();
    } catch (error) {
      if (error instanceof WorkspaceNotFound) throw new BridgeFailure('not_found', error.message);
      throw error;
    }
  }

  /** A workspace change was made here: show it, and send it now when the account is online. */
  #changed<T>(accountId: string, result: T): T {
    this.options.onChange(accountId);
    if (this.options.isOnline(accountId)) void this.requestSync(accountId);
    return result;
  }

  readonly handlers: HistoryHandlers = {
    searchHistory: async ({ accountId, offset, limit, ...filter }) =>
      this.search({ ...filter, accountId }, offset, limit),
    getHistoryItem: async ({ accountId, generationId }) => this.#item(accountId, generationId),
    syncNow: async ({ accountId }) => {
      void this.requestSync(accountId);
      if (!this.options.snapshot)
        throw new BridgeFailure('internal_error', 'The host did not pass snapshot() to the history service');
      return this.options.snapshot();
    },
    setPinned: async ({ accountId, generationId, pinned }) => {
      const { store, cache } = this.#parts;
      if (!store.setPinned(accountId, generationId, pinned))
        throw new BridgeFailure('not_found', `Generation ${generationId} is not in the offline history`);
      // Unpinned files may now be over the limit.
      if (!pinned) void cache.evict();
      this.options.onChange(accountId);
      return this.#item(accountId, generationId);
    },
    makeAvailableOffline: async (request) => {
      const { store, book, cache } = this.#parts;
      const accountId = request.accountId;
      let rowKeys: number[];
      if ('workspaceId' in request) {
        const workspaceId = book.resolve(accountId, request.workspaceId);
        if (!book.get(accountId, workspaceId))
          throw new BridgeFailure('not_found', `Workspace ${request.workspaceId} was not found`);
        rowKeys = store.workspaceRowKeys(accountId, workspaceId);
      } else {
        rowKeys = [];
        const filter = this.#filter(accountId, request.query);
        for (let offset = 0; ; offset += 500) {
          const page = store.search(filter, offset, 500);
          rowKeys.push(...page.rowKeys);
          if (page.rowKeys.length < 500) break;
          await nextTick();
        }
      }
      const queued = await cache.enqueue(await this.#outputsOf(accountId, rowKeys));
      this.options.onChange(accountId);
      return { queued };
    },
    listWorkspaces: async ({ accountId }) => this.#parts.book.list(accountId),
    createWorkspace: async ({ accountId, name }) => this.#changed(accountId, this.#parts.book.create(accountId, name)),
    renameWorkspace: async ({ accountId, workspaceId, name }) =>
      this.#changed(
        accountId,
        this.#workspaceCall(() => this.#parts.book.rename(accountId, workspaceId, name)),
      ),
    deleteWorkspace: async ({ accountId, workspaceId }) =>
      this.#changed(accountId, { deleted: this.#parts.book.delete(accountId, workspaceId) }),
    addToWorkspace: async ({ accountId, workspaceId, generationId }) => {
      if (!this.#parts.store.generationExists(accountId, generationId))
        throw new BridgeFailure('not_found', `Generation ${generationId} is not in the offline history`);
      return this.#changed(
        accountId,
        this.#workspaceCall(() => this.#parts.book.add(accountId, workspaceId, generationId)),
      );
    },
    removeFromWorkspace: async ({ accountId, workspaceId, generationId }) =>
      this.#changed(
        accountId,
        this.#workspaceCall(() => this.#parts.book.remove(accountId, workspaceId, generationId)),
      ),
    refundAudit: async ({ accountId, from, to }) => refundAuditFromStore(this.#parts.store, accountId, from, to),
    recentUseByModel: async ({ accountId, days }) =>
      recentUseFromStore(this.#parts.store, accountId, days, this.#now(), this.#timeZone(accountId)),
  };
}
