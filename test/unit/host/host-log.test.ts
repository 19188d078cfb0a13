import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createCompanionClient } from '../../../shared/client.js';
import { FiredAlertLog } from '../../../electron/host/alerts.js';
import { CountingHostLog } from '../../../electron/host/host-log.js';
import { OutputCache } from '../../../electron/host/history/output-cache.js';
import { HistoryStore, type OutputRef } from '../../../electron/host/history/store.js';

describe('the host log', () => {
  it('writes a survived failure as one line with its kind and cause, and counts it by kind', () => {
    const lines: string[] = [];
    const log = new CountingHostLog((line) => lines.push(line), false);
    log.warn('output-download', new Error('socket hang up\n  at somewhere'), 'Downloading output out_1 failed');
    log.warn('output-download', 'HTTP 503', 'Downloading output out_2 failed');
    expect(lines).toEqual([
      '[host] warn output-download: Downloading output out_1 failed: socket hang up at somewhere',
      '[host] warn output-download: Downloading output out_2 failed: HTTP 503',
    ]);
    expect(log.counts()).toEqual({ 'output-download': 2 });
  });

  it('counts an expected failure at debug without writing it (unless asked to)', () => {
    const quiet: string[] = [];
    const loud: string[] = [];
    const log = new CountingHostLog((line) => quiet.push(line), false);
    log.debug('thumbnail', new Error('unsupported image format'), 'No thumbnail for output out_1');
    expect([quiet, log.count('thumbnail')]).toEqual([[], 1]);
    new CountingHostLog((line) => loud.push(line), true).debug(
      'thumbnail',
      new Error('unsupported image format'),
      'No thumbnail',
    );
    expect(loud).toEqual(['[host] debug thumbnail: No thumbnail: unsupported image format']);
  });
});

describe('a failed output download is survived, logged and counted', () => {
  let dir: string;
  let server: Server;
  let baseURL: string;
  let status: number;
  let store: HistoryStore;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'host-log-'));
    status = 503;
    server = createServer((_request, response) => {
      const problem = {
        type: 'about:blank',
        title: 'Unavailable',
        status,
        code: status === 404 ? 'not_found' : 'internal_error',
      };
      response.writeHead(status, { 'content-type': 'application/problem+json' });
      response.end(JSON.stringify(problem));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    store = new HistoryStore(join(dir, 'history.sqlite'));
  });

  afterEach(async () => {
    await store.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  const output: OutputRef = {
    accountId: 'acc_1',
    outputId: 'out_1',
    generationId: 'gen_1',
    kind: 'image',
    mime: 'image/png',
    bytes: 10,
    sha256: 'ab'.repeat(32),
  };

  function cacheWith(log: CountingHostLog): OutputCache {
    const client = createCompanionClient({ baseURL, token: 'cc_test', retries: 0 });
    return new OutputCache({
      store,
      cacheDir: join(dir, 'cache'),
      clientFor: () => client,
      isOnline: () => true,
      limitBytes: () => 1 << 30,
      onChange: () => {},
      now: () => Date.now(),
      log,
    });
  }

  it('a 503 from the backend: nothing is served, the line says which output and why, the count is 1', async () => {
    const lines: string[] = [];
    const log = new CountingHostLog((line) => lines.push(line), false);
    const cache = cacheWith(log);
    await expect(cache.open(output, 'full')).resolves.toBeNull();
    await cache.stop();
    expect(log.count('output-download')).toBe(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^\[host\] warn output-download: Downloading output out_1 failed: /);
    // Kept queued, so that the download resumes when the account is online again.
    expect(store.get<{ state: string }>('SELECT state FROM cache_entries WHERE output_id = ?', 'out_1')?.state).toBe(
      'queued',
    );
  });

  it('an output gone from the backend (404) is counted at debug, not written as a warning', async () => {
    status = 404;
    const lines: string[] = [];
    const log = new CountingHostLog((line) => lines.push(line), false);
    const cache = cacheWith(log);
    await expect(cache.open(output, 'full')).resolves.toBeNull();
    await cache.stop();
    expect(log.counts()).toEqual({ 'output-gone': 1 });
    expect(lines).toEqual([]);
  });
});

describe('the host counts what it survives', () => {
  it('an alerts file it cannot write is logged once per failed save and counted', () => {
    const dir = mkdtempSync(join(tmpdir(), 'host-log-alerts-'));
    try {
      const lines: string[] = [];
      const log = new CountingHostLog((line) => lines.push(line), false);
      // The alerts file's folder is a file: every save fails, the alerts go on for the session.
      const blocked = join(dir, 'blocked');
      writeFileSync(blocked, 'not a folder');
      const fired = new FiredAlertLog(join(blocked, 'alerts.json'), { log });
      expect(log.counts()).toEqual({ 'alerts-file-unreadable': 1 });
      fired.record(['threshold:acc_1:subscription:90:2026-11']);
      expect(fired.has('threshold:acc_1:subscription:90:2026-11')).toBe(true);
      expect(log.count('alerts-file-unwritable')).toBe(1);
      expect(lines.at(-1)).toMatch(
        /^\[host\] warn alerts-file-unwritable: The fired-alerts file could not be written: /,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
