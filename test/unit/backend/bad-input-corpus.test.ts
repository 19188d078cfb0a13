/**
 * The bad-input corpus: every route the backend defines (read from its own route list, so a route added later fails
 * this test until it has a template here) gets wrong types, missing and extra fields, negative, huge, fractional and
 * NaN numbers, NUL and control characters, unpaired surrogates, invalid UTF-8, oversized bodies and parameters, bad
 * escapes, malformed cursors and ids, wrong content types and wrong tokens. Each answer must be a 4xx problem+json with
 * a code of the contract, over a connection that stays up; and nothing may be charged or written: every table's rows
 * and the files in the data folder are the same after each route's cases as before.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorCodes } from '../../../shared/api.js';
import { routesOf } from '../../../backend/http/route-list.js';
import type { TestAccount, TestBackend } from '../../support/backend.js';
import { engines, ScriptedProvider, startBackendOn, waitForGeneration } from '../../support/engines.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** A valid request of a route, from which the bad ones are made: only required fields, real ids. */
interface Template {
  auth: 'none' | 'account' | 'admin';
  params?: Record<string, keyof Ids>;
  body?: { [key: string]: Json };
  /** Query values that must be refused, per key. */
  query?: Record<string, string[]>;
  /** Number fields (by path) where a fraction is valid. */
  fractionsAllowed?: string[];
}

interface Ids {
  generation: string;
  workspace: string;
  output: string;
  account: string;
  missing: string;
}

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
const pageQuery = (cursorShape: unknown[]) => ({
  limit: ['-1', '0', '0.5', 'NaN', '1e400', 'abc', '100000', ''],
  cursor: [
    'garbage!',
    b64(cursorShape.map(() => null)),
    b64([...cursorShape, 'extra']),
    b64({ a: 1 }),
    '%00',
    'x'.repeat(501),
    b64(cursorShape.map(() => 'a\u0000')),
  ],
});
const estimateBody = { tool: 'text-to-image', modelId: 'spark-image', settings: { outputs: 1 } };

const templates: Record<string, Template> = {
  'GET /v1/health': { auth: 'none' },
  'GET /v1/catalog': { auth: 'none' },
  'GET /v1/me': { auth: 'account' },
  'PATCH /v1/me': { auth: 'account', body: { timeZone: 'Europe/Paris' } },
  'GET /v1/admin/accounts': { auth: 'admin', query: pageQuery(['', '']) },
  'DELETE /v1/admin/tokens/:tokenId': { auth: 'admin', params: { tokenId: 'missing' } },
  'POST /v1/admin/accounts/:id/topups': { auth: 'admin', params: { id: 'account' }, body: { credits: 100 } },
  'GET /v1/me/balance': { auth: 'account' },
  'POST /v1/me/subscription': { auth: 'account', body: { planId: 'pro' } },
  'DELETE /v1/me/subscription': { auth: 'account' },
  'POST /v1/me/topups': { auth: 'account', body: { credits: 100 } },
  'POST /v1/estimates/cost': { auth: 'account', body: estimateBody },
  'POST /v1/admin/accounts': { auth: 'admin', body: { name: 'Eve' } },
  'POST /v1/me/appeals': { auth: 'account', body: { message: 'please' } },
  'GET /v1/admin/appeals': { auth: 'admin', query: { ...pageQuery(['', '']), status: ['closed', '%00'] } },
  'POST /v1/admin/appeals/:id/decision': {
    auth: 'admin',
    params: { id: 'missing' },
    body: { decision: 'restore', reason: 'ok' },
  },
  'POST /v1/admin/accounts/:id/tokens': { auth: 'admin', params: { id: 'missing' } },
  'POST /v1/admin/accounts/:id/flags': { auth: 'admin', params: { id: 'account' }, body: { reason: 'abuse' } },
  'POST /v1/admin/clock': { auth: 'admin', body: { advanceS: 60 }, fractionsAllowed: ['advanceS'] },
  'POST /v1/generations': { auth: 'account', body: { ...estimateBody, prompt: 'a lighthouse' } },
  'POST /v1/generations/:id/rerun': { auth: 'account', params: { id: 'generation' } },
  'GET /v1/generations': {
    auth: 'account',
    query: { ...pageQuery(['', '']), status: ['done'], from: ['yesterday'], tool: ['%00'] },
  },
  'GET /v1/generations/:id': { auth: 'account', params: { id: 'generation' } },
  'POST /v1/generations/:id/cancel': { auth: 'account', params: { id: 'generation' } },
  'DELETE /v1/generations/:id': { auth: 'account', params: { id: 'missing' } },
  'POST /v1/uploads': { auth: 'account' },
  'POST /v1/prompts/enhance': { auth: 'account', body: { prompt: 'a fox' } },
  'GET /v1/outputs/:id': { auth: 'account', params: { id: 'output' } },
  'GET /v1/sync': {
    auth: 'account',
    query: {
      since: ['abc', '-1', '1.5', 'NaN', '1e400', '%00', 'x'.repeat(101)],
      limit: ['0', '-5', '2.5', 'NaN', '501'],
    },
  },
  'GET /v1/usage': {
    auth: 'account',
    query: { from: ['yesterday', '%00'], to: ['2026-13-45'], groupBy: ['week', ''] },
  },
  'GET /v1/ledger': { auth: 'account', query: pageQuery([0]) },
  'GET /v1/workspaces': { auth: 'account', query: pageQuery(['']) },
  'POST /v1/workspaces': { auth: 'account', body: { name: 'Moodboard' } },
  'PATCH /v1/workspaces/:id': { auth: 'account', params: { id: 'workspace' }, body: { name: 'Renamed' } },
  'DELETE /v1/workspaces/:id': { auth: 'account', params: { id: 'missing' } },
  'POST /v1/workspaces/:id/items': {
    auth: 'account',
    params: { id: 'workspace' },
    body: { generationId: 'gen_missing' },
  },
  'DELETE /v1/workspaces/:id/items/:generationId': {
    auth: 'account',
    params: { id: 'workspace', generationId: 'missing' },
  },
  'GET /v1/queue': { auth: 'account' },
  'GET /v1/events': { auth: 'account', query: { lastEventId: ['%00', '%01'] } },
  'GET /v1/openapi.json': { auth: 'none' },
  'GET /v1/ready': { auth: 'none' },
  'GET /metrics': { auth: 'admin' },
  'GET /docs': { auth: 'none' },
  'GET /docs/:file': { auth: 'none', params: { file: 'missing' } },
};

