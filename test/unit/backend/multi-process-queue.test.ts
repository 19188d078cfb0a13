/**
 * Two backend processes on one PostgreSQL database share the durable queues (job-queue.ts): claims are serialized by
 * an advisory lock and a conditional update, so across processes no job runs twice, one account's unlimited work runs
 * one at a time (U3), and no more than `systemConcurrency` jobs run at once (U8). When one process is killed, the other
 * takes its running jobs over once their heartbeat is older than `staleAfterS`, and finishes them.
 *
 * The queue bookkeeping read here (job-queue.ts, worker-pool.ts): `enqueued_us` is the enqueue stamp (wall clock, us);
 * a claim sets `wait_ms = round(claim wall time - enqueued_us / 1000)`, so `enqueued_us / 1000 + wait_ms` is the claim
 * instant (to the millisecond); `run_ms` is measured around the provider call only. [claim, claim + run_ms] therefore
 * lies inside the time the job held its slot (which also covers reading the row before and the commit after), and an
 * overlap of these intervals is a real overlap.
 *
 * The two-process tests run only with COMPANION_TEST_DATABASE_URL (see test/support/engines.ts); the test of the
 * dispatch window at the end runs on SQLite always.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRequest } from '../../../shared/api.js';
import { createCompanionClient, type CompanionClient } from '../../../shared/client.js';
import type { GenerationProvider } from '../../../backend/providers/provider.js';
import { startBackend, type TestBackend } from '../../support/backend.js';
import {
  allLedgerEntries,
  expectLedgerExplains,
  freshDatabaseUrl,
  waitForGeneration,
  type FreshDatabase,
} from '../../support/engines.js';
import { eventually, GatedProvider } from '../../support/gated-provider.js';
import { startProcess, type RunningProcess } from '../../support/process.js';

const SERVER_URL = process.env.COMPANION_TEST_DATABASE_URL || undefined;
const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const LISTENING = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m;
const ADMIN_TOKEN = `admin_${randomBytes(16).toString('hex')}`;
const TEST_CLOCK = '2026-03-10T12:00:00.000Z';
const SYSTEM_CONCURRENCY = 4;
const STALE_AFTER_S = 2;
const HEARTBEAT_S = 0.5;
const OPERATIONS = {
  queue: { workers: 3, systemConcurrency: SYSTEM_CONCURRENCY, staleAfterS: STALE_AFTER_S, heartbeatS: HEARTBEAT_S },
  fairUse: { automation: { maxRequestsPerWindow: 100_000, regularIntervalCount: 1000 } },
};
/**
 * Interval ends are rebuilt from rounded milliseconds (wait_ms and run_ms are each rounded): two intervals that
 * touch may seem to overlap by up to ~1.5 ms. A real overlap is a whole run (tens of milliseconds or more).
 */
const ROUNDING_MS = 2;

if (!SERVER_URL)
  console.log('two backend processes on one PostgreSQL database: skipped, set COMPANION_TEST_DATABASE_URL to run it');

