/**
 * Crash recovery of the queues and workers (U3, U4, U5, U8, C8, Idempotency-Key): the backend command line is killed
 * with SIGKILL again and again, on the same data folder (or database), while its workers run generations and while
 * requests are in flight; then it is started once more and left to drain. Whatever the kills hit, every generation
 * ends exactly once (succeeded with its files, or failed and refunded in full), the ledger explains every balance, and
 * a request retried with its Idempotency-Key after a crash is charged once.
 *
 * SQLite runs the full 20 cycles: a starting process owns the file, so it requeues every running job at once. On
 * PostgreSQL (when COMPANION_TEST_DATABASE_URL is set) a starting process cannot tell a dead worker from a live one in
 * another process, so it requeues jobs whose heartbeat is older than `staleAfterS`; it runs fewer cycles to stay in the
 * time budget (each start of the command line costs 2-3 s on these machines).
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import type { Generation, GenerationRequest, LedgerEntry } from '../../../shared/api.js';
import { createCompanionClient, type CompanionClient } from '../../../shared/client.js';
import { ApiError } from '../../../shared/errors.js';
import type { Engine } from '../../../backend/storage/database.js';
import { allLedgerEntries, expectLedgerExplains, freshDatabaseUrl, type FreshDatabase } from '../../support/engines.js';
import { startProcess, type RunningProcess } from '../../support/process.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const LISTENING = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m;
const ADMIN_TOKEN = `admin_${randomBytes(16).toString('hex')}`;
/** A test clock that stands still: no local midnight (C2, U4) falls between two cycles. */
const TEST_CLOCK = '2026-03-10T12:00:00.000Z';
const DATABASE_SERVER = process.env.COMPANION_TEST_DATABASE_URL || undefined;
const CYCLES: Record<Engine, number> = { sqlite: 20, postgres: 5 };
/** Bought at the start of every cycle so that the credit-paid account never runs out (C4). */
const TOPUP_CREDITS = 600;
/** A retry that waits longer than this for its answer counts as stuck (the client's own timeout is 15 s). */
const RETRY_TIMEOUT_MS = 5_000;

/** workers: 2 per the brief; a short staleAfterS matters on PostgreSQL only; fair use lenient (U7, see rules-unlimited). */
const OPERATIONS = {
  queue: { workers: 2, systemConcurrency: 8, maxAttempts: 3, staleAfterS: 1, heartbeatS: 0.25 },
  fairUse: { automation: { maxRequestsPerWindow: 100_000, regularIntervalCount: 1000 } },
};

type Role = 'payer' | 'ultra';

interface Submission {
  role: Role;
  key: string;
  body: GenerationRequest;
}

const video = (prompt: string): GenerationRequest => ({
  tool: 'text-to-video',
  modelId: 'motion-video',
  prompt,
  settings: { outputs: 1, durationS: 5 },
});
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

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The environment without any COMPANION_* variable, so the test decides every option. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COMPANION_')));
}

function clientFor(url: string, token: string, timeoutMs = 10_000): CompanionClient {
  return createCompanionClient({ baseURL: url, token, retries: 0, timeoutMs });
}

/** A request the kill cut off: no answer reached the client (connection reset, or refused while the backend is down). */
function isCutOff(error: unknown): boolean {
  return error instanceof ApiError && error.code === 'network_error';
}

