/**
 * The backend service: wires storage, policy, events and routes into one fastify instance.
 */
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import * as api from '../shared/api.js';
import { Accounts, sameSecret } from './accounts.js';
import { loadCatalog } from './catalog.js';
import { SystemClock, TestClock, type Clock } from './clock.js';
import { CreditPolicy } from './credits.js';
import { openDatabase, type Database } from './db/database.js';
import { EventLog } from './events.js';
import { defineRoute, type Authenticator } from './http.js';
import { ApiProblem, notFound, sendProblem, unauthorized } from './problem.js';
import { registerEventStream } from './sse.js';
import { VERSION } from './version.js';

export interface BackendOptions {
  dataDir: string;
  adminToken: string;
  databaseUrl?: string | undefined;
  testClock?: Date | undefined;
  catalogPath?: string | undefined;
  logger?: boolean;
}

export interface Backend {
  app: FastifyInstance;
  clock: Clock;
  database: Database;
  catalog: api.Catalog;
  accounts: Accounts;
  credits: CreditPolicy;
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** Routes of API.md whose behaviour arrives with later work; they answer 501 problem+json until then. */
const NOT_YET: Array<[string, string]> = [
  ['POST', '/v1/me/subscription'],
  ['DELETE', '/v1/me/subscription'],
  ['POST', '/v1/me/topups'],
  ['POST', '/v1/estimates/cost'],
  ['POST', '/v1/generations'],
  ['GET', '/v1/generations'],
  ['GET', '/v1/generations/:id'],
  ['POST', '/v1/generations/:id/cancel'],
  ['POST', '/v1/generations/:id/rerun'],
  ['POST', '/v1/uploads'],
  ['POST', '/v1/prompts/enhance'],
  ['GET', '/v1/sync'],
  ['GET', '/v1/outputs/:id'],
  ['GET', '/v1/queue'],
  ['GET', '/v1/usage'],
  ['GET', '/v1/ledger'],
  ['GET', '/v1/workspaces'],
  ['POST', '/v1/workspaces'],
  ['POST', '/v1/workspaces/:id/items'],
  ['DELETE', '/v1/workspaces/:id/items/:generationId'],
  ['POST', '/v1/me/appeals'],
  ['GET', '/v1/admin/appeals'],
  ['POST', '/v1/admin/appeals/:id/decision'],
  ['POST', '/v1/admin/accounts/:id/flags'],
];

export async function createBackend(options: BackendOptions): Promise<Backend> {
  const catalog = loadCatalog(options.catalogPath);
  const clock: Clock = options.testClock ? new TestClock(options.testClock) : new SystemClock();
  const database = await openDatabase({ dataDir: options.dataDir, databaseUrl: options.databaseUrl });
  const { db } = database;
  const accounts = new Accounts(db, catalog, clock);
  const events = new EventLog(db, clock);
  const credits = new CreditPolicy(db, catalog, clock, accounts, events);

  const app = Fastify({ logger: options.logger ?? false, bodyLimit: 21 * 1024 * 1024, forceCloseConnections: 'idle' });

  const auth: Authenticator = {
    async account(request: FastifyRequest) {
      const token = bearer(request);
      const account = token ? await accounts.authenticate(token) : null;
      if (!account) throw unauthorized();
      return account;
    },
    admin(request: FastifyRequest) {
      const token = bearer(request);
      if (!token || !sameSecret(token, options.adminToken)) throw unauthorized();
    },
  };

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof ApiProblem) return sendProblem(reply, error);
    const status = (error as { statusCode?: number }).statusCode;
    if (status && status >= 400 && status < 500) {
      const code = status === 404 ? 'not_found' : status === 429 ? 'rate_limited' : 'invalid_request';
      return sendProblem(reply, new ApiProblem(status === 413 || status === 415 ? status : status === 404 ? 404 : 400, code, (error as Error).message));
    }
    request.log.error(error);
    return sendProblem(reply, new ApiProblem(500, 'internal_error', 'The backend failed to answer this request'));
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, notFound(`${request.method} ${request.url.split('?')[0]}`)));

  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/health',
    auth: 'none',
    response: api.Health,
    handler: async () => ({ status: 'ok' as const, version: VERSION }),
  });
  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/catalog',
    auth: 'none',
    response: api.Catalog,
    handler: async () => catalog,
  });
  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/me',
    auth: 'account',
    response: api.Me,
    handler: async ({ account }) => accounts.toMe(account),
  });
  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/me/balance',
    auth: 'account',
    response: api.Balance,
    handler: async ({ account }) => {
      await credits.applyDueWork(account.id);
      return credits.view(await accounts.get(account.id));
    },
  });
  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/admin/accounts',
    auth: 'admin',
    body: api.AccountCreate,
    response: api.AccountCreated,
    status: 201,
    handler: async ({ body }) => {
      const { account, token } = await accounts.create(body);
      return { account: accounts.toMe(account), token };
    },
  });
  defineRoute(app, auth, {
    method: 'POST',
    url: '/v1/admin/clock',
    auth: 'admin',
    body: api.ClockMove,
    response: api.ClockState,
    handler: async ({ body }) => {
      if (!(clock instanceof TestClock)) throw notFound('The test clock (start the backend with --test-clock)');
      if ('now' in body) {
        const target = new Date(body.now);
        if (target < clock.now()) throw new ApiProblem(400, 'invalid_request', 'The test clock only moves forward', { errors: [{ path: 'body.now', message: 'before the current test time' }] });
        await clock.set(target);
      } else {
        await clock.advance(body.advanceS);
      }
      return { now: clock.now().toISOString() };
    },
  });

  const openStreams = new Set<() => void>();
  registerEventStream(app, auth, { events, credits }, openStreams);

  for (const [method, url] of NOT_YET) {
    app.route({
      method: method as 'GET',
      url,
      handler: async (request, reply) => {
        if (url.startsWith('/v1/admin/')) auth.admin(request);
        else await auth.account(request);
        return sendProblem(reply, new ApiProblem(501, 'not_implemented', `${method} ${url} is not available on this backend yet`));
      },
    });
  }

  // Due work (A1/C2): when the test clock moves, and at the next local midnight of any account's zone.
  clock.onMove(() => credits.applyDueWorkForAll());
  let timer: NodeJS.Timeout | undefined;
  let closing = false;
  const scheduleDueWork = async () => {
    if (closing || clock.isTestClock) return;
    const due = await credits.nextDueAt();
    const waitMs = due ? Math.min(Math.max(due.getTime() - clock.now().getTime(), 0) + 50, 3_600_000) : 3_600_000;
    timer = setTimeout(() => {
      credits
        .applyDueWorkForAll()
        .catch((error) => app.log.error(error, 'due work failed'))
        .finally(() => void scheduleDueWork());
    }, waitMs);
    timer.unref();
  };

  app.addHook('preClose', async () => {
    closing = true;
    if (timer) clearTimeout(timer);
    for (const close of [...openStreams]) close();
  });

  await app.ready();
  await credits.applyDueWorkForAll();

  return {
    app,
    clock,
    database,
    catalog,
    accounts,
    credits,
    async listen(port: number, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      void scheduleDueWork();
      return `http://${host}:${actual}`;
    },
    async close() {
      await app.close();
      await database.close();
    },
  };
}

function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  return match?.[1] ?? null;
}