const spark = (prompt: string, outputs = 1): GenerationRequest => ({
  tool: 'text-to-image',
  modelId: 'spark-image',
  prompt,
  settings: { outputs },
});
const vivid = (prompt: string): GenerationRequest => ({
  tool: 'text-to-image',
  modelId: 'vivid-image',
  prompt,
  settings: { outputs: 1 },
});
const video = (prompt: string): GenerationRequest => ({
  tool: 'text-to-video',
  modelId: 'motion-video',
  prompt,
  settings: { outputs: 1, durationS: 5 },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COMPANION_')));
}

interface Row {
  id: string;
  model_id: string;
  account_id: string;
  status: string;
  attempts: number;
  unlimited: number;
  refunded: number;
  outputs: number;
  distinct_idx: number;
  wanted: number;
  start: number;
  end: number;
  heartbeat_ms: number | null;
  worker_id: string | null;
}

interface BackendProcess {
  name: 'A' | 'B';
  url: string;
  dataDir: string;
  process: RunningProcess;
}

describe.skipIf(!SERVER_URL)('two backend processes on one PostgreSQL database (U3, U8, takeover after a kill)', () => {
  let database: FreshDatabase;
  let workDir: string;
  let pool: pg.Pool;
  const processes: BackendProcess[] = [];
  const tokens = new Map<string, string>();
  let ultraId = '';
  /** Each process's worker id, learnt in the first test from the jobs it ran. */
  const workerIds = new Map<'A' | 'B', string>();
  const payerIds: string[] = [];

  const client = (backend: BackendProcess, accountId: string, timeoutMs = 15_000): CompanionClient =>
    createCompanionClient({ baseURL: backend.url, token: tokens.get(accountId) as string, retries: 0, timeoutMs });

  async function rows(ids?: readonly string[]): Promise<Row[]> {
    const result = await pool.query(
      `select g.id, g.model_id, g.account_id, g.status, g.attempts, g.unlimited, g.refunded, g.settings, g.enqueued_us, g.wait_ms, g.run_ms, g.heartbeat_ms, g.worker_id,
              (select count(*) from outputs o where o.generation_id = g.id) as outputs,
              (select count(distinct o.idx) from outputs o where o.generation_id = g.id) as distinct_idx
         from generations g ${ids ? 'where g.id = any($1)' : ''}`,
      ids ? [ids] : [],
    );
    return result.rows.map((r) => {
      const start = Number(r.enqueued_us) / 1000 + Number(r.wait_ms);
      return {
        id: r.id,
        model_id: r.model_id,
        account_id: r.account_id,
        status: r.status,
        attempts: Number(r.attempts),
        unlimited: Number(r.unlimited),
        refunded: Number(r.refunded),
        outputs: Number(r.outputs),
        distinct_idx: Number(r.distinct_idx),
        wanted: (JSON.parse(r.settings) as { outputs: number }).outputs,
        start,
        end: start + Number(r.run_ms),
        heartbeat_ms: r.heartbeat_ms === null ? null : Number(r.heartbeat_ms),
        worker_id: r.worker_id,
      };
    });
  }

  /** Worker ids seen on running jobs (a process keeps one worker id for its lifetime), by generation id. */
  const workerSeen = new Map<string, string>();

  async function untilFinished(ids: readonly string[], timeoutMs: number): Promise<Row[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const current = await rows(ids);
      for (const r of current) if (r.status === 'running' && r.worker_id) workerSeen.set(r.id, r.worker_id);
      if (
        current.length === ids.length &&
        current.every((r) => ['succeeded', 'failed', 'blocked', 'cancelled'].includes(r.status))
      )
        return current;
      if (Date.now() > deadline) {
        const open = current
          .filter((r) => r.status === 'queued' || r.status === 'running')
          .map((r) => `${r.id} ${r.status}`);
        throw new Error(`not finished within ${timeoutMs} ms: ${open.join(', ')}`);
      }
      await sleep(20);
    }
  }

  /** Which process ran a generation: its outputs are files in that process's data folder. */
  async function ranBy(generationId: string): Promise<BackendProcess | undefined> {
    const result = await pool.query<{ path: string }>('select path from outputs where generation_id = $1', [
      generationId,
    ]);
    const first = result.rows[0]?.path;
    return first === undefined ? undefined : processes.find((p) => first.startsWith(p.dataDir));
  }

  beforeAll(async () => {
    database = await freshDatabaseUrl();
    pool = new pg.Pool({ connectionString: database.url, max: 2 });
    workDir = mkdtempSync(join(tmpdir(), 'companion-two-'));
    const configPath = join(workDir, 'operations.json');
    writeFileSync(configPath, JSON.stringify(OPERATIONS));
    // One after the other: the first one creates the schema.
    for (const name of ['A', 'B'] as const) {
      const dataDir = join(workDir, name);
      mkdirSync(dataDir);
      const child = startProcess(
        process.execPath,
        [
          '--import',
          'tsx',
          'backend/cli.ts',
          '--port',
          '0',
          '--data',
          dataDir,
          '--admin-token',
          ADMIN_TOKEN,
          '--test-clock',
          TEST_CLOCK,
          '--config',
          configPath,
          '--database',
          database.url,
        ],
        { cwd: repoRoot, env: cleanEnv() },
      );
      const [, url] = await child.waitForOutput(LISTENING, 30_000);
      processes.push({ name, url: url as string, dataDir, process: child });
    }
    const admin = createCompanionClient({ baseURL: processes[0]!.url, token: ADMIN_TOKEN, retries: 0 });
    const ultra = await admin.admin.createAccount({ name: 'Uma', timeZone: 'UTC', planId: 'ultra' });
    ultraId = ultra.account.id;
    tokens.set(ultraId, ultra.token);
    for (const name of ['Bea', 'Bo', 'Cy']) {
      const payer = await admin.admin.createAccount({ name, timeZone: 'UTC', planId: 'basic' });
      payerIds.push(payer.account.id);
      tokens.set(payer.account.id, payer.token);
    }
  }, 90_000);

  afterAll(async () => {
    for (const p of processes) p.process.kill();
    await pool?.end();
    await database?.drop();
    if (workDir) rmSync(workDir, { recursive: true, force: true });
  });

  it('60 jobs submitted to both processes: each runs once, U3 holds for the unlimited account, never more than systemConcurrency at once', async () => {
    // 30 unlimited Fast requests of one ultra account, interleaved with 30 credit-paid ones of three basic accounts.
    const submissions: Array<{ accountId: string; body: GenerationRequest }> = [];
    for (let i = 0; i < 30; i += 1) {
      submissions.push({ accountId: ultraId, body: spark(`unlimited ${i}`) });
      const payer = payerIds[i % payerIds.length] as string;
      submissions.push({
        accountId: payer,
        body: i % 5 === 0 ? video(`paid ${i}`) : i % 2 === 0 ? spark(`paid ${i}`, 2) : vivid(`paid ${i}`),
      });
    }
    const created = await Promise.all(
      submissions.map((s, i) => client(processes[i % 2]!, s.accountId).createGeneration(s.body)),
    );
    expect(created.filter((g) => g.unlimited && g.lane === 'fast')).toHaveLength(30);

    const finished = await untilFinished(
      created.map((g) => g.id),
      90_000,
    );
    // Each process's worker id, for the next test: a job seen running under it whose outputs are in that data folder.
    for (const [id, worker] of workerSeen) {
      const runner = await ranBy(id);
      if (runner && finished.find((r) => r.id === id)?.attempts === 1) workerIds.set(runner.name, worker);
    }
    const all = await rows();
    expect(all).toHaveLength(60);

    // No job ran twice: exactly the outputs asked for (not twice as many), and one attempt each (a second attempt
    // means another process took the job over as stale while its worker still ran it: see staleAfterS).
    expect(
      finished
        .filter((r) => r.outputs !== r.wanted || r.distinct_idx !== r.wanted)
        .map((r) => `${r.id} outputs=${r.outputs} of ${r.wanted}`),
    ).toEqual([]);
    expect(
      finished
        .filter((r) => r.status !== 'succeeded' || r.attempts !== 1)
        .map((r) => `${r.id} ${r.model_id} ${r.status} attempts=${r.attempts}`),
    ).toEqual([]);

    // U3: the unlimited account's jobs ran one at a time, across both processes.
    const unlimited = finished.filter((r) => r.account_id === ultraId).sort((a, b) => a.start - b.start);
    expect(unlimited).toHaveLength(30);
    expect(unlimited.every((r) => r.unlimited === 1)).toBe(true);
    const overlaps: string[] = [];
    for (let i = 1; i < unlimited.length; i += 1) {
      const before = unlimited[i - 1]!;
      const next = unlimited[i]!;
      if (next.start < before.end - ROUNDING_MS)
        overlaps.push(`${next.id} started ${(before.end - next.start).toFixed(1)} ms before ${before.id} ended`);
    }
    expect(overlaps).toEqual([]);

    // U8: at no instant more than systemConcurrency jobs ran, over both processes.
    const edges = finished.flatMap((r) => [
      { at: r.start, delta: 1 },
      { at: r.end - ROUNDING_MS, delta: -1 },
    ]);
    edges.sort((a, b) => a.at - b.at || a.delta - b.delta);
    let running = 0;
    let peak = 0;
    for (const edge of edges) {
      running += edge.delta;
      peak = Math.max(peak, running);
    }
    expect(peak).toBeLessThanOrEqual(SYSTEM_CONCURRENCY);

    // Who ran what, and whether an output can be read through the other process (see the report in the summary line).
    const split = { A: 0, B: 0 };
    let servedByOther = 0;
    let outputsChecked = 0;
    for (const [index, generation] of created.entries()) {
      const { accountId } = submissions[index]!;
      const runner = await ranBy(generation.id);
      expect(runner, `the process that ran ${generation.id}`).toBeDefined();
      split[runner!.name] += 1;
      const other = processes.find((p) => p !== runner)!;
      const view = await client(runner!, accountId).getGeneration(generation.id);
      for (const output of view.outputs) {
        const read = async (p: BackendProcess) =>
          fetch(`${p.url}/v1/outputs/${output.id}`, { headers: { authorization: `Bearer ${tokens.get(accountId)}` } });
        const own = await read(runner!);
        expect(own.status).toBe(200);
        expect(
          createHash('sha256')
            .update(Buffer.from(await own.arrayBuffer()))
            .digest('hex'),
        ).toBe(output.sha256);
        const viaOther = await read(other);
        if (
          viaOther.status === 200 &&
          createHash('sha256')
            .update(Buffer.from(await viaOther.arrayBuffer()))
            .digest('hex') === output.sha256
        )
          servedByOther += 1;
        else await viaOther.body?.cancel();
        outputsChecked += 1;
      }
    }
    expect(split.A + split.B).toBe(60);
    console.log(
      `two processes: 60 jobs, ran by A=${split.A} B=${split.B}, attempts all 1, peak concurrent=${peak} (limit ${SYSTEM_CONCURRENCY}), ` +
        `unlimited account overlaps=0; outputs readable through the other process: ${servedByOther}/${outputsChecked}`,
    );
  }, 120_000);

  it(`a process killed with SIGKILL: the other takes its running jobs over after staleAfterS (${STALE_AFTER_S} s) and finishes each once`, async () => {
    const [a, b] = processes as [BackendProcess, BackendProcess];
    const workerOfA = workerIds.get('A');
    expect(workerOfA, 'the worker id of process A, seen in the first test').toBeDefined();
    for (const payer of payerIds) await client(a, payer).buyTopup({ credits: 2_000 });
    // Jobs of 0.2-0.5 s that yield to the event loop often (4 images, or a short video), so that heartbeats keep beating.
    const submissions = payerIds.flatMap((payer, i) => [
      { accountId: payer, body: spark(`takeover ${i} a`, 4) },
      { accountId: payer, body: video(`takeover ${i} b`) },
      { accountId: payer, body: spark(`takeover ${i} c`, 4) },
    ]);
    // All submitted to A: A starts them at once, B finds the rest on its next poll.
    const created = await Promise.all(submissions.map((s) => client(a, s.accountId).createGeneration(s.body)));
    const ids = created.map((g) => g.id);

    // Kill A while it runs jobs.
    const deadline = Date.now() + 15_000;
    while ((await rows(ids)).filter((r) => r.status === 'running' && r.worker_id === workerOfA).length < 2) {
      if (Date.now() > deadline) throw new Error('process A did not start the jobs');
      await sleep(10);
    }
    const killedAt = Date.now();
    a.process.child.kill('SIGKILL');
    expect(await a.process.exited()).toEqual({ code: null, signal: 'SIGKILL' });
    // A is gone: whatever still runs under its worker id is orphaned, with its last heartbeat.
    const orphans = (await rows(ids)).filter((r) => r.status === 'running' && r.worker_id === workerOfA);
    expect(orphans.length, 'jobs of the killed process still marked running').toBeGreaterThan(0);

    const finished = await untilFinished(ids, 60_000);
    const orphanIds = new Set(orphans.map((r) => r.id));
    // Nothing lost, nothing run twice to completion: every job succeeded with exactly its outputs, from one run.
    expect(finished.filter((r) => r.status !== 'succeeded').map((r) => `${r.id} ${r.status}`)).toEqual([]);
    expect(
      finished
        .filter((r) => r.outputs !== r.wanted || r.distinct_idx !== r.wanted)
        .map((r) => `${r.id} outputs=${r.outputs} of ${r.wanted}`),
    ).toEqual([]);
    const delays: string[] = [];
    for (const row of finished) {
      if (orphanIds.has(row.id)) {
        // Claimed a second time, by B, no sooner than staleAfterS after A's last heartbeat, and not much later.
        const lastBeat = orphans.find((o) => o.id === row.id)?.heartbeat_ms as number;
        expect(row.attempts, `attempts of ${row.id}`).toBe(2);
        expect(await ranBy(row.id)).toBe(b);
        expect(row.start, `restart of ${row.id}`).toBeGreaterThanOrEqual(lastBeat + STALE_AFTER_S * 1000 - ROUNDING_MS);
        expect(row.start - killedAt, `takeover delay of ${row.id}`).toBeLessThanOrEqual(STALE_AFTER_S * 1500 + 3_000);
        delays.push(((row.start - killedAt) / 1000).toFixed(2));
      } else {
        expect(row.attempts, `attempts of ${row.id}`).toBe(1);
      }
    }

    // The ledger, read through B (A is gone): one debit per draw, no refund (nothing failed), balances explained.
    for (const payer of payerIds) {
      const payerClient = client(b, payer);
      const entries = await allLedgerEntries(payerClient);
      for (const generation of created.filter((_, index) => submissions[index]!.accountId === payer)) {
        const mine = entries.filter((e) => e.generationId === generation.id);
        expect(
          mine.filter((e) => e.kind === 'refund'),
          `refunds of ${generation.id}`,
        ).toEqual([]);
        expect(
          mine
            .filter((e) => e.kind === 'debit')
            .map((e) => [e.balance, -e.amount])
            .sort(),
        ).toEqual(generation.charge.draws.map((d) => [d.balance, d.amount]).sort());
      }
      expectLedgerExplains(entries, await payerClient.balance());
    }

    // What the killed process left in its own data folder for the jobs it lost (files the database does not name).
    const leftovers = orphans.flatMap((r) => {
      const folder = join(a.dataDir, 'outputs', r.account_id);
      return existsSync(folder) ? readdirSync(folder).filter((f) => f.startsWith(r.id)) : [];
    });
    console.log(
      `takeover: ${orphans.length} running jobs of the killed process restarted by the other after ${delays.join(', ')} s (staleAfterS ${STALE_AFTER_S}); files left behind by the killed process: ${leftovers.length}`,
    );
  }, 120_000);

  it('only the worker that holds a job may end it: a worker whose job was taken over cannot fail and refund it afterwards', async () => {
    // Two backends in this process on a database of their own. A's heartbeats are configured away (as when its event
    // loop, its database connection or the whole machine stalls), so B takes A's job over as stale while A still runs it.
    const ownDatabase = await freshDatabaseUrl();
    const started: TestBackend[] = [];
    const gated = new GatedProvider();
    try {
      let releaseA!: () => void;
      const heldA = new Promise<void>((resolve) => (releaseA = resolve));
      let failedA!: () => void;
      const aFailed = new Promise<void>((resolve) => (failedA = resolve));
      const stalled: GenerationProvider = {
        name: 'stalled-remote',
        async generate() {
          await heldA;
          setTimeout(failedA, 500);
          throw new Error('the remote provider answered 500 Internal Server Error');
        },
      };
      const a = await startBackend({
        databaseUrl: ownDatabase.url,
        testClock: TEST_CLOCK,
        provider: stalled,
        config: { queue: { workers: 1, heartbeatS: 1_000, staleAfterS: 1_000 } },
      });
      started.push(a);
      const { client: payer } = await a.createAccount('Hal', 'UTC', 'basic');
      const job = await payer.createGeneration(vivid('a harbour in fog'));
      await eventually(
        async () => (await payer.getGeneration(job.id)).status === 'running',
        10_000,
        'A running the job',
      );

      const b = await startBackend({
        databaseUrl: ownDatabase.url,
        testClock: TEST_CLOCK,
        provider: gated,
        config: { queue: { workers: 1, heartbeatS: 0.2, staleAfterS: 1 } },
      });
      started.push(b);
      await gated.untilStarted(1, 10_000);
      expect(gated.started.map((s) => s.generationId)).toEqual([job.id]);

      // A's late failure must be dropped, as its late success would be (worker-pool.ts checks the holder on success).
      releaseA();
      await aFailed;
      const meanwhile = await payer.getGeneration(job.id);
      gated.releaseAll();
      const final = await waitForGeneration(payer, job.id, ['succeeded', 'failed', 'blocked', 'cancelled'], 20_000);
      expect({
        during: meanwhile.status,
        final: final.status,
        refunded: final.charge.refunded,
        outputs: final.outputs.length,
      }).toEqual({
        during: 'running',
        final: 'succeeded',
        refunded: false,
        outputs: 1,
      });
      const entries = await allLedgerEntries(payer);
      expect(entries.filter((e) => e.generationId === job.id).map((e) => e.kind)).toEqual(['debit']);
      expectLedgerExplains(entries, await payer.balance());
    } finally {
      gated.releaseAll();
      for (const backend of started.reverse()) await backend.stop();
      await ownDatabase.drop();
    }
  }, 60_000);
});

