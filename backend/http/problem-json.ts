/** Sending problems as application/problem+json, and turning a request that fails its schema into one. */
import type { FastifyReply } from 'fastify';
import type { z } from 'zod';
import { ApiProblem } from '../problem.js';

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
  return reply.code(problem.status).headers(headers).send(problem.toProblem());
}
