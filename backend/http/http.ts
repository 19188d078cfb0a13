/**
 * Route definitions checked by the shared schemas: the body, query and params are parsed before the handler runs
 * (400 invalid_request otherwise), and the handler's answer is parsed by the response schema before it is sent, so the
 * backend cannot drift from the contract that the client expects.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { AccountRow } from '../domain/accounts.js';
import type { ErrorCode } from '../../shared/api.js';
import { ApiProblem } from '../problem.js';
import { documentRoute, type DocAnswer, type RouteDoc } from './openapi.js';
import { invalidRequest } from './problem-json.js';

export type Auth = 'none' | 'account' | 'admin';

export interface RouteContext<B, Q, P, A extends Auth> {
  body: B;
  query: Q;
  params: P;
  account: A extends 'account' ? AccountRow : null;
  request: FastifyRequest;
  reply: FastifyReply;
}

export interface RouteSpec<
  B extends z.ZodType,
  Q extends z.ZodType,
  P extends z.ZodType,
  R extends z.ZodType,
  A extends Auth,
> {
  method: 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';
  url: string;
  auth: A;
  body?: B;
  query?: Q;
  params?: P;
  response: R;
  status?: number;
  /** For the API document (openapi.ts): a one-line summary. */
  summary?: string;
  /** Problem codes this route answers with beyond those every route may (openapi.ts, problemsOf). */
  problems?: readonly ErrorCode[];
  /** What a route that sends its own reply (response NoContent) answers: status → body schema (null: no body). */
  answers?: Readonly<Record<number, z.ZodType | null>>;
  /** Request headers the route reads, with what they mean. */
  headers?: Readonly<Record<string, string>>;
  /** A body of raw bytes instead of JSON: its content types. */
  rawBody?: readonly string[];
  handler: (ctx: RouteContext<z.infer<B>, z.infer<Q>, z.infer<P>, A>) => Promise<z.infer<R>>;
}

export interface Authenticator {
  account(request: FastifyRequest): Promise<AccountRow>;
  admin(request: FastifyRequest): void;
}

function parsePart<T extends z.ZodType>(schema: T | undefined, value: unknown, where: string): z.infer<T> {
  if (!schema) return undefined as z.infer<T>;
  const parsed = schema.safeParse(value ?? (where === 'body' ? undefined : {}));
  if (!parsed.success) throw invalidRequest(parsed.error, where);
  return parsed.data;
}

export function defineRoute<
  B extends z.ZodType,
  Q extends z.ZodType,
  P extends z.ZodType,
  R extends z.ZodType,
  A extends Auth,
>(app: FastifyInstance, auth: Authenticator, spec: RouteSpec<B, Q, P, R, A>): void {
  documentRoute(app, docOf(spec));
  app.route({
    method: spec.method,
    url: spec.url,
    handler: async (request, reply) => {
      let account: AccountRow | null = null;
      if (spec.auth === 'account') account = await auth.account(request);
      if (spec.auth === 'admin') auth.admin(request);
      const ctx = {
        body: parsePart(spec.body, request.body, 'body'),
        query: parsePart(spec.query, request.query, 'query'),
        params: parsePart(spec.params, request.params, 'params'),
        account,
        request,
        reply,
      } as RouteContext<z.infer<B>, z.infer<Q>, z.infer<P>, A>;
      const result = await spec.handler(ctx);
      if (reply.sent) return reply;
      const checked = spec.response.safeParse(result);
      if (!checked.success) {
        request.log.error({ issues: checked.error.issues, url: spec.url }, 'response does not match the contract');
        throw new ApiProblem(500, 'internal_error', 'The backend produced an answer outside its contract');
      }
      return reply.code(spec.status ?? 200).send(checked.data);
    },
  });
}

function answerOf(status: number, schema: z.ZodType | null): DocAnswer {
  if (!schema) return { description: status === 204 ? 'Done; no body' : 'No body' };
  return {
    description: status === 201 ? 'Created' : status === 202 ? 'Accepted' : 'OK',
    content: { 'application/json': schema },
  };
}

/** What the API document says of a route, from the same schemas that check it. */
function docOf(spec: RouteSpec<z.ZodType, z.ZodType, z.ZodType, z.ZodType, Auth>): RouteDoc {
  const answers = spec.answers ?? { [spec.status ?? 200]: spec.response };
  return {
    method: spec.method,
    url: spec.url,
    auth: spec.auth,
    summary: spec.summary,
    params: spec.params,
    query: spec.query,
    headers: spec.headers,
    body: spec.body,
    rawBody:
      spec.rawBody &&
      Object.fromEntries(spec.rawBody.map((type) => [type, { type: 'string', contentMediaType: type }])),
    answers: Object.fromEntries(
      Object.entries(answers).map(([status, schema]) => [status, answerOf(Number(status), schema)]),
    ),
    problems: spec.problems,
  };
}

/** The response schema of routes that answer through sendAnswer (a stored answer, already checked when it was made). */
export const NoContent = z.unknown();

export const IdParams = z.object({ id: z.string().min(1).max(200) });
