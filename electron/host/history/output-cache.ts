/**
 * The output cache (H2): output files in `<dataDir>/cache/<account>/`, fetched in the background with bounded
 * concurrency, resumable (a `.part` file continues with `Range` + `If-Range: <ETag>` after a restart), verified against
 * the output's sha256 before it is renamed into place, and thumbnailed locally with sharp. Files are checked again when
 * served: a file whose size or times changed since it was verified is hashed again, and a broken one is fetched again,
 * never served. Above the size limit the least recently viewed files go first; pinned generations and generations in
 * a workspace are never evicted.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { CompanionClient } from '../../../shared/client.js';
import { isApiError } from '../../../shared/errors.js';
import type { HostLog } from '../host-log.js';
import type { HistoryStore, OutputRef } from './store.js';

export const THUMBNAIL_SIDE = 256;

const EXTENSIONS: Record<string, string> = {
  'image/png': '.png',
  'image/jpeg': '.jpg',
  'image/webp': '.webp',
  'image/gif': '.gif',
  'audio/wav': '.wav',
  'audio/mpeg': '.mp3',
  'video/mp4': '.mp4',
  'video/webm': '.webm',
};

/** Where an output's file lives in the cache (its `.part` sits beside it while it downloads). */
export function cacheFilePath(cacheDir: string, accountId: string, outputId: string, mime: string): string {
  return join(cacheDir, encodeURIComponent(accountId), `${encodeURIComponent(outputId)}${EXTENSIONS[mime] ?? '.bin'}`);
}

export function thumbnailPath(cacheDir: string, accountId: string, outputId: string): string {
  return join(cacheDir, encodeURIComponent(accountId), 'thumbs', `${encodeURIComponent(outputId)}.webp`);
}

export interface OutputCacheOptions {
  store: HistoryStore;
  cacheDir: string;
  /** The account's live client (with its token), or null when it is not connected: downloads then wait. */
  clientFor(accountId: string): CompanionClient | null;
  isOnline(accountId: string): boolean;
  limitBytes(): number;
  onChange(accountId: string): void;
  now(): number;
  /** Background downloads at once (files opened for viewing do not wait for a slot). */
  concurrency?: number;
  /** Where survived failures go (a broken download, a thumbnail sharp could not make). */
  log: HostLog;
}

interface EntryRow {
  account_id: string;
  output_id: string;
  state: string;
  path: string;
  bytes: number;
  sha256: string;
  verified_size: number | null;
  verified_mtime_ms: number | null;
  verified_ctime_ms: number | null;
  thumb_path: string | null;
}

type Outcome = 'cached' | 'offline' | 'gone';

const key = (accountId: string, outputId: string) => `${accountId}\n${outputId}`;

export async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** A 256 px WebP of an image, or of the first frame of an animated one (a video). */
export async function makeThumbnail(source: string, target: string): Promise<number> {
  await mkdir(dirname(target), { recursive: true });
  const temporary = `${target}.${randomUUID()}.tmp`;
  // Loaded on first use: the native image library is slow to load (docs/PERFORMANCE.md), and no thumbnail is needed yet.
  const { default: sharp } = await import('sharp');
  const info = await sharp(source, { pages: 1, limitInputPixels: 100_000_000 })
    .resize(THUMBNAIL_SIDE, THUMBNAIL_SIDE, { fit: 'inside', withoutEnlargement: true })
    .webp({ quality: 72 })
    .toFile(temporary);
  await rename(temporary, target);
  return info.size;
}

export class OutputCache {
  readonly #inFlight = new Map<string, { done: Promise<Outcome>; abort: AbortController }>();
  /** Accounts whose last download could not reach the backend: left alone until resume() is called again. */
  readonly #unreachable = new Set<string>();
  #background = 0;
  #pumping = false;
  #stopped = false;
  readonly #concurrency: number;

  constructor(private readonly options: OutputCacheOptions) {
    this.#concurrency = options.concurrency ?? 3;
    // Downloads that were running when the app stopped are queued again; their .part files let them continue.
    options.store.run("UPDATE cache_entries SET state = 'queued' WHERE state = 'downloading'");
  }

