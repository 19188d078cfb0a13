/**
 * The API document (GET /v1/openapi.json): it has every route fastify serves and no route it does not, it validates
 * against the OpenAPI 3.1 schema, its schemas are the contract's (a real answer matches them), every problem code a
 * route is declared to answer with is listed for it, and the reference page at /docs is served from the npm package and
 * can be turned off.
 */
import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routesOf } from '../../../backend/http/route-list.js';
import { startBackend, type TestBackend } from '../../support/backend.js';

interface Operation {
  parameters: { name: string; in: string }[];
  requestBody?: { content: Record<string, unknown> };
  responses: Record<string, { content?: Record<string, { schema: Record<string, unknown> }> }>;
  security: unknown[];
  'x-problem-codes': string[];
}
type Document = { openapi: string; paths: Record<string, Record<string, Operation>> };

let t: TestBackend;
let document: Document;

const operationIn = (doc: Document, method: string, path: string) => doc.paths[path]![method]!;
const operation = (method: string, path: string) => operationIn(document, method, path);

beforeAll(async () => {
  t = await startBackend();
  const answer = await fetch(`${t.url}/v1/openapi.json`);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toContain('application/json');
  document = (await answer.json()) as Document;
});
afterAll(() => t.stop());

describe('the API document', () => {
  it('documents every route that is served, and serves every route it documents', () => {
    const served = routesOf(t.backend.app).map((r) => `${r.method} ${r.url.replace(/:([A-Za-z0-9_]+)/g, '{$1}')}`);
    const documented = Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(served.length).toBeGreaterThan(30);
    expect(documented.filter((r) => !served.includes(r))).toEqual([]);
    expect(served.filter((r) => !documented.includes(r))).toEqual([]);
  });

  it('names every operation once', () => {
    const ids = Object.values(document.paths).flatMap((methods) =>
      Object.values(methods).map((op) => (op as unknown as { operationId: string }).operationId),
    );
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('validates against the OpenAPI 3.1 schema', async () => {
    expect(document.openapi).toBe('3.1.0');
    const result = await new Validator().validate(structuredClone(document) as never);
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    // The validator does refuse a broken document: a parameter in a place OpenAPI does not have.
    const broken = structuredClone(document);
    operationIn(broken, 'get', '/v1/generations').parameters[0]!.in = 'body';
    expect((await new Validator().validate(broken as never)).valid).toBe(false);
  });

  it('has the parameters, request bodies and answers of the routes, from their schemas', () => {
    const list = operation('get', '/v1/generations');
    expect(list.parameters.map((p) => `${p.in}:${p.name}`)).toEqual(
      expect.arrayContaining(['query:limit', 'query:cursor', 'query:status', 'query:q']),
    );
    const submit = operation('post', '/v1/generations');
    expect(submit.requestBody?.content['application/json']).toBeTruthy();
    const accepted = submit.responses['202']!.content!['application/json']!.schema as {
      properties: Record<string, unknown>;
    };
    expect(Object.keys(accepted.properties)).toEqual(expect.arrayContaining(['id', 'status', 'prompt', 'modelId']));
    expect(submit.parameters.map((p) => p.name)).toContain('Idempotency-Key');
    expect(operation('get', '/v1/generations/{id}').parameters).toEqual([
      expect.objectContaining({ name: 'id', in: 'path', required: true }),
    ]);
    expect(Object.keys(operation('post', '/v1/uploads').requestBody!.content)).toEqual([
      'image/png',
      'image/jpeg',
      'image/webp',
    ]);
    expect(operation('get', '/v1/events').responses['200']!.content!['text/event-stream']).toBeTruthy();
    expect(Object.keys(operation('get', '/v1/outputs/{id}').responses)).toEqual(
      expect.arrayContaining(['200', '206', '304', '416']),
    );
  });

  it('lists the problem codes of each route, each under its status', () => {
    const submit = operation('post', '/v1/generations');
    expect(submit['x-problem-codes']).toEqual(
      expect.arrayContaining([
        'unauthorized',
        'invalid_request',
        'insufficient_credits',
        'subscription_required',
        'unlimited_paused',
        'idempotency_conflict',
        'rate_limited',
      ]),
    );
    const paymentRequired = submit.responses['402']!.content!['application/problem+json']!.schema as {
      allOf: [unknown, { properties: { code: { enum: string[] } } }];
    };
    expect(paymentRequired.allOf[1].properties.code.enum).toEqual(['insufficient_credits']);
    expect(operation('get', '/v1/health')['x-problem-codes']).not.toContain('unauthorized');
    expect(operation('get', '/v1/health').security).toEqual([]);
    expect(operation('post', '/v1/generations/{id}/cancel')['x-problem-codes']).toEqual(
      expect.arrayContaining(['not_found', 'not_cancellable']),
    );
    expect(operation('get', '/v1/admin/accounts').security).toEqual([{ adminToken: [] }]);
  });

  it("describes a real answer: the account's balance matches the documented schema's fields", async () => {
    const { client } = await t.createAccount('Ada', 'Europe/Paris');
    const balance = await client.balance();
    const schema = operation('get', '/v1/me/balance').responses['200']!.content!['application/json']!.schema as {
      required: string[];
    };
    for (const field of schema.required) expect(balance).toHaveProperty(field);
  });

  it('serves the reference page and its files from the npm package, nothing from elsewhere', async () => {
    const page = await fetch(`${t.url}/docs`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('/docs/swagger-ui-bundle.js');
    expect(html).not.toMatch(/https?:\/\//);
    const bundle = await fetch(`${t.url}/docs/swagger-ui-bundle.js`);
    expect(bundle.status).toBe(200);
    expect((await bundle.text()).length).toBeGreaterThan(100_000);
    expect((await fetch(`${t.url}/docs/init.js`)).status).toBe(200);
    expect((await fetch(`${t.url}/docs/package.json`)).status).toBe(404);
  });
});

describe('with the reference page turned off', () => {
  it('answers 404 at /docs and still serves the document, without /docs in it', async () => {
    const off = await startBackend({ docs: false });
    try {
      expect((await fetch(`${off.url}/docs`)).status).toBe(404);
      const doc = (await (await fetch(`${off.url}/v1/openapi.json`)).json()) as Document;
      expect(Object.keys(doc.paths)).not.toContain('/docs');
      expect(Object.keys(doc.paths)).toContain('/v1/openapi.json');
    } finally {
      await off.stop();
    }
  });
});
