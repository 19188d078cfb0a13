/**
 * The API document (OpenAPI 3.1), made from the same zod schemas that check every request and answer: each route
 * records what it reads and answers as it is defined (defineRoute, or by hand for the few that stream or send raw
 * bytes), and the document is built from those records. A route cannot be served without being documented: the
 * route-coverage test compares this document with fastify's own route list.
 */
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import * as api from '../../shared/api.js';
import { notFound } from '../problem.js';
import { VERSION } from '../version.js';

export type DocAuth = 'none' | 'account' | 'admin';
type JsonSchema = Record<string, unknown>;

/** One answer of a route: a zod schema, a JSON schema written by hand (raw bytes, streams), or no body at all. */
export interface DocAnswer {
  description: string;
  content?: Record<string, z.ZodType | JsonSchema>;
  headers?: Record<string, string>;
}

export interface RouteDoc {
  method: string;
  url: string;
  auth: DocAuth;
  summary?: string | undefined;
  params?: z.ZodType | undefined;
  query?: z.ZodType | undefined;
  headers?: Record<string, string> | undefined;
  /** The request body: a zod schema (JSON) or hand-written content types. */
  body?: z.ZodType | undefined;
  rawBody?: Record<string, JsonSchema> | undefined;
  answers: Record<number, DocAnswer>;
  /** Problem codes of this route beyond those every route may answer with (problemsOf). */
  problems?: readonly api.ErrorCode[] | undefined;
}

/** The HTTP status each problem code leaves with (docs/API.md, "Errors"). */
const problemStatus: Record<api.ErrorCode, number> = {
  invalid_request: 400,
  unauthorized: 401,
  insufficient_credits: 402,
  subscription_required: 403,
  unlimited_paused: 403,
  account_suspended: 403,
  not_found: 404,
  idempotency_conflict: 409,
  not_cancellable: 409,
  generation_limit_reached: 429,
  fast_limit_reached: 429,
  rate_limited: 429,
  internal_error: 500,
  not_implemented: 501,
  not_ready: 503,
};

/**
 * Every route may refuse malformed input, be rate limited or fail inside; one with a token may refuse it; one with an
 * id in its path may not find it.
 */
export function problemsOf(doc: RouteDoc): api.ErrorCode[] {
  const codes = new Set<api.ErrorCode>(['invalid_request', 'rate_limited', 'internal_error']);
  if (doc.auth !== 'none') codes.add('unauthorized');
  if (doc.url.includes(':')) codes.add('not_found');
  for (const code of doc.problems ?? []) codes.add(code);
  return api.errorCodes.filter((code) => codes.has(code));
}

const docs = new WeakMap<FastifyInstance, RouteDoc[]>();

/** Records a route for the document; defineRoute calls it, and so does every route defined by hand. */
export function documentRoute(app: FastifyInstance, doc: RouteDoc): void {
  const list = docs.get(app) ?? [];
  docs.set(app, list);
  list.push(doc);
}

export function documentedRoutes(app: FastifyInstance): readonly RouteDoc[] {
  return docs.get(app) ?? [];
}

function jsonSchema(schema: z.ZodType | JsonSchema, io: 'input' | 'output'): JsonSchema {
  if (!(schema instanceof z.ZodType)) return schema;
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: 'draft-2020-12',
    io,
    unrepresentable: 'any',
  }) as JsonSchema;
  return rest;
}

/** The part of the API a route belongs to, by its first path segment under /v1 (the sections of docs/API.md). */
const sections: Record<string, string> = {
  me: 'account',
  estimates: 'account',
  generations: 'generations',
  uploads: 'generations',
  prompts: 'generations',
  outputs: 'generations',
  sync: 'history',
  usage: 'history',
  ledger: 'history',
  workspaces: 'history',
  events: 'events',
  admin: 'admin',
};
const tagOf = (url: string) => sections[url.split('/')[2] ?? ''] ?? 'service';

const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

function parametersOf(doc: RouteDoc): JsonSchema[] {
  const parameters: JsonSchema[] = [];
  const from = (schema: z.ZodType | undefined, where: 'path' | 'query') => {
    if (!schema) return;
    const object = jsonSchema(schema, 'input') as { properties?: Record<string, JsonSchema>; required?: string[] };
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      parameters.push({
        name,
        in: where,
        required: where === 'path' || (object.required ?? []).includes(name),
        schema: property,
      });
    }
  };
  from(doc.params, 'path');
  from(doc.query, 'query');
  for (const [name, description] of Object.entries(doc.headers ?? {}))
    parameters.push({ name, in: 'header', required: false, description, schema: { type: 'string' } });
  return parameters;
}

