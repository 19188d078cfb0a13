/**
 * The worker pool: claims jobs from the durable queues, runs them through the model's provider with a timeout, retries
 * transient provider failures (p-retry), records outputs or fails and refunds (C8, G4). It beats a heartbeat for its
 * running jobs; jobs of a worker that died are requeued, or refunded after too many attempts, never both (JobQueue).
 * SIGTERM: stop claiming, let running jobs finish within the grace period, requeue the rest.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { QueryCreator } from 'kysely';
import pRetry, { AbortError } from 'p-retry';
import type { GenerationSettings, ModelKind, ToolId } from '../../shared/api.js';
import { newId } from '../storage/ids.js';
import type { DB } from '../storage/schema.js';
import { toGeneration, type Generations } from '../domain/generations.js';
import type { PolicyContext } from '../policy/context.js';
import type { GenerationProvider, ProviderOutput, ProviderSource } from '../providers/provider.js';
import { TransientProviderError } from '../providers/provider.js';
import type { GenerationRunner, RunnerHooks } from './runner.js';
import { blockedWordIn } from '../policy/moderation.js';
import { recordedWrite } from '../storage/tx.js';
import type { Claim, ClaimedJob, JobQueue } from './job-queue.js';
import type { Logger } from '../log.js';

interface FinishValues {
  id: string;
  workerId: string;
  finishedAt: string;
  runMs: number;
}

/** Only the worker that holds the job may finish it: a stale worker's late result is dropped. */
const finishJobOf = (db: QueryCreator<DB>, v: FinishValues) =>
  db
    .updateTable('generations')
    .set({ status: 'succeeded', finished_at: v.finishedAt, run_ms: v.runMs, worker_id: null })
    .where('id', '=', v.id)
    .where('status', '=', 'running')
    .where('worker_id', '=', v.workerId)
    .returningAll();
/** The finish and the record of its change (one statement on PostgreSQL). */
const finishJob = recordedWrite(finishJobOf);

export interface WorkerPoolOptions {
  outputsDir: string;
  providerFor: (modelId: string) => GenerationProvider;
  /** Set for a single process that owns its database (SQLite): every running job at start belongs to a dead process. */
  exclusiveDatabase: boolean;
  /** Where the failures the pool survives are logged and counted. */
  log: Logger;
}

