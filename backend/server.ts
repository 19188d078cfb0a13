/**
 * The backend service: wires storage, policy, events, the runner and routes into one fastify instance.
 */
import { join } from 'node:path';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import * as api from '../shared/api.js';
import { Accounts, sameSecret } from './accounts.js';
import { loadCatalog } from './catalog.js';
import { SystemClock, TestClock, type Clock } from './clock.js';
import { openDatabase, type Database } from './db/database.js';
import { EventLog } from './events.js';
import { Generations } from './generations.js';
import { defineRoute, type Authenticator } from './http.js';
import { Idempotency } from './idempotency.js';
import { clientError, frameworkError, registerInputGuards } from './input-guards.js';
import { registerRequestLimits } from './limits.js';
import { recordRoutes } from './route-list.js';
import { balanceView } from './policy/balance-view.js';
import { Charges } from './policy/charges.js';
import type { PolicyContext } from './policy/context.js';
import { DueWork } from './policy/due-work.js';
import { FairUse } from './policy/fair-use.js';
import { Subscriptions } from './policy/subscriptions.js';
import { ApiProblem, notFound, sendProblem, unauthorized } from './problem.js';
import { LocalProvider } from './providers/local.js';
import type { GenerationProvider } from './providers/provider.js';
import { registerAccountRoutes } from './routes/account.js';
import { registerGenerationRoutes } from './routes/generations.js';
import { registerHistoryRoutes } from './routes/history.js';
import { loadOperationsConfig, parseOperationsConfig, type OperationsConfigInput } from './config.js';
import { JobQueue } from './queue/job-queue.js';
import { WorkerPool } from './queue/worker-pool.js';
import { SdWebUiProvider } from './providers/sd-webui.js';
import type { Services } from './services.js';
import { registerEventStream } from './sse.js';
import { VERSION } from './version.js';

export interface BackendOptions {
  dataDir: string;
  adminToken: string;
  databaseUrl?: string | undefined;
  testClock?: Date | undefined;
  catalogPath?: string | undefined;
  logger?: boolean;
  /** The generation provider for every model (tests); otherwise per model from the catalog, the local one by default. */
  provider?: GenerationProvider;
  /** Operator configuration (U6): a file, and/or values that override it. */
  configPath?: string | undefined;
  config?: OperationsConfigInput;
}