function answersOf(doc: RouteDoc): Record<string, JsonSchema> {
  const responses: Record<string, JsonSchema> = {};
  for (const [status, answer] of Object.entries(doc.answers)) {
    const content =
      answer.content &&
      Object.fromEntries(
        Object.entries(answer.content).map(([type, schema]) => [type, { schema: jsonSchema(schema, 'output') }]),
      );
    const headers =
      answer.headers &&
      Object.fromEntries(
        Object.entries(answer.headers).map(([name, description]) => [
          name,
          { description, schema: { type: 'string' } },
        ]),
      );
    responses[status] = {
      description: answer.description,
      ...(content ? { content } : {}),
      ...(headers ? { headers } : {}),
    };
  }
  const byStatus = new Map<number, api.ErrorCode[]>();
  for (const code of problemsOf(doc))
    byStatus.set(problemStatus[code], [...(byStatus.get(problemStatus[code]) ?? []), code]);
  for (const [status, codes] of byStatus) {
    const schema = {
      allOf: [{ $ref: '#/components/schemas/Problem' }, { type: 'object', properties: { code: { enum: codes } } }],
    };
    responses[String(status)] = {
      description: `Problem: ${codes.join(', ')}`,
      content: { 'application/problem+json': { schema } },
    };
  }
  return responses;
}

function operationOf(doc: RouteDoc): JsonSchema {
  const security = doc.auth === 'account' ? [{ accountToken: [] }] : doc.auth === 'admin' ? [{ adminToken: [] }] : [];
  const requestContent = doc.body
    ? { 'application/json': { schema: jsonSchema(doc.body, 'input') } }
    : doc.rawBody
      ? Object.fromEntries(Object.entries(doc.rawBody).map(([type, schema]) => [type, { schema }]))
      : null;
  return {
    operationId: `${doc.method.toLowerCase()}${doc.url.replace(/[/:]+([a-zA-Z0-9]?)/g, (_m, c: string) => c.toUpperCase()).replace(/[^A-Za-z0-9]/g, '')}`,
    summary: doc.summary ?? `${doc.method} ${doc.url}`,
    tags: [tagOf(doc.url)],
    security,
    parameters: parametersOf(doc),
    ...(requestContent ? { requestBody: { required: true, content: requestContent } } : {}),
    responses: answersOf(doc),
    'x-problem-codes': problemsOf(doc),
  };
}

/** The OpenAPI 3.1 document of every route recorded on `app`. */
export function openApiDocument(app: FastifyInstance): JsonSchema {
  const paths: Record<string, Record<string, JsonSchema>> = {};
  for (const doc of documentedRoutes(app)) {
    const path = openApiPath(doc.url);
    paths[path] = { ...paths[path], [doc.method.toLowerCase()]: operationOf(doc) };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Creator Companion backend',
      version: VERSION,
      description:
        'Credits, generations, unlimited windows and queues. Errors are application/problem+json with a stable `code` (listed per operation in `x-problem-codes`).',
    },
    servers: [{ url: '/' }],
    components: {
      securitySchemes: {
        accountToken: { type: 'http', scheme: 'bearer', description: "An account's token (issued by the admin API)" },
        adminToken: { type: 'http', scheme: 'bearer', description: "The operator's admin token (--admin-token)" },
      },
      schemas: { Problem: jsonSchema(api.Problem, 'output') },
    },
    paths,
  };
}

const swaggerUi = () => dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const assets: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};
const page = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Creator Companion API</title><link rel="stylesheet" href="/docs/swagger-ui.css"><link rel="icon" href="/docs/favicon-32x32.png"></head>
<body><div id="api"></div><script src="/docs/swagger-ui-bundle.js"></script><script src="/docs/init.js"></script></body></html>
`;
const init = "window.ui = SwaggerUIBundle({ url: '/v1/openapi.json', dom_id: '#api', deepLinking: true });\n";

/**
 * `GET /v1/openapi.json`, and (unless the operator turned it off) `/docs`: Swagger UI served from its npm package,
 * nothing from elsewhere. Registered after every other route; the document is built once, at the first request.
 */
export function registerOpenApiRoutes(app: FastifyInstance, options: { referencePage: boolean }): void {
  let built: JsonSchema | null = null;
  const json = { type: 'object', description: 'An OpenAPI 3.1 document' };
  documentRoute(app, {
    method: 'GET',
    url: '/v1/openapi.json',
    auth: 'none',
    summary: 'This API document (OpenAPI 3.1)',
    answers: { 200: { description: 'The document', content: { 'application/json': json } } },
  });
  app.get('/v1/openapi.json', async () => (built ??= openApiDocument(app)));
  if (!options.referencePage) return;
  const html = { type: 'string' };
  documentRoute(app, {
    method: 'GET',
    url: '/docs',
    auth: 'none',
    summary: 'The API reference page',
    answers: { 200: { description: 'Swagger UI', content: { 'text/html': html } } },
  });
  documentRoute(app, {
    method: 'GET',
    url: '/docs/:file',
    auth: 'none',
    summary: 'A file of the reference page',
    params: z.object({ file: z.string() }),
    answers: {
      200: {
        description: 'The file',
        content: {
          'text/css': html,
          'text/javascript': html,
          'image/png': { type: 'string', contentMediaType: 'image/png' },
        },
      },
    },
  });
  app.get('/docs', async (_request, reply) => reply.type('text/html; charset=utf-8').send(page));
  app.get('/docs/:file', async (request, reply) => {
    const file = (request.params as { file: string }).file;
    if (file === 'init.js') return reply.type('text/javascript; charset=utf-8').send(init);
    const type = assets[file];
    if (!type) throw notFound(`/docs/${file}`);
    return reply
      .type(type)
      .header('cache-control', 'public, max-age=86400')
      .send(await readFile(join(swaggerUi(), file)));
  });
}
