/**
 * Workspaces that work offline (H1, H2). Every change is applied to the local store at once and queued; the queue is
 * sent in order when the account is online. What the backend says in /v1/sync is the base; the changes still queued
 * are replayed on top of it, so the local view always shows both.
 *
 * Conflict rules (nothing either side added is lost):
 * - Items: adds on both sides are kept (the union). An item removed on one side and added (or re-added) on the other
 *   stays: a queued removal is dropped when, while it waited, the backend reported that generation's workspace
 *   membership changed with the item in that workspace (someone else touched it; when in doubt, keep the item).
 * - A workspace created offline is created on the backend with an idempotency key and its local id (`local_...`) is
 *   mapped to the backend's id everywhere; the old id keeps working as an alias.
 * - Renames: the last one sent wins (ours, when it is sent after the other side's).
 * - A workspace deleted on the backend while items were added to it offline is created again with those items (the
 *   other side's items went with its delete; ours are kept). Deleted with no offline additions: the delete wins.
 * - A workspace deleted offline is deleted on the backend (the generations themselves are never deleted by this).
 */
import { randomUUID } from 'node:crypto';
import type { Workspace } from '../../../shared/api.js';
import type { CompanionClient } from '../../../shared/client.js';
import { isApiError } from '../../../shared/errors.js';
import type { HistoryStore } from './store.js';

/** The workspace routes the book sends its queue to; failures are ApiErrors, so "gone" (404) is told from "unreachable". */
export interface WorkspaceRemote {
  create(name: string, idempotencyKey: string): Promise<Workspace>;
  rename(id: string, name: string): Promise<Workspace>;
  delete(id: string): Promise<void>;
  addItem(id: string, generationId: string): Promise<Workspace>;
  removeItem(id: string, generationId: string): Promise<Workspace>;
  exists(id: string): Promise<boolean>;
}

