/**
 * Prometheus metrics (`GET /metrics`, behind the admin token; or on `--metrics-port`, bound to 127.0.0.1): request
 * durations by route and status, the ledger's entries and credits by kind and balance (charges are `debit`, refunds
 * `refund`, grants `grant`, expiries `expire`), job durations by model, the queue's lanes, event-stream clients, the
 * database's connections, the failures survived by kind, and Node's own (event loop lag among them).
 *
 * A registry per backend: tests run many in one process. What the database knows (the ledger, finished jobs) is read on
 * scrape from where the last scrape stopped, so that every entry is counted once whichever process posted it, and the
 * counts survive a restart.
 */
import { createServer, type Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Logger } from '../log.js';
import type { JobQueue } from '../queue/job-queue.js';
import type { Database } from '../storage/database.js';
import type { Authenticator } from './http.js';
import { documentRoute } from './openapi.js';

export interface MetricsSources {
  database: Database;
  queue: JobQueue;
  workers: number;
  log: Logger;
  /** Event streams open now. */
  streams(): number;
}

const LANES = ['fast', 'relaxed', 'standard', 'system'] as const;
/** How far below the highest ledger id a scrape looks again for entries that committed late. */
const LATE_COMMIT_WINDOW = 1_000;

export class Metrics {
  readonly registry = new Registry();
  private readonly requests: Histogram<'method' | 'route' | 'status'>;
  /** Ledger ids counted lately: with concurrent writers an entry may commit after one with a higher id was read. */
  private readonly countedEntries = new Set<number>();
  private highestEntry = 0;
  private lastFinished: [string, string] = ['', ''];
  private readonly survivedSeen: Record<string, number> = {};