export interface Backend {
  app: FastifyInstance;
  clock: Clock;
  database: Database;
  catalog: api.Catalog;
  services: Services;
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

/** The shortest pause between two rounds of `queue` events. */
const QUEUE_EVENT_PAUSE_MS = 50;

export async function createBackend(options: BackendOptions): Promise<Backend> {
  const catalog = loadCatalog(options.catalogPath);
  const clock: Clock = options.testClock ? new TestClock(options.testClock) : new SystemClock();
  const database = await openDatabase({ dataDir: options.dataDir, databaseUrl: options.databaseUrl });
  const { db, engine } = database;
  const events = new EventLog(db, clock);
  const fileConfig = loadOperationsConfig(options.configPath);
  const config = options.config
    ? parseOperationsConfig({ queue: { ...fileConfig.queue, ...options.config.queue }, fairUse: { ...fileConfig.fairUse, ...options.config.fairUse }, limits: { ...fileConfig.limits, ...options.config.limits } })
    : fileConfig;
  const ctx: PolicyContext = { db, engine, catalog, clock, events, config };
  const subscriptions = new Subscriptions(ctx);
  const accounts = new Accounts(db, catalog, clock, subscriptions);
  const charges = new Charges(ctx);
  const balance = (accountId: string) => db.transaction().execute((trx) => balanceView(ctx, trx, accountId));
  const publishBalance = async (accountId: string) => {
    await events.publish(accountId, { type: 'balance', data: await balance(accountId) });
  };
  const dueWork = new DueWork(ctx, subscriptions, publishBalance);
  const generations = new Generations(ctx, charges, dueWork);

  const generation = (accountId: string, id: string) => db.transaction().execute(async (trx) => generations.view(trx, await generations.get(trx, accountId, id)));
  const publishGeneration = async (accountId: string, id: string, current?: api.Generation) => {
    await events.publish(accountId, { type: 'generation', data: current ?? (await generation(accountId, id)) });
  };
  const me = async (accountId: string, executor: typeof db = db) => ({ ...(await accounts.me(accountId, executor)), fairUse: await fairUse.fairUseView(accountId, executor) });
  const publishAccount = async (accountId: string) => {
    await events.publish(accountId, { type: 'account', data: await me(accountId) });
  };
  const fairUse = new FairUse({ db, engine, clock, config: config.fairUse, onStatusChange: (accountId) => publishAccount(accountId) });
  const queue = new JobQueue(ctx, generations, database.workerDb);
  let closing = false;

  // SSE `queue` events: every account with work in the queues hears about a change, coalesced to one round per 50 ms;
  // rounds never overlap, and one reading of the queues serves every account of the round. A round reads the whole
  // queue: with thousands waiting it took 10-240 ms (PostgreSQL, measured), and rounds one after the other took most
  // of the process, so that the workers fell behind. The pause after a round is at least three times as long as the
  // round: the rounds take at most a quarter of the time, and the positions of a long queue move a few times a second.
  let queueTimer: NodeJS.Timeout | null = null;
  let queueRound: Promise<void> | null = null;
  let queueAgain = false;
  let queuePauseMs = QUEUE_EVENT_PAUSE_MS;
  const publishQueues = async () => {
    const started = performance.now();
    const statusFor = await queue.overview(config.queue.workers);
    await Promise.all((await queue.accountsInQueue()).map((accountId) => events.publish(accountId, { type: 'queue', data: statusFor(accountId) })));
    queuePauseMs = Math.max(QUEUE_EVENT_PAUSE_MS, 3 * (performance.now() - started));
  };
  const queueChanged = () => {
    if (closing) return;
    if (queueRound) {
      queueAgain = true;
      return;
    }
    if (queueTimer) return;
    queueTimer = setTimeout(() => {
      queueTimer = null;
      queueRound = publishQueues()
        .catch((error) => app.log.error(error, 'queue event failed'))
        .finally(() => {
          queueRound = null;
          if (queueAgain) {
            queueAgain = false;
            queueChanged();
          }
        });
    }, queuePauseMs);
  };

  const local = new LocalProvider();
  const remote = new Map<string, GenerationProvider>();
  const providerFor = (modelId: string): GenerationProvider => {
    if (options.provider) return options.provider;
    const model = catalog.models.find((m) => m.id === modelId);
    if (model?.provider?.kind !== 'sd-webui') return local;
    const url = model.provider.url;
    if (!remote.has(url)) remote.set(url, new SdWebUiProvider({ baseURL: url, timeoutMs: config.queue.jobTimeoutS * 1000 }));
    return remote.get(url)!;
  };
  const runner = new WorkerPool(
    { ...ctx, db: database.workerDb },
    queue,
    generations,
    { generationChanged: publishGeneration, balanceChanged: publishBalance, queueChanged },
    { outputsDir: join(options.dataDir, 'outputs'), providerFor, exclusiveDatabase: engine === 'sqlite' },
  );
  const services: Services = {
    ctx,
    accounts,
    subscriptions,
    charges,
    generations,
    dueWork,
    idempotency: new Idempotency(db, config.limits.idempotencyTtlS),
    runner,
    queue,
    fairUse,
    me,
    publishAccount,
    dataDir: options.dataDir,
    balance,
    generation,
    publishBalance,
    publishGeneration,
  };

  // Ids in paths are checked by the routes' schemas (at most 200 characters): fastify must let them through to be.
  const app = Fastify({
    logger: options.logger ?? false,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
  });
  recordRoutes(app);
  registerInputGuards(app);

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
      const kept = status === 404 || status === 413 || status === 415 ? status : 400;
      return sendProblem(reply, new ApiProblem(kept, code, (error as Error).message));
    }
    request.log.error(error);
    return sendProblem(reply, new ApiProblem(500, 'internal_error', 'The backend failed to answer this request'));
  });
  app.setNotFoundHandler((request, reply) => sendProblem(reply, notFound(`${request.method} ${request.url.split('?')[0]}`)));
  await registerRequestLimits(app, config.limits);

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
  registerAccountRoutes(app, auth, services);
  registerGenerationRoutes(app, auth, services);
  registerHistoryRoutes(app, auth, services);
  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/queue',
    auth: 'account',
    response: api.QueueStatus,
    handler: async ({ account }) => queue.status(account.id, config.queue.workers),
  });

  const openStreams = new Set<() => void>();
  registerEventStream(
    app,
    auth,
    { events, applyDueWork: (id) => dueWork.apply(id), balance, maxStreamsPerAccount: config.limits.enabled ? config.limits.eventStreamsPerAccount : Infinity, streamsChanged: (id, open) => void fairUse.observeStreams(id, open).catch(() => {}) },
    openStreams,
  );

  // Due work (A1, A3, C2, C3): when the test clock moves, and at the next due instant of any account.
  clock.onMove(() => dueWork.applyForAll());
  let timer: NodeJS.Timeout | undefined;
  const scheduleDueWork = async () => {
    if (closing || clock.isTestClock) return;
    const due = await dueWork.nextDueAt();
    const waitMs = due ? Math.min(Math.max(due.getTime() - clock.now().getTime(), 0) + 50, 3_600_000) : 3_600_000;
    timer = setTimeout(() => {
      dueWork
        .applyForAll()
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
  await dueWork.applyForAll();
  await runner.recover();

  return {
    app,
    clock,
    database,
    catalog,
    services,
    async listen(port: number, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      void scheduleDueWork();
      return `http://${host}:${actual}`;
    },
    async close() {
      closing = true;
      if (queueTimer) clearTimeout(queueTimer);
      await runner.stop();
      await queueRound;
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
