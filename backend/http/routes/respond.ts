import type { FastifyReply } from 'fastify';
import type { StoredAnswer } from '../../storage/idempotency.js';

/** Sends an answer that may have been stored for an Idempotency-Key replay (problem+json when it is a refusal). */
export function sendAnswer(reply: FastifyReply, answer: StoredAnswer): FastifyReply {
  if (answer.status >= 400) {
    reply.header('content-type', 'application/problem+json');
    return reply.code(answer.status).send({ ...(answer.body as object), instance: reply.request.id });
  }
  return reply.code(answer.status).send(answer.body);
}

/** The header of routes that may be retried safely (docs/API.md, "Idempotency"), for the API document. */
export const IDEMPOTENCY_HEADER = {
  'Idempotency-Key':
    'Makes a retry safe: the same key and body answer with the first result, a different body with 409',
} as const;

/** The header U7's credential-sharing check counts clients by. */
export const CLIENT_HEADER = {
  'X-Companion-Client': "The app installation's id (at most 100 characters are used)",
} as const;

export function idempotencyKey(headers: Record<string, unknown>): string | undefined {
  const value = headers['idempotency-key'];
  return typeof value === 'string' && value.length > 0 ? value : undefined;
}
