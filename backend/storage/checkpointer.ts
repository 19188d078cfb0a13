/**
 * Write-ahead-log checkpoints on a worker thread with its own connection, for both SQLite files: the backend's
 * database (BackgroundCheckpointer, which paces itself) and the app's offline history (which asks for a checkpoint
 * when it has written). A PASSIVE checkpoint never waits for, nor blocks, the main connection's readers and writer,
 * and its disk waits never land on the thread that answers requests or draws the UI.
 *
 * The worker is one CommonJS script run with `eval`, not a file of its own: this module is bundled into several entry
 * points (the backend, the Electron main process, the web-mode server) and also run from TypeScript under tsx and
 * vitest; a script in a string needs neither a bundle entry of its own nor a TypeScript loader in the worker.
 */
import type { DatabaseSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';

/**
 * Messages in: 'checkpoint' (one checkpoint now, answered with { done: true }), anything else closes the worker's
 * connection and ends it. Out: { failed: message } for a checkpoint that failed (the next one tries again).
 * With `pace`, the worker also checkpoints by itself: every busyMs while pages are written, backing off to idleMs.
 */
const WORKER = `
process.removeAllListeners('warning');
const { parentPort, workerData } = require('node:worker_threads');
const { DatabaseSync } = require('node:sqlite');
const db = new DatabaseSync(workerData.path);
db.exec('PRAGMA busy_timeout = ' + Number(workerData.busyTimeoutMs) + ';');
const checkpoint = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const once = () => {
  try {
    return checkpoint.get().log;
  } catch (error) {
    parentPort.postMessage({ failed: String((error && error.message) || error) });
    return undefined;
  }
};
let timer;
const pace = workerData.pace;
if (pace) {
  let lastLog = -1;
  let waitMs = pace.busyMs;
  const round = () => {
    const log = once() ?? lastLog;
    // The log's length in pages moves whenever something was written since the last round.
    waitMs = log === lastLog ? Math.min(waitMs * 2, pace.idleMs) : pace.busyMs;
    lastLog = log;
    timer = setTimeout(round, waitMs);
  };
  timer = setTimeout(round, waitMs);
}
parentPort.on('message', (message) => {
  if (message === 'checkpoint') {
    once();
    parentPort.postMessage({ done: true });
    return;
  }
  clearTimeout(timer);
  db.close();
  parentPort.close();
});
`;

export type CheckpointMessage = { done: true } | { failed: string };

export interface CheckpointWorkerOptions {
  /** How long the worker's connection waits for a lock before a checkpoint gives up (and is tried again later). */
  busyTimeoutMs: number;
  /** Checkpoint by itself, paced by what was written; without it the worker checkpoints only when asked. */
  pace?: { busyMs: number; idleMs: number };
  execArgv?: string[];
}

/** Starts the checkpoint worker on the database file at `path` (unreferenced: it never keeps a process alive). */
export function checkpointWorker(path: string, options: CheckpointWorkerOptions): Worker {
  const { busyTimeoutMs, pace } = options;
  const worker = new Worker(WORKER, {
    eval: true,
    workerData: { path, busyTimeoutMs, pace },
    ...(options.execArgv ? { execArgv: options.execArgv } : {}),
  });
  worker.unref();
  return worker;
}

/** 30,000 pages of 4 KiB: at most about 120 MiB of log (docs/PERFORMANCE.md#sqlites-write-ahead-log). */
const FALLBACK_CHECKPOINT_PAGES = 30_000;
/** SQLite's own threshold, for when the worker is gone. */
const DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;

/**
 * Checkpoints the write-ahead log from a worker thread with its own connection. Left to SQLite, the commit that fills
 * the log to 1,000 pages copies it into the database file and syncs it, on the thread that runs every request, and
 * the charge that made that commit waits for it. A passive checkpoint never blocks the writer.
 *
 * The log starts over only once a checkpoint has copied all of it before the next write begins, which a worker seldom
 * manages while charges arrive every millisecond: under such load the log grows until the main connection's own
 * automatic checkpoint, kept as the fallback but at 30,000 pages instead of 1,000, finishes the copy. What that costs
 * the request thread is a sync of the log written since the worker's last checkpoint and a copy of those pages: so the
 * worker checkpoints every `busyMs` while pages are being written, which keeps that sync short. When a checkpoint
 * finds nothing new the worker waits twice as long each time, up to `idleMs`: an idle backend does not wake a core a
 * hundred times a second.
 *
 * A larger fallback slowed every read (a longer log is a longer index to search) and cutting the file back after a
 * restart (journal_size_limit) stalled a commit, so the file keeps its size. The measurements behind each of these
 * choices are in docs/PERFORMANCE.md#sqlites-write-ahead-log.
 */
export class BackgroundCheckpointer {
  readonly #worker: Worker;
  readonly #exited: Promise<void>;

  /** `failed` hears of a checkpoint that failed: the next round tries again, and SQLite's own checkpoint is the fallback. */
  constructor(
    db: DatabaseSync,
    path: string,
    options: { failed: (error: Error) => void; busyMs?: number; idleMs?: number },
  ) {
    const { busyMs = 10, idleMs = 200, failed } = options;
    db.exec(`PRAGMA wal_autocheckpoint = ${FALLBACK_CHECKPOINT_PAGES};`);
    this.#worker = checkpointWorker(path, {
      busyTimeoutMs: 5_000,
      pace: { busyMs, idleMs },
      execArgv: ['--disable-warning=ExperimentalWarning'],
    });
    this.#exited = new Promise<void>((resolve) => this.#worker.once('exit', () => resolve()));
    this.#worker.on('message', (message: CheckpointMessage) => {
      if ('failed' in message) failed(new Error(`a background checkpoint failed: ${message.failed}`));
    });
    // A worker that dies (its database file gone, say) is a failure survived: SQLite checkpoints on the request
    // thread again, at its own default, until the backend restarts.
    this.#worker.on('error', (error) => {
      failed(new Error(`the checkpoint worker stopped: ${error.message}`, { cause: error }));
      try {
        db.exec(`PRAGMA wal_autocheckpoint = ${DEFAULT_AUTOCHECKPOINT_PAGES};`);
      } catch (restoreError) {
        failed(new Error('could not hand checkpoints back to SQLite', { cause: restoreError }));
      }
    });
  }

  /** Stops the worker and closes its connection: called after the main connection closed, it is the last one, and
   * closing it checkpoints what is left and removes the log. */
  async stop(): Promise<void> {
    // Held while it stops: an unreferenced worker would let a process with nothing else to do exit mid-close.
    this.#worker.ref();
    this.#worker.postMessage('stop');
    await this.#exited;
  }
}