/**
 * Not multi-process, but the same shared claim query: claimNext reads each lane apart, the first CANDIDATES (200)
 * waiting jobs of each in enqueue order (U3's held-back unlimited jobs left out in SQL), and only then re-sorts for U8.
 * Relaxed work has no quantity limit (U5), so one account can queue more than 500 jobs of which only one may run at a
 * time.
 */
describe('the dispatch window of the shared queue (SQLite: the claim query is the same on PostgreSQL)', () => {
  it("U3, U5: 501 waiting Relaxed jobs of one account do not hide another account's work from idle workers", async () => {
    const provider = new GatedProvider({ autoRelease: true });
    const t = await startBackend({
      testClock: TEST_CLOCK,
      provider,
      config: { queue: { workers: 4 }, fairUse: OPERATIONS.fairUse },
    });
    try {
      const heavy = await t.createAccount('Heavy', 'UTC', 'ultra');
      for (let i = 0; i < 50; i += 1) await heavy.client.createGeneration(spark(`fast ${i}`));
      await eventually(
        async () => (await heavy.client.listGenerations({ status: 'succeeded', limit: 500 })).items.length === 50,
        30_000,
        'the 50 Fast generations done',
      );
      provider.autoRelease = false;
      // Past the Fast limit (U4): Relaxed, and U3 runs one of them at a time; the first one is held running.
      for (let i = 0; i < 501; i += 10) {
        const batch = Array.from({ length: Math.min(10, 501 - i) }, (_, k) =>
          heavy.client.createGeneration(spark(`relaxed ${i + k}`)),
        );
        for (const generation of await Promise.all(batch)) expect(generation.lane).toBe('relaxed');
      }
      await provider.untilStarted(51, 10_000);

      // Three of four workers are idle; a credit-paid request of another account starts at once.
      const other = await t.createAccount('Other', 'UTC', 'basic');
      const job = await other.client.createGeneration(vivid('a quiet street'));
      await eventually(() => provider.isRunning(job.id), 5_000, "the other account's generation running");
    } finally {
      provider.releaseAll();
      await t.stop();
    }
  }, 120_000);
});