export function workspaceRemote(client: CompanionClient): WorkspaceRemote {
  return {
    create: (name, key) => client.createWorkspace({ name }, key),
    rename: (id, name) => client.renameWorkspace(id, { name }),
    delete: (id) => client.deleteWorkspace(id),
    addItem: (id, generationId) => client.addWorkspaceItem(id, generationId),
    removeItem: (id, generationId) => client.removeWorkspaceItem(id, generationId),
    exists: async (id) => {
      let cursor: string | undefined;
      do {
        const page = await client.listWorkspaces({ limit: 500, ...(cursor ? { cursor } : {}) });
        if (page.items.some((w) => w.id === id)) return true;
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return false;
    },
  };
}

type PendingOp = 'create' | 'rename' | 'delete' | 'add' | 'remove';

interface PendingRow {
  seq: number;
  op: PendingOp;
  workspace_id: string;
  generation_id: string | null;
  name: string | null;
}

interface WorkspaceRow {
  id: string;
  name: string;
  created_at: string;
  updated_at: string;
  on_server: number;
  create_key: string | null;
}

export class WorkspaceNotFound extends Error {}

/** A (workspace, generation) pair, as a Set key. */
const pair = (workspaceId: string, generationId: string) => `${workspaceId}\n${generationId}`;

export class WorkspaceBook {
  constructor(
    private readonly store: HistoryStore,
    private readonly now: () => Date,
  ) {}

  // ---- the local view --------------------------------------------------------------------------------------
  /** The current id of a workspace: ids handed out offline map to the backend's id once it is created there. */
  resolve(accountId: string, id: string): string {
    return (
      this.store.get<{ workspace_id: string }>(
        'SELECT workspace_id FROM workspace_aliases WHERE account_id = ? AND alias = ?',
        accountId,
        id,
      )?.workspace_id ?? id
    );
  }

  list(accountId: string): Workspace[] {
    const rows = this.store.all<WorkspaceRow>(
      'SELECT id, name, created_at, updated_at, on_server, create_key FROM workspaces WHERE account_id = ? ORDER BY created_at, id',
      accountId,
    );
    return rows.map((row) => this.#view(accountId, row));
  }

  get(accountId: string, id: string): Workspace | null {
    const row = this.#row(accountId, this.resolve(accountId, id));
    return row ? this.#view(accountId, row) : null;
  }

  pendingCount(accountId: string): number {
    return (
      this.store.get<{ n: number }>('SELECT count(*) AS n FROM pending_changes WHERE account_id = ?', accountId)?.n ?? 0
    );
  }

  #row(accountId: string, id: string): WorkspaceRow | undefined {
    return this.store.get<WorkspaceRow>(
      'SELECT id, name, created_at, updated_at, on_server, create_key FROM workspaces WHERE account_id = ? AND id = ?',
      accountId,
      id,
    );
  }

  #view(accountId: string, row: WorkspaceRow): Workspace {
    const items = this.store.all<{ generation_id: string }>(
      'SELECT generation_id FROM workspace_items WHERE account_id = ? AND workspace_id = ? ORDER BY position, generation_id',
      accountId,
      row.id,
    );
    return {
      id: row.id,
      name: row.name,
      generationIds: items.map((i) => i.generation_id),
      createdAt: row.created_at,
      updatedAt: row.updated_at,
    };
  }

  #require(accountId: string, id: string): WorkspaceRow {
    const row = this.#row(accountId, this.resolve(accountId, id));
    if (!row) throw new WorkspaceNotFound(`Workspace ${id} was not found`);
    return row;
  }

  #queue(
    accountId: string,
    op: PendingOp,
    workspaceId: string,
    generationId: string | null = null,
    name: string | null = null,
  ): void {
    this.store.run(
      'INSERT INTO pending_changes (account_id, op, workspace_id, generation_id, name, queued_at) VALUES (?, ?, ?, ?, ?, ?)',
      accountId,
      op,
      workspaceId,
      generationId,
      name,
      this.now().toISOString(),
    );
  }

  #touch(accountId: string, id: string): void {
    this.store.run(
      'UPDATE workspaces SET updated_at = ? WHERE account_id = ? AND id = ?',
      this.now().toISOString(),
      accountId,
      id,
    );
  }

  #insertItem(accountId: string, workspaceId: string, generationId: string): void {
    const next =
      this.store.get<{ p: number | null }>(
        'SELECT max(position) AS p FROM workspace_items WHERE account_id = ? AND workspace_id = ?',
        accountId,
        workspaceId,
      )?.p ?? -1;
    this.store.addWorkspaceItem(accountId, workspaceId, generationId, next + 1);
  }

  #deleteLocally(accountId: string, id: string): void {
    this.store.run('DELETE FROM workspaces WHERE account_id = ? AND id = ?', accountId, id);
    this.store.run('DELETE FROM workspace_items WHERE account_id = ? AND workspace_id = ?', accountId, id);
  }

  // ---- changes made here -----------------------------------------------------------------------------------
  create(accountId: string, name: string): Workspace {
    return this.store.transaction('workspace create', () => {
      this.store.ensureAccount(accountId);
      const id = `local_${randomUUID()}`;
      const at = this.now().toISOString();
      this.store.run(
        'INSERT INTO workspaces (account_id, id, name, created_at, updated_at, on_server, create_key) VALUES (?, ?, ?, ?, ?, 0, ?)',
        accountId,
        id,
        name,
        at,
        at,
        randomUUID(),
      );
      this.#queue(accountId, 'create', id, null, name);
      return this.get(accountId, id)!;
    });
  }

  rename(accountId: string, id: string, name: string): Workspace {
    return this.store.transaction('workspace rename', () => {
      const row = this.#require(accountId, id);
      this.store.run('UPDATE workspaces SET name = ? WHERE account_id = ? AND id = ?', name, accountId, row.id);
      this.#touch(accountId, row.id);
      // Not on the backend yet: its create will carry the new name. Otherwise only the last rename needs sending.
      if (row.on_server === 1) {
        this.store.run(
          "DELETE FROM pending_changes WHERE account_id = ? AND workspace_id = ? AND op = 'rename'",
          accountId,
          row.id,
        );
        this.#queue(accountId, 'rename', row.id, null, name);
      }
      return this.get(accountId, row.id)!;
    });
  }

  delete(accountId: string, id: string): boolean {
    return this.store.transaction('workspace delete', () => {
      const row = this.#row(accountId, this.resolve(accountId, id));
      if (!row) return false;
      this.#deleteLocally(accountId, row.id);
      // Whatever was queued for it is moot; one that never reached the backend leaves nothing to send.
      this.store.run('DELETE FROM pending_changes WHERE account_id = ? AND workspace_id = ?', accountId, row.id);
      if (row.on_server === 1) this.#queue(accountId, 'delete', row.id);
      return true;
    });
  }

  add(accountId: string, id: string, generationId: string): Workspace {
    return this.store.transaction('workspace add', () => {
      const row = this.#require(accountId, id);
      const present = this.store.get(
        'SELECT 1 FROM workspace_items WHERE account_id = ? AND workspace_id = ? AND generation_id = ?',
        accountId,
        row.id,
        generationId,
      );
      if (!present) {
        this.#insertItem(accountId, row.id, generationId);
        this.#touch(accountId, row.id);
        const cancelled = this.store.run(
          "DELETE FROM pending_changes WHERE account_id = ? AND workspace_id = ? AND generation_id = ? AND op = 'remove'",
          accountId,
          row.id,
          generationId,
        );
        if (cancelled.changes === 0) this.#queue(accountId, 'add', row.id, generationId);
      }
      return this.get(accountId, row.id)!;
    });
  }

  remove(accountId: string, id: string, generationId: string): Workspace {
    return this.store.transaction('workspace remove', () => {
      const row = this.#require(accountId, id);
      const removed = this.store.run(
        'DELETE FROM workspace_items WHERE account_id = ? AND workspace_id = ? AND generation_id = ?',
        accountId,
        row.id,
        generationId,
      );
      if (removed.changes > 0) {
        this.#touch(accountId, row.id);
        const cancelled = this.store.run(
          "DELETE FROM pending_changes WHERE account_id = ? AND workspace_id = ? AND generation_id = ? AND op = 'add'",
          accountId,
          row.id,
          generationId,
        );
        if (cancelled.changes === 0) this.#queue(accountId, 'remove', row.id, generationId);
      }
      return this.get(accountId, row.id)!;
    });
  }

  // ---- what /v1/sync says (called inside the sync page's transaction) -----------------------------------------
  #pending(accountId: string, workspaceId: string): PendingRow[] {
    return this.store.all<PendingRow>(
      'SELECT seq, op, workspace_id, generation_id, name FROM pending_changes WHERE account_id = ? AND workspace_id = ? ORDER BY seq',
      accountId,
      workspaceId,
    );
  }

  /** Applies the queued changes of one workspace on top of what the backend said. */
  #replay(accountId: string, workspaceId: string): void {
    for (const change of this.#pending(accountId, workspaceId)) {
      if (change.op === 'rename' && change.name)
        this.store.run(
          'UPDATE workspaces SET name = ? WHERE account_id = ? AND id = ?',
          change.name,
          accountId,
          workspaceId,
        );
      else if (change.op === 'delete') this.#deleteLocally(accountId, workspaceId);
      else if (change.op === 'add' && change.generation_id && this.#row(accountId, workspaceId))
        this.#insertItem(accountId, workspaceId, change.generation_id);
      else if (change.op === 'remove' && change.generation_id) {
        this.store.run(
          'DELETE FROM workspace_items WHERE account_id = ? AND workspace_id = ? AND generation_id = ?',
          accountId,
          workspaceId,
          change.generation_id,
        );
      }
    }
  }

  applyServerWorkspace(accountId: string, workspace: Workspace): void {
    this.store.run(
      `INSERT INTO workspaces (account_id, id, name, created_at, updated_at, on_server, create_key) VALUES (?, ?, ?, ?, ?, 1, NULL)
       ON CONFLICT (account_id, id) DO UPDATE SET name = excluded.name, created_at = excluded.created_at, updated_at = excluded.updated_at, on_server = 1, create_key = NULL`,
      accountId,
      workspace.id,
      workspace.name,
      workspace.createdAt,
      workspace.updatedAt,
    );
    this.store.run('DELETE FROM workspace_items WHERE account_id = ? AND workspace_id = ?', accountId, workspace.id);
    workspace.generationIds.forEach((generationId, position) => {
      this.store.addWorkspaceItem(accountId, workspace.id, generationId, position);
    });
    this.#replay(accountId, workspace.id);
  }

  applyServerWorkspaceDeleted(accountId: string, workspaceId: string): void {
    const adds =
      this.store.get<{ n: number }>(
        "SELECT count(*) AS n FROM pending_changes WHERE account_id = ? AND workspace_id = ? AND op = 'add'",
        accountId,
        workspaceId,
      )?.n ?? 0;
    const row = this.#row(accountId, workspaceId);
    if (adds > 0 && row) {
      // Ours are kept: the workspace is made again on the backend (with a new id) holding the items added here.
      this.store.run(
        'UPDATE workspaces SET on_server = 0, create_key = ? WHERE account_id = ? AND id = ?',
        randomUUID(),
        accountId,
        workspaceId,
      );
      this.store.run('DELETE FROM workspace_items WHERE account_id = ? AND workspace_id = ?', accountId, workspaceId);
      this.store.run(
        "DELETE FROM pending_changes WHERE account_id = ? AND workspace_id = ? AND op IN ('rename', 'remove', 'delete')",
        accountId,
        workspaceId,
      );
      this.#replay(accountId, workspaceId);
      return;
    }
    this.#deleteLocally(accountId, workspaceId);
    this.store.run('DELETE FROM pending_changes WHERE account_id = ? AND workspace_id = ?', accountId, workspaceId);
  }

  /**
   * A generation's membership as the backend has it now. A removal queued here for a workspace it is (again) in on the
   * backend is dropped, and the item kept, unless this app itself made that membership change during this sync.
   */
  noteMembership(
    accountId: string,
    generationId: string,
    workspaceIds: readonly string[],
    ownChanges: ReadonlySet<string>,
  ): void {
    for (const workspaceId of workspaceIds) {
      if (ownChanges.has(pair(workspaceId, generationId))) continue;
      const dropped = this.store.run(
        "DELETE FROM pending_changes WHERE account_id = ? AND workspace_id = ? AND generation_id = ? AND op = 'remove'",
        accountId,
        workspaceId,
        generationId,
      );
      if (dropped.changes > 0 && this.#row(accountId, workspaceId))
        this.#insertItem(accountId, workspaceId, generationId);
    }
  }

  // ---- sending the queue -----------------------------------------------------------------------------------
  /**
   * Sends the queued changes in order. Stops (throwing) at the first one the backend cannot be reached for, leaving
   * it and the rest queued. Records the (workspace, generation) pairs it changed in `ownChanges`.
   */
  async push(accountId: string, remote: WorkspaceRemote, ownChanges: Set<string>): Promise<number> {
    let sent = 0;
    for (let guard = 0; guard < 10_000; guard += 1) {
      const change = this.store.get<PendingRow>(
        'SELECT seq, op, workspace_id, generation_id, name FROM pending_changes WHERE account_id = ? ORDER BY seq LIMIT 1',
        accountId,
      );
      if (!change) break;
      const done = await this.#send(accountId, change, remote, ownChanges);
      if (done) {
        this.store.run('DELETE FROM pending_changes WHERE seq = ?', change.seq);
        sent += 1;
      }
    }
    return sent;
  }

  /** Sends one change; false when it must be looked at again (the workspace has to be created first). */
  async #send(
    accountId: string,
    change: PendingRow,
    remote: WorkspaceRemote,
    ownChanges: Set<string>,
  ): Promise<boolean> {
    const row = this.#row(accountId, change.workspace_id);
    const generationId = change.generation_id;
    const gone = (error: unknown) => isApiError(error) && error.status === 404;
    switch (change.op) {
      case 'create':
        if (row && row.on_server === 0) await this.#createRemotely(accountId, row, remote);
        return true;
      case 'rename':
        if (!row || row.on_server === 0 || !change.name) return true;
        // The other side deleted it: the delete wins over a rename.
        await remote.rename(row.id, change.name).catch((error) => {
          if (!gone(error)) throw error;
        });
        return true;
      case 'delete':
        await remote.delete(change.workspace_id).catch((error) => {
          if (!gone(error)) throw error;
        });
        return true;
      case 'add': {
        if (!row || !generationId) return true;
        const id = row.on_server === 0 ? await this.#createRemotely(accountId, row, remote) : row.id;
        try {
          await remote.addItem(id, generationId);
          ownChanges.add(pair(id, generationId));
          return true;
        } catch (error) {
          if (!gone(error)) throw error;
          if (await remote.exists(id)) return true; // the generation was deleted: nothing to add
          // The workspace was deleted elsewhere: make it again, then add (see the rules above).
          this.store.run(
            'UPDATE workspaces SET on_server = 0, create_key = ? WHERE account_id = ? AND id = ?',
            randomUUID(),
            accountId,
            id,
          );
          return false;
        }
      }
      case 'remove':
        if (!row || row.on_server === 0 || !generationId) return true;
        await remote.removeItem(row.id, generationId).then(
          () => ownChanges.add(pair(row.id, generationId)),
          (error) => {
            if (!gone(error)) throw error;
          },
        );
        return true;
    }
  }

  /** Creates a workspace made here on the backend and moves every reference from its local id to the backend's. */
  async #createRemotely(accountId: string, row: WorkspaceRow, remote: WorkspaceRemote): Promise<string> {
    let created: Workspace;
    try {
      created = await remote.create(row.name, row.create_key ?? randomUUID());
    } catch (error) {
      // The key was used with another name (renamed between two attempts): a fresh key is a fresh request.
      if (!(isApiError(error) && error.code === 'idempotency_conflict')) throw error;
      created = await remote.create(row.name, randomUUID());
    }
    this.store.transaction('workspace id mapping', () => {
      const from = row.id;
      const to = created.id;
      this.store.run(
        'UPDATE workspaces SET id = ?, on_server = 1, create_key = NULL, created_at = ?, updated_at = ? WHERE account_id = ? AND id = ?',
        to,
        created.createdAt,
        created.updatedAt,
        accountId,
        from,
      );
      this.store.run(
        'UPDATE workspace_items SET workspace_id = ? WHERE account_id = ? AND workspace_id = ?',
        to,
        accountId,
        from,
      );
      this.store.run(
        'UPDATE pending_changes SET workspace_id = ? WHERE account_id = ? AND workspace_id = ?',
        to,
        accountId,
        from,
      );
      this.store.run(
        'UPDATE workspace_aliases SET workspace_id = ? WHERE account_id = ? AND workspace_id = ?',
        to,
        accountId,
        from,
      );
      this.store.run(
        'INSERT OR REPLACE INTO workspace_aliases (account_id, alias, workspace_id) VALUES (?, ?, ?)',
        accountId,
        from,
        to,
      );
    });
    return created.id;
  }
}