interface Case {
  title: string;
  method: string;
  path: string;
  token?: string | undefined;
  body?: Buffer | string;
  contentType?: string;
  headers?: Record<string, string>;
}

const BODY_METHODS = new Set(['POST', 'PATCH', 'DELETE', 'PUT']);

/** Every leaf of a body with its path, e.g. ['settings', 'outputs']. */
function leaves(value: Json, path: string[] = []): Array<{ path: string[]; value: Json }> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [{ path, value }];
  return Object.entries(value).flatMap(([key, inner]) => leaves(inner, [...path, key]));
}

function withLeaf(body: Json, path: string[], replacement: Json | undefined): Json {
  if (path.length === 0) return replacement as Json;
  const [head, ...rest] = path as [string, ...string[]];
  const copy = { ...(body as Record<string, Json>) };
  const inner = withLeaf(copy[head] as Json, rest, replacement);
  if (inner === undefined) delete copy[head];
  else copy[head] = inner;
  return copy;
}

/** Values that no field of the leaf's type accepts. */
function badValues(value: Json, fractionsAllowed: boolean): Array<[string, Json | undefined]> {
  const common: Array<[string, Json | undefined]> = [
    ['missing', undefined],
    ['null', null],
    ['an array', []],
    ['an object', { nested: 1 }],
    ['a boolean', true],
  ];
  if (typeof value === 'number') {
    return [
      ...common,
      ['a string', String(value)],
      ['negative', -1],
      ['huge', 1e308],
      ...(fractionsAllowed ? [] : ([['fractional', 0.5]] as Array<[string, Json]>)),
      ['zero minus', -0.000001],
    ];
  }
  return [
    ...common,
    ['a number', 12_345],
    ['with a NUL', `${value}\u0000after`],
    ['with a control character', `${value}\u0001`],
    ['with DEL', `${value}\u007f`],
    ['with an unpaired surrogate', `${value}\ud800`],
    ['oversized', 'x'.repeat(5_000)],
    ['empty', ''],
  ];
}

