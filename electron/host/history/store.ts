/**
 * The offline store (H2): one SQLite file (node:sqlite, WAL) with every generation of every account, their outputs,
 * workspaces, pending workspace changes, the per-account sync cursor and the output cache's bookkeeping.
 *
 * Blocking (the Electron main process must never stall for more than 50 ms): the store runs on the main thread and
 * keeps every statement and transaction short instead of moving to a worker_threads Worker. A Worker would need its
 * own bundle entry in the build and a second TypeScript loader path under vitest/tsx, and would copy every page of
 * results across threads. The work is small per step instead: sync applies 100 changes per transaction and yields to
 * the event loop between them, a search reads one page through a covering index or the account's full-text index
 * (totals of plain filters come from kept counts), analytics sum 5,000 rows per step, an account is removed 2,000
 * rows per step, and cache bookkeeping is single-row. Every transaction and query runs through `measured`, which the
 * benchmark's store times to print the longest. WAL checkpoints (which write and fsync the database file) run on a second connection
 * in a small worker thread, so their disk waits never land on the main thread.
 *
 * No ANALYZE: the queries are written so that the planner's defaults pick the right index (statistics once made it
 * drive a workspace query from the wrong side; CROSS JOIN now fixes that order), and analyzing 100,000 rows blocks the
 * thread too long (docs/PERFORMANCE.md#the-apps-offline-history).
 *
 * Row keys: a generation's INTEGER PRIMARY KEY is `createdAt (ms) * 1024 + n`, so rowid order is creation order. The
 * history grid's order, date ranges and full-text results (FTS5 returns rowids in order) all come from the key
 * without a sort. 1024 generations may share one millisecond; the key stays below 2^53 until the year 2248.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import type { Worker } from 'node:worker_threads';
import { checkpointWorker, type CheckpointMessage } from '../../../backend/storage/checkpointer.js';
import { silentHostLog, type HostLog } from '../host-log.js';
import type { Generation } from '../../../shared/api.js';
import { metaToken, promptMatchExpression } from './search-query.js';
import { ROW_KEY_SLOTS, SCHEMA, SCHEMA_VERSION, textTableSchema } from './store-schema.js';
import { countedTotalQuery, rowQuery, SearchTotals, textQuery, type HistoryFilter } from './store-search.js';

export { ROW_KEY_SLOTS } from './store-schema.js';
export type { HistoryFilter } from './store-search.js';

export interface GenerationRow {
  rowKey: number;
  id: string;
  pinned: boolean;
  generation: Generation;
}

export interface OutputRef {
  accountId: string;
  outputId: string;
  generationId: string;
  kind: string;
  mime: string;
  bytes: number;
  sha256: string;
}

/** How often written pages are checkpointed (by the worker of backend/storage/checkpointer.ts, on request). */
const CHECKPOINT_EVERY_MS = 1_000;

export class HistoryStore {
  readonly db: DatabaseSync;
  readonly #statements = new Map<string, StatementSync>();
  #depth = 0;
  #checkpointer: Worker | null = null;
  #checkpointTimer: NodeJS.Timeout | null = null;
  #dirty = false;
  #checkpointing = false;
  readonly #textTables = new Map<string, string>();
  /** Bumped by every write that can change what a search finds: a filter's cached total is valid while it stays. */
  /** Kept search totals (the benchmark clears them to measure filters seen for the first time). */
  protected readonly totals = new SearchTotals();

  constructor(
    readonly path: string,
    private readonly log: HostLog = silentHostLog(),
  ) {
    mkdirSync(dirname(path), { recursive: true });
    this.db = new DatabaseSync(path);
    this.db.exec(
      'PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 2000; PRAGMA temp_store = MEMORY; PRAGMA cache_size = -32000;',
    );
    this.db.exec(SCHEMA);
    this.db
      .prepare('INSERT OR IGNORE INTO store_meta (key, value) VALUES (?, ?)')
      .run('schema_version', String(SCHEMA_VERSION));
    this.#startCheckpointer();
  }

