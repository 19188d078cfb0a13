/** Generations (charging side and history, H1), reference uploads and prompt enhancement (free, G3), and outputs. */
import { createReadStream } from 'node:fs';
import { createHash } from 'node:crypto';
import { mkdir, stat } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { sql } from 'kysely';
import rangeParser from 'range-parser';
import * as api from '../../../shared/api.js';
import { newId } from '../../storage/ids.js';
import { toGeneration } from '../../domain/generations.js';
import { defineRoute, IdParams, NoContent, type Authenticator } from '../http.js';
import { documentRoute } from '../openapi.js';
import { ApiProblem, notFound } from '../../problem.js';
import { writeFileAtomic } from '../../providers/atomic-write.js';
import { clientKey } from '../../policy/fair-use-rules.js';
import type { Services } from '../../services.js';
import { decodeCursorOf, encodeCursor } from '../../cursor.js';
import { ImageGuard } from '../../providers/image-guard.js';
import { Quotas } from '../limits.js';
import { CLIENT_HEADER, IDEMPOTENCY_HEADER, idempotencyKey, sendAnswer } from './respond.js';

const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;
const EXTENSION: Record<string, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/webp': 'webp' };

const ENHANCEMENTS: Record<api.ModelKind, string> = {
  image: 'highly detailed, soft natural light, sharp focus, balanced composition',
  video: 'smooth camera motion, cinematic lighting, steady framing',
  audio: 'clear and warm tone, gentle dynamics, clean mix',
};

/** G3: a richer prompt, free of charge; deterministic so the same prompt always enhances the same way. */
export function enhancePrompt(prompt: string, kind: api.ModelKind): string {
  const trimmed = prompt.trim().replace(/[.,;\s]+$/, '');
  const extra = ENHANCEMENTS[kind].split(', ').filter((phrase) => !trimmed.toLowerCase().includes(phrase));
  return extra.length ? `${trimmed}, ${extra.join(', ')}` : trimmed;
}

