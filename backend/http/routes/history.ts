/** Sync, usage analytics (C10), the ledger (C9) and workspaces (H1). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import * as api from '../../../shared/api.js';
import { localDate } from '../../../shared/calendar.js';
import { newId } from '../../storage/ids.js';
import { defineRoute, IdParams, NoContent, type Authenticator } from '../http.js';
import { balanceView } from '../../policy/balance-view.js';
import { ApiProblem, notFound } from '../../problem.js';
import type { Services } from '../../services.js';
import type { Tx } from '../../storage/tx.js';
import { decodeCursorOf, encodeCursor } from '../../cursor.js';
import { IDEMPOTENCY_HEADER, idempotencyKey, sendAnswer } from './respond.js';

async function workspaceView(trx: Tx, accountId: string, id: string): Promise<api.Workspace | null> {
  const row = await trx
    .selectFrom('workspaces')
    .selectAll()
    .where('id', '=', id)
    .where('account_id', '=', accountId)
    .where('deleted_at', 'is', null)
    .executeTakeFirst();
  if (!row) return null;
  const items = await trx
    .selectFrom('workspace_items')
    .select('generation_id')
    .where('workspace_id', '=', id)
    .orderBy('added_at')
    .orderBy('generation_id')
    .execute();
  return {
    id: row.id,
    name: row.name,
    generationIds: items.map((i) => i.generation_id),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function registerHistoryRoutes(app: FastifyInstance, auth: Authenticator, s: Services): void {
  const { db } = s.ctx;

  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/sync',
    summary: 'Changes since a sync cursor',
    auth: 'account',
    query: api.SyncQuery,
    response: api.SyncResponse,
    handler: async ({ account, query }) => {
      const since = query.since === undefined || query.since === '' ? 0 : Number(query.since);
      if (!Number.isSafeInteger(since) || since < 0)
        throw new ApiProblem(400, 'invalid_request', 'since must be a cursor from an earlier sync', {
          errors: [{ path: 'query.since', message: 'invalid cursor' }],
        });
      const limit = query.limit ?? 500;
      // One transaction: the page and the entities it names are read from the same snapshot.
      return db.transaction().execute(async (trx) => {
        const rows = await trx
          .selectFrom('changes')
          .selectAll()
          .where('account_id', '=', account.id)
          .where('seq', '>', since)
          .orderBy('seq')
          .limit(limit + 1)
          .execute();
        const page = rows.slice(0, limit);
        const generationIds = page.filter((c) => c.kind === 'generation' && c.op === 'upsert').map((c) => c.entity_id);
        const generationRows = generationIds.length
          ? await trx.selectFrom('generations').selectAll().where('id', 'in', generationIds).execute()
          : [];
        const generations = new Map((await s.generations.views(trx, generationRows)).map((g) => [g.id, g]));
        const changes: api.SyncChange[] = [];
        for (const change of page) {
          let data: unknown = null;
          if (change.op === 'upsert') {
            if (change.kind === 'generation') data = generations.get(change.entity_id) ?? null;
            else if (change.kind === 'workspace') data = await workspaceView(trx, account.id, change.entity_id);
            else data = await balanceView(s.ctx, trx, account.id);
          }
          changes.push({
            kind: change.kind as api.SyncChange['kind'],
            id: change.entity_id,
            op: change.op as 'upsert' | 'delete',
            data,
          });
        }
        const cursor = String(page.at(-1)?.seq ?? since);
        return { changes, cursor, more: rows.length > limit };
      });
    },
  });

  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/usage',
    summary: 'Spending by day, tool or model',
    auth: 'account',
    query: api.UsageQuery,
    response: api.Usage,
    handler: async ({ account, query }) => {
      let q = db
        .selectFrom('generations')
        .select(['created_at', 'tool', 'model_id', 'cost_credits', 'cost_generations', 'refunded'])
        // Deleting a generation from the history does not undo its spending: usage keeps it, like the ledger.
        .where('account_id', '=', account.id);
      if (query.from) q = q.where('created_at', '>=', new Date(query.from).toISOString());
      if (query.to) q = q.where('created_at', '<', new Date(query.to).toISOString());
      if (query.tool) q = q.where('tool', '=', query.tool);
      if (query.modelId) q = q.where('model_id', '=', query.modelId);
      const rows = await q.execute();
      const groups = new Map<string, { credits: number; generations: number; count: number }>();
      const totals = { credits: 0, generations: 0, count: 0 };
      for (const row of rows) {
        const key =
          query.groupBy === 'tool'
            ? row.tool
            : query.groupBy === 'model'
              ? row.model_id
              : localDate(new Date(row.created_at), account.time_zone);
        const group = groups.get(key) ?? { credits: 0, generations: 0, count: 0 };
        // Refunded work (C8, G4) costs nothing: it counts as a request, not as spending.
        const credits = row.refunded ? 0 : Number(row.cost_credits);
        const generations = row.refunded ? 0 : Number(row.cost_generations);
        group.credits += credits;
        group.generations += generations;
        group.count += 1;
        totals.credits += credits;
        totals.generations += generations;
        totals.count += 1;
        groups.set(key, group);
      }
      return {
        rows: [...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([key, g]) => ({ key, ...g })),
        totals,
      };
    },
  });

  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/ledger',
    summary: 'The ledger: every credit movement',
    auth: 'account',
    query: api.PageQuery,
    response: api.LedgerPage,
    handler: async ({ account, query }) => {
      const limit = query.limit ?? 100;
      let q = db.selectFrom('ledger_entries').selectAll().where('account_id', '=', account.id);
      if (query.cursor) q = q.where('id', '<', decodeCursorOf(query.cursor, ['integer'] as const)[0]);
      const rows = await q
        .orderBy('id', 'desc')
        .limit(limit + 1)
        .execute();
      const page = rows.slice(0, limit);
      return {
        items: page.map((r) => ({
          id: String(r.id),
          at: r.at,
          kind: r.kind as api.LedgerEntry['kind'],
          balance: r.balance as api.LedgerEntry['balance'],
          amount: Number(r.amount),
          after: Number(r.after),
          ...(r.generation_id ? { generationId: r.generation_id } : {}),
          reason: r.reason,
        })),
        nextCursor: rows.length > limit ? encodeCursor([Number(page.at(-1)!.id)]) : null,
      };
    },
  });

  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/workspaces',
    summary: 'List workspaces',
    auth: 'account',
    query: api.PageQuery,
    response: api.WorkspacePage,
    handler: async ({ account, query }) => {
      const limit = query.limit ?? 100;
      return db.transaction().execute(async (trx) => {
        let q = trx
          .selectFrom('workspaces')
          .select('id')
          .where('account_id', '=', account.id)
          .where('deleted_at', 'is', null);
        if (query.cursor) q = q.where('id', '>', decodeCursorOf(query.cursor, ['string'] as const)[0]);
        const rows = await q
          .orderBy('id')
          .limit(limit + 1)
          .execute();
        const page = rows.slice(0, limit);
        const items = [];
        for (const row of page) items.push((await workspaceView(trx, account.id, row.id))!);
        return { items, nextCursor: rows.length > limit ? encodeCursor([page.at(-1)!.id]) : null };
      });
    },
  });

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/workspaces',
    summary: 'Create a workspace',
    auth: 'account',
    body: api.WorkspaceCreate,
    response: NoContent,
    answers: { 201: api.Workspace },
    headers: IDEMPOTENCY_HEADER,
    problems: ['idempotency_conflict'],
    handler: async ({ account, body, request, reply }) => {
      const answer = await s.idempotency.run(
        account.id,
        idempotencyKey(request.headers),
        'POST /v1/workspaces',
        body,
        (remember) =>
          db.transaction().execute(async (trx) => {
            await s.ctx.storage.lockAccount(trx, account.id);
            const now = s.ctx.clock.now().toISOString();
            const id = newId('wsp');
            await trx
              .insertInto('workspaces')
              .values({
                id,
                account_id: account.id,
                name: body.name,
                created_at: now,
                updated_at: now,
                deleted_at: null,
              })
              .execute();
            await s.ctx.storage.recordChange(trx, account.id, 'workspace', id, 'upsert');
            const stored = { status: 201, body: await workspaceView(trx, account.id, id) };
            await remember(trx, stored);
            return stored;
          }),
      );
      return sendAnswer(reply, answer);
    },
  });

  /** Runs a change to one of the caller's workspaces and answers with the workspace after it. */
  async function changeWorkspace(
    accountId: string,
    id: string,
    change: (trx: Tx, now: string) => Promise<void>,
  ): Promise<api.Workspace | null> {
    return db.transaction().execute(async (trx) => {
      await s.ctx.storage.lockAccount(trx, accountId);
      if (!(await workspaceView(trx, accountId, id))) throw notFound(`Workspace ${id}`);
      const now = s.ctx.clock.now().toISOString();
      await change(trx, now);
      await trx.updateTable('workspaces').set({ updated_at: now }).where('id', '=', id).execute();
      const after = await workspaceView(trx, accountId, id);
      await s.ctx.storage.recordChange(trx, accountId, 'workspace', id, after ? 'upsert' : 'delete');
      return after;
    });
  }

  defineRoute(app, auth, {
    method: 'PATCH',
    url: '/v1/workspaces/:id',
    summary: 'Rename a workspace',
    auth: 'account',
    params: IdParams,
    body: api.WorkspaceUpdate,
    response: api.Workspace,
    handler: async ({ account, params, body }) =>
      (await changeWorkspace(account.id, params.id, async (trx) => {
        await trx.updateTable('workspaces').set({ name: body.name }).where('id', '=', params.id).execute();
      }))!,
  });

  defineRoute(app, auth, {
    method: 'DELETE',
    url: '/v1/workspaces/:id',
    summary: 'Delete a workspace (its generations stay)',
    auth: 'account',
    params: IdParams,
    response: NoContent,
    answers: { 204: null },
    handler: async ({ account, params, reply }) => {
      await changeWorkspace(account.id, params.id, async (trx, now) => {
        await trx.deleteFrom('workspace_items').where('workspace_id', '=', params.id).execute();
        await trx.updateTable('workspaces').set({ deleted_at: now }).where('id', '=', params.id).execute();
      });
      return reply.code(204).send();
    },
  });

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/workspaces/:id/items',
    summary: 'Add a generation to a workspace',
    auth: 'account',
    params: IdParams,
    body: api.WorkspaceItemAdd,
    response: api.Workspace,
    handler: async ({ account, params, body }) =>
      (await changeWorkspace(account.id, params.id, async (trx, now) => {
        await s.generations.get(trx, account.id, body.generationId);
        await trx
          .insertInto('workspace_items')
          .values({ workspace_id: params.id, generation_id: body.generationId, account_id: account.id, added_at: now })
          .onConflict((oc) => oc.columns(['workspace_id', 'generation_id']).doNothing())
          .execute();
        await s.ctx.storage.recordChange(trx, account.id, 'generation', body.generationId, 'upsert');
      }))!,
  });

  defineRoute(app, auth, {
    method: 'DELETE',
    url: '/v1/workspaces/:id/items/:generationId',
    summary: 'Take a generation out of a workspace',
    auth: 'account',
    params: z.object({ id: z.string().min(1).max(200), generationId: z.string().min(1).max(200) }),
    response: api.Workspace,
    handler: async ({ account, params }) =>
      (await changeWorkspace(account.id, params.id, async (trx) => {
        const removed = await trx
          .deleteFrom('workspace_items')
          .where('workspace_id', '=', params.id)
          .where('generation_id', '=', params.generationId)
          .executeTakeFirst();
        if (Number(removed.numDeletedRows) === 0)
          throw notFound(`Generation ${params.generationId} in workspace ${params.id}`);
        await s.ctx.storage.recordChange(trx, account.id, 'generation', params.generationId, 'upsert');
      }))!,
  });
}
