/**
 * Bad input is refused before any route sees it, the same on SQLite and PostgreSQL, always as problem+json with a
 * stable code and nothing written:
 *
 * - characters a database cannot store as they were sent (NUL: SQLite cut the text at it, PostgreSQL refused it
 *   with a 500; lone UTF-16 surrogates, which become U+FFFD on the way in) and the other control characters but tab,
 *   line feed and carriage return, anywhere in the body, the query or the path: 400 invalid_request naming the field;
 * - JSON that is not valid UTF-8 (otherwise decoded with replacement characters), or with a number beyond doubles
 *   (`1e400`, read as Infinity): 400;
 * - a bad percent escape in the query (otherwise kept as it was sent): 400;
 * - an Idempotency-Key that is not 1-200 visible ASCII characters, on any route: 400;
 * - a body of a type no route reads (text/plain included): 415;
 * - the framework's own refusals: a bad escape in the URL (400), a path parameter too long (414), and on the socket
 *   headers too large (431) or a request that is not HTTP (400).
 */
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiProblem } from '../problem.js';
import { sendProblem } from './problem-json.js';
import { UNSTORABLE } from '../stored-text.js';

/** The path (e.g. `body.settings.prompt`) of the first string, or object key, in `value` that holds an unstorable character. */
export function unstorableAt(value: unknown, path: string): string | null {
  if (typeof value === 'string') return UNSTORABLE.test(value) ? path : null;
  if (Buffer.isBuffer(value) || value === null || typeof value !== 'object') return null;
  for (const [key, inner] of Object.entries(value)) {
    const here = `${path}.${key}`;
    if (UNSTORABLE.test(key)) return here;
    const found = unstorableAt(inner, here);
    if (found) return found;
  }
  return null;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function invalid(path: string, message: string): ApiProblem {
  return new ApiProblem(400, 'invalid_request', `${path}: ${message}`, { errors: [{ path, message }] });
}

/** JSON bodies: strict UTF-8, then JSON.parse; an empty body is no body (the route's schema decides). */
function parseJson(_request: FastifyRequest, body: Buffer, done: (error: Error | null, value?: unknown) => void): void {
  if (body.length === 0) return done(null, undefined);
  let text: string;
  try {
    text = strictUtf8.decode(body);
  } catch {
    return done(invalid('body', 'is not valid UTF-8'));
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return done(invalid('body', 'is not valid JSON'));
  }
  const infinite = nonFiniteAt(value, 'body');
  if (infinite) return done(invalid(infinite, 'is a number beyond the range of doubles'));
  done(null, value);
}

function nonFiniteAt(value: unknown, path: string): string | null {
  if (typeof value === 'number') return Number.isFinite(value) ? null : path;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, inner] of Object.entries(value)) {
    const found = nonFiniteAt(inner, `${path}.${key}`);
    if (found) return found;
  }
  return null;
}

function badQueryEscape(url: string): boolean {
  const query = url.indexOf('?');
  if (query === -1) return false;
  try {
    decodeURIComponent(url.slice(query + 1).replace(/\+/g, ' '));
    return false;
  } catch {
    return true;
  }
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

export function registerInputGuards(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, parseJson);
  app.addHook('preValidation', async (request) => {
    if (badQueryEscape(request.url)) throw invalid('query', 'holds an invalid escape');
    const key = request.headers['idempotency-key'];
    if (key !== undefined && (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key))) {
      throw invalid('headers.idempotency-key', 'must be 1 to 200 visible ASCII characters');
    }
    const found =
      unstorableAt(request.params, 'params') ??
      unstorableAt(request.query, 'query') ??
      unstorableAt(request.body, 'body');
    if (found)
      throw invalid(
        found,
        'holds a character that cannot be stored (NUL, a control character or an unpaired surrogate)',
      );
  });
}

/** Fastify's `frameworkErrors`: the URL could not be routed (a bad escape, a parameter too long). */
export function frameworkError(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const status = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? 414 : 400;
  const message = status === 414 ? 'a path parameter is too long' : 'the URL holds an invalid escape';
  return sendProblem(reply, new ApiProblem(status, 'invalid_request', message, { errors: [{ path: 'url', message }] }));
}

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  413: 'Payload Too Large',
  431: 'Request Header Fields Too Large',
};

/** Fastify's `clientErrorHandler`: errors on the socket before there is a request (headers too large, not HTTP). */
export function clientError(error: Error & { code?: string }, socket: Socket): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = error.code === 'HPE_HEADER_OVERFLOW' ? 431 : error.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
  const detail =
    status === 431
      ? 'The request headers (or the URL) are too large'
      : status === 408
        ? 'The request took too long to arrive'
        : 'The request is not valid HTTP';
  const body = JSON.stringify(new ApiProblem(status, 'invalid_request', detail).toProblem());
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\ncontent-type: application/problem+json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  );
}
