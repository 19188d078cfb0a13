/**
 * One JSON line per request (pino, through fastify): its id, method, route, status, duration and who called. The id is
 * the caller's X-Request-Id when it is a sensible one, a new UUID otherwise; it goes back in the X-Request-Id header
 * and in every problem's `instance`, so that an answer can be found in the log.
 */
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyInstance, FastifyRequest } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** The account the request authenticated as (auth.ts), for the log line. */
    accountId: string | null;
    /** Whether it authenticated with the admin token. */
    admin: boolean;
  }
}

/** Letters, digits and `._:-`, up to 128 characters: what a proxy or a client would send, and nothing that could forge a log line. */
const ACCEPTED_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdOf(request: IncomingMessage): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && ACCEPTED_ID.test(given) ? given : randomUUID();
}

/** The request's line, once it is answered (an event stream: once it ends, sse.ts; fastify's hooks skip those). */
export function logRequest(request: FastifyRequest, status: number, durationMs: number): void {
  request.log.info(
    {
      method: request.method,
      route: request.routeOptions.url ?? null,
      status,
      durationMs: Math.round(durationMs * 10) / 10,
      accountId: request.accountId,
      ...(request.admin ? { admin: true } : {}),
    },
    'request',
  );
}

export function registerRequestLog(app: FastifyInstance): void {
  app.decorateRequest('accountId', null);
  app.decorateRequest('admin', false);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => logRequest(request, reply.statusCode, reply.elapsedTime));
}
