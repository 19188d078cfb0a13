/**
 * Rate limits and quotas (docs/API.md: 429 rate_limited with Retry-After), all operator configuration (U6):
 *
 * - requests per token (reads generously, writes less so), per client address for requests without a token, and per
 *   address on `/v1/admin/*`, counted by @fastify/rate-limit in fixed windows;
 * - failed authentications per address: after `maxPerAddress` 401s within the window, every request from that address
 *   is refused until the window ends (a token cannot be guessed at speed);
 * - prompt enhancements (free, G3) per account per window; uploads per account per rolling day, by count and by bytes
 *   (read from the uploads table, so they hold across restarts and processes);
 * - open event streams per account (sse.ts), and how long an Idempotency-Key's answer is kept (idempotency.ts).
 *
 * The counters of the first three are in this process's memory: behind a load balancer each process counts its own
 * share. Shared counters (e.g. in the database) are for when the backend scales out.
 */
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import { hashToken } from '../domain/accounts.js';
import type { Clock } from '../clock.js';
import type { DB } from '../storage/schema.js';
import { ApiProblem } from '../problem.js';

const Window = (max: number, windowS: number) =>
  z
    .object({ max: z.number().int().positive().default(max), windowS: z.number().positive().default(windowS) })
    .prefault({});

export const LimitsConfig = z
  .object({
    /** Off only for benchmarks and tests that measure something else; on in every real deployment. */
    enabled: z.boolean().default(true),
    /** GET requests per token. */
    reads: Window(1200, 60),
    /** Other requests per token. */
    writes: Window(300, 60),
    /** Requests without a token, per client address. */
    anonymous: Window(300, 60),
    /** Requests to /v1/admin/*, per client address. */
    admin: Window(120, 60),
    /** 401 answers per client address before the address is refused until the window ends. */
    failedAuth: Window(20, 60),
    /** POST /v1/prompts/enhance per account. */
    enhancements: Window(30, 60),
    uploads: z
      .object({
        /** Uploads per account in any 24 hours. */
        perDay: z.number().int().positive().default(200),
        /** Bytes uploaded per account in any 24 hours. */
        bytesPerDay: z
          .number()
          .int()
          .positive()
          .default(1024 ** 3),
      })
      .prefault({}),
    /** Uploaded images: the most pixels one may have (read from its header before it is decoded), and decodes at once. */
    images: z
      .object({
        maxInputPixels: z.number().int().positive().default(40_000_000),
        concurrentDecodes: z.number().int().min(1).max(64).default(2),
      })
      .prefault({}),
    /** Event streams one account may have open at once. */
    eventStreamsPerAccount: z.number().int().positive().default(10),
    /** How long the answer to an Idempotency-Key is kept; after that the key is new again. */
    idempotencyTtlS: z
      .number()
      .positive()
      .default(24 * 3600),
  })
  .prefault({});
export type LimitsConfig = z.infer<typeof LimitsConfig>;

export function rateLimited(retryAfterS: number, detail: string): ApiProblem {
  return new ApiProblem(429, 'rate_limited', detail, { retryAfterS: Math.max(1, Math.ceil(retryAfterS)) });
}

/** Fixed-window counters per key, in memory; `now` is injectable so that tests need not wait. */
export class WindowCounter {
  readonly #windows = new Map<string, { count: number; startedMs: number }>();

