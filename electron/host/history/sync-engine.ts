/**
 * The sync engine (H2): per account, pages through GET /v1/sync from the stored cursor, applies each page in one
 * transaction that also stores the page's cursor (so a sync cut off anywhere resumes after the last applied page, with
 * nothing missed and nothing applied twice: the backend sends each entity once, at its latest change), yields to the
 * event loop between pages, then sends queued workspace changes and pulls once more to see them applied.
 *
 * `request(accountId)` coalesces: one run per account at a time; asked again while running, it runs once more after.
 */
import { setImmediate as nextTick } from 'node:timers/promises';
import { Generation, Workspace, type SyncChange } from '../../../shared/api.js';
import type { SyncState } from '../../../shared/bridge.js';
import type { CompanionClient } from '../../../shared/client.js';
import type { WorkspaceRemote } from './workspaces.js';
import type { HistoryStore } from './store.js';
import type { WorkspaceBook } from './workspaces.js';

export const SYNC_PAGE_SIZE = 500;
/** Changes applied per transaction: within the 50 ms step limit, FTS5 merges included (docs/PERFORMANCE.md). */
const APPLY_SLICE = 100;

export interface SyncEngineOptions {
  store: HistoryStore;
  book: WorkspaceBook;
  clientFor(accountId: string): CompanionClient | null;
  remoteFor(accountId: string): WorkspaceRemote | null;
  isOnline(accountId: string): boolean;
  onChange(accountId: string): void;
  /** Files of deleted generations' outputs, to delete once their rows are gone. */
  onFilesOrphaned(paths: string[]): void;
  /** After every run that reached the backend (the cache resumes its downloads then). */
  onReachable(accountId: string): void;
  now(): Date;
  pageSize?: number;
}

interface AccountRun {
  running: Promise<void> | null;
  again: boolean;
  /** Set when the account is being removed: no further page is applied. */
  cancelled: boolean;
  state: SyncState;
}

/** A page checked against the contract: the sync route sends `data` as unknown, the entity schemas apply here. */
type CheckedChange =
  | { kind: 'generation'; op: 'upsert'; generation: Generation }
  | { kind: 'workspace'; op: 'upsert'; workspace: Workspace }
  | { kind: 'generation' | 'workspace'; op: 'delete'; id: string };

function check(changes: readonly SyncChange[]): CheckedChange[] {
  const checked: CheckedChange[] = [];
  for (const change of changes) {
    if (change.kind === 'balance') continue;
    if (change.op === 'delete') {
      checked.push({ kind: change.kind, op: 'delete', id: change.id });
      continue;
    }
    // An entity that vanished between the change and the read is sent as null: a later change tells what happened.
    if (change.data === null) continue;
    if (change.kind === 'generation') {
      const parsed = Generation.safeParse(change.data);
      if (!parsed.success)
        throw new Error(
          `The backend sent generation ${change.id} in a shape this app does not know: ${parsed.error.message}`,
        );
      checked.push({ kind: 'generation', op: 'upsert', generation: parsed.data });
    } else {
      const parsed = Workspace.safeParse(change.data);
      if (!parsed.success)
        throw new Error(
          `The backend sent workspace ${change.id} in a shape this app does not know: ${parsed.error.message}`,
        );
      checked.push({ kind: 'workspace', op: 'upsert', workspace: parsed.data });
    }
  }
  return checked;
}

export class SyncEngine {
  readonly #runs = new Map<string, AccountRun>();
  #stopped = false;
  /** Sync requests sent and pages applied, per account (tests and the benchmark read them). */
  readonly pagesApplied = new Map<string, number>();

  constructor(private readonly options: SyncEngineOptions) {}

  state(accountId: string): SyncState | null {
    const run = this.#runs.get(accountId);
    const stored = this.options.store.account(accountId);
    if (!run && !stored) return null;
    const pendingChanges = this.options.book.pendingCount(accountId);
    if (run) return { ...run.state, pendingChanges };
    return {
      state: 'idle',
      done: 0,
      total: null,
      lastSyncedAt: stored?.lastSyncedAt ?? null,
      error: null,
      pendingChanges,
    };
  }

