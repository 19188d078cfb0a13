/**
 * Generations, the charging side (H1 records, C5-C8, G2-G6): a request is validated, priced by the same quote as the
 * cost preview, refused or charged, recorded and handed to the runner, all in one transaction per charge.
 */
import type { Kysely, Selectable } from 'kysely';
import type { Draw, Generation, GenerationRequest } from '../../shared/api.js';
import { newId } from '../storage/ids.js';
import type { DB, GenerationsTable } from '../storage/schema.js';
import { lockedChargeState, type Charges } from '../policy/charges.js';
import type { PolicyContext } from '../policy/context.js';
import type { DueWork } from '../policy/due-work.js';
import { quote as quoteOf } from '../policy/quote.js';
import { suspendedProblem } from '../policy/subscriptions.js';
import { ApiProblem, notFound } from '../problem.js';
import { freshChanges, type Tx } from '../storage/tx.js';

export type GenerationRow = Selectable<GenerationsTable>;

let lastStamp = 0;
/** A strictly increasing wall-clock stamp in microseconds: the FIFO order of the queues (U3), also within one millisecond. */
export function enqueueStamp(): number {
  const now = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  lastStamp = Math.max(lastStamp + 1, now);
  return lastStamp;
}

export const FINISHED = new Set(['succeeded', 'failed', 'blocked', 'cancelled']);

export class Generations {
  constructor(
    private readonly ctx: PolicyContext,
    private readonly charges: Charges,
    private readonly dueWork: DueWork,
  ) {}

  /** The image a source id names for this account: one of its uploads or an earlier image output; null otherwise. */
  async findSource(
    executor: Kysely<DB>,
    accountId: string,
    sourceId: string,
  ): Promise<{ path: string; mime: string; kind: 'image' } | null> {
    const upload = await executor
      .selectFrom('uploads')
      .select(['path', 'mime'])
      .where('id', '=', sourceId)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    if (upload) return { path: upload.path, mime: upload.mime, kind: 'image' };
    const output = await executor
      .selectFrom('outputs')
      .select(['path', 'mime', 'kind'])
      .where('id', '=', sourceId)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return output?.kind === 'image' ? { path: output.path, mime: output.mime, kind: 'image' } : null;
  }

  /** Checks that a source id names an image of this account (404 otherwise). */
  async checkSource(trx: Tx, accountId: string, sourceId: string | undefined): Promise<void> {
    if (!sourceId || (await this.findSource(trx, accountId, sourceId))) return;
    throw new ApiProblem(404, 'not_found', `Source ${sourceId} was not found among your uploads and image outputs`);
  }

  /**
   * Prices, charges and records a generation; throws the refusal (402, 403, 429) when it cannot be paid. Grants and the
   * free reset that are due are applied first, in the same transaction, so the charge sees them; a refusal rolls them
   * back with everything else, and the next look at the account applies them again.
   */
  async create(trx: Tx, accountId: string, request: GenerationRequest): Promise<GenerationRow> {
    let state = await lockedChargeState(trx, this.ctx.storage, accountId, request.modelId, this.ctx.clock.now());
    if (!state) throw notFound(`Account ${accountId}`);
    if (state.account.status === 'suspended') throw suspendedProblem();
    if (this.dueWork.isDue(state.account, state.subscription) && (await this.dueWork.applyLocked(trx, state.account))) {
      state = (await lockedChargeState(trx, this.ctx.storage, accountId, request.modelId, this.ctx.clock.now()))!;
    }
    await this.checkSource(trx, accountId, request.settings.sourceId);
    const quote = quoteOf(await this.charges.quoteState(trx, state), request, this.ctx.catalog, this.ctx.clock.now());
    if (quote.refusal) throw quote.refusal;
    const id = newId('gen');
    const row: GenerationRow = {
      id,
      account_id: accountId,
      tool: request.tool,
      model_id: request.modelId,
      prompt: request.prompt,
      settings: JSON.stringify(request.settings),
      workflow: request.workflow ? 1 : 0,
      status: 'queued',
      lane: quote.lane,
      cost_credits: quote.unit === 'credits' ? quote.cost : 0,
      cost_generations: quote.unit === 'generations' ? 1 : 0,
      draws: JSON.stringify(quote.draws),
      refunded: 0,
      error: null,
      created_at: this.ctx.clock.now().toISOString(),
      started_at: null,
      finished_at: null,
      deleted_at: null,
      unlimited: quote.unlimited ? 1 : 0,
      attempts: 0,
      worker_id: null,
      heartbeat_ms: null,
      // Queue bookkeeping is operational, in wall-clock time: waits and runs are measured, not policy.
      enqueued_us: enqueueStamp(),
      not_before_ms: quote.lane === 'relaxed' ? Date.now() + this.ctx.config.queue.relaxedDelayS * 1000 : null,
      wait_ms: null,
      run_ms: null,
    };
    const changes = freshChanges(trx, accountId, [
      { kind: 'generation', entityId: id, op: 'upsert' },
      { kind: 'balance', entityId: 'balance', op: 'upsert' },
    ]);
    const entries = this.charges.debitEntries(
      quote,
      id,
      `${request.modelId} ${request.tool} x${request.settings.outputs}`,
    );
    // One posting path for both engines: the entries together with the generation they pay for and its changes.
    await this.ctx.storage.post(trx, accountId, entries, { generation: row, changes });
    return row;
  }

