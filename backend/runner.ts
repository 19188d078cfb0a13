/**
 * The simple in-process runner: a FIFO with bounded concurrency that takes queued generations, applies moderation,
 * calls the provider and records outputs, or fails and refunds (C8, G4). Issue 4 replaces it with durable queues and
 * a worker pool behind the same `GenerationRunner` interface.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { GenerationSettings, ModelKind } from '../shared/api.js';
import { newId } from './accounts.js';
import type { Generations } from './generations.js';
import type { PolicyContext } from './policy/context.js';
import type { GenerationProvider, ProviderSource } from './providers/provider.js';
import { recordChange } from './tx.js';

export interface GenerationRunner {
  enqueue(accountId: string, generationId: string): void;
  /** Picks up work left queued or running by an earlier process. */
  recover(): Promise<void>;
  stop(graceMs?: number): Promise<void>;
}

export interface RunnerHooks {
  generationChanged(accountId: string, generationId: string): Promise<void>;
  balanceChanged(accountId: string): Promise<void>;
}

export interface SimpleRunnerOptions {
  concurrency?: number;
  timeoutMs?: number;
  outputsDir: string;
  uploadsDir: string;
}

/** Moderation: a request whose prompt contains a blocked word of the catalog is blocked, and refunded. */
export function blockedWordIn(prompt: string, blockedWords: string[]): string | null {
  const lower = prompt.toLowerCase();
  return blockedWords.find((word) => new RegExp(`(^|[^a-z0-9])${word.toLowerCase().replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^a-z0-9]|$)`).test(lower)) ?? null;
}

export class SimpleRunner implements GenerationRunner {
  readonly #queue: Array<{ accountId: string; id: string }> = [];
  readonly #running = new Set<Promise<void>>();
  #stopped = false;

  constructor(
    private readonly ctx: PolicyContext,
    private readonly generations: Generations,
    private readonly provider: GenerationProvider,
    private readonly hooks: RunnerHooks,
    private readonly options: SimpleRunnerOptions,
  ) {}

  enqueue(accountId: string, id: string): void {
    if (this.#stopped) return;
    this.#queue.push({ accountId, id });
    this.#pump();
  }

  async recover(): Promise<void> {
    const { db } = this.ctx;
    await db.updateTable('generations').set({ status: 'queued', started_at: null }).where('status', '=', 'running').execute();
    const rows = await db.selectFrom('generations').select(['id', 'account_id']).where('status', '=', 'queued').orderBy('created_at').execute();
    for (const row of rows) this.enqueue(row.account_id, row.id);
  }

  async stop(graceMs = 10_000): Promise<void> {
    this.#stopped = true;
    this.#queue.length = 0;
    await Promise.race([Promise.all(this.#running), new Promise((resolve) => setTimeout(resolve, graceMs))]);
  }

  #pump(): void {
    while (!this.#stopped && this.#running.size < (this.options.concurrency ?? 2) && this.#queue.length > 0) {
      const job = this.#queue.shift()!;
      const run = this.#run(job.accountId, job.id).catch(() => {});
      this.#running.add(run);
      void run.finally(() => {
        this.#running.delete(run);
        this.#pump();
      });
    }
  }

  async #run(accountId: string, id: string): Promise<void> {
    const { db, clock, catalog } = this.ctx;
    const started = await db.transaction().execute(async (trx) => {
      const result = await trx
        .updateTable('generations')
        .set({ status: 'running', started_at: clock.now().toISOString() })
        .where('id', '=', id)
        .where('status', '=', 'queued')
        .executeTakeFirst();
      if (Number(result.numUpdatedRows) !== 1) return null;
      await recordChange(trx, accountId, 'generation', id, 'upsert');
      return trx.selectFrom('generations').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    });
    if (!started) return;
    await this.hooks.generationChanged(accountId, id);

    const blocked = blockedWordIn(started.prompt, catalog.blockedWords);
    if (blocked) {
      await this.#fail(accountId, id, 'blocked', `Blocked by moderation: the prompt contains "${blocked}"`);
      return;
    }
    const model = catalog.models.find((m) => m.id === started.model_id);
    const settings = JSON.parse(started.settings) as GenerationSettings;
    const outputDir = join(this.options.outputsDir, accountId);
    mkdirSync(outputDir, { recursive: true });
    let outputs;
    try {
      outputs = await this.provider.generate({
        generationId: id,
        tool: started.tool as never,
        modelId: started.model_id,
        kind: (model?.kind ?? 'image') as ModelKind,
        prompt: started.prompt,
        settings,
        source: await this.#source(accountId, settings.sourceId),
        outputDir,
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 120_000),
      });
    } catch (error) {
      await this.#fail(accountId, id, 'failed', `The provider failed: ${(error as Error).message}`);
      return;
    }
    const finished = await db.transaction().execute(async (trx) => {
      const current = await trx.selectFrom('generations').select('status').where('id', '=', id).executeTakeFirst();
      if (current?.status !== 'running') return false;
      const now = clock.now().toISOString();
      for (const [idx, output] of outputs.entries()) {
        await trx
          .insertInto('outputs')
          .values({
            id: newId('out'),
            generation_id: id,
            account_id: accountId,
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
          })
          .execute();
      }
      await trx.updateTable('generations').set({ status: 'succeeded', finished_at: now }).where('id', '=', id).execute();
      await recordChange(trx, accountId, 'generation', id, 'upsert');
      return true;
    });
    if (!finished) for (const output of outputs) rmSync(output.path, { force: true });
    await this.hooks.generationChanged(accountId, id);
  }

  async #fail(accountId: string, id: string, status: 'failed' | 'blocked', error: string): Promise<void> {
    const refunded = await this.ctx.db.transaction().execute((trx) => this.generations.finishUnsuccessfully(trx, accountId, id, status, error, ['running']));
    if (!refunded) return;
    await this.hooks.generationChanged(accountId, id);
    await this.hooks.balanceChanged(accountId);
  }

  async #source(accountId: string, sourceId: string | undefined): Promise<ProviderSource | null> {
    if (!sourceId) return null;
    const { db } = this.ctx;
    const upload = await db.selectFrom('uploads').select(['path', 'mime']).where('id', '=', sourceId).where('account_id', '=', accountId).executeTakeFirst();
    if (upload) return { path: upload.path, mime: upload.mime, kind: 'image' };
    const output = await db.selectFrom('outputs').select(['path', 'mime']).where('id', '=', sourceId).where('account_id', '=', accountId).executeTakeFirst();
    return output ? { path: output.path, mime: output.mime, kind: 'image' } : null;
  }
}
