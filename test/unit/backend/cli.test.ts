import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createCompanionClient } from '../../../shared/client.js';
import { openEventStream } from '../../support/event-stream.js';
import { startProcess, type RunningProcess } from '../../support/process.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const LISTENING = /^listening on (http:\/\/127\.0\.0\.1:(\d+))$/m;
const ADMIN_TOKEN = 'x'.repeat(16);

/** The environment without any COMPANION_* variable, so the test decides every option. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COMPANION_')));
  return { ...env, ...extra };
}

let dataDir: string;
let running: RunningProcess[];

function cli(args: string[], env: NodeJS.ProcessEnv = cleanEnv()): RunningProcess {
  const child = startProcess(process.execPath, ['--import', 'tsx', 'backend/cli.ts', ...args], { cwd: repoRoot, env });
  running.push(child);
  return child;
}

beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'companion-cli-'));
  running = [];
});

afterEach(() => {
  for (const child of running) child.kill();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('backend command line', () => {
  it('prints "listening on http://127.0.0.1:<port>" and answers /v1/health there', async () => {
    const backend = cli([
      '--port',
      '0',
      '--data',
      dataDir,
      '--admin-token',
      ADMIN_TOKEN,
      '--test-clock',
      '2026-01-01T00:00:00Z',
    ]);
    const [, url] = await backend.waitForOutput(LISTENING);
    await expect(createCompanionClient({ baseURL: url as string, retries: 0 }).health()).resolves.toMatchObject({
      status: 'ok',
    });
  });

  it('exits 0 on SIGTERM after serving a request', async () => {
    const backend = cli([
      '--port',
      '0',
      '--data',
      dataDir,
      '--admin-token',
      ADMIN_TOKEN,
      '--test-clock',
      '2026-01-01T00:00:00Z',
    ]);
    const [, url] = await backend.waitForOutput(LISTENING);
    await createCompanionClient({ baseURL: url as string, retries: 0 }).health();
    backend.child.kill('SIGTERM');
    await expect(backend.exited()).resolves.toEqual({ code: 0, signal: null });
  });

  it('exits 0 on SIGTERM sent the moment it prints the listening line (5 attempts)', async () => {
    // A supervisor may stop the backend as soon as it reports ready; the SIGTERM handler must already be installed.
    const exits = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      const backend = cli(['--port', '0', '--data', dataDir, '--admin-token', ADMIN_TOKEN]);
      backend.signalWhen(LISTENING, 'SIGTERM');
      exits.push(await backend.exited());
    }
    expect(exits).toEqual(Array.from({ length: 5 }, () => ({ code: 0, signal: null })));
  }, 60_000);

  it('answers /v1/ready with 503 during --drain-delay after SIGTERM while still serving, then exits 0', async () => {
    const backend = cli(['--port', '0', '--data', dataDir, '--admin-token', ADMIN_TOKEN, '--drain-delay', '3']);
    const [, url] = await backend.waitForOutput(LISTENING);
    expect((await fetch(`${url as string}/v1/ready`)).status).toBe(200);
    backend.child.kill('SIGTERM');
    // The signal takes a moment to arrive; within the 3 s delay the answer must turn.
    const draining = await vi.waitFor(
      async () => {
        const answer = await fetch(`${url as string}/v1/ready`);
        if (answer.status !== 503) throw new Error(`still ${answer.status}`);
        return answer;
      },
      { timeout: 2_500, interval: 50 },
    );
    expect(await draining.json()).toMatchObject({ code: 'not_ready' });
    expect((await fetch(`${url as string}/v1/health`)).status).toBe(200);
    await expect(backend.exited(15_000)).resolves.toEqual({ code: 0, signal: null });
  });

  it('exits 0 on SIGTERM while an event stream is open', async () => {
    const backend = cli(['--port', '0', '--data', dataDir, '--admin-token', ADMIN_TOKEN]);
    const [, url] = await backend.waitForOutput(LISTENING);
    const { token } = await createCompanionClient({
      baseURL: url as string,
      token: ADMIN_TOKEN,
      retries: 0,
    }).admin.createAccount({ name: 'Ada', timeZone: 'UTC' });
    const stream = await openEventStream(url as string, token);
    await stream.next();
    backend.child.kill('SIGTERM');
    try {
      await expect(backend.exited(10_000)).resolves.toEqual({ code: 0, signal: null });
    } finally {
      await stream.close();
    }
  });

  it('starts the test clock at --test-clock', async () => {
    const backend = cli([
      '--port',
      '0',
      '--data',
      dataDir,
      '--admin-token',
      ADMIN_TOKEN,
      '--test-clock',
      '2026-01-01T00:00:00Z',
    ]);
    const [, url] = await backend.waitForOutput(LISTENING);
    const admin = createCompanionClient({ baseURL: url as string, token: ADMIN_TOKEN, retries: 0 });
    await expect(admin.admin.moveClock({ advanceS: 60 })).resolves.toEqual({ now: '2026-01-01T00:01:00.000Z' });
  });

  it('reads COMPANION_PORT, COMPANION_DATA and COMPANION_ADMIN_TOKEN when no flags are given', async () => {
    const backend = cli(
      [],
      cleanEnv({ COMPANION_PORT: '0', COMPANION_DATA: dataDir, COMPANION_ADMIN_TOKEN: ADMIN_TOKEN }),
    );
    const [, url] = await backend.waitForOutput(LISTENING);
    const admin = createCompanionClient({ baseURL: url as string, token: ADMIN_TOKEN, retries: 0 });
    const { account } = await admin.admin.createAccount({ name: 'Ada', timeZone: 'UTC' });
    expect(account.name).toBe('Ada');
  });

  it('keeps its SQLite database in the --data folder across restarts', async () => {
    const args = ['--port', '0', '--data', dataDir, '--admin-token', ADMIN_TOKEN];
    const first = cli(args);
    const [, firstUrl] = await first.waitForOutput(LISTENING);
    const { token } = await createCompanionClient({
      baseURL: firstUrl as string,
      token: ADMIN_TOKEN,
      retries: 0,
    }).admin.createAccount({ name: 'Ada', timeZone: 'UTC' });
    first.child.kill('SIGTERM');
    await first.exited();
    const second = cli(args);
    const [, secondUrl] = await second.waitForOutput(LISTENING);
    await expect(
      createCompanionClient({ baseURL: secondUrl as string, token, retries: 0 }).me(),
    ).resolves.toMatchObject({ name: 'Ada' });
  });

  it('exits non-zero naming the admin token when none is given', async () => {
    const backend = cli(['--port', '0', '--data', dataDir]);
    const exit = await backend.exited();
    expect(exit.code).toBeGreaterThan(0);
    expect(backend.stderr()).toMatch(/--admin-token \(or COMPANION_ADMIN_TOKEN\)/);
  });

  it('prints nothing on standard output when it refuses to start', async () => {
    const backend = cli(['--port', '0', '--data', dataDir]);
    await backend.exited();
    expect(backend.stdout()).toBe('');
  });

  it('exits non-zero naming the time when --test-clock is not an ISO time', async () => {
    const backend = cli([
      '--port',
      '0',
      '--data',
      dataDir,
      '--admin-token',
      ADMIN_TOKEN,
      '--test-clock',
      'next tuesday',
    ]);
    const exit = await backend.exited();
    expect(exit.code).toBeGreaterThan(0);
    expect(backend.stderr()).toContain('--test-clock must be an ISO 8601 time, got next tuesday');
  });

  it('logs a JSON line per request on standard output by default, with the id it answered with', async () => {
    const backend = cli(['--port', '0', '--data', dataDir, '--admin-token', ADMIN_TOKEN]);
    const [, url] = await backend.waitForOutput(LISTENING);
    const answer = await fetch(`${url as string}/v1/health`, { headers: { 'x-request-id': 'cli-probe-1' } });
    expect(answer.headers.get('x-request-id')).toBe('cli-probe-1');
    const [line] = await backend.waitForOutput(/^\{.*"requestId":"cli-probe-1".*\}$/m);
    expect(JSON.parse(line as string)).toMatchObject({ level: 30, msg: 'request', route: '/v1/health', status: 200 });
  });

  it('writes its log to COMPANION_LOG_FILE, serves metrics on --metrics-port and no /docs with --docs off', async () => {
    const logFile = join(dataDir, 'logs', 'backend.log');
    const backend = cli(
      ['--port', '0', '--data', dataDir, '--admin-token', ADMIN_TOKEN, '--metrics-port', '0', '--docs', 'off'],
      cleanEnv({ COMPANION_LOG_FILE: logFile }),
    );
    const [, url] = await backend.waitForOutput(LISTENING);
    const [, metricsUrl] = await backend.waitForOutput(/^metrics on (http:\/\/127\.0\.0\.1:\d+\/metrics)$/m);
    expect((await fetch(`${url as string}/docs`)).status).toBe(404);
    const metrics = await fetch(metricsUrl as string);
    expect(await metrics.text()).toContain(
      'companion_http_request_duration_seconds_count{method="GET",route="unmatched",status="404"} 1',
    );
    expect(readFileSync(logFile, 'utf8')).toContain('"status":404');
    expect(backend.stdout()).not.toContain('"msg"');
  });

  it('exits non-zero naming the flag when --log-level or --docs is not one it knows', async () => {
    const level = cli(['--port', '0', '--data', dataDir, '--admin-token', ADMIN_TOKEN, '--log-level', 'loud']);
    expect((await level.exited()).code).toBeGreaterThan(0);
    expect(level.stderr()).toContain(
      '--log-level must be one of fatal, error, warn, info, debug, trace, silent, got loud',
    );
    const docs = cli(['--port', '0', '--data', dataDir, '--admin-token', ADMIN_TOKEN, '--docs', 'maybe']);
    expect((await docs.exited()).code).toBeGreaterThan(0);
    expect(docs.stderr()).toContain('--docs must be on or off, got maybe');
  });

  it('has every flag of its --help in the README and in docs/OPERATING.md', async () => {
    const help = cli(['--help']);
    await help.exited();
    const flags = [...help.stdout().matchAll(/^ {2}(--[a-z-]+)/gm)]
      .map((m) => m[1] as string)
      .filter((flag) => flag !== '--help');
    expect(flags).toEqual(expect.arrayContaining(['--log-level', '--log-file', '--metrics-port', '--docs']));
    for (const doc of ['README.md', 'docs/OPERATING.md']) {
      const text = readFileSync(join(repoRoot, doc), 'utf8');
      expect(
        flags.filter((flag) => !text.includes(`| \`${flag}`)),
        doc,
      ).toEqual([]);
    }
  });

  it('exits non-zero naming the catalog file and the bad field when COMPANION_CATALOG has a price of -1', async () => {
    const catalog = JSON.parse(readFileSync(join(repoRoot, 'backend/catalog.json'), 'utf8')) as {
      models: Array<{ id: string; price: number }>;
    };
    (catalog.models[0] as { price: number }).price = -1;
    const catalogPath = join(dataDir, 'bad-catalog.json');
    writeFileSync(catalogPath, JSON.stringify(catalog));
    const backend = cli(
      ['--port', '0', '--data', dataDir, '--admin-token', ADMIN_TOKEN],
      cleanEnv({ COMPANION_CATALOG: catalogPath }),
    );
    const exit = await backend.exited();
    expect(exit.code).toBeGreaterThan(0);
    expect(backend.stderr()).toContain(`The catalog ${catalogPath} is invalid: models.0.price`);
  });
});