  #startCheckpointer(): void {
    try {
      const worker = checkpointWorker(this.path, { busyTimeoutMs: 1_000 });
      worker.on('message', (message: CheckpointMessage) => {
        // A busy database is checkpointed on the next tick; the WAL only grows meanwhile.
        if ('failed' in message) this.log.warn('checkpoint', message.failed, 'A history checkpoint failed');
        else this.#checkpointing = false;
      });
      worker.on('error', (error) => {
        this.log.warn(
          'checkpointer',
          error,
          'The history checkpointer stopped: SQLite checkpoints on the main thread again',
        );
        this.#stopCheckpointer();
      });
      this.#checkpointer = worker;
      this.db.exec('PRAGMA wal_autocheckpoint = 0');
      this.#checkpointTimer = setInterval(() => {
        if (!this.#dirty || this.#checkpointing || !this.#checkpointer) return;
        this.#dirty = false;
        this.#checkpointing = true;
        this.#checkpointer.postMessage('checkpoint');
      }, CHECKPOINT_EVERY_MS);
      this.#checkpointTimer.unref();
    } catch (error) {
      this.log.warn(
        'checkpointer',
        error,
        'The history checkpointer could not start: SQLite checkpoints on the main thread',
      );
      this.#stopCheckpointer();
    }
  }

  /** Without the worker, SQLite checkpoints by itself again (on the main thread). */
  #stopCheckpointer(): void {
    if (this.#checkpointTimer) clearInterval(this.#checkpointTimer);
    this.#checkpointTimer = null;
    this.#checkpointer = null;
    if (this.db.isOpen) this.db.exec('PRAGMA wal_autocheckpoint = 1000');
  }

  async close(): Promise<void> {
    const worker = this.#checkpointer;
    this.#stopCheckpointer();
    if (worker) {
      // Held until it has closed its connection (the main connection's close then checkpoints the rest).
      worker.ref();
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      worker.postMessage('close');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2_000)))]);
      clearTimeout(timer);
      await worker.terminate();
    }
    this.#statements.clear();
    if (this.db.isOpen) this.db.close();
  }

  // ---- low-level helpers -----------------------------------------------------------------------------------
  statement(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  run(sql: string, ...params: SQLInputValue[]): { changes: number } {
    const result = this.statement(sql).run(...params);
    const changes = Number(result.changes);
    if (changes > 0) this.totals.wrote(sql);
    return { changes };
  }

  get<T>(sql: string, ...params: SQLInputValue[]): T | undefined {
    return this.statement(sql).get(...params) as T | undefined;
  }

  all<T>(sql: string, ...params: SQLInputValue[]): T[] {
    return this.statement(sql).all(...params) as T[];
  }

  /**
   * One synchronous step (a transaction, a query, a slice of analytics) by its label. Here it only runs it; the
   * benchmark's store times every step through this seam to find the longest.
   */
  measured<T>(_label: string, work: () => T): T {
    return work();
  }

  /** Runs `work` in one write transaction (nested calls join the outer one). */
  transaction<T>(label: string, work: () => T): T {
    if (this.#depth > 0) return work();
    return this.measured(label, () => {
      this.db.exec('BEGIN IMMEDIATE');
      this.#depth += 1;
      try {
        const result = work();
        this.db.exec('COMMIT');
        this.#dirty = true;
        return result;
      } catch (error) {
        this.db.exec('ROLLBACK');
        // A full-text table made in this transaction is gone again.
        this.#textTables.clear();
        throw error;
      } finally {
        this.#depth -= 1;
      }
    });
  }

  // ---- accounts --------------------------------------------------------------------------------------------
  /** Makes the account's row and its full-text table; returns the table's name. */
  ensureAccount(accountId: string): string {
    const known = this.#textTables.get(accountId);
    if (known) return known;
    let row = this.get<{ text_table: string }>('SELECT text_table FROM accounts WHERE account_id = ?', accountId);
    if (!row) {
      this.transaction('add account', () => {
        const next = Number(
          this.get<{ value: string }>("SELECT value FROM store_meta WHERE key = 'next_text_table'")?.value ?? '1',
        );
        this.run("INSERT OR REPLACE INTO store_meta (key, value) VALUES ('next_text_table', ?)", String(next + 1));
        this.run('INSERT INTO accounts (account_id, text_table) VALUES (?, ?)', accountId, `generation_text_${next}`);
      });
      row = {
        text_table: this.get<{ text_table: string }>('SELECT text_table FROM accounts WHERE account_id = ?', accountId)!
          .text_table,
      };
    }
    this.db.exec(textTableSchema(row.text_table));
    this.#textTables.set(accountId, row.text_table);
    return row.text_table;
  }

  /** The account's full-text table, or null when the store has never seen the account. */
  #textTable(accountId: string): string | null {
    const known = this.#textTables.get(accountId);
    if (known) return known;
    return this.get<{ text_table: string }>('SELECT text_table FROM accounts WHERE account_id = ?', accountId)
      ? this.ensureAccount(accountId)
      : null;
  }

  account(accountId: string): { cursor: string | null; lastSyncedAt: string | null; timeZone: string | null } | null {
    const row = this.get<{ sync_cursor: string | null; last_synced_at: string | null; time_zone: string | null }>(
      'SELECT sync_cursor, last_synced_at, time_zone FROM accounts WHERE account_id = ?',
      accountId,
    );
    return row ? { cursor: row.sync_cursor, lastSyncedAt: row.last_synced_at, timeZone: row.time_zone } : null;
  }

  setCursor(accountId: string, cursor: string, at: string): void {
    this.ensureAccount(accountId);
    this.run('UPDATE accounts SET sync_cursor = ?, last_synced_at = ? WHERE account_id = ?', cursor, at, accountId);
  }

  setTimeZone(accountId: string, zone: string): void {
    this.ensureAccount(accountId);
    this.run('UPDATE accounts SET time_zone = ? WHERE account_id = ? AND time_zone IS NOT ?', zone, accountId, zone);
  }

  /**
   * Forgets part of an account: up to `batch` generations (rows, outputs, cache rows), so that a large account is
   * removed in short steps. Once no generation is left, its other rows and its full-text table go too. Returns how
   * many generations went.
   */
  removeAccountStep(accountId: string, batch = 2_000): number {
    return this.transaction('remove account', () => {
      const rows = this.all<{ row_key: number; id: string }>(
        'SELECT row_key, id FROM generations WHERE account_id = ? LIMIT ?',
        accountId,
        batch,
      );
      for (const row of rows) {
        this.run(
          'DELETE FROM cache_entries WHERE account_id = ? AND output_id IN (SELECT output_id FROM outputs WHERE account_id = ? AND generation_id = ?)',
          accountId,
          accountId,
          row.id,
        );
        this.run('DELETE FROM outputs WHERE account_id = ? AND generation_id = ?', accountId, row.id);
        this.run('DELETE FROM generations WHERE row_key = ?', row.row_key);
      }
      if (rows.length === 0) {
        const table = this.get<{ text_table: string }>(
          'SELECT text_table FROM accounts WHERE account_id = ?',
          accountId,
        )?.text_table;
        if (table) this.db.exec(`DROP TABLE IF EXISTS ${table}`);
        this.#textTables.delete(accountId);
        for (const name of [
          'generation_counts',
          'outputs',
          'cache_entries',
          'workspaces',
          'workspace_items',
          'workspace_aliases',
          'pending_changes',
          'accounts',
        ]) {
          this.run(`DELETE FROM ${name} WHERE account_id = ?`, accountId);
        }
      }
      return rows.length;
    });
  }

  // ---- generations -----------------------------------------------------------------------------------------
  /** Inserts or updates one generation (its row, its full-text entry, its outputs). Call inside a transaction. */
  upsertGeneration(accountId: string, generation: Generation): void {
    const text = this.ensureAccount(accountId);
    const existing = this.get<{ row_key: number; tool: string; model_id: string; status: string; deleted: number }>(
      'SELECT row_key, tool, model_id, status, deleted FROM generations WHERE account_id = ? AND id = ?',
      accountId,
      generation.id,
    );
    if (existing?.deleted === 0) this.#count(accountId, existing.tool, existing.model_id, existing.status, -1);
    this.#count(accountId, generation.tool, generation.modelId, generation.status, 1);
    const data = JSON.stringify(generation);
    const { credits, generations, refunded } = generation.charge;
    let rowKey: number;
    if (existing) {
      rowKey = existing.row_key;
      this.run(
        'UPDATE generations SET tool = ?, model_id = ?, status = ?, cost_credits = ?, cost_generations = ?, refunded = ?, deleted = 0, data = ? WHERE row_key = ?',
        generation.tool,
        generation.modelId,
        generation.status,
        credits,
        generations,
        refunded ? 1 : 0,
        data,
        rowKey,
      );
      if (existing.status !== generation.status || existing.deleted === 1) {
        if (existing.deleted === 0) this.run(`DELETE FROM ${text} WHERE rowid = ?`, rowKey);
        this.#index(text, rowKey, generation);
      }
      if (existing.deleted === 1)
        this.run(
          'UPDATE workspace_items SET row_key = ? WHERE account_id = ? AND generation_id = ?',
          rowKey,
          accountId,
          generation.id,
        );
    } else {
      const createdMs = Date.parse(generation.createdAt);
      rowKey = this.#newRowKey(createdMs);
      this.run(
        'INSERT INTO generations (row_key, account_id, id, created_ms, tool, model_id, status, cost_credits, cost_generations, refunded, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        rowKey,
        accountId,
        generation.id,
        createdMs,
        generation.tool,
        generation.modelId,
        generation.status,
        credits,
        generations,
        refunded ? 1 : 0,
        data,
      );
      this.#index(text, rowKey, generation);
      this.run(
        'UPDATE workspace_items SET row_key = ? WHERE account_id = ? AND generation_id = ?',
        rowKey,
        accountId,
        generation.id,
      );
    }
    for (const output of generation.outputs) {
      this.run(
        'INSERT OR IGNORE INTO outputs (account_id, output_id, generation_id, kind, mime, bytes, sha256) VALUES (?, ?, ?, ?, ?, ?, ?)',
        accountId,
        output.id,
        generation.id,
        output.kind,
        output.mime,
        output.bytes,
        output.sha256,
      );
    }
  }

  #newRowKey(createdMs: number): number {
    const base = createdMs * ROW_KEY_SLOTS;
    const row = this.get<{ last: number | null }>(
      'SELECT max(row_key) AS last FROM generations WHERE row_key >= ? AND row_key < ?',
      base,
      base + ROW_KEY_SLOTS,
    );
    const last = row?.last ?? null;
    if (last === null) return base;
    // More than 1024 in one millisecond spill into the next millisecond's keys: the order stays right to the ms.
    return last + 1 < base + ROW_KEY_SLOTS ? last + 1 : this.#firstFreeAfter(base + ROW_KEY_SLOTS);
  }

  #firstFreeAfter(key: number): number {
    let candidate = key;
    while (this.get('SELECT 1 FROM generations WHERE row_key = ?', candidate)) candidate += 1;
    return candidate;
  }

  #count(accountId: string, tool: string, modelId: string, status: string, delta: number): void {
    this.run(
      'INSERT INTO generation_counts (account_id, tool, model_id, status, n) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO UPDATE SET n = n + excluded.n',
      accountId,
      tool,
      modelId,
      status,
      delta,
    );
  }

  #index(table: string, rowKey: number, generation: Generation): void {
    const meta = [
      metaToken('t', generation.tool),
      metaToken('m', generation.modelId),
      metaToken('s', generation.status),
    ].join(' ');
    this.run(
      `INSERT INTO ${table} (rowid, prompt, meta) VALUES (?, ?, ?)`,
      rowKey,
      generation.prompt.normalize('NFC'),
      meta,
    );
  }

  /** Adds a generation to a workspace (no-op when it is there); call inside a transaction. */
  addWorkspaceItem(accountId: string, workspaceId: string, generationId: string, position: number): void {
    this.run(
      `INSERT OR IGNORE INTO workspace_items (account_id, workspace_id, generation_id, position, row_key)
       VALUES (?, ?, ?, ?, (SELECT row_key FROM generations WHERE account_id = ? AND id = ? AND deleted = 0))`,
      accountId,
      workspaceId,
      generationId,
      position,
      accountId,
      generationId,
    );
  }

  /**
   * A generation deleted on the backend (`op: delete`): its row stays with the deleted flag set (out of every search,
   * total and sum), everything hanging off it goes. Returns its outputs' cache files to delete.
   */
  markGenerationDeleted(accountId: string, generationId: string): string[] {
    const row = this.get<{ row_key: number; tool: string; model_id: string; status: string; deleted: number }>(
      'SELECT row_key, tool, model_id, status, deleted FROM generations WHERE account_id = ? AND id = ?',
      accountId,
      generationId,
    );
    if (row && row.deleted === 0) {
      this.#count(accountId, row.tool, row.model_id, row.status, -1);
      const text = this.#textTable(accountId);
      if (text) this.run(`DELETE FROM ${text} WHERE rowid = ?`, row.row_key);
      this.run('UPDATE generations SET deleted = 1, pinned = 0 WHERE row_key = ?', row.row_key);
    }
    this.run('DELETE FROM workspace_items WHERE account_id = ? AND generation_id = ?', accountId, generationId);
    const files = this.all<{ path: string; thumb_path: string | null }>(
      'SELECT c.path, c.thumb_path FROM cache_entries c JOIN outputs o ON o.account_id = c.account_id AND o.output_id = c.output_id WHERE o.account_id = ? AND o.generation_id = ?',
      accountId,
      generationId,
    );
    this.run(
      'DELETE FROM cache_entries WHERE account_id = ? AND output_id IN (SELECT output_id FROM outputs WHERE account_id = ? AND generation_id = ?)',
      accountId,
      accountId,
      generationId,
    );
    this.run('DELETE FROM outputs WHERE account_id = ? AND generation_id = ?', accountId, generationId);
    return files.flatMap((f) => (f.thumb_path ? [f.path, `${f.path}.part`, f.thumb_path] : [f.path, `${f.path}.part`]));
  }

  generationExists(accountId: string, generationId: string): boolean {
    return !!this.get(
      'SELECT 1 FROM generations WHERE account_id = ? AND id = ? AND deleted = 0',
      accountId,
      generationId,
    );
  }

  setPinned(accountId: string, generationId: string, pinned: boolean): boolean {
    return (
      this.run(
        'UPDATE generations SET pinned = ? WHERE account_id = ? AND id = ? AND deleted = 0',
        pinned ? 1 : 0,
        accountId,
        generationId,
      ).changes > 0
    );
  }

  // ---- search ----------------------------------------------------------------------------------------------
  /** The row keys of one page of the history grid, newest first, and how many match in all. */
  search(filter: HistoryFilter, offset: number, limit: number): { rowKeys: number[]; total: number } {
    return this.measured('search', () => {
      const text = filter.q ? promptMatchExpression(filter.q) : null;
      const table = this.#textTable(filter.accountId);
      if (!table) return { rowKeys: [], total: 0 };
      const query = text ? textQuery(table, filter, text) : rowQuery(filter);
      const { from, params, order } = query;
      const clause = query.where.join(' AND ');
      const total = this.totals.total(query, () => {
        if (text || filter.workspaceId || filter.from || filter.to)
          return this.get<{ n: number }>(`SELECT count(*) AS n FROM ${from} WHERE ${clause}`, ...params)?.n ?? 0;
        const counted = countedTotalQuery(filter);
        return this.get<{ n: number | null }>(counted.sql, ...counted.params)?.n ?? 0;
      });
      if (offset >= total) return { rowKeys: [], total };
      // OFFSET walks past what it skips: past the middle, walk from the other end (the total says where that is).
      if (offset + limit / 2 > total / 2) {
        const count = Math.min(limit, total - offset);
        const rows = this.all<{ k: number }>(
          `SELECT ${order} AS k FROM ${from} WHERE ${clause} ORDER BY ${order} ASC LIMIT ? OFFSET ?`,
          ...params,
          count,
          total - offset - count,
        );
        return { rowKeys: rows.map((r) => r.k).reverse(), total };
      }
      const rows = this.all<{ k: number }>(
        `SELECT ${order} AS k FROM ${from} WHERE ${clause} ORDER BY ${order} DESC LIMIT ? OFFSET ?`,
        ...params,
        limit,
        offset,
      );
      return { rowKeys: rows.map((r) => r.k), total };
    });
  }

  /** The generations of the given row keys, in that order. */
  rows(rowKeys: number[]): GenerationRow[] {
    if (rowKeys.length === 0) return [];
    return this.measured('read rows', () => {
      const rows = this.all<{ row_key: number; id: string; pinned: number; data: string }>(
        'SELECT row_key, id, pinned, data FROM generations WHERE row_key IN (SELECT value FROM json_each(?))',
        JSON.stringify(rowKeys),
      );
      const byKey = new Map(rows.map((r) => [r.row_key, r]));
      return rowKeys.flatMap((key) => {
        const row = byKey.get(key);
        return row
          ? [
              {
                rowKey: row.row_key,
                id: row.id,
                pinned: row.pinned === 1,
                generation: JSON.parse(row.data) as Generation,
              },
            ]
          : [];
      });
    });
  }

  rowByGenerationId(accountId: string, generationId: string): GenerationRow | null {
    const row = this.get<{ row_key: number }>(
      'SELECT row_key FROM generations WHERE account_id = ? AND id = ? AND deleted = 0',
      accountId,
      generationId,
    );
    return row ? (this.rows([row.row_key])[0] ?? null) : null;
  }

  /** Per generation: the workspaces it is in (the local view, offline changes included). */
  workspaceIdsOf(accountId: string, generationIds: string[]): Map<string, string[]> {
    const result = new Map<string, string[]>();
    if (generationIds.length === 0) return result;
    const rows = this.all<{ generation_id: string; workspace_id: string }>(
      'SELECT generation_id, workspace_id FROM workspace_items WHERE account_id = ? AND generation_id IN (SELECT value FROM json_each(?)) ORDER BY workspace_id',
      accountId,
      JSON.stringify(generationIds),
    );
    for (const row of rows) result.set(row.generation_id, [...(result.get(row.generation_id) ?? []), row.workspace_id]);
    return result;
  }

  /** Per output: its cache state as stored (`queued`, `downloading`, `cached`), absent when never fetched. */
  cacheStatesOf(accountId: string, outputIds: string[]): Map<string, string> {
    if (outputIds.length === 0) return new Map();
    const rows = this.all<{ output_id: string; state: string }>(
      'SELECT output_id, state FROM cache_entries WHERE account_id = ? AND output_id IN (SELECT value FROM json_each(?))',
      accountId,
      JSON.stringify(outputIds),
    );
    return new Map(rows.map((r) => [r.output_id, r.state]));
  }

  output(accountId: string, outputId: string): OutputRef | null {
    const row = this.get<{ generation_id: string; kind: string; mime: string; bytes: number; sha256: string }>(
      'SELECT generation_id, kind, mime, bytes, sha256 FROM outputs WHERE account_id = ? AND output_id = ?',
      accountId,
      outputId,
    );
    return row
      ? {
          accountId,
          outputId,
          generationId: row.generation_id,
          kind: row.kind,
          mime: row.mime,
          bytes: row.bytes,
          sha256: row.sha256,
        }
      : null;
  }

  outputsOfRows(accountId: string, rowKeys: number[]): OutputRef[] {
    if (rowKeys.length === 0) return [];
    const rows = this.all<{
      output_id: string;
      generation_id: string;
      kind: string;
      mime: string;
      bytes: number;
      sha256: string;
    }>(
      `SELECT o.output_id, o.generation_id, o.kind, o.mime, o.bytes, o.sha256 FROM outputs o
         JOIN generations g ON g.account_id = o.account_id AND g.id = o.generation_id
        WHERE g.row_key IN (SELECT value FROM json_each(?)) AND o.account_id = ?`,
      JSON.stringify(rowKeys),
      accountId,
    );
    return rows.map((r) => ({
      accountId,
      outputId: r.output_id,
      generationId: r.generation_id,
      kind: r.kind,
      mime: r.mime,
      bytes: r.bytes,
      sha256: r.sha256,
    }));
  }

  /** Row keys of the generations in a workspace (the local view). */
  workspaceRowKeys(accountId: string, workspaceId: string): number[] {
    return this.all<{ row_key: number }>(
      'SELECT g.row_key FROM workspace_items wi CROSS JOIN generations g ON g.row_key = wi.row_key WHERE wi.account_id = ? AND wi.workspace_id = ? AND g.deleted = 0',
      accountId,
      workspaceId,
    ).map((r) => r.row_key);
  }
}