export function registerGenerationRoutes(app: FastifyInstance, auth: Authenticator, s: Services): void {
  const { db, catalog } = s.ctx;
  const quotas = new Quotas(s.ctx.config.limits, db, s.ctx.clock);
  const images = new ImageGuard(s.ctx.config.limits.images);

  async function submit(
    accountId: string,
    request: api.GenerationRequest,
    route: string,
    key: string | undefined,
    client: string,
  ) {
    // Due grants and the free reset are applied inside the charge's own transaction (Generations.create).
    const answer = await s.idempotency.run(accountId, key, route, request, async (remember) =>
      db.transaction().execute(async (trx) => {
        const row = await s.generations.create(trx, accountId, request);
        // A new generation has no outputs and is in no workspace yet.
        const stored = { status: 202, body: toGeneration(row, [], []) };
        await remember(trx, stored);
        return stored;
      }),
    );
    // A replay changed nothing: there is nothing to announce (a queued generation is still found by the workers' poll).
    if (answer.status === 202 && answer.replayed) s.runner.enqueue(accountId, (answer.body as api.Generation).id);
    else if (answer.status === 202) {
      const generation = answer.body as api.Generation;
      // U7: unlimited use is watched for automation and shared credentials; a detection pauses later unlimited requests.
      if (generation.unlimited) {
        const state = await s.fairUse.observeUnlimitedRequest(accountId, { clientKey: client });
        if (state.pausedNow) await s.publishAccount(accountId);
      }
      // Announced as queued before a worker can take it; a replay answers with the first result and enqueues nothing
      // new (workers only take work that is still queued).
      await s.publishGeneration(accountId, generation.id, generation);
      await s.publishBalance(accountId);
      s.runner.enqueue(accountId, generation.id);
    }
    return answer;
  }

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/generations',
    summary: 'Start a generation: charged now, queued, refunded if it fails',
    auth: 'account',
    body: api.GenerationRequest,
    response: NoContent,
    answers: { 202: api.Generation },
    headers: { ...IDEMPOTENCY_HEADER, ...CLIENT_HEADER },
    problems: [
      'insufficient_credits',
      'subscription_required',
      'generation_limit_reached',
      'fast_limit_reached',
      'unlimited_paused',
      'account_suspended',
      'idempotency_conflict',
    ],
    handler: async ({ account, body, request, reply }) => {
      // A prompt is the creator's own words: in the log only when the operator asked for debug lines.
      request.log.debug({ prompt: body.prompt, modelId: body.modelId }, 'generation requested');
      return sendAnswer(
        reply,
        await submit(account.id, body, 'POST /v1/generations', idempotencyKey(request.headers), clientKey(request)),
      );
    },
  });

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/generations/:id/rerun',
    summary: 'Run a generation again with the same settings (charged again)',
    auth: 'account',
    params: IdParams,
    response: NoContent,
    answers: { 202: api.Generation },
    headers: { ...IDEMPOTENCY_HEADER, ...CLIENT_HEADER },
    problems: [
      'insufficient_credits',
      'subscription_required',
      'generation_limit_reached',
      'fast_limit_reached',
      'unlimited_paused',
      'account_suspended',
      'idempotency_conflict',
    ],
    handler: async ({ account, params, request, reply }) => {
      const original = await db.transaction().execute((trx) => s.generations.get(trx, account.id, params.id));
      const again: api.GenerationRequest = {
        tool: original.tool as api.ToolId,
        modelId: original.model_id,
        prompt: original.prompt,
        settings: JSON.parse(original.settings),
        ...(original.workflow ? { workflow: true } : {}),
      };
      return sendAnswer(
        reply,
        await submit(
          account.id,
          again,
          `POST /v1/generations/${params.id}/rerun`,
          idempotencyKey(request.headers),
          clientKey(request),
        ),
      );
    },
  });

  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/generations',
    summary: 'The history of generations, newest first, filtered',
    auth: 'account',
    query: api.GenerationQuery,
    response: api.GenerationPage,
    handler: async ({ account, query }) => {
      const limit = query.limit ?? 50;
      let q = db
        .selectFrom('generations')
        .selectAll('generations')
        .where('generations.account_id', '=', account.id)
        .where('generations.deleted_at', 'is', null);
      if (query.tool) q = q.where('generations.tool', '=', query.tool);
      if (query.modelId) q = q.where('generations.model_id', '=', query.modelId);
      if (query.status) q = q.where('generations.status', '=', query.status);
      if (query.from) q = q.where('generations.created_at', '>=', new Date(query.from).toISOString());
      if (query.to) q = q.where('generations.created_at', '<', new Date(query.to).toISOString());
      if (query.q) {
        const pattern = `%${query.q.toLowerCase().replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
        q = q.where(sql<boolean>`lower(generations.prompt) like ${pattern} escape '\\'`);
      }
      if (query.workspaceId) {
        q = q.where((eb) =>
          eb.exists(
            eb
              .selectFrom('workspace_items')
              .select('workspace_items.generation_id')
              .whereRef('workspace_items.generation_id', '=', 'generations.id')
              .where('workspace_items.workspace_id', '=', query.workspaceId!),
          ),
        );
      }
      if (query.cursor) {
        const [createdAt, id] = decodeCursorOf(query.cursor, ['string', 'string'] as const);
        q = q.where((eb) =>
          eb.or([
            eb('generations.created_at', '<', createdAt),
            eb.and([eb('generations.created_at', '=', createdAt), eb('generations.id', '<', id)]),
          ]),
        );
      }
      const rows = await q
        .orderBy('generations.created_at', 'desc')
        .orderBy('generations.id', 'desc')
        .limit(limit + 1)
        .execute();
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      const items = await db.transaction().execute((trx) => s.generations.views(trx, page));
      return { items, nextCursor: rows.length > limit && last ? encodeCursor([last.created_at, last.id]) : null };
    },
  });

  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/generations/:id',
    summary: 'One generation',
    auth: 'account',
    params: IdParams,
    response: api.Generation,
    handler: async ({ account, params }) => s.generation(account.id, params.id),
  });

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/generations/:id/cancel',
    summary: 'Cancel a queued generation (refunded)',
    auth: 'account',
    params: IdParams,
    problems: ['not_cancellable'],
    response: api.Generation,
    handler: async ({ account, params }) => {
      const cancelled = await db.transaction().execute(async (trx) => {
        await s.generations.get(trx, account.id, params.id);
        return s.generations.finishUnsuccessfully(
          trx,
          account.id,
          params.id,
          'cancelled',
          'Cancelled before it started',
          ['queued'],
        );
      });
      if (!cancelled) throw new ApiProblem(409, 'not_cancellable', 'Only a queued generation can be cancelled');
      await s.publishGeneration(account.id, params.id);
      await s.publishBalance(account.id);
      return s.generation(account.id, params.id);
    },
  });

  defineRoute(app, auth, {
    method: 'DELETE',
    url: '/v1/generations/:id',
    summary: 'Remove a finished generation from the history',
    auth: 'account',
    params: IdParams,
    response: NoContent,
    answers: { 204: null },
    problems: ['not_cancellable'],
    handler: async ({ account, params, reply }) => {
      await db.transaction().execute(async (trx) => {
        const row = await s.generations.get(trx, account.id, params.id);
        if (!['succeeded', 'failed', 'blocked', 'cancelled'].includes(row.status)) {
          throw new ApiProblem(
            409,
            'not_cancellable',
            'A generation that is queued or running cannot be deleted; cancel it first',
          );
        }
        await trx
          .updateTable('generations')
          .set({ deleted_at: s.ctx.clock.now().toISOString() })
          .where('id', '=', params.id)
          .execute();
        await trx.deleteFrom('workspace_items').where('generation_id', '=', params.id).execute();
        await s.ctx.storage.recordChange(trx, account.id, 'generation', params.id, 'delete');
      });
      return reply.code(204).send();
    },
  });

  app.addContentTypeParser(
    ['image/png', 'image/jpeg', 'image/webp'],
    { parseAs: 'buffer', bodyLimit: MAX_UPLOAD_BYTES },
    (_request, body, done) => done(null, body),
  );

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/uploads',
    summary: 'Upload a reference image (raw bytes)',
    auth: 'account',
    response: NoContent,
    rawBody: Object.keys(EXTENSION),
    answers: { 201: api.Upload },
    headers: IDEMPOTENCY_HEADER,
    problems: ['idempotency_conflict'],
    handler: async ({ account, request, reply }) => {
      const declared = String(request.headers['content-type'] ?? '')
        .split(';')[0]!
        .trim();
      const bytes = request.body;
      if (!Buffer.isBuffer(bytes) || !EXTENSION[declared]) {
        throw new ApiProblem(
          415,
          'invalid_request',
          'Send the image bytes with Content-Type image/png, image/jpeg or image/webp',
        );
      }
      const answer = await s.idempotency.run(
        account.id,
        idempotencyKey(request.headers),
        'POST /v1/uploads',
        bytes,
        async (remember) => {
          await quotas.upload(account.id, bytes.length);
          const info = await images.check(bytes, declared);
          const id = newId('upl');
          const path = join(s.dataDir, 'uploads', account.id, `${id}.${EXTENSION[declared]}`);
          await mkdir(dirname(path), { recursive: true });
          await writeFileAtomic(path, bytes);
          const upload: api.Upload = {
            id,
            mime: info.mime,
            bytes: bytes.length,
            width: info.width,
            height: info.height,
            sha256: createHash('sha256').update(bytes).digest('hex'),
          };
          return db.transaction().execute(async (trx) => {
            await trx
              .insertInto('uploads')
              .values({
                id,
                account_id: account.id,
                mime: upload.mime,
                bytes: upload.bytes,
                width: upload.width,
                height: upload.height,
                sha256: upload.sha256,
                path,
                created_at: s.ctx.clock.now().toISOString(),
              })
              .execute();
            const stored = { status: 201, body: upload };
            await remember(trx, stored);
            return stored;
          });
        },
      );
      return sendAnswer(reply, answer);
    },
  });

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/prompts/enhance',
    summary: 'A richer prompt, free of charge',
    auth: 'account',
    body: api.EnhanceRequest,
    response: api.EnhanceResponse,
    handler: async ({ account, body }) => {
      quotas.enhancement(account.id);
      const kind = catalog.tools.find((t) => t.id === body.tool)?.kind ?? 'image';
      return { prompt: enhancePrompt(body.prompt, kind) };
    },
  });

  // Raw bytes with ranges and conditional requests: defined by hand, and so documented by hand.
  const bytes = { type: 'string', contentMediaType: 'application/octet-stream' };
  documentRoute(app, {
    method: 'GET',
    url: '/v1/outputs/:id',
    auth: 'account',
    summary: "An output's bytes (Range and If-None-Match supported)",
    params: IdParams,
    headers: {
      Range: 'One byte range, e.g. bytes=0-1023',
      'If-Range': 'The ETag the range is for',
      'If-None-Match': 'The ETag already held (304 when it matches)',
    },
    answers: {
      200: {
        description: 'The whole file, in its own content type',
        content: { 'application/octet-stream': bytes },
        headers: { ETag: 'The sha256 of the file', 'Accept-Ranges': 'bytes' },
      },
      206: {
        description: 'The requested range',
        content: { 'application/octet-stream': bytes },
        headers: { 'Content-Range': 'bytes start-end/size' },
      },
      304: { description: 'Not modified (the ETag matched)' },
      416: { description: 'The range is outside the file', headers: { 'Content-Range': 'bytes */size' } },
    },
  });
  app.get('/v1/outputs/:id', async (request, reply) => {
    const account = await auth.account(request);
    const params = IdParams.safeParse(request.params);
    if (!params.success) throw notFound('Output');
    const output = await db
      .selectFrom('outputs')
      .selectAll()
      .where('id', '=', params.data.id)
      .where('account_id', '=', account.id)
      .executeTakeFirst();
    if (!output) throw notFound(`Output ${params.data.id}`);
    const info = await stat(output.path).catch(() => null);
    if (!info) throw notFound(`The file of output ${output.id}`);
    const etag = `"${output.sha256}"`;
    reply
      .header('etag', etag)
      .header('accept-ranges', 'bytes')
      .header('content-type', output.mime)
      .header('cache-control', 'private, max-age=31536000, immutable');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    const range = request.headers.range;
    if (range && (!request.headers['if-range'] || request.headers['if-range'] === etag)) {
      const ranges = rangeParser(info.size, range, { combine: true });
      if (ranges === -1) return reply.code(416).header('content-range', `bytes */${info.size}`).send();
      if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
        const { start, end } = ranges[0]!;
        reply
          .code(206)
          .header('content-range', `bytes ${start}-${end}/${info.size}`)
          .header('content-length', end - start + 1);
        return reply.send(createReadStream(output.path, { start, end }));
      }
    }
    reply.header('content-length', info.size);
    return reply.send(createReadStream(output.path));
  });
}