function casesFor(
  route: { method: string; url: string },
  template: Template,
  ids: Ids,
  tokens: { account: string; admin: string },
): Case[] {
  const own = template.auth === 'none' ? undefined : tokens[template.auth];
  const pathWith = (override: Record<string, string> = {}) =>
    route.url.replace(
      /:([A-Za-z]+)/g,
      (_, name: string) => override[name] ?? encodeURIComponent(ids[template.params?.[name] ?? 'missing']),
    );
  const base = { method: route.method, token: own };
  const cases: Case[] = [];
  const add = (title: string, extra: Partial<Case>) => cases.push({ ...base, path: pathWith(), title, ...extra });

  // Tokens.
  if (template.auth !== 'none') {
    add('no token', { token: undefined });
    add('a wrong token', { token: 'cc_wrong' });
    add('a token of 5,000 characters', { token: `cc_${'x'.repeat(5_000)}` });
    add('a Basic authorization', { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' } });
    add('the other kind of token', { token: template.auth === 'admin' ? tokens.account : tokens.admin });
  }
  // The path: every parameter, bad in every way; and a path that is not a route.
  for (const name of Object.keys(template.params ?? {})) {
    for (const [what, value] of [
      ['a NUL', 'a%00b'],
      ['a control character', 'a%01b'],
      ['a bad escape', '%zz'],
      ['a truncated escape', '%E0%A4%A'],
      ['an encoded unpaired surrogate', '%ED%A0%80'],
      ['201 characters', 'x'.repeat(201)],
      ['1,001 characters', 'x'.repeat(1_001)],
      ['a path climb', '..%2F..%2Fetc'],
      ['an unknown id', 'zzz_unknown'],
    ] as const) {
      add(`:${name} ${what}`, { path: pathWith({ [name]: value }) });
    }
  }
  add('a NUL after the path', { path: `${pathWith()}%00` });
  add('a bad escape after the path', { path: `${pathWith()}%zz` });
  // The query: every value the template names as bad, and a NUL or control character in any parameter.
  for (const [key, values] of Object.entries(template.query ?? {})) {
    for (const value of values)
      add(`?${key}=${value.slice(0, 20)}`, {
        path: `${pathWith()}?${key}=${value.startsWith('%') ? value : encodeURIComponent(value)}`,
      });
  }
  add('a query parameter with a NUL', { path: `${pathWith()}?junk=a%00` });
  add('a query parameter with a control character', { path: `${pathWith()}?junk=%1F` });
  add('a query parameter with a bad escape', { path: `${pathWith()}?junk=%zz%00` });
  // The body: whatever the route, a body that cannot be read.
  if (BODY_METHODS.has(route.method)) {
    const json = (body: Json | string, title: string, contentType = 'application/json') =>
      add(title, { body: typeof body === 'string' ? body : JSON.stringify(body), contentType });
    json('{"a":', 'JSON cut short');
    json('NaN', 'NaN as the body');
    json('{"n": NaN}', 'NaN as a number');
    json('{"n": 1e400}', 'a number beyond doubles (Infinity)');
    add('invalid UTF-8', {
      body: Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xff, 0xfe, 0xc3]), Buffer.from('"}')]),
      contentType: 'application/json',
    });
    add('an overlong UTF-8 NUL', {
      body: Buffer.concat([Buffer.from('{"name":"a'), Buffer.from([0xc0, 0x80]), Buffer.from('"}')]),
      contentType: 'application/json',
    });
    json({ junk: 'a\u0000b' }, 'a NUL in an unknown field');
    json({ ['key\u0000']: 1 }, 'a NUL in a key');
    json({ junk: 'x'.repeat(1_100_000) }, 'a body over 1 MiB');
    json('hello', 'text/plain', 'text/plain');
    json('<a/>', 'XML', 'application/xml');
    json('a=1', 'a form', 'application/x-www-form-urlencoded');
    add('an Idempotency-Key of 201 characters', {
      body: JSON.stringify(template.body ?? {}),
      contentType: 'application/json',
      headers: { 'idempotency-key': 'k'.repeat(201) },
      path: template.body ? pathWith() : `${pathWith()}?junk=%00`,
    });
  }
  // The body's fields: every leaf of the template, wrong in every way; whole bodies of the wrong shape; extra fields
  // with the required ones missing.
  if (template.body) {
    for (const leaf of leaves(template.body)) {
      const fractions = template.fractionsAllowed?.includes(leaf.path.join('.')) ?? false;
      for (const [what, value] of badValues(leaf.value, fractions)) {
        add(`body.${leaf.path.join('.')} ${what}`, {
          body: JSON.stringify(withLeaf(template.body, leaf.path, value)),
          contentType: 'application/json',
        });
      }
    }
    for (const [what, body] of [
      ['an array', '[]'],
      ['a string', '"text"'],
      ['a number', '42'],
      ['null', 'null'],
      ['only an unknown field', '{"unexpected":1}'],
      ['nothing', ''],
    ] as const) {
      add(`a body that is ${what}`, { body, contentType: 'application/json' });
    }
  }
  return cases;
}

interface Answer {
  status: number;
  contentType: string | null;
  body: { code?: string } | null;
}

