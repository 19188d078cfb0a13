/** Sending problems as application/problem+json, and turning a request that fails its schema into one. */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { z } from 'zod';
import { ApiProblem, notFound } from '../problem.js';

export function invalidRequest(error: z.ZodError, where: string): ApiProblem {
  const errors = error.issues.map((issue) => ({
    path: [where, ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
  return new ApiProblem(400, 'invalid_request', errors.map((e) => `${e.path}: ${e.message}`).join('; '), { errors });
}

export function sendProblem(reply: FastifyReply, problem: ApiProblem): FastifyReply {
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  if (problem.status === 429 && typeof problem.extra.retryAfterS === 'number') {
    headers['retry-after'] = String(Math.max(1, Math.ceil(problem.extra.retryAfterS)));
  }
  // The request id, also in the X-Request-Id header (request-log.ts): the answer can be found in the log.
  headers['x-request-id'] = reply.request.id;
  return reply
    .code(problem.status)
    .headers(headers)
    .send({ ...problem.toProblem(), instance: reply.request.id });
}

/**
 * Every error leaves as problem+json: an ApiProblem as it is, fastify's own 4xx with the closest code, anything else as
 * a logged 500 that tells nothing of the inside; unknown routes as 404.
 */
export function answerErrorsAsProblems(app: FastifyInstance): void {
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
  app.setNotFoundHandler((request, reply) =>
    sendProblem(reply, notFound(`${request.method} ${request.url.split('?')[0]}`)),
  );
}
