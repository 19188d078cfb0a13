/**
 * The composition root: builds every part of the backend once, in the order they depend on each other, and hands each
 * what it needs through its constructor. Nothing here decides anything; see docs/ARCHITECTURE.md, "The backend inside".
 */
import type { Server } from 'node:http';
import { join } from 'node:path';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type * as api from '../shared/api.js';
import { loadCatalog } from './catalog.js';
import { SystemClock, TestClock, type Clock } from './clock.js';
import {
  loadOperationsConfig,
  parseOperationsConfig,
  type OperationsConfig,
  type OperationsConfigInput,
} from './config.js';
import { Accounts } from './domain/accounts.js';
import { Generations } from './domain/generations.js';
import { Views } from './domain/views.js';
import { bearerAuthenticator } from './http/auth.js';
import { answerErrorsAsProblems } from './http/problem-json.js';
import { registerAccountRoutes } from './http/routes/account.js';
import { registerAdminRoutes } from './http/routes/admin.js';
import { registerGenerationRoutes } from './http/routes/generations.js';
import { registerHistoryRoutes } from './http/routes/history.js';
import { registerSystemRoutes } from './http/routes/system.js';
import { registerEventStream } from './http/sse.js';
import { clientError, frameworkError, registerInputGuards } from './http/input-guards.js';
import { registerRequestLimits } from './http/limits.js';
import { registerOpenApiRoutes } from './http/openapi.js';
import { Metrics, registerMetrics, serveMetricsPort } from './http/metrics.js';
import { Readiness } from './http/readiness.js';
import { recordRoutes } from './http/route-list.js';
import { createLog, Logger, type LogOptions } from './log.js';
import { registerRequestLog, requestIdOf } from './http/request-log.js';
import { Charges } from './policy/charges.js';
import type { PolicyContext } from './policy/context.js';
import { DueWork } from './policy/due-work.js';
import { FairUse } from './policy/fair-use.js';
import { Subscriptions } from './policy/subscriptions.js';
import { ProviderDirectory } from './providers/directory.js';
import type { GenerationProvider } from './providers/provider.js';
import { DueWorkTimer } from './queue/due-work-timer.js';
import { JobQueue } from './queue/job-queue.js';
import { QueueEvents } from './queue/queue-events.js';
import { WorkerPool } from './queue/worker-pool.js';
import type { Services } from './services.js';
import { openDatabase, type Database } from './storage/database.js';
import { openEventLog } from './storage/events.js';
import { Idempotency } from './storage/idempotency.js';

export interface BackendOptions {
  dataDir: string;
  adminToken: string;
  databaseUrl?: string | undefined;
  testClock?: Date | undefined;
  catalogPath?: string | undefined;
  /** Logs as JSON lines (log.ts): to standard output at info with `true`, as `log` says, or not at all (tests). */
  logger?: boolean;
  log?: LogOptions;
  /** The generation provider for every model (tests); otherwise per model from the catalog, the local one by default. */
  provider?: GenerationProvider;
  /** Operator configuration (U6): a file, and/or values that override it. */
  configPath?: string | undefined;
  config?: OperationsConfigInput;
  /** The API reference page at /docs (on unless the operator turns it off); /v1/openapi.json is always served. */
  docs?: boolean;
  /** Also serve /metrics without a token on this port of 127.0.0.1 (0: any free one); the admin route is always there. */
  metricsPort?: number | undefined;
}

export interface Backend {
  app: FastifyInstance;
  clock: Clock;
  database: Database;
  catalog: api.Catalog;
  services: Services;
  /** Failures the backend survived, logged and counted by kind. */
  log: Logger;
  metrics: Metrics;
  readiness: Readiness;
  /** The URL of the separate metrics port, once listening (metricsPort). */
  metricsUrl: string | null;
  listen(port: number, host?: string): Promise<string>;
  /** Not ready from now on (GET /v1/ready answers 503), while requests are still served: the first step of stopping. */
  drain(): void;
  close(): Promise<void>;
}

/** The operator's configuration file, with the values given in code over it. */
function operationsConfig(options: BackendOptions): OperationsConfig {
  const file = loadOperationsConfig(options.configPath);
  if (!options.config) return file;
  return parseOperationsConfig({
    queue: { ...file.queue, ...options.config.queue },
    fairUse: { ...file.fairUse, ...options.config.fairUse },
    limits: { ...file.limits, ...options.config.limits },
  });
}