async function send(url: string, request: Case): Promise<Answer> {
  const headers: Record<string, string> = { ...request.headers };
  if (request.token && !headers.authorization) headers.authorization = `Bearer ${request.token}`;
  if (request.contentType) headers['content-type'] = request.contentType;
  const response = await fetch(`${url}${request.path}`, {
    method: request.method,
    headers,
    signal: AbortSignal.timeout(3_000),
    ...(request.body === undefined ? {} : { body: request.body }),
  });
  const text = await response.text();
  let body: Answer['body'] = null;
  try {
    body = text ? (JSON.parse(text) as Answer['body']) : null;
  } catch {
    body = null;
  }
  return { status: response.status, contentType: response.headers.get('content-type'), body };
}

/** Every table's rows and every file of the data folder (but the database's own), as one comparable text. */
async function everything(t: TestBackend): Promise<string> {
  const { db, engine } = t.backend.database;
  const tables =
    engine === 'sqlite'
      ? (
          await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name`.execute(db)
        ).rows.map((r) => r.name)
      : (
          await sql<{
            name: string;
          }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() ORDER BY table_name`.execute(
            db,
          )
        ).rows.map((r) => r.name);
  const parts: string[] = [];
  for (const table of tables) {
    // Heartbeats and the migration lock move by themselves; they record no request.
    if (/heartbeat|workers|lock/i.test(table)) continue;
    parts.push(`${table}: ${JSON.stringify((await sql`SELECT * FROM ${sql.table(table)}`.execute(db)).rows)}`);
  }
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir)) {
      const path = join(dir, entry);
      if (statSync(path).isDirectory()) walk(path);
      else if (!entry.startsWith('companion.sqlite')) files.push(`${path}:${statSync(path).size}`);
    }
  };
  walk(t.dataDir);
  return [...parts, `files: ${files.sort().join(', ')}`, `clock: ${t.backend.clock.now().toISOString()}`].join('\n');
}

let printed = false;

describe.each(engines)('the bad-input corpus on %s', (engine) => {
  let t: TestBackend;
  let me: TestAccount;
  let ids: Ids;
  beforeAll(async () => {
    t = await startBackendOn(engine, { testClock: '2026-03-10T09:00:00Z', provider: new ScriptedProvider() });
    me = await t.createAccount('Ada', 'Europe/Berlin', 'basic');
    const generation = await waitForGeneration(
      me.client,
      (await me.client.createGeneration({ ...estimateBody, tool: 'text-to-image', prompt: 'a lighthouse' })).id,
    );
    ids = {
      generation: generation.id,
      output: generation.outputs[0]!.id,
      workspace: (await me.client.createWorkspace({ name: 'Mine' })).id,
      account: me.account.id,
      missing: 'zzz_missing',
    };
  });
  afterAll(() => t?.stop());

  it('every route the backend defines has a template here', () => {
    const defined = routesOf(t.backend.app).map((r) => `${r.method} ${r.url}`);
    expect(defined.length).toBeGreaterThan(30);
    expect(defined.filter((route) => !templates[route])).toEqual([]);
  });

  it('every bad request on every route is a 4xx problem+json with a code of the contract, and writes nothing', async () => {
    const sizes: string[] = [];
    const wrong: string[] = [];
    for (const route of routesOf(t.backend.app)) {
      const template = templates[`${route.method} ${route.url}`];
      if (!template) continue;
      const cases = casesFor(route, template, ids, { account: me.token, admin: t.adminToken });
      sizes.push(`${route.method} ${route.url}: ${cases.length}`);
      const before = await everything(t);
      for (const request of cases) {
        let answer: Answer;
        try {
          answer = await send(t.url, request);
        } catch (error) {
          wrong.push(
            `${route.method} ${route.url} / ${request.title}: the connection failed (${(error as Error).message})`,
          );
          continue;
        }
        const fine =
          answer.status >= 400 &&
          answer.status < 500 &&
          answer.contentType?.startsWith('application/problem+json') &&
          (errorCodes as readonly string[]).includes(answer.body?.code ?? '');
        if (!fine)
          wrong.push(
            `${route.method} ${route.url} / ${request.title}: ${answer.status} ${answer.contentType} ${JSON.stringify(answer.body).slice(0, 200)}`,
          );
      }
      const after = await everything(t);
      if (after !== before) wrong.push(`${route.method} ${route.url}: its bad requests changed what is stored`);
    }
    if (!printed) {
      printed = true;
      console.log(`bad-input corpus, requests per route (${sizes.length} routes):\n  ${sizes.join('\n  ')}`);
    }
    expect(wrong).toEqual([]);
  }, 60_000);
});
