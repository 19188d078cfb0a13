/**
 * Web mode's server answers bad input with a 400, never a 500: a bad percent escape in a bridge method name or a static
 * path, a NUL in a path, and a bridge body that is not UTF-8.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startWebServer, type WebServer } from '../../../electron/web/server.js';
import { removeDir, startTestHost, tempDir, type TestHost } from './harness.js';

let test: TestHost;
let web: WebServer;
let rendererDir: string;
beforeAll(async () => {
  test = await startTestHost();
  rendererDir = tempDir('companion-renderer-');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>app</title>');
  web = await startWebServer({ host: test.host, rendererDir, secret: 'web-secret-0123456789' });
});
afterAll(async () => {
  await web?.close();
  await test?.stop();
  removeDir(test.dataDir);
  removeDir(rendererDir);
});

const bridge = (method: string, body: Buffer | string = '{}') =>
  fetch(`${web.url}/bridge/${method}`, {
    method: 'POST',
    headers: { 'x-companion-secret': web.secret, 'content-type': 'application/json' },
    body,
  });

it('a bad escape or a NUL in a bridge method name is a 400 invalid_request', async () => {
  for (const method of ['%zz', 'get%E0%A4%A', 'getSnapshot%00']) {
    const answer = await bridge(method);
    expect(`${method}: ${answer.status}`).toBe(`${method}: 400`);
    expect(((await answer.json()) as { error: { code: string } }).error.code).toBe('invalid_request');
  }
});

it('a bridge body that is not UTF-8 is a 400', async () => {
  const answer = await bridge('getSnapshot', Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]));
  expect(answer.status).toBe(400);
});

it('a bad escape or a NUL in a static path is a 400; the app shell still answers a good one', async () => {
  for (const path of ['/%zz', '/assets/%E0%A4%A.js', '/index.html%00.png']) {
    const answer = await fetch(`${web.url}${path}`);
    expect(`${path}: ${answer.status}`).toBe(`${path}: 400`);
  }
  expect((await fetch(`${web.url}/history`)).status).toBe(200);
});
