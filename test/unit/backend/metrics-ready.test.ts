/**
 * What an operator's monitoring reads: `GET /metrics` (Prometheus text, admin token only, or on a port of its own on
 * 127.0.0.1) counts charges and refunds by balance, queued and running jobs by lane, finished jobs by model, requests
 * by route and status; `GET /v1/ready` is 200 while the database answers and the data folder takes writes, and 503
 * not_ready while draining, when the database is gone (PostgreSQL) or the data folder is gone.
 */
import { renameSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBackend, type TestBackend } from '../../support/backend.js';
import {
  engines,
  freshDatabaseUrl,
  ScriptedProvider,
  startBackendOn,
  waitForGeneration,
} from '../../support/engines.js';

/** The value of one sample, `name{labels}`, or 0 when it is not there yet. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`);
  let total = 0;
  for (const line of text.split('\n')) {
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match || match[1] !== name) continue;
    const present = (match[2] ?? '').split(',');
    if (wanted.every((w) => present.includes(w))) total += Number(match[3]);
  }
  return total;
}

async function scrape(t: TestBackend): Promise<string> {
  const answer = await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${t.adminToken}` } });
  expect(answer.status).toBe(200);
  expect(answer.headers.get('content-type')).toContain('text/plain');
  return answer.text();
}

const image = (prompt: string) => ({
  tool: 'text-to-image' as const,
  modelId: 'vivid-image',
  prompt,
  settings: { outputs: 1 },
});

describe.each(engines)('metrics on %s', (engine) => {
  const provider = new ScriptedProvider();
  let t: TestBackend;
  beforeAll(async () => {
    t = await startBackendOn(engine, { provider, runner: { concurrency: 1 } });
  });
  afterAll(async () => {
    provider.releaseAll();
    await t?.stop();
  });

  it('refuses /metrics without the admin token, and with an account token', async () => {
    const none = await fetch(`${t.url}/metrics`);
    expect(none.status).toBe(401);
    expect(((await none.json()) as { code: string }).code).toBe('unauthorized');
    const { token } = await t.createAccount('Nosy', 'UTC');
    expect((await fetch(`${t.url}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('counts a charge, a refund, a queued job, a finished job and the requests', async () => {
    const before = await scrape(t);
    const { client } = await t.createAccount('Ada', 'UTC');
    // A charge that runs to the end.
    const charged = await client.createGeneration(image('a lighthouse'));
    await waitForGeneration(client, charged.id);
    // A blocked prompt: charged, then refunded in full (C8).
    const blocked = await client.createGeneration(image('a gore scene in the rain'));
    expect((await waitForGeneration(client, blocked.id)).status).toBe('blocked');
    // One job held by the provider, one queued behind it (one worker).
    const held = await client.createGeneration(image('a held fox [hold:fox]'));
    await waitForGeneration(client, held.id, ['running']);
    await client.createGeneration(image('a waiting owl'));

    const after = await scrape(t);
    const delta = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta('companion_ledger_entries_total', { kind: 'debit', balance: 'free' })).toBe(4);
    expect(delta('companion_ledger_credits_total', { kind: 'debit', balance: 'free' })).toBe(4 * 24);
    expect(delta('companion_ledger_entries_total', { kind: 'refund', balance: 'free' })).toBe(1);
    expect(delta('companion_ledger_credits_total', { kind: 'refund', balance: 'free' })).toBe(24);
    expect(sample(after, 'companion_queue_running', { lane: 'system' })).toBe(1);
    expect(sample(after, 'companion_queue_waiting', { lane: 'system' })).toBe(1);
    expect(
      sample(after, 'companion_job_duration_seconds_count', { model: 'vivid-image', status: 'succeeded' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(after, 'companion_job_duration_seconds_count', { model: 'vivid-image', status: 'blocked' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      sample(after, 'companion_http_request_duration_seconds_count', {
        method: 'POST',
        route: '/v1/generations',
        status: '202',
      }),
    ).toBe(4);
    expect(
      sample(after, 'companion_http_request_duration_seconds_count', { route: '/metrics', status: '401' }),
    ).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'companion_db_connections', { state: 'open' })).toBeGreaterThanOrEqual(1);
    expect(after).toContain('nodejs_eventloop_lag_seconds');
    expect(after).toContain('companion_sse_clients 0');
    // Counted once: a second scrape adds nothing that did not happen.
    const again = await scrape(t);
    expect(sample(again, 'companion_ledger_entries_total', { kind: 'debit' })).toBe(
      sample(after, 'companion_ledger_entries_total', { kind: 'debit' }),
    );
  });

  it('counts an entry that commits after one with a higher id was counted, and each once', async () => {
    const { account } = await t.createAccount('Late', 'UTC');
    const { db } = t.backend.database;
    const highest = Number(
      (
        await db
          .selectFrom('ledger_entries')
          .select((eb) => eb.fn.max('id').as('id'))
          .executeTakeFirstOrThrow()
      ).id,
    );
    const entry = (id: number) => ({
      id,
      account_id: account.id,
      at: '2026-01-01T00:00:00.000Z',
      kind: 'grant',
      balance: 'late-probe',
      amount: 5,
      after: 5,
      generation_id: null,
      reason: 'metrics probe',
    });
    await db
      .insertInto('ledger_entries')
      .values(entry(highest + 10))
      .execute();
    expect(sample(await scrape(t), 'companion_ledger_entries_total', { kind: 'grant', balance: 'late-probe' })).toBe(1);
    // The writer that took the lower id commits now.
    await db
      .insertInto('ledger_entries')
      .values(entry(highest + 5))
      .execute();
    const text = await scrape(t);
    expect(sample(text, 'companion_ledger_entries_total', { kind: 'grant', balance: 'late-probe' })).toBe(2);
    expect(sample(text, 'companion_ledger_credits_total', { kind: 'grant', balance: 'late-probe' })).toBe(10);
  });

  it('counts the failures survived, by kind', async () => {
    t.backend.log.survived('probe', new Error('a probe failure'), 'survived for the test');
    expect(sample(await scrape(t), 'companion_survived_errors_total', { kind: 'probe' })).toBe(1);
  });

  it('is ready while the database answers, and not while draining', async () => {
    const ready = await fetch(`${t.url}/v1/ready`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: { database: 'ok', migrations: 'ok', storage: 'ok' },
    });
    t.backend.drain();
    const draining = await fetch(`${t.url}/v1/ready`);
    expect(draining.status).toBe(503);
    expect(draining.headers.get('content-type')).toContain('application/problem+json');
    expect(await draining.json()).toMatchObject({ code: 'not_ready', status: 503 });
    // Still alive, and still serving.
    expect((await fetch(`${t.url}/v1/health`)).status).toBe(200);
  });
});

describe('readiness of the data folder', () => {
  it('is 503 when the data folder is gone (a lost mount), and ready again once it is back', async () => {
    const t = await startBackend();
    const moved = `${t.dataDir}-moved`;
    try {
      renameSync(t.dataDir, moved);
      const answer = await fetch(`${t.url}/v1/ready`);
      expect(answer.status).toBe(503);
      const problem = (await answer.json()) as { code: string; checks: Record<string, string> };
      expect(problem.code).toBe('not_ready');
      expect(problem.checks.storage).toContain('ENOENT');
    } finally {
      renameSync(moved, t.dataDir);
    }
    try {
      expect((await fetch(`${t.url}/v1/ready`)).status).toBe(200);
    } finally {
      await t.stop();
    }
  });
});

describe('the metrics port', () => {
  it('serves the same metrics on 127.0.0.1 without a token, and nothing else', async () => {
    const t = await startBackend({ metricsPort: 0 });
    try {
      expect(t.backend.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const answer = await fetch(t.backend.metricsUrl!);
      expect(answer.status).toBe(200);
      expect(await answer.text()).toContain('companion_http_request_duration_seconds');
      expect((await fetch(t.backend.metricsUrl!.replace('/metrics', '/v1/me'))).status).toBe(404);
    } finally {
      await t.stop();
    }
  });
});

describe('readiness with PostgreSQL gone', () => {
  it('is 503 not_ready once the database stops answering', async () => {
    if (!process.env.COMPANION_TEST_DATABASE_URL) {
      console.log('PostgreSQL readiness test skipped: set COMPANION_TEST_DATABASE_URL to run it');
      return;
    }
    const database = await freshDatabaseUrl();
    const t = await startBackend({ databaseUrl: database.url });
    try {
      expect((await fetch(`${t.url}/v1/ready`)).status).toBe(200);
      await database.drop();
      const answer = await fetch(`${t.url}/v1/ready`);
      expect(answer.status).toBe(503);
      const problem = (await answer.json()) as { code: string; checks: Record<string, string> };
      expect(problem.code).toBe('not_ready');
      expect(problem.checks.database).not.toBe('ok');
      expect((await fetch(`${t.url}/v1/health`)).status).toBe(200);
    } finally {
      await t.stop().catch(() => undefined);
      await database.drop();
    }
  });
});
