/** Account, balance, plan and cost-preview routes, and the admin routes for accounts and the test clock (docs/API.md). */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import * as api from '../../../shared/api.js';
import { TestClock } from '../../clock.js';
import { balanceView } from '../../policy/balance-view.js';
import { defineRoute, NoContent, type Authenticator } from '../http.js';
import { ApiProblem, notFound } from '../../problem.js';
import { quote as quoteOf } from '../../policy/quote.js';
import type { Services } from '../../services.js';
import { issueToken, replayable, storable } from '../token-answers.js';
import { IDEMPOTENCY_HEADER, idempotencyKey, sendAnswer } from './respond.js';

export function registerAccountRoutes(app: FastifyInstance, auth: Authenticator, s: Services): void {
  const { db } = s.ctx;

  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/me',
    summary: 'The account: plan, time zone, subscription, fair-use state',
    auth: 'account',
    response: api.Me,
    handler: async ({ account }) => {
      await s.dueWork.apply(account.id);
      return s.me(account.id);
    },
  });

  defineRoute(app, auth, {
    method: 'PATCH',
    url: '/v1/me',
    summary: "Change the account's time zone",
    auth: 'account',
    body: api.MeUpdate,
    response: api.Me,
    handler: async ({ account, body }) => {
      // Due work first: a reset that was due under the old zone belongs to the old zone's day.
      await s.dueWork.apply(account.id);
      await s.accounts.setTimeZone(account.id, body.timeZone);
      s.dueScheduleChanged();
      await s.publishBalance(account.id);
      await s.publishAccount(account.id);
      return s.me(account.id);
    },
  });

  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/me/balance',
    summary: 'Credits by balance (free, subscription, top-up), generations and windows',
    auth: 'account',
    response: api.Balance,
    handler: async ({ account }) => {
      await s.dueWork.apply(account.id);
      return s.balance(account.id);
    },
  });

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/me/subscription',
    summary: 'Subscribe to a plan, or change plans',
    auth: 'account',
    body: api.SubscribeRequest,
    response: NoContent,
    answers: { 200: api.Me },
    headers: IDEMPOTENCY_HEADER,
    problems: [
      'insufficient_credits',
      'subscription_required',
      'account_suspended',
      'not_found',
      'idempotency_conflict',
    ],
    handler: async ({ account, body, request, reply }) => {
      await s.dueWork.apply(account.id);
      const answer = await s.idempotency.run(
        account.id,
        idempotencyKey(request.headers),
        'POST /v1/me/subscription',
        body,
        async (remember) =>
          db.transaction().execute(async (trx) => {
            await s.subscriptions.subscribe(trx, account.id, body.planId);
            const stored = { status: 200, body: await s.me(account.id, trx) };
            await remember(trx, stored);
            return stored;
          }),
      );
      if (answer.status < 400) {
        await s.publishBalance(account.id);
        await s.publishAccount(account.id);
      }
      return sendAnswer(reply, answer);
    },
  });

  defineRoute(app, auth, {
    method: 'DELETE',
    url: '/v1/me/subscription',
    summary: 'Cancel the subscription at the end of its period',
    auth: 'account',
    response: api.Me,
    problems: ['subscription_required', 'not_cancellable', 'account_suspended'],
    handler: async ({ account }) => {
      await s.dueWork.apply(account.id);
      await db.transaction().execute((trx) => s.subscriptions.cancel(trx, account.id));
      await s.publishAccount(account.id);
      return s.me(account.id);
    },
  });

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/me/topups',
    summary: 'Buy top-up credits',
    auth: 'account',
    body: api.TopupRequest,
    response: NoContent,
    answers: { 201: api.Balance },
    headers: IDEMPOTENCY_HEADER,
    problems: ['subscription_required', 'account_suspended', 'idempotency_conflict'],
    handler: async ({ account, body, request, reply }) => {
      await s.dueWork.apply(account.id);
      const answer = await s.idempotency.run(
        account.id,
        idempotencyKey(request.headers),
        'POST /v1/me/topups',
        body,
        async (remember) =>
          db.transaction().execute(async (trx) => {
            await s.subscriptions.buyTopup(trx, account.id, body.credits);
            const stored = { status: 201, body: await balanceView(s.ctx, trx, account.id) };
            await remember(trx, stored);
            return stored;
          }),
      );
      if (answer.status < 400) await s.publishBalance(account.id);
      return sendAnswer(reply, answer);
    },
  });

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/estimates/cost',
    summary: 'What a generation would cost and what it would draw from, without charging',
    auth: 'account',
    body: api.CostEstimateRequest,
    response: api.CostEstimate,
    problems: ['not_found'],
    handler: async ({ account, body }) => {
      await s.dueWork.apply(account.id);
      return db.transaction().execute(async (trx) => {
        const state = await s.charges.readQuoteState(trx, account.id, body.modelId);
        if (!state) throw notFound('Account');
        const quote = quoteOf(state, body, s.ctx.catalog, s.ctx.clock.now());
        const estimate: api.CostEstimate = {
          cost: quote.cost,
          unit: quote.unit,
          draws: quote.draws,
          lane: quote.lane,
          unlimited: quote.unlimited,
        };
        if (quote.refusal) estimate.refusal = quote.refusal.toProblem();
        return estimate;
      });
    },
  });

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/admin/accounts',
    summary: 'Open an account and issue its first token',
    auth: 'admin',
    body: api.AccountCreate,
    response: NoContent,
    answers: { 201: api.AccountCreated },
    headers: IDEMPOTENCY_HEADER,
    problems: ['idempotency_conflict'],
    handler: async ({ body, request, reply }) => {
      const answer = await s.idempotency.run(
        'admin',
        idempotencyKey(request.headers),
        'POST /v1/admin/accounts',
        body,
        async (remember) => {
          const { account, token } = await s.accounts.create(body);
          const fresh = { status: 201, body: api.AccountCreated.parse({ account: await s.me(account.id), token }) };
          await db.transaction().execute((trx) => remember(trx, storable(fresh, account.id)));
          return fresh;
        },
      );
      return sendAnswer(reply, await replayable(answer, (accountId) => issueToken(db, accountId, s.ctx.clock.now())));
    },
  });

  // U7: one appeal per pause; reviewers list and decide appeals, and may flag an account themselves.
  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/me/appeals',
    summary: 'Appeal a pause of unlimited access',
    auth: 'account',
    body: api.AppealRequest,
    response: NoContent,
    answers: { 201: api.Appeal },
    headers: IDEMPOTENCY_HEADER,
    problems: ['idempotency_conflict'],
    handler: async ({ account, body, request, reply }) => {
      const answer = await s.idempotency.run(
        account.id,
        idempotencyKey(request.headers),
        'POST /v1/me/appeals',
        body,
        async (remember) => {
          const appeal = await s.fairUse.appeal(account.id, body.message);
          const stored = { status: 201, body: api.Appeal.parse(appeal) };
          await db.transaction().execute((trx) => remember(trx, stored));
          return stored;
        },
      );
      if (answer.status < 400) await s.publishAccount(account.id);
      return sendAnswer(reply, answer);
    },
  });

  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/admin/appeals',
    summary: 'List appeals',
    auth: 'admin',
    query: api.PageQuery.extend({ status: z.enum(['open', 'restored', 'upheld']).optional() }),
    response: api.AppealPage,
    handler: async ({ query }) => s.fairUse.listAppeals({ ...query, limit: query.limit ?? 100 }),
  });

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/admin/appeals/:id/decision',
    summary: 'Decide an appeal: restore or uphold',
    auth: 'admin',
    params: z.object({ id: z.string().min(1).max(200) }),
    body: api.AppealDecision,
    response: api.Appeal,
    handler: async ({ params, body }) => {
      const appeal = await s.fairUse.decide(params.id, body);
      await s.publishAccount(appeal.accountId);
      return appeal;
    },
  });

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/admin/accounts/:id/flags',
    summary: 'Flag an account for review',
    auth: 'admin',
    params: z.object({ id: z.string().min(1).max(200) }),
    body: api.FlagRequest,
    response: api.Me,
    handler: async ({ params, body }) => {
      await s.accounts.get(params.id);
      await s.fairUse.flagByReviewer(params.id, body.reason);
      await s.publishAccount(params.id);
      return s.me(params.id);
    },
  });

  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/admin/clock',
    summary: 'Move the test clock forward (test clock only)',
    auth: 'admin',
    body: api.ClockMove,
    response: api.ClockState,
    problems: ['not_found'],
    handler: async ({ body }) => {
      const clock = s.ctx.clock;
      if (!(clock instanceof TestClock)) throw notFound('The test clock (start the backend with --test-clock)');
      if ('now' in body) {
        const target = new Date(body.now);
        if (target < clock.now()) {
          throw new ApiProblem(400, 'invalid_request', 'The test clock only moves forward', {
            errors: [{ path: 'body.now', message: 'before the current test time' }],
          });
        }
        await clock.set(target);
      } else {
        await clock.advance(body.advanceS);
      }
      return { now: clock.now().toISOString() };
    },
  });
}