  async get(trx: Tx, accountId: string, id: string): Promise<GenerationRow> {
    const row = await trx
      .selectFrom('generations')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw notFound(`Generation ${id}`);
    return row;
  }

  /**
   * Ends a generation that did not succeed (failed, blocked, cancelled) and refunds it in full (C8, G4), once.
   * Returns false when it had already finished.
   */
  async finishUnsuccessfully(
    trx: Tx,
    accountId: string,
    id: string,
    status: 'failed' | 'blocked' | 'cancelled',
    error: string,
    allowedFrom: string[],
    /** A worker ends only the job it still holds (another may have taken it over as stale). */
    expectWorker?: string,
  ): Promise<boolean> {
    await this.ctx.storage.lockAccount(trx, accountId);
    const row = await trx
      .selectFrom('generations')
      .selectAll()
      .where('id', '=', id)
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    // A finished generation stays finished: it is refunded at most once.
    if (!row || FINISHED.has(row.status) || !allowedFrom.includes(row.status)) return false;
    if (expectWorker !== undefined && row.worker_id !== expectWorker) return false;
    const now = this.ctx.clock.now().toISOString();
    await trx
      .updateTable('generations')
      .set({ status, error, finished_at: now, refunded: 1 })
      .where('id', '=', id)
      .execute();
    if (row.refunded === 0)
      await this.charges.refund(
        trx,
        accountId,
        id,
        JSON.parse(row.draws) as Draw[],
        `refund of ${status} generation ${id}`,
      );
    await this.ctx.storage.recordChange(trx, accountId, 'generation', id, 'upsert');
    return true;
  }

  /** The workspaces a generation is in. */
  async workspaceIdsOf(executor: Kysely<DB>, generationId: string): Promise<string[]> {
    return (
      await executor
        .selectFrom('workspace_items')
        .select('workspace_id')
        .where('generation_id', '=', generationId)
        .execute()
    ).map((w) => w.workspace_id);
  }

  /** The API shape of a generation with its outputs and workspaces. */
  async view(trx: Tx, row: GenerationRow): Promise<Generation> {
    const outputs = await trx
      .selectFrom('outputs')
      .selectAll()
      .where('generation_id', '=', row.id)
      .orderBy('idx')
      .execute();
    return toGeneration(row, outputs, await this.workspaceIdsOf(trx, row.id));
  }

  /** The API shape of one of the account's generations, read in a transaction of its own. */
  async viewOf(accountId: string, id: string): Promise<Generation> {
    return this.ctx.db.transaction().execute(async (trx) => this.view(trx, await this.get(trx, accountId, id)));
  }

  /** Announces a generation to its account's stream; `current`: as it now is, when the caller has it at hand. */
  async publish(accountId: string, id: string, current?: Generation): Promise<void> {
    await this.ctx.events.publish(accountId, {
      type: 'generation',
      data: current ?? (await this.viewOf(accountId, id)),
    });
  }

  async views(trx: Tx, rows: GenerationRow[]): Promise<Generation[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const outputs = await trx
      .selectFrom('outputs')
      .selectAll()
      .where('generation_id', 'in', ids)
      .orderBy('idx')
      .execute();
    const items = await trx
      .selectFrom('workspace_items')
      .select(['generation_id', 'workspace_id'])
      .where('generation_id', 'in', ids)
      .execute();
    return rows.map((row) =>
      toGeneration(
        row,
        outputs.filter((o) => o.generation_id === row.id),
        items.filter((i) => i.generation_id === row.id).map((i) => i.workspace_id),
      ),
    );
  }
}

type OutputRow = {
  id: string;
  kind: string;
  mime: string;
  bytes: number;
  width: number | null;
  height: number | null;
  duration_s: number | null;
  sha256: string;
};

export function toGeneration(row: GenerationRow, outputs: OutputRow[], workspaceIds: string[]): Generation {
  const generation: Generation = {
    id: row.id,
    tool: row.tool as Generation['tool'],
    modelId: row.model_id,
    prompt: row.prompt,
    settings: JSON.parse(row.settings),
    workflow: row.workflow === 1,
    status: row.status as Generation['status'],
    lane: row.lane as Generation['lane'],
    unlimited: Number(row.unlimited) === 1,
    charge: {
      credits: Number(row.cost_credits),
      generations: Number(row.cost_generations),
      draws: JSON.parse(row.draws),
      refunded: row.refunded === 1,
    },
    outputs: outputs.map((o) => ({
      id: o.id,
      kind: o.kind as Generation['outputs'][number]['kind'],
      mime: o.mime,
      bytes: Number(o.bytes),
      ...(o.width !== null ? { width: o.width } : {}),
      ...(o.height !== null ? { height: o.height } : {}),
      ...(o.duration_s !== null ? { durationS: o.duration_s } : {}),
      sha256: o.sha256,
    })),
    workspaceIds,
    createdAt: row.created_at,
  };
  if (row.error) generation.error = row.error;
  if (row.started_at) generation.startedAt = row.started_at;
  if (row.finished_at) generation.finishedAt = row.finished_at;
  return generation;
}