  constructor(private readonly sources: MetricsSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Histogram({
      name: 'companion_http_request_duration_seconds',
      help: 'Time to answer a request, by route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers,
    });
    // One read of the ledger feeds both of its counters: the first to be collected reads, the other finds it done.
    let reading: Promise<void> | null = null;
    const readLedger = () =>
      (reading ??= this.readLedger(entries, credits).finally(() => setTimeout(() => (reading = null))));
    const entries: Counter<'kind' | 'balance'> = new Counter({
      name: 'companion_ledger_entries_total',
      help: 'Ledger entries by kind (debit = charge, refund, grant, expire, topup) and balance',
      labelNames: ['kind', 'balance'],
      registers,
      collect: readLedger,
    });
    const credits: Counter<'kind' | 'balance'> = new Counter({
      name: 'companion_ledger_credits_total',
      help: 'Credits moved by ledger entries, by kind and balance (absolute amounts)',
      labelNames: ['kind', 'balance'],
      registers,
      collect: readLedger,
    });
    const jobs: Histogram<'model' | 'status'> = new Histogram({
      name: 'companion_job_duration_seconds',
      help: 'Time a generation ran (started to finished), by model and outcome',
      labelNames: ['model', 'status'],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
      registers,
      collect: () => this.readFinishedJobs(jobs),
    });
    // The queue is read once a scrape, for both gauges.
    let lanes: Promise<Record<string, { waiting: number; running: number } | undefined>> | null = null;
    const readLanes = () =>
      (lanes ??= sources.queue
        .overview(sources.workers)
        .then((of) => of('').lanes)
        .finally(() => setTimeout(() => (lanes = null))));
    const queued: Gauge<'lane'> = new Gauge({
      name: 'companion_queue_waiting',
      help: 'Generations waiting, per lane (system: all lanes)',
      labelNames: ['lane'],
      registers,
      collect: async () => {
        const now = await readLanes();
        for (const lane of LANES) queued.set({ lane }, now[lane]?.waiting ?? 0);
      },
    });
    const running: Gauge<'lane'> = new Gauge({
      name: 'companion_queue_running',
      help: 'Generations running, per lane (system: all lanes)',
      labelNames: ['lane'],
      registers,
      collect: async () => {
        const now = await readLanes();
        for (const lane of LANES) running.set({ lane }, now[lane]?.running ?? 0);
      },
    });
    const streams: Gauge = new Gauge({
      name: 'companion_sse_clients',
      help: 'Event streams (GET /v1/events) open now',
      registers,
      collect: () => streams.set(sources.streams()),
    });
    const pool: Gauge<'state'> = new Gauge({
      name: 'companion_db_connections',
      help: 'Database connections: open, in use, and requests waiting for one',
      labelNames: ['state'],
      registers,
      collect: () => {
        const now = sources.database.connections();
        pool.set({ state: 'open' }, now.open);
        pool.set({ state: 'in_use' }, now.inUse);
        pool.set({ state: 'waiting' }, now.waiting);
      },
    });
    const survived: Counter<'kind'> = new Counter({
      name: 'companion_survived_errors_total',
      help: 'Failures the backend logged and survived, by kind',
      labelNames: ['kind'],
      registers,
      collect: () => {
        for (const [kind, count] of Object.entries(sources.log.survivedErrors)) {
          const seen = this.survivedSeen[kind] ?? 0;
          if (count > seen) survived.inc({ kind }, count - seen);
          this.survivedSeen[kind] = count;
        }
      },
    });
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    this.requests.observe({ method, route, status: String(status) }, seconds);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  private async readLedger(entries: Counter<'kind' | 'balance'>, credits: Counter<'kind' | 'balance'>): Promise<void> {
    // Read again from a little below the highest id counted, skipping what was counted: a late commit is found.
    const floor = Math.max(0, this.highestEntry - LATE_COMMIT_WINDOW);
    const rows = await this.sources.database.db
      .selectFrom('ledger_entries')
      .select(['id', 'kind', 'balance', 'amount'])
      .where('id', '>', floor)
      .orderBy('id')
      .limit(100_000)
      .execute();
    for (const row of rows) {
      if (this.countedEntries.has(row.id)) continue;
      this.countedEntries.add(row.id);
      entries.inc({ kind: row.kind, balance: row.balance });
      credits.inc({ kind: row.kind, balance: row.balance }, Math.abs(row.amount));
      this.highestEntry = Math.max(this.highestEntry, row.id);
    }
    const keepFrom = this.highestEntry - LATE_COMMIT_WINDOW;
    for (const id of this.countedEntries) if (id <= keepFrom) this.countedEntries.delete(id);
  }

  private async readFinishedJobs(jobs: Histogram<'model' | 'status'>): Promise<void> {
    const [at, id] = this.lastFinished;
    const rows = await this.sources.database.db
      .selectFrom('generations')
      .select(['id', 'model_id', 'status', 'started_at', 'finished_at'])
      .where('finished_at', 'is not', null)
      .where('started_at', 'is not', null)
      .where((eb) => eb.or([eb('finished_at', '>', at), eb.and([eb('finished_at', '=', at), eb('id', '>', id)])]))
      .orderBy('finished_at')
      .orderBy('id')
      .limit(100_000)
      .execute();
    for (const row of rows) {
      const seconds = (Date.parse(row.finished_at!) - Date.parse(row.started_at!)) / 1000;
      jobs.observe({ model: row.model_id, status: row.status }, Math.max(0, seconds));
      this.lastFinished = [row.finished_at!, row.id];
    }
  }
}

const TEXT_FORMAT = 'text/plain; version=0.0.4; charset=utf-8';

/** Times every request, and serves `GET /metrics` to the admin token. */
export function registerMetrics(app: FastifyInstance, auth: Authenticator, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    metrics.observeRequest(
      request.method,
      request.routeOptions.url ?? 'unmatched',
      reply.statusCode,
      reply.elapsedTime / 1000,
    );
  });
  documentRoute(app, {
    method: 'GET',
    url: '/metrics',
    auth: 'admin',
    summary: 'Prometheus metrics (text format 0.0.4)',
    answers: { 200: { description: 'The metrics', content: { 'text/plain': { type: 'string' } } } },
  });
  app.get('/metrics', async (request, reply) => {
    auth.admin(request);
    return reply.type(TEXT_FORMAT).send(await metrics.text());
  });
}

/** The same metrics on a port of their own, on 127.0.0.1 only and without a token (a scraper on the same machine). */
export async function serveMetricsPort(metrics: Metrics, port: number, log: Logger): Promise<Server> {
  const server = createServer((request, response) => {
    if (request.method !== 'GET' || request.url?.split('?')[0] !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Only GET /metrics is served here\n');
      return;
    }
    metrics.text().then(
      (text) => response.writeHead(200, { 'content-type': TEXT_FORMAT }).end(text),
      (error: unknown) => {
        log.survived('metrics', error, 'collecting the metrics failed');
        response.writeHead(500, { 'content-type': 'text/plain' }).end('The metrics could not be collected\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });
  return server;
}