async function allGenerations(client: CompanionClient): Promise<Generation[]> {
  const all: Generation[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listGenerations({ limit: 500, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

async function attemptsByGeneration(
  engine: Engine,
  dataDir: string,
  databaseUrl: string | undefined,
): Promise<Map<string, number>> {
  const rows: Array<{ id: string; attempts: number }> = [];
  if (engine === 'sqlite') {
    const db = new DatabaseSync(join(dataDir, 'companion.sqlite'), { readOnly: true });
    try {
      for (const row of db.prepare('select id, attempts from generations').all())
        rows.push({ id: String(row.id), attempts: Number(row.attempts) });
    } finally {
      db.close();
    }
  } else {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    try {
      const result = await client.query<{ id: string; attempts: number }>('select id, attempts from generations');
      rows.push(...result.rows.map((r) => ({ id: r.id, attempts: Number(r.attempts) })));
    } finally {
      await client.end();
    }
  }
  return new Map(rows.map((r) => [r.id, r.attempts]));
}

describe('crash recovery: SIGKILL while workers run and requests are in flight', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const engineList: Engine[] = DATABASE_SERVER ? ['sqlite', 'postgres'] : ['sqlite'];
  if (!DATABASE_SERVER) console.log('crash recovery on PostgreSQL skipped: set COMPANION_TEST_DATABASE_URL to run it');

  it.each(engineList)(
    'C8, U3-U5: %s survives repeated kill -9; every generation ends once, refunds match the ledger, keys charge once',
    async (engine) => {
      const cycles = CYCLES[engine];
      const workDir = mkdtempSync(join(tmpdir(), 'companion-crash-'));
      cleanups.push(() => rmSync(workDir, { recursive: true, force: true }));
      const dataDir = join(workDir, 'data');
      mkdirSync(dataDir);
      const configPath = join(workDir, 'operations.json');
      writeFileSync(configPath, JSON.stringify(OPERATIONS));
      let database: FreshDatabase | undefined;
      if (engine === 'postgres') {
        database = await freshDatabaseUrl();
        const drop = database.drop;
        cleanups.push(() => drop());
      }

      let current: RunningProcess | undefined;
      cleanups.push(() => current?.kill());
      const start = async (): Promise<string> => {
        const args = [
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
        ];
        if (database) args.push('--database', database.url);
        current = startProcess(process.execPath, args, { cwd: repoRoot, env: cleanEnv() });
        const [, url] = await current.waitForOutput(LISTENING, 30_000);
        return url as string;
      };

      // Cycle 0 also creates the accounts: a credit-paid one (basic) and one with unlimited windows (ultra).
      let url = await start();
      const admin = createCompanionClient({ baseURL: url, token: ADMIN_TOKEN, retries: 0 });
      const tokens: Record<Role, string> = {
        payer: (await admin.admin.createAccount({ name: 'Bea', timeZone: 'UTC', planId: 'basic' })).token,
        ultra: (await admin.admin.createAccount({ name: 'Uma', timeZone: 'UTC', planId: 'ultra' })).token,
      };

      /** Every key sent, and the generation its (first) answer named. */
      const answered = new Map<string, string>();
      const sentKeys: Record<Role, Set<string>> = { payer: new Set(), ultra: new Set() };
      let pending: Submission[] = [];
      const stuck: Array<{
        submission: Submission;
        cycle: number;
        firstRetryAt: number;
        answeredAfterS: number | null;
      }> = [];
      const unexpected: string[] = [];
      const replaysDiffering: string[] = [];
      let cutOff = 0;
      let retriedAfterCrash = 0;
      let topups = 0;

      const record = (submission: Submission, generation: Generation) => {
        const first = answered.get(submission.key);
        if (first !== undefined && first !== generation.id)
          replaysDiffering.push(`${submission.key}: ${first} then ${generation.id}`);
        answered.set(submission.key, generation.id);
      };
      /** Sends a submission; returns false when the kill cut it off (it is then retried after the next start). */
      const send = async (clients: Record<Role, CompanionClient>, submission: Submission): Promise<boolean> => {
        sentKeys[submission.role].add(submission.key);
        try {
          record(submission, await clients[submission.role].createGeneration(submission.body, submission.key));
          return true;
        } catch (error) {
          if (isCutOff(error)) return false;
          unexpected.push(`${submission.key} ${submission.body.modelId}: ${String(error)}`);
          return true;
        }
      };

      for (let cycle = 0; cycle <= cycles; cycle += 1) {
        if (cycle > 0) url = await start();
        const clients: Record<Role, CompanionClient> = {
          payer: clientFor(url, tokens.payer),
          ultra: clientFor(url, tokens.ultra),
        };
        const retryClients: Record<Role, CompanionClient> = {
          payer: clientFor(url, tokens.payer, RETRY_TIMEOUT_MS),
          ultra: clientFor(url, tokens.ultra, RETRY_TIMEOUT_MS),
        };

        // What the last kill cut off, again with the same key and body: a client's retry after a network failure.
        // A retry that gets no answer is tried once more only after the last start, so that it costs one timeout.
        const retries = cycle === cycles ? [...pending, ...stuck.map((s) => s.submission)] : pending;
        pending = [];
        retriedAfterCrash += retries.length;
        await Promise.all(
          retries.map(async (submission) => {
            const waited = Date.now();
            if (await send(retryClients, submission)) {
              const earlier = stuck.find((s) => s.submission === submission);
              if (earlier) earlier.answeredAfterS = Math.round((Date.now() - earlier.firstRetryAt) / 1000);
              return;
            }
            if (!stuck.some((s) => s.submission === submission))
              stuck.push({ submission, cycle, firstRetryAt: waited, answeredAfterS: null });
          }),
        );
        if (cycle === cycles) break;

        await clients.payer.buyTopup({ credits: TOPUP_CREDITS }, `topup-${cycle}`);
        topups += 1;

        // Work that is running when the kill comes: videos take ~140 ms, 512 px images ~55 ms per output.
        const batch: Submission[] = [
          { role: 'payer', key: randomUUID(), body: video(`crash ${cycle} video`) },
          { role: 'payer', key: randomUUID(), body: spark(`crash ${cycle} pair`, 2) },
          { role: 'payer', key: randomUUID(), body: vivid(`crash ${cycle} vivid`) },
          { role: 'ultra', key: randomUUID(), body: spark(`crash ${cycle} unlimited a`) },
          { role: 'ultra', key: randomUUID(), body: spark(`crash ${cycle} unlimited b`) },
        ];
        // One request is sent twice at once with the same key (a double click): one generation, one charge.
        const replayed = batch[cycle % batch.length] as Submission;
        const results = await Promise.all([...batch, replayed].map((submission) => send(clients, submission)));
        if (results.some((ok) => !ok)) unexpected.push(`cycle ${cycle}: a request before the kill was cut off`);

        // Requests in flight at the kill: a steady stream until a random instant 50-150 ms later.
        const killAt = Date.now() + 50 + Math.random() * 100;
        const inFlight: Array<Promise<void>> = [];
        for (let i = 0; Date.now() < killAt; i += 1) {
          const submission: Submission =
            i % 2 === 0
              ? { role: 'payer', key: randomUUID(), body: spark(`crash ${cycle} stream ${i}`) }
              : { role: 'ultra', key: randomUUID(), body: spark(`crash ${cycle} stream ${i}`) };
          inFlight.push(
            send(clients, submission).then((ok) => {
              if (ok) return;
              cutOff += 1;
              pending.push(submission);
            }),
          );
          await sleep(5 + Math.random() * 15);
        }
        current?.child.kill('SIGKILL');
        expect(await current?.exited()).toEqual({ code: null, signal: 'SIGKILL' });
        await Promise.all(inFlight);
      }

      // The last start: let every queue drain (U3 runs the unlimited account's work one at a time).
      const clients: Record<Role, CompanionClient> = {
        payer: clientFor(url, tokens.payer),
        ultra: clientFor(url, tokens.ultra),
      };
      const deadline = Date.now() + 40_000;
      for (;;) {
        const mine = [...(await clients.payer.queue()).mine, ...(await clients.ultra.queue()).mine];
        if (mine.length === 0) break;
        if (Date.now() > deadline) throw new Error(`the queues did not drain: ${JSON.stringify(mine.slice(0, 5))}`);
        await sleep(100);
      }

      expect(unexpected).toEqual([]);
      expect(replaysDiffering).toEqual([]);
      // A retry after a crash is answered at once (the first answer, or a first run): never left waiting on a key
      // that the killed process had reserved but not yet answered.
      expect
        .soft(
          stuck.map((s) => ({ key: s.submission.key, cycle: s.cycle, answeredAfterS: s.answeredAfterS })),
          `retries (same Idempotency-Key and body) of requests cut off by a kill that got no answer within ${RETRY_TIMEOUT_MS} ms`,
        )
        .toEqual([]);

      const summary = { cycles, generations: 0, succeeded: 0, refunded: 0, unlimited: 0, relaxed: 0 };
      for (const role of ['payer', 'ultra'] as const) {
        const client = clients[role];
        const generations = await allGenerations(client);
        const ids = new Set(generations.map((g) => g.id));
        // Idempotency-Key: each key sent (some twice, some again after a crash) made exactly one generation.
        const keysOfRole = [...sentKeys[role]].filter((key) => answered.has(key));
        expect(new Set(keysOfRole.map((key) => answered.get(key))).size).toBe(keysOfRole.length);
        for (const key of keysOfRole)
          expect(ids.has(answered.get(key) as string), `generation of key ${key}`).toBe(true);
        // A key never answered (see `stuck`) made no generation: its answer would have been stored with the charge.
        expect(generations.length).toBe(keysOfRole.length);

        const entries = await allLedgerEntries(client);
        for (const generation of generations) {
          summary.generations += 1;
          if (generation.unlimited) summary.unlimited += 1;
          if (generation.lane === 'relaxed') summary.relaxed += 1;
          const mine = entries.filter((e) => e.generationId === generation.id);
          const debits = mine.filter((e) => e.kind === 'debit');
          const refunds = mine.filter((e) => e.kind === 'refund');
          expect(mine.length, `entries of ${generation.id}`).toBe(debits.length + refunds.length);
          // Exactly its debits: one per balance drawn (C5), or the zero entry of unlimited use (U1).
          const expectedDebits = generation.unlimited
            ? [['subscription', 0]]
            : generation.charge.draws.map((d) => [d.balance, -d.amount]);
          expect(debits.map((e) => [e.balance, e.amount]).sort(), `debits of ${generation.id}`).toEqual(
            expectedDebits.sort(),
          );

          if (generation.status === 'succeeded') {
            summary.succeeded += 1;
            expect(generation.charge.refunded).toBe(false);
            expect(refunds, `refunds of succeeded ${generation.id}`).toEqual([]);
            expect(generation.outputs.length, `outputs of ${generation.id}`).toBe(generation.settings.outputs);
            for (const output of generation.outputs) {
              const response = await fetch(client.outputURL(output.id), {
                headers: { authorization: `Bearer ${tokens[role]}` },
              });
              expect(response.status, `file of output ${output.id}`).toBe(200);
              const bytes = Buffer.from(await response.arrayBuffer());
              expect(bytes.length).toBe(output.bytes);
              expect(createHash('sha256').update(bytes).digest('hex')).toBe(output.sha256);
            }
          } else {
            // C8: whatever did not succeed ended unsuccessfully and was refunded in full, once per draw.
            expect(['failed', 'blocked', 'cancelled'], `status of ${generation.id}`).toContain(generation.status);
            expect(generation.charge.refunded, `refund of ${generation.id}`).toBe(true);
            expect(generation.outputs).toEqual([]);
            summary.refunded += 1;
            expect(refunds.map((e) => [e.balance, e.amount]).sort(), `refunds of ${generation.id}`).toEqual(
              generation.charge.draws.map((d) => [d.balance, d.amount]).sort(),
            );
          }
        }
        // No entry names a generation that does not exist.
        const orphanEntries = entries.filter(
          (e: LedgerEntry) => e.generationId !== undefined && e.generationId !== null && !ids.has(e.generationId),
        );
        expect(orphanEntries).toEqual([]);
        // C9: per balance the entries add up to the balance shown, each `after` is the running sum; nothing negative.
        const balance = await client.balance();
        expectLedgerExplains(entries, balance);
        expect(entries.filter((e) => e.after < 0)).toEqual([]);
        expect(
          Math.min(balance.credits.free.amount, balance.credits.subscription.amount, balance.credits.topup.amount),
        ).toBeGreaterThanOrEqual(0);
        if (role === 'payer')
          expect(entries.filter((e) => e.kind === 'topup').map((e) => e.amount)).toEqual(
            Array.from({ length: topups }, () => TOPUP_CREDITS),
          );
      }

      // SIGTERM after the drain: a clean exit, so the data can be read for the statistics below.
      current?.child.kill('SIGTERM');
      expect(await current?.exited()).toEqual({ code: 0, signal: null });
      const attempts = await attemptsByGeneration(engine, dataDir, database?.url);
      const requeued = [...attempts.values()].filter((n) => n > 1).length;
      console.log(
        `crash recovery (${engine}): cycles=${cycles} generations=${summary.generations} succeeded=${summary.succeeded} refunded=${summary.refunded} ` +
          `unlimited=${summary.unlimited} relaxed=${summary.relaxed} requeued-after-crash=${requeued} cut-off-requests=${cutOff} retried=${retriedAfterCrash} stuck-retries=${stuck.length}`,
      );
      // The kills did hit running work (otherwise this test proves nothing about recovery).
      expect(requeued).toBeGreaterThan(0);
    },
    240_000,
  );

  it('Idempotency-Key: a key reserved by a process killed before its charge committed answers at once after a restart', async () => {
    // The reservation is committed on its own, before the transaction that charges and stores the answer
    // (idempotency.ts): a kill between the two leaves exactly the row written below, and nothing else.
    const workDir = mkdtempSync(join(tmpdir(), 'companion-crash-key-'));
    cleanups.push(() => rmSync(workDir, { recursive: true, force: true }));
    let current: RunningProcess | undefined;
    cleanups.push(() => current?.kill());
    const start = async (): Promise<string> => {
      current = startProcess(
        process.execPath,
        [
          '--import',
          'tsx',
          'backend/cli.ts',
          '--port',
          '0',
          '--data',
          workDir,
          '--admin-token',
          ADMIN_TOKEN,
          '--test-clock',
          TEST_CLOCK,
        ],
        { cwd: repoRoot, env: cleanEnv() },
      );
      const [, url] = await current.waitForOutput(LISTENING, 30_000);
      return url as string;
    };
    let url = await start();
    const admin = createCompanionClient({ baseURL: url, token: ADMIN_TOKEN, retries: 0 });
    const { token, account } = await admin.admin.createAccount({ name: 'Kay', timeZone: 'UTC', planId: 'basic' });
    const body = vivid('a lighthouse at dusk');
    const first = await clientFor(url, token).createGeneration(body, 'first-key');
    current?.child.kill('SIGKILL');
    await current?.exited();

    const db = new DatabaseSync(join(workDir, 'companion.sqlite'));
    try {
      // The same body under a second key, reserved a moment ago and never answered.
      db.prepare(
        `insert into idempotency_keys (account_id, key, route, request_hash, status, response, created_at)
         select account_id, 'cut-off-key', route, request_hash, 0, null, ? from idempotency_keys where account_id = ? and key = 'first-key'`,
      ).run(new Date().toISOString(), account.id);
    } finally {
      db.close();
    }

    url = await start();
    const client = clientFor(url, token, 5_000);
    const started = Date.now();
    const retried = await client.createGeneration(body, 'cut-off-key').catch((error: unknown) => error);
    const waitedMs = Date.now() - started;
    expect(
      retried,
      `the retry after the restart (${waitedMs} ms; a stale reservation is taken over only when 60 s old)`,
    ).toMatchObject({ status: 'queued', charge: { credits: 24 } });
    const generation = retried as Generation;
    expect(generation.id).not.toBe(first.id);
    // Charged once: one debit of 24 credits for it, and the same key again answers with the same generation.
    expect(
      (await allLedgerEntries(client)).filter((e) => e.generationId === generation.id).map((e) => [e.kind, e.amount]),
    ).toEqual([['debit', -24]]);
    expect((await client.createGeneration(body, 'cut-off-key')).id).toBe(generation.id);
  }, 60_000);
});