export class WorkerPool implements GenerationRunner {
  readonly workerId = newId('wrk');
  readonly #running = new Map<string, { job: ClaimedJob; abort: AbortController; done: Promise<void> }>();
  #stopped = false;
  #dispatching: Promise<void> | null = null;
  #again = false;
  #timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly ctx: PolicyContext,
    private readonly queue: JobQueue,
    private readonly generations: Generations,
    private readonly hooks: RunnerHooks & { queueChanged(): void },
    private readonly options: WorkerPoolOptions,
  ) {}

  get slots(): number {
    return this.ctx.config.queue.workers;
  }

  /**
   * False once a claim saw no other waiting work: a finished job then frees a slot for nothing, and the pool does not
   * look again until new work is queued here, a poll, or a reclaim.
   */
  #moreWaiting = true;

  /** A new job was queued (by this process): look for work now. Other processes find it on their next poll. */
  enqueue(): void {
    this.#moreWaiting = true;
    this.poke();
  }

  async recover(): Promise<void> {
    await this.#reclaimOrphans(this.options.exclusiveDatabase);
    const { heartbeatS, staleAfterS } = this.ctx.config.queue;
    const { log } = this.options;
    // A missed heartbeat or reclaim is tried again at the next tick; the pool keeps running.
    const heartbeat = () =>
      this.queue
        .heartbeat(this.workerId, [...this.#running.keys()])
        .catch((error: unknown) => log.survived('heartbeat', error, 'a heartbeat failed'));
    const reclaim = () =>
      this.#reclaimOrphans(false).catch((error: unknown) =>
        log.survived('reclaim', error, 'reclaiming stale jobs failed'),
      );
    this.#timers.push(setInterval(() => void heartbeat(), heartbeatS * 1000));
    this.#timers.push(setInterval(() => void reclaim(), (staleAfterS * 1000) / 2));
    // Polling finds work queued by other processes and Relaxed work whose start delay has passed.
    this.#timers.push(
      setInterval(() => {
        this.#moreWaiting = true;
        this.poke();
      }, 500),
    );
    for (const timer of this.#timers) timer.unref();
    this.poke();
  }

  poke(): void {
    if (this.#stopped) return;
    if (this.#dispatching) {
      this.#again = true;
      return;
    }
    this.#dispatching = this.#dispatch()
      .catch((error: unknown) =>
        this.options.log.survived('dispatch', error, 'a dispatch round failed; the next poke or poll tries again'),
      )
      .finally(() => {
        this.#dispatching = null;
        if (this.#again) {
          this.#again = false;
          this.poke();
        }
      });
  }

  async #dispatch(): Promise<void> {
    while (!this.#stopped && this.#running.size < this.slots) {
      const local = {
        running: this.#running.size,
        relaxed: [...this.#running.values()].filter((r) => r.job.lane === 'relaxed').length,
      };
      let claim: Claim;
      try {
        claim = await this.queue.claimNext(this.workerId, this.slots, local);
      } catch (error) {
        // The job stays queued; the next poke or poll claims it.
        this.options.log.survived('claim', error, 'a claim failed');
        return;
      }
      this.#moreWaiting = claim.moreWaiting;
      const job = claim.job;
      if (!job) return;
      const abort = new AbortController();
      const entry = { job, abort, done: Promise.resolve() };
      entry.done = this.#run(job, abort.signal)
        // The job stays running without a heartbeat, and the reclaim of stale jobs takes it back.
        .catch((error: unknown) => this.options.log.survived('worker', error, `running generation ${job.id} failed`))
        .finally(() => {
          this.#running.delete(job.id);
          this.hooks.queueChanged();
          // An unlimited job that ends may let its account's next one start (U3), which no claim counted as waiting.
          if (this.#moreWaiting || job.unlimited) this.poke();
        });
      this.#running.set(job.id, entry);
      this.hooks.queueChanged();
      if (!this.#stopped)
        await this.hooks
          .generationChanged(job.accountId, job.id)
          .catch((error: unknown) =>
            this.options.log.survived('announce', error, `announcing generation ${job.id} failed`),
          );
      if (!claim.moreWaiting) return;
    }
  }

  async #run(job: ClaimedJob, shutdown: AbortSignal): Promise<void> {
    const { db, catalog, config } = this.ctx;
    const row = job.row;
    const blocked = blockedWordIn(row.prompt, catalog.blockedWords);
    if (blocked) return this.#fail(job, 'blocked', `Blocked by moderation: the prompt contains "${blocked}"`);
    const model = catalog.models.find((m) => m.id === row.model_id);
    const settings = JSON.parse(row.settings) as GenerationSettings;
    const outputDir = join(this.options.outputsDir, job.accountId);
    mkdirSync(outputDir, { recursive: true });
    const provider = this.options.providerFor(row.model_id);
    const started = performance.now();
    let outputs: ProviderOutput[];
    try {
      const source = await this.#source(job.accountId, settings.sourceId);
      outputs = await pRetry(
        async () => {
          if (shutdown.aborted) throw new AbortError('the backend is shutting down');
          const signal = AbortSignal.any([shutdown, AbortSignal.timeout(config.queue.jobTimeoutS * 1000)]);
          try {
            return await provider.generate({
              generationId: job.id,
              tool: row.tool as ToolId,
              modelId: row.model_id,
              kind: (model?.kind ?? 'image') as ModelKind,
              prompt: row.prompt,
              settings,
              source,
              outputDir,
              signal,
            });
          } catch (error) {
            if (shutdown.aborted) throw new AbortError('the backend is shutting down');
            // A timeout is worth another try; so is whatever the provider calls transient.
            if (signal.aborted || error instanceof TransientProviderError)
              throw new TransientProviderError((error as Error).message);
            throw new AbortError(error as Error);
          }
        },
        { retries: config.queue.transientRetries, minTimeout: 200, factor: 2, randomize: true },
      );
    } catch (error) {
      // Shutting down: the job goes back to the queue (SIGTERM handling), nothing is refunded.
      if (shutdown.aborted) return;
      return this.#fail(job, 'failed', `The generation failed: ${(error as Error).message}`);
    }
    const runMs = Math.round(performance.now() - started);
    const finished = await db.transaction().execute(async (trx) => {
      await this.ctx.storage.lockAccount(trx, job.accountId);
      const now = this.ctx.clock.now().toISOString();
      const values: FinishValues = { id: job.id, workerId: this.workerId, finishedAt: now, runMs };
      const succeeded = await this.ctx.storage.recordedWrite(finishJob, trx, values, job.accountId, [
        { kind: 'generation', entityId: job.id, op: 'upsert' },
      ]);
      if (!succeeded) return null;
      const outputRows = outputs.map((output, idx) => ({
        id: newId('out'),
        generation_id: job.id,
        account_id: job.accountId,
        idx,
        kind: output.kind,
        mime: output.mime,
        bytes: output.bytes,
        width: output.width ?? null,
        height: output.height ?? null,
        duration_s: output.durationS ?? null,
        sha256: output.sha256,
        path: output.path,
        created_at: now,
      }));
      if (outputRows.length > 0) await trx.insertInto('outputs').values(outputRows).execute();
      return { succeeded, outputRows };
    });
    if (!finished) {
      for (const output of outputs) rmSync(output.path, { force: true });
      return this.hooks.generationChanged(job.accountId, job.id);
    }
    // Announced as just written: a finished generation changes no more, but for the workspaces it is put in.
    const workspaceIds = await this.generations.workspaceIdsOf(db, job.id);
    await this.hooks.generationChanged(
      job.accountId,
      job.id,
      toGeneration(finished.succeeded, finished.outputRows, workspaceIds),
    );
  }

  async #fail(job: ClaimedJob, status: 'failed' | 'blocked', error: string): Promise<void> {
    const refunded = await this.ctx.db
      .transaction()
      .execute((trx) =>
        this.generations.finishUnsuccessfully(trx, job.accountId, job.id, status, error, ['running'], this.workerId),
      );
    if (!refunded) return;
    await this.hooks.generationChanged(job.accountId, job.id);
    await this.hooks.balanceChanged(job.accountId);
  }

  async #source(accountId: string, sourceId: string | undefined): Promise<ProviderSource | null> {
    return sourceId ? this.generations.findSource(this.ctx.db, accountId, sourceId) : null;
  }

  async #reclaimOrphans(all: boolean): Promise<void> {
    let changed = false;
    for (const orphan of await this.queue.orphans(all)) {
      if (this.#running.has(orphan.id)) continue;
      const outcome = await this.queue.requeueOrFail(orphan.id, orphan.worker_id, true);
      if (outcome === 'skipped') continue;
      changed = true;
      await this.hooks.generationChanged(orphan.account_id, orphan.id);
      if (outcome === 'refunded') await this.hooks.balanceChanged(orphan.account_id);
    }
    // The queues changed only if a job went back or ended: otherwise nobody needs a queue event.
    if (changed) {
      this.#moreWaiting = true;
      this.hooks.queueChanged();
      this.poke();
    }
  }

  async stop(graceMs = this.ctx.config.queue.shutdownGraceS * 1000): Promise<void> {
    this.#stopped = true;
    for (const timer of this.#timers) clearInterval(timer);
    // A claim under way finishes first, so its job is either running here (and handled below) or still queued.
    await this.#dispatching;
    const all = Promise.all([...this.#running.values()].map((r) => r.done));
    await raceTimeout(all, graceMs);
    for (const { job, abort } of [...this.#running.values()]) {
      abort.abort();
      // Not requeued now: the next start (or another process's reclaim) takes the job back.
      await this.queue
        .requeueOrFail(job.id, this.workerId, false)
        .catch((error: unknown) =>
          this.options.log.survived('requeue', error, `requeueing generation ${job.id} at shutdown failed`),
        );
    }
    await raceTimeout(all, 1000);
  }
}

/** Waits for `work`, but no longer than `ms`, and leaves no timer behind. */
async function raceTimeout(work: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([work, new Promise((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}