  /** Starts a sync of the account, or asks the running one to go once more; resolves when the account is idle. */
  request(accountId: string): Promise<void> {
    let run = this.#runs.get(accountId);
    if (!run) {
      const stored = this.options.store.account(accountId);
      run = {
        running: null,
        again: false,
        cancelled: false,
        state: {
          state: 'idle',
          done: 0,
          total: null,
          lastSyncedAt: stored?.lastSyncedAt ?? null,
          error: null,
          pendingChanges: 0,
        },
      };
      this.#runs.set(accountId, run);
    }
    if (run.running) {
      run.again = true;
      return run.running;
    }
    const current = run;
    current.running = (async () => {
      do {
        current.again = false;
        await this.#runOnce(accountId, current);
      } while (current.again && !this.#stopped && !current.cancelled);
    })().finally(() => {
      current.running = null;
    });
    return current.running;
  }

  /** Waits for every running sync to end (after stop, no new page is applied). */
  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.allSettled([...this.#runs.values()].map((r) => r.running));
  }

  /** Stops the account's sync (no further page is applied) and forgets its state. */
  async forget(accountId: string): Promise<void> {
    const run = this.#runs.get(accountId);
    if (run) {
      run.cancelled = true;
      // The run reports its own failure in the account's sync state; forgetting only waits for it to end.
      await run.running?.catch(() => undefined);
    }
    this.#runs.delete(accountId);
    this.pagesApplied.delete(accountId);
  }

  #set(accountId: string, run: AccountRun, patch: Partial<SyncState>): void {
    run.state = { ...run.state, ...patch };
    this.options.onChange(accountId);
  }

  async #runOnce(accountId: string, run: AccountRun): Promise<void> {
    const client = this.options.clientFor(accountId);
    if (!client || this.#stopped || run.cancelled) return;
    this.#set(accountId, run, { state: 'syncing', done: 0, total: null, error: null });
    const ownChanges = new Set<string>();
    try {
      await this.#pull(accountId, client, run, ownChanges);
      const remote = this.options.remoteFor(accountId);
      if (remote && this.options.isOnline(accountId) && this.options.book.pendingCount(accountId) > 0) {
        const sent = await this.options.book.push(accountId, remote, ownChanges);
        this.options.onChange(accountId);
        if (sent > 0) await this.#pull(accountId, client, run, ownChanges);
      }
      this.#set(accountId, run, {
        state: 'idle',
        total: run.state.done,
        lastSyncedAt: this.options.now().toISOString(),
        error: null,
      });
      this.options.onReachable(accountId);
    } catch (error) {
      if (this.#stopped || run.cancelled) return;
      this.#set(accountId, run, { state: 'error', error: (error as Error).message });
    }
  }

  #apply(accountId: string, change: CheckedChange, ownChanges: ReadonlySet<string>, orphaned: string[]): void {
    const { store, book } = this.options;
    if (change.op === 'delete') {
      if (change.kind === 'generation') orphaned.push(...store.markGenerationDeleted(accountId, change.id));
      else book.applyServerWorkspaceDeleted(accountId, change.id);
    } else if (change.kind === 'generation') {
      store.upsertGeneration(accountId, change.generation);
      book.noteMembership(accountId, change.generation.id, change.generation.workspaceIds ?? [], ownChanges);
    } else {
      book.applyServerWorkspace(accountId, change.workspace);
    }
  }

  async #pull(
    accountId: string,
    client: CompanionClient,
    run: AccountRun,
    ownChanges: ReadonlySet<string>,
  ): Promise<void> {
    const { store } = this.options;
    store.ensureAccount(accountId);
    const size = this.options.pageSize ?? SYNC_PAGE_SIZE;
    const fetchPage = (since: string | undefined) => {
      const request = client.sync(since, size);
      request.catch(() => {}); // awaited below; a page fetched ahead and then not needed must not go unhandled
      return request;
    };
    let next = fetchPage(store.account(accountId)?.cursor ?? undefined);
    for (;;) {
      const page = await next;
      if (this.#stopped || run.cancelled) return;
      // The next page is asked for while this one is applied: the backend's work and ours overlap. Its cursor is
      // stored only with it, after this one's, so a failure anywhere still resumes after the last page applied.
      if (page.more) next = fetchPage(page.cursor);
      const orphaned: string[] = [];
      let applied = 0;
      // A page is checked and applied in slices of APPLY_SLICE changes, one short transaction each, with the event
      // loop free in between; the cursor is written in the same transaction as the page's last slice. Cut off
      // mid-page, the page is fetched again and re-applied: every change is an idempotent upsert or delete by id.
      for (let start = 0; start === 0 || start < page.changes.length; start += APPLY_SLICE) {
        const slice = store.measured('check sync slice', () => check(page.changes.slice(start, start + APPLY_SLICE)));
        const last = start + APPLY_SLICE >= page.changes.length;
        store.transaction('apply sync slice', () => {
          for (const change of slice) this.#apply(accountId, change, ownChanges, orphaned);
          if (last) store.setCursor(accountId, page.cursor, this.options.now().toISOString());
        });
        applied += slice.length;
        if (!last) {
          await nextTick();
          if (this.#stopped || run.cancelled) return;
        }
      }
      this.pagesApplied.set(accountId, (this.pagesApplied.get(accountId) ?? 0) + 1);
      if (orphaned.length) this.options.onFilesOrphaned(orphaned);
      this.#set(accountId, run, { done: run.state.done + applied });
      if (!page.more) break;
      await nextTick();
    }
  }
}