  get #store(): HistoryStore {
    return this.options.store;
  }

  #entry(accountId: string, outputId: string): EntryRow | undefined {
    return this.#store.get<EntryRow>(
      'SELECT account_id, output_id, state, path, bytes, sha256, verified_size, verified_mtime_ms, verified_ctime_ms, thumb_path FROM cache_entries WHERE account_id = ? AND output_id = ?',
      accountId,
      outputId,
    );
  }

  /** Queues background downloads of the outputs not cached yet; returns how many were queued. */
  async enqueue(outputs: readonly OutputRef[]): Promise<number> {
    if (outputs.length === 0) return 0;
    const now = this.options.now();
    let queued = 0;
    for (let start = 0; start < outputs.length; start += 500) {
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      this.#store.transaction('cache enqueue', () => {
        for (const output of outputs.slice(start, start + 500)) {
          const path = cacheFilePath(this.options.cacheDir, output.accountId, output.outputId, output.mime);
          queued += this.#store.run(
            "INSERT OR IGNORE INTO cache_entries (account_id, output_id, state, path, sha256, queued_at) VALUES (?, ?, 'queued', ?, ?, ?)",
            output.accountId,
            output.outputId,
            path,
            output.sha256,
            now,
          ).changes;
        }
      });
    }
    this.resume();
    return queued;
  }

  /** Starts queued downloads of accounts that are online (at start, when an account comes online, after a sync). */
  resume(): void {
    this.#unreachable.clear();
    this.#pump();
  }

  #pump(): void {
    if (this.#pumping || this.#stopped) return;
    this.#pumping = true;
    try {
      while (this.#background < this.#concurrency) {
        const next = this.#oldestQueued();
        if (!next) return;
        const output = this.#store.output(next.account_id, next.output_id);
        if (!output) {
          this.#store.run(
            'DELETE FROM cache_entries WHERE account_id = ? AND output_id = ?',
            next.account_id,
            next.output_id,
          );
          continue;
        }
        this.#background += 1;
        void this.#download(output)
          .then((outcome) => {
            // Not reachable after all: no retry loop; the next sync that reaches the backend resumes.
            if (outcome === 'offline') this.#unreachable.add(output.accountId);
          })
          .finally(() => {
            this.#background -= 1;
            this.#pump();
          });
      }
    } finally {
      this.#pumping = false;
    }
  }

  /** The download queued longest ago among accounts that can download now (one indexed lookup per account). */
  #oldestQueued(): { account_id: string; output_id: string } | null {
    let oldest: { account_id: string; output_id: string; queued_at: number } | null = null;
    for (const { account_id } of this.#store.all<{ account_id: string }>('SELECT account_id FROM accounts')) {
      if (this.#unreachable.has(account_id) || !this.options.isOnline(account_id)) continue;
      const row = this.#store.get<{ output_id: string; queued_at: number }>(
        "SELECT output_id, queued_at FROM cache_entries WHERE state = 'queued' AND account_id = ? ORDER BY queued_at LIMIT 1",
        account_id,
      );
      if (row && (!oldest || row.queued_at < oldest.queued_at)) oldest = { account_id, ...row };
    }
    return oldest;
  }

  /** Cache state per output as the history grid shows it. */
  static visibleState(stored: string | undefined): 'cached' | 'missing' | 'downloading' {
    if (stored === 'cached') return 'cached';
    if (stored === 'queued' || stored === 'downloading') return 'downloading';
    return 'missing';
  }

  /**
   * The file to serve for an output (its thumbnail for `thumb`), fetching it first when it is missing or broken and the
   * account is online. Null when it cannot be had (offline and not cached, gone from the backend, audio thumbnails).
   */
  async open(output: OutputRef, variant: 'thumb' | 'full'): Promise<{ path: string; mime: string } | null> {
    if (variant === 'thumb' && output.kind === 'audio') return null;
    let entry = this.#entry(output.accountId, output.outputId);
    if (entry?.state === 'cached' && !(await this.#stillGood(entry, output))) {
      await this.#discard(entry);
      entry = undefined;
    }
    if (entry?.state !== 'cached') {
      if (!this.options.isOnline(output.accountId)) return null;
      const outcome = await this.#download(output);
      if (outcome !== 'cached') return null;
      entry = this.#entry(output.accountId, output.outputId);
      if (!entry) return null;
    }
    this.#store.run(
      'UPDATE cache_entries SET last_viewed_at = ? WHERE account_id = ? AND output_id = ?',
      this.options.now(),
      output.accountId,
      output.outputId,
    );
    if (variant === 'full') return { path: entry.path, mime: output.mime };
    const thumb = await this.#thumbnail(entry, output);
    return thumb ? { path: thumb, mime: 'image/webp' } : null;
  }

  /** Cheap check first (size and times as verified), a full hash only when they changed. */
  async #stillGood(entry: EntryRow, output: OutputRef): Promise<boolean> {
    const info = await stat(entry.path).catch(() => null);
    if (!info || info.size !== output.bytes) return false;
    if (
      info.size === entry.verified_size &&
      info.mtimeMs === entry.verified_mtime_ms &&
      info.ctimeMs === entry.verified_ctime_ms
    )
      return true;
    if ((await sha256OfFile(entry.path)) !== output.sha256) return false;
    this.#store.run(
      'UPDATE cache_entries SET verified_size = ?, verified_mtime_ms = ?, verified_ctime_ms = ? WHERE account_id = ? AND output_id = ?',
      info.size,
      info.mtimeMs,
      info.ctimeMs,
      entry.account_id,
      entry.output_id,
    );
    return true;
  }

  async #discard(entry: EntryRow): Promise<void> {
    this.#store.run(
      'DELETE FROM cache_entries WHERE account_id = ? AND output_id = ?',
      entry.account_id,
      entry.output_id,
    );
    await Promise.all([
      rm(entry.path, { force: true }),
      entry.thumb_path ? rm(entry.thumb_path, { force: true }) : null,
    ]);
    this.options.onChange(entry.account_id);
  }

  async #thumbnail(entry: EntryRow, output: OutputRef): Promise<string | null> {
    if (entry.thumb_path && (await stat(entry.thumb_path).catch(() => null))) return entry.thumb_path;
    const target = thumbnailPath(this.options.cacheDir, output.accountId, output.outputId);
    try {
      const size = await makeThumbnail(entry.path, target);
      this.#store.run(
        'UPDATE cache_entries SET thumb_path = ?, thumb_bytes = ? WHERE account_id = ? AND output_id = ?',
        target,
        size,
        output.accountId,
        output.outputId,
      );
      return target;
    } catch (error) {
      // Not an image sharp can read: the UI shows the kind's icon.
      this.options.log.debug('thumbnail', error, `No thumbnail for output ${output.outputId}`);
      return null;
    }
  }

  /** Downloads one output (joining a download already running for it). */
  #download(output: OutputRef): Promise<Outcome> {
    const id = key(output.accountId, output.outputId);
    const running = this.#inFlight.get(id);
    if (running) return running.done;
    const abort = new AbortController();
    const done = this.#fetchVerified(output, abort.signal)
      .catch((error: unknown): Outcome => {
        if (isApiError(error) && error.status === 404) {
          this.options.log.debug('output-gone', error, `Output ${output.outputId} is no longer on the backend`);
          return 'gone';
        }
        // Queued again: the next time the account is online the download resumes from its .part file.
        if (this.#stopped)
          this.options.log.debug(
            'output-download-stopped',
            error,
            `Downloading output ${output.outputId} stopped with the cache`,
          );
        else this.options.log.warn('output-download', error, `Downloading output ${output.outputId} failed`);
        return 'offline';
      })
      .then(async (outcome) => {
        if (outcome === 'gone')
          this.#store.run(
            'DELETE FROM cache_entries WHERE account_id = ? AND output_id = ?',
            output.accountId,
            output.outputId,
          );
        else if (outcome === 'offline' && !this.#stopped) {
          this.#store.run(
            "UPDATE cache_entries SET state = 'queued' WHERE account_id = ? AND output_id = ? AND state = 'downloading'",
            output.accountId,
            output.outputId,
          );
        }
        return outcome;
      })
      .finally(() => {
        this.#inFlight.delete(id);
        if (!this.#stopped) this.options.onChange(output.accountId);
      });
    this.#inFlight.set(id, { done, abort });
    return done;
  }

  async #fetchVerified(output: OutputRef, signal: AbortSignal): Promise<Outcome> {
    const client = this.options.clientFor(output.accountId);
    if (!client) return 'offline';
    const path = cacheFilePath(this.options.cacheDir, output.accountId, output.outputId, output.mime);
    this.#store.run(
      `INSERT INTO cache_entries (account_id, output_id, state, path, sha256, queued_at) VALUES (?, ?, 'downloading', ?, ?, ?)
       ON CONFLICT (account_id, output_id) DO UPDATE SET state = 'downloading', path = excluded.path, sha256 = excluded.sha256`,
      output.accountId,
      output.outputId,
      path,
      output.sha256,
      this.options.now(),
    );
    this.options.onChange(output.accountId);
    await mkdir(dirname(path), { recursive: true });
    // A resumed file that turns out wrong is fetched once more from the start before giving up.
    for (let attempt = 0; attempt < 2; attempt += 1) {
      if (await this.#fetchToPart(client, output, `${path}.part`, signal)) {
        await rename(`${path}.part`, path);
        const info = await stat(path);
        this.#store.run(
          `UPDATE cache_entries SET state = 'cached', bytes = ?, verified_size = ?, verified_mtime_ms = ?, verified_ctime_ms = ?, thumb_path = NULL, thumb_bytes = 0,
             last_viewed_at = max(last_viewed_at, ?) WHERE account_id = ? AND output_id = ?`,
          info.size,
          info.size,
          info.mtimeMs,
          info.ctimeMs,
          this.options.now(),
          output.accountId,
          output.outputId,
        );
        if (output.kind !== 'audio') {
          const entry = this.#entry(output.accountId, output.outputId);
          if (entry) await this.#thumbnail(entry, output);
        }
        await this.evict();
        return 'cached';
      }
    }
    await rm(`${path}.part`, { force: true });
    // The backend keeps sending bytes that are not the output: treat it as gone rather than serve it.
    return 'gone';
  }

  /** Fetches the rest of (or all of) the file into `.part`; true when the part is complete and its sha256 matches. */
  async #fetchToPart(client: CompanionClient, output: OutputRef, part: string, signal: AbortSignal): Promise<boolean> {
    let offset = (await stat(part).catch(() => null))?.size ?? 0;
    if (offset > output.bytes) {
      await rm(part, { force: true });
      offset = 0;
    }
    const hash = createHash('sha256');
    if (offset < output.bytes) {
      // Only continue when the file on the backend is still the one the part came from (If-Range its sha256).
      const download = await client.downloadOutput(output.outputId, { offset, sha256: output.sha256 }, signal);
      if (download.kind === 'unsatisfiable') {
        await rm(part, { force: true });
        return false;
      }
      if (download.resumed) {
        for await (const chunk of createReadStream(part, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
      }
      // A connection that breaks mid-file fails as a network_error: the part stays for the next attempt.
      const file = await open(part, download.resumed ? 'a' : 'w');
      try {
        for await (const chunk of download.body) {
          hash.update(chunk);
          await file.write(chunk);
        }
      } finally {
        await file.close();
      }
    } else {
      for await (const chunk of createReadStream(part, { highWaterMark: 1 << 20 })) hash.update(chunk as Buffer);
    }
    const size = (await stat(part)).size;
    if (size === output.bytes && hash.digest('hex') === output.sha256) return true;
    await rm(part, { force: true });
    return false;
  }

  /** Bytes of verified files (and their thumbnails) in the cache, all accounts together. */
  usedBytes(): number {
    return (
      this.#store.get<{ n: number | null }>(
        "SELECT sum(bytes + thumb_bytes) AS n FROM cache_entries WHERE state = 'cached'",
      )?.n ?? 0
    );
  }

  /** Least recently viewed first, never what is pinned or in a workspace, until the cache fits its limit. */
  async evict(): Promise<number> {
    const limit = this.options.limitBytes();
    let used = this.usedBytes();
    let evicted = 0;
    while (used > limit) {
      const victims = this.#store.all<{
        account_id: string;
        output_id: string;
        path: string;
        thumb_path: string | null;
        size: number;
      }>(
        `SELECT c.account_id, c.output_id, c.path, c.thumb_path, c.bytes + c.thumb_bytes AS size
           FROM cache_entries c
           JOIN outputs o ON o.account_id = c.account_id AND o.output_id = c.output_id
           JOIN generations g ON g.account_id = o.account_id AND g.id = o.generation_id
          WHERE c.state = 'cached' AND g.pinned = 0
            AND NOT EXISTS (SELECT 1 FROM workspace_items wi WHERE wi.account_id = g.account_id AND wi.generation_id = g.id)
          ORDER BY c.last_viewed_at, c.output_id
          LIMIT 100`,
      );
      if (victims.length === 0) break; // what is left is protected
      for (const victim of victims) {
        if (used <= limit) break;
        this.#store.run(
          'DELETE FROM cache_entries WHERE account_id = ? AND output_id = ?',
          victim.account_id,
          victim.output_id,
        );
        await rm(victim.path, { force: true });
        if (victim.thumb_path) await rm(victim.thumb_path, { force: true });
        used -= victim.size;
        evicted += 1;
        this.options.onChange(victim.account_id);
      }
    }
    return evicted;
  }

  /** Stops an account's downloads and deletes its cache folder. */
  async removeAccount(accountId: string): Promise<void> {
    const mine = [...this.#inFlight.entries()].filter(([id]) => id.startsWith(`${accountId}\n`));
    for (const [, download] of mine) download.abort.abort();
    await Promise.allSettled(mine.map(([, download]) => download.done));
    await rm(join(this.options.cacheDir, encodeURIComponent(accountId)), { recursive: true, force: true });
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    const all = [...this.#inFlight.values()];
    for (const download of all) download.abort.abort();
    await Promise.allSettled(all.map((d) => d.done));
  }
}