  constructor(
    private readonly max: number,
    private readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Seconds until `key` may go on, or 0 when it may now. Does not count. */
  waitS(key: string): number {
    const window = this.#current(key);
    if (!window || window.count < this.max) return 0;
    return (window.startedMs + this.windowMs - this.now()) / 1000;
  }

  count(key: string): void {
    const window = this.#current(key) ?? { count: 0, startedMs: this.now() };
    window.count += 1;
    this.#windows.set(key, window);
    if (this.#windows.size > 100_000) this.#forgetEnded();
  }

  /** Counts one use of `key`, or throws 429 when the window's uses are spent. */
  take(key: string, what: string): void {
    const wait = this.waitS(key);
    if (wait > 0) throw rateLimited(wait, `Too many ${what}; try again in ${Math.ceil(wait)} s`);
    this.count(key);
  }

  #current(key: string) {
    const window = this.#windows.get(key);
    if (!window) return undefined;
    if (window.startedMs + this.windowMs <= this.now()) {
      this.#windows.delete(key);
      return undefined;
    }
    return window;
  }

  #forgetEnded(): void {
    for (const key of [...this.#windows.keys()]) this.#current(key);
  }
}

function bearerOf(request: FastifyRequest): string | null {
  const match = /^Bearer\s+(\S+)$/i.exec(request.headers.authorization ?? '');
  return match?.[1] ?? null;
}

type RequestClass = 'admin' | 'reads' | 'writes' | 'anonymous';

const classified = new WeakMap<FastifyRequest, { kind: RequestClass; key: string }>();

/** The request's counter, worked out once per request (the plugin asks for its key, max and window apart). */
function classify(request: FastifyRequest): { kind: RequestClass; key: string } {
  let found = classified.get(request);
  if (!found) {
    found = classifyNow(request);
    classified.set(request, found);
  }
  return found;
}

function classifyNow(request: FastifyRequest): { kind: RequestClass; key: string } {
  const token = bearerOf(request);
  if (request.url.startsWith('/v1/admin/')) return { kind: 'admin', key: `admin|${request.ip}` };
  if (!token) return { kind: 'anonymous', key: `anonymous|${request.ip}` };
  const kind = request.method === 'GET' || request.method === 'HEAD' ? 'reads' : 'writes';
  // The token's hash, never the token, names the counter.
  return { kind, key: `${kind}|${hashToken(token).slice(0, 32)}` };
}

/**
 * Registers the request limits; call before the routes are defined (the plugin adds its hook to each route as it is
 * defined). The health check is never limited: supervisors poll it.
 */
export async function registerRequestLimits(app: FastifyInstance, limits: LimitsConfig): Promise<void> {
  if (!limits.enabled) return;
  const failures = new WindowCounter(limits.failedAuth.max, limits.failedAuth.windowS * 1000);
  app.addHook('onRequest', async (request) => {
    const wait = failures.waitS(request.ip);
    if (wait > 0)
      throw rateLimited(wait, `Too many failed sign-ins from this address; try again in ${Math.ceil(wait)} s`);
  });
  app.addHook('onResponse', async (request, reply) => {
    if (reply.statusCode === 401) failures.count(request.ip);
  });
  await app.register(rateLimit, {
    global: true,
    hook: 'onRequest',
    allowList: (request) => request.url === '/v1/health',
    keyGenerator: (request) => classify(request).key,
    max: (request) => limits[classify(request).kind].max,
    timeWindow: (request) => limits[classify(request).kind].windowS * 1000,
    addHeadersOnExceeding: { 'x-ratelimit-limit': false, 'x-ratelimit-remaining': false, 'x-ratelimit-reset': false },
    errorResponseBuilder: (_request, context) =>
      rateLimited(
        context.ttl / 1000,
        `Too many requests; try again in ${Math.max(1, Math.ceil(context.ttl / 1000))} s`,
      ),
  });
}

/** The free actions' quotas, checked before the work is done. */
export class Quotas {
  readonly #enhancements: WindowCounter | null;

  constructor(
    private readonly limits: LimitsConfig,
    private readonly db: Kysely<DB>,
    private readonly clock: Clock,
  ) {
    this.#enhancements = limits.enabled
      ? new WindowCounter(limits.enhancements.max, limits.enhancements.windowS * 1000)
      : null;
  }

  enhancement(accountId: string): void {
    this.#enhancements?.take(accountId, 'prompt enhancements');
  }

  /** Refuses an upload of `bytes` that would take the account over its count or bytes in the last 24 hours. */
  async upload(accountId: string, bytes: number): Promise<void> {
    if (!this.limits.enabled) return;
    const now = this.clock.now().getTime();
    const since = new Date(now - 24 * 3600_000).toISOString();
    const recent = await this.db
      .selectFrom('uploads')
      .select(['bytes', 'created_at'])
      .where('account_id', '=', accountId)
      .where('created_at', '>', since)
      .orderBy('created_at', 'asc')
      .execute();
    const { perDay, bytesPerDay } = this.limits.uploads;
    let count = recent.length;
    let total = recent.reduce((sum, row) => sum + Number(row.bytes), 0);
    if (count < perDay && total + bytes <= bytesPerDay) return;
    // The wait is until enough of the oldest uploads leave the 24 hours.
    for (const row of recent) {
      count -= 1;
      total -= Number(row.bytes);
      if (count < perDay && total + bytes <= bytesPerDay) {
        const waitS = (Date.parse(row.created_at) + 24 * 3600_000 - now) / 1000;
        throw rateLimited(
          waitS,
          `The uploads of the last 24 hours reached the limit (${perDay} uploads, ${bytesPerDay} bytes); try again later`,
        );
      }
    }
    throw new ApiProblem(413, 'invalid_request', `An upload is at most ${bytesPerDay} bytes a day`);
  }
}