export async function createBackend(options: BackendOptions): Promise<Backend> {
  const catalog = loadCatalog(options.catalogPath);
  const config = operationsConfig(options);
  const clock: Clock = options.testClock ? new TestClock(options.testClock) : new SystemClock();
  const logging = options.log ? createLog(options.log) : options.logger ? createLog({}) : null;
  // Ids in paths are checked by the routes' schemas (at most 200 characters): fastify must let them through to be.
  const app = Fastify({
    ...(logging ? { loggerInstance: logging.logger as FastifyBaseLogger } : { logger: false }),
    // One line per request of our own (request-log.ts) instead of fastify's two.
    logController: new LogController({ disableRequestLogging: true, requestIdLogLabel: 'requestId' }),
    genReqId: requestIdOf,
    bodyLimit: 1024 * 1024,
    forceCloseConnections: 'idle',
    routerOptions: { maxParamLength: 1000 },
    frameworkErrors: frameworkError,
    clientErrorHandler: clientError,
  });
  recordRoutes(app);
  registerRequestLog(app);
  registerInputGuards(app);
  const log = new Logger(app.log);

  // Storage, then policy, then the domain services and their views, then the queue machinery.
  const database = await openDatabase({ dataDir: options.dataDir, databaseUrl: options.databaseUrl, log });
  const { db, storage } = database;
  const events = await openEventLog(database, clock, log);
  const ctx: PolicyContext = { db, storage, catalog, clock, events, config };
  const subscriptions = new Subscriptions(ctx);
  const charges = new Charges(ctx);
  const fairUse = new FairUse({ db, storage, clock, config: config.fairUse });
  const accounts = new Accounts(db, storage, catalog, clock, subscriptions);
  const views = new Views(ctx, accounts, fairUse);
  // An account's status is part of its view, which reads fair use: so fair use hears of its listener after both exist.
  fairUse.onStatusChange((accountId) => views.publishAccount(accountId));
  const dueWork = new DueWork(ctx, subscriptions, (accountId) => views.publishBalance(accountId));
  const generations = new Generations(ctx, charges, dueWork);
  const queue = new JobQueue(ctx, generations, database.workerDb);
  const queueEvents = new QueueEvents(queue, events, config.queue.workers, log);
  const providers = new ProviderDirectory(catalog, config.queue.jobTimeoutS * 1000, options.provider);
  const runner = new WorkerPool(
    { ...ctx, db: database.workerDb },
    queue,
    generations,
    {
      generationChanged: (accountId, id, current) => generations.publish(accountId, id, current),
      balanceChanged: (accountId) => views.publishBalance(accountId),
      queueChanged: () => queueEvents.changed(),
    },
    {
      outputsDir: join(options.dataDir, 'outputs'),
      providerFor: (modelId) => providers.providerFor(modelId),
      exclusiveDatabase: storage.exclusive,
      log,
    },
  );
  const dueWorkTimer = new DueWorkTimer(dueWork, clock, log);
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
    dataDir: options.dataDir,
    me: (accountId, executor) => views.me(accountId, executor),
    balance: (accountId) => views.balance(accountId),
    generation: (accountId, id) => generations.viewOf(accountId, id),
    publishAccount: (accountId) => views.publishAccount(accountId),
    publishBalance: (accountId) => views.publishBalance(accountId),
    publishGeneration: (accountId, id, current) => generations.publish(accountId, id, current),
    dueScheduleChanged: () => dueWorkTimer.reschedule(),
  };

  // HTTP last: it only calls the parts above.
  const auth = bearerAuthenticator(accounts, options.adminToken);
  answerErrorsAsProblems(app);
  await registerRequestLimits(app, config.limits);
  const readiness = new Readiness({ database, dataDir: options.dataDir });
  const openStreams = new Set<() => void>();
  const metrics = new Metrics({ database, queue, workers: config.queue.workers, log, streams: () => openStreams.size });
  registerMetrics(app, auth, metrics);
  registerSystemRoutes(app, auth, {
    catalog: providers.servedCatalog(),
    queue,
    workers: config.queue.workers,
    readiness,
  });
  registerAccountRoutes(app, auth, services);
  registerAdminRoutes(app, auth, services);
  registerGenerationRoutes(app, auth, services);
  registerHistoryRoutes(app, auth, services);
  const streamsChanged = (accountId: string, open: number) =>
    void fairUse
      .observeStreams(accountId, open)
      .catch((error: unknown) => log.survived('fair-use', error, 'the check of open streams failed'));
  const maxStreamsPerAccount = config.limits.enabled ? config.limits.eventStreamsPerAccount : Infinity;
  registerEventStream(
    app,
    auth,
    {
      events,
      applyDueWork: (id) => dueWork.apply(id),
      balance: (id) => views.balance(id),
      maxStreamsPerAccount,
      streamsChanged,
    },
    openStreams,
  );
  // The document of every route: after all of them are defined.
  registerOpenApiRoutes(app, { referencePage: options.docs ?? true });
  app.addHook('preClose', async () => {
    dueWorkTimer.stop();
    for (const close of [...openStreams]) close();
  });

  await app.ready();
  await dueWork.applyForAll();
  await runner.recover();

  let metricsServer: Server | null = null;
  const backend: Backend = {
    app,
    clock,
    database,
    catalog,
    services,
    log,
    metrics,
    readiness,
    metricsUrl: null,
    async listen(port: number, host = '127.0.0.1') {
      await app.listen({ port, host });
      const address = app.server.address();
      const actual = typeof address === 'object' && address ? address.port : port;
      if (options.metricsPort !== undefined) {
        metricsServer = await serveMetricsPort(metrics, options.metricsPort, log);
        const bound = metricsServer.address();
        backend.metricsUrl = `http://127.0.0.1:${typeof bound === 'object' && bound ? bound.port : options.metricsPort}/metrics`;
      }
      dueWorkTimer.start();
      return `http://${host}:${actual}`;
    },
    drain() {
      readiness.drain();
    },
    async close() {
      readiness.drain();
      const metricsClosed = metricsServer
        ? new Promise<void>((resolve) => metricsServer!.close(() => resolve()))
        : Promise.resolve();
      metricsServer?.closeAllConnections();
      dueWorkTimer.stop();
      await runner.stop();
      await queueEvents.stop();
      await app.close();
      await events.close();
      await metricsClosed;
      await database.close();
      logging?.close();
    },
  };
  return backend;
}
