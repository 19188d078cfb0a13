/**
 * The backend's log, as an operator reads it: one JSON line per request with its id, route, status, duration and
 * account; the same id in the X-Request-Id header and in the problem's `instance`; no token or Authorization in any
 * line, also when a sign-in fails or the admin API answers with a new token; prompts only at debug level; a log file
 * rotated by size.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { RotatingLogFile } from '../../../backend/log-file.js';
import { openEventStream, startBackend, type TestAccount, type TestBackend } from '../../support/backend.js';

interface Line {
  level: number;
  msg: string;
  requestId?: string;
  method?: string;
  route?: string | null;
  status?: number;
  durationMs?: number;
  accountId?: string | null;
  admin?: boolean;
  prompt?: string;
}

function lineCatcher() {
  const text: string[] = [];
  return {
    stream: { write: (line: string) => text.push(line) },
    text,
    lines: () => text.map((line) => JSON.parse(line) as Line),
    /** The request's line; it is written once the answer has left, so it may come a moment after the answer does. */
    requestLine: (requestId: string) =>
      vi.waitFor(() => {
        const line = text
          .map((l) => JSON.parse(l) as Line)
          .find((l) => l.msg === 'request' && l.requestId === requestId);
        if (!line) throw new Error(`no log line for request ${requestId}`);
        return line;
      }),
  };
}

const log = lineCatcher();
let t: TestBackend;
let ada: TestAccount;

beforeAll(async () => {
  t = await startBackend({ log: { level: 'info', stream: log.stream } });
  ada = await t.createAccount('Ada', 'Europe/Paris', 'standard');
});
afterAll(() => t.stop());

const call = (path: string, init: RequestInit = {}) => fetch(`${t.url}${path}`, init);
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('the request log', () => {
  it('has one line per request with its id, route, status, duration and account; the id is also in the header', async () => {
    const answer = await call('/v1/me', { headers: bearer(ada.token) });
    expect(answer.status).toBe(200);
    const id = answer.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    const line = await log.requestLine(id);
    expect(line).toMatchObject({ level: 30, method: 'GET', route: '/v1/me', status: 200, accountId: ada.account.id });
    expect(typeof line.durationMs).toBe('number');
    expect(log.lines().filter((l) => l.requestId === id && l.msg === 'request')).toHaveLength(1);
  });

  it('puts the same id in the problem body and the log line of a failed sign-in, and never the wrong token', async () => {
    const wrong = 'cc_this-is-a-wrong-token-that-must-not-be-logged';
    const answer = await call('/v1/me/balance', { headers: bearer(wrong) });
    expect(answer.status).toBe(401);
    const id = answer.headers.get('x-request-id')!;
    const problem = (await answer.json()) as { code: string; instance: string };
    expect(problem).toMatchObject({ code: 'unauthorized', instance: id });
    expect(await log.requestLine(id)).toMatchObject({ route: '/v1/me/balance', status: 401, accountId: null });
    expect(log.text.join('')).not.toContain(wrong);
  });

  it('keeps a sensible X-Request-Id from the caller and replaces one that is not', async () => {
    const kept = await call('/v1/nowhere', { headers: { 'x-request-id': 'proxy-1234.abc' } });
    expect(kept.headers.get('x-request-id')).toBe('proxy-1234.abc');
    expect(((await kept.json()) as { instance: string }).instance).toBe('proxy-1234.abc');
    expect(await log.requestLine('proxy-1234.abc')).toMatchObject({ status: 404 });
    const forged = await call('/v1/health', { headers: { 'x-request-id': '{"msg":"forged"}' } });
    expect(forged.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('logs admin calls as admin, with neither the admin token nor the token the answer carries', async () => {
    const answer = await call('/v1/admin/accounts', {
      method: 'POST',
      headers: { ...bearer(t.adminToken), 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'Bo', timeZone: 'UTC' }),
    });
    expect(answer.status).toBe(201);
    const created = (await answer.json()) as { token: string };
    const line = await log.requestLine(answer.headers.get('x-request-id')!);
    expect(line).toMatchObject({ route: '/v1/admin/accounts', status: 201, admin: true });
    const all = log.text.join('');
    for (const secret of [t.adminToken, created.token, ada.token]) expect(all).not.toContain(secret);
    expect(all).not.toMatch(/bearer /i);
  });

  it('logs an event stream once it ends, with its account, as one line', async () => {
    const stream = await openEventStream(t.url, ada.token);
    await stream.next();
    await stream.close();
    const line = await vi.waitFor(() => {
      const found = log.lines().filter((l) => l.msg === 'request' && l.route === '/v1/events');
      if (found.length === 0) throw new Error('the stream is not logged yet');
      return found;
    });
    expect(line).toHaveLength(1);
    expect(line[0]).toMatchObject({ status: 200, accountId: ada.account.id });
  });

  it('leaves prompts out at info level', async () => {
    const answer = await call('/v1/generations', {
      method: 'POST',
      headers: { ...bearer(ada.token), 'content-type': 'application/json' },
      body: JSON.stringify({
        tool: 'text-to-image',
        modelId: 'spark-image',
        prompt: 'a secret lighthouse at dusk',
        settings: { outputs: 1 },
      }),
    });
    expect(answer.status).toBe(202);
    expect(await log.requestLine(answer.headers.get('x-request-id')!)).toMatchObject({
      route: '/v1/generations',
      status: 202,
    });
    expect(log.text.join('')).not.toContain('secret lighthouse');
  });
});

describe('at debug level', () => {
  it('logs the prompt of a generation, still without the token', async () => {
    const debug = lineCatcher();
    const d = await startBackend({ log: { level: 'debug', stream: debug.stream } });
    try {
      const bo = await d.createAccount('Bo', 'UTC', 'standard');
      await bo.client.createGeneration({
        tool: 'text-to-image',
        modelId: 'spark-image',
        prompt: 'a fox in the snow',
        settings: { outputs: 1 },
      });
      expect(debug.lines().find((l) => l.prompt === 'a fox in the snow')).toMatchObject({ level: 20 });
      expect(debug.text.join('')).not.toContain(bo.token);
    } finally {
      await d.stop();
    }
  });
});

describe('the log file', () => {
  it('rotates by size, keeping the newest files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'companion-log-'));
    try {
      const file = new RotatingLogFile({ path: join(dir, 'logs', 'backend.log'), maxBytes: 100, keep: 2 });
      for (let n = 0; n < 10; n += 1) file.write(`${JSON.stringify({ n, pad: 'x'.repeat(30) })}\n`);
      file.close();
      expect(readdirSync(join(dir, 'logs')).sort()).toEqual(['backend.log', 'backend.log.1', 'backend.log.2']);
      const current = readFileSync(join(dir, 'logs', 'backend.log'), 'utf8')
        .trim()
        .split('\n');
      expect(current.map((l) => (JSON.parse(l) as { n: number }).n).at(-1)).toBe(9);
      expect(readFileSync(join(dir, 'logs', 'backend.log'), 'utf8').length).toBeLessThanOrEqual(100);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("receives the backend's request lines", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'companion-log-'));
    const path = join(dir, 'backend.log');
    const f = await startBackend({ log: { file: path } });
    try {
      const answer = await fetch(`${f.url}/v1/health`);
      const id = answer.headers.get('x-request-id');
      const line = await vi.waitFor(() => {
        const found = readFileSync(path, 'utf8')
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l) as Line)
          .find((l) => l.requestId === id);
        if (!found) throw new Error('not logged yet');
        return found;
      });
      expect(line).toMatchObject({ msg: 'request', route: '/v1/health', status: 200 });
    } finally {
      await f.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
