/**
 * Operator routes over accounts and their tokens (docs/OPERATING.md "First account"): list accounts, issue another
 * token, revoke one, and grant top-up credits. A token is stored only as its SHA-256; its id is the start of that hash,
 * so an operator can name a token in a ticket or a log without being able to use it.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import * as api from '../../../shared/api.js';
import { hashToken } from '../../domain/accounts.js';
import { defineRoute, IdParams, type Authenticator } from '../http.js';
import { ApiProblem, notFound } from '../../problem.js';
import type { Services } from '../../services.js';
import { decodeCursorOf, encodeCursor } from '../../cursor.js';

/** The public name of a token: 16 hex digits of its hash (64 bits, so two tokens never share one in practice). */
export function tokenIdOf(token: string): string {
  return hashToken(token).slice(0, 16);
}

export function registerAdminRoutes(app: FastifyInstance, auth: Authenticator, s: Services): void {
  const { db } = s.ctx;

  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/admin/accounts',
    summary: 'List accounts',
    auth: 'admin',
    query: api.PageQuery,
    response: api.AdminAccountPage,
    handler: async ({ query }) => {
      const limit = query.limit ?? 100;
      let q = db.selectFrom('accounts').select(['id', 'name', 'time_zone', 'plan_id', 'status', 'created_at']);
      if (query.cursor) {
        const [createdAt, id] = decodeCursorOf(query.cursor, ['string', 'string'] as const);
        q = q.where((eb) =>
          eb.or([eb('created_at', '>', createdAt), eb.and([eb('created_at', '=', createdAt), eb('id', '>', id)])]),
        );
      }
      const rows = await q
        .orderBy('created_at')
        .orderBy('id')
        .limit(limit + 1)
        .execute();
      const page = rows.slice(0, limit);
      const last = page.at(-1);
      return {
        items: page.map((r) => ({
          id: r.id,
          name: r.name,
          timeZone: r.time_zone,
          planId: r.plan_id,
          status: r.status as api.AdminAccount['status'],
          createdAt: r.created_at,
        })),
        nextCursor: rows.length > limit && last ? encodeCursor([last.created_at, last.id]) : null,
      };
    },
  });

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/admin/accounts/:id/tokens',
    summary: 'Issue another token for an account',
    auth: 'admin',
    params: IdParams,
    response: api.TokenIssued,
    status: 201,
    handler: async ({ params }) => {
      await s.accounts.get(params.id);
      const token = `cc_${randomBytes(32).toString('base64url')}`;
      await db
        .insertInto('account_tokens')
        .values({ token_hash: hashToken(token), account_id: params.id, created_at: s.ctx.clock.now().toISOString() })
        .execute();
      return { accountId: params.id, tokenId: tokenIdOf(token), token };
    },
  });

  defineRoute(app, auth, {
    method: 'DELETE',
    url: '/v1/admin/tokens/:tokenId',
    summary: 'Revoke a token',
    auth: 'admin',
    params: z.object({ tokenId: z.string().regex(/^[0-9a-f]{16}$/, 'must be the 16 hex digits of a token id') }),
    response: api.TokenRevoked,
    handler: async ({ params }) => {
      // The id is hex digits only (checked above): nothing in it can act as a LIKE wildcard.
      const deleted = await db
        .deleteFrom('account_tokens')
        .where('token_hash', 'like', `${params.tokenId}%`)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) throw notFound(`Token ${params.tokenId}`);
      return { tokenId: params.tokenId, revoked: true as const };
    },
  });

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/admin/accounts/:id/topups',
    summary: 'Grant top-up credits',
    auth: 'admin',
    params: IdParams,
    body: api.TopupGrant,
    response: api.Balance,
    problems: ['account_suspended'],
    status: 201,
    handler: async ({ params, body }) => {
      await s.dueWork.apply(params.id);
      await db.transaction().execute(async (trx) => {
        const account = await s.ctx.storage.lockedAccount(trx, params.id);
        if (!account) throw notFound(`Account ${params.id}`);
        if (account.status === 'suspended')
          throw new ApiProblem(403, 'account_suspended', 'A suspended account cannot be granted credits');
        const reason = `C4: ${body.credits} top-up credits granted by an operator${body.reason ? `: ${body.reason}` : ''}`;
        await s.ctx.storage.postEntry(trx, params.id, {
          kind: 'topup',
          balance: 'topup',
          amount: body.credits,
          reason,
          at: s.ctx.clock.now(),
        });
      });
      await s.publishBalance(params.id);
      return s.balance(params.id);
    },
  });
}
