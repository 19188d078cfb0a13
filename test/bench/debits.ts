/**
 * Debit throughput and latency with 50 concurrent clients, on SQLite and (when COMPANION_TEST_DATABASE_URL is set) on
 * PostgreSQL. Targets (docs/PERFORMANCE.md): SQLite p99 <= 5 ms and >= 1,000 debits/s; PostgreSQL p99 <= 20 ms.
 *
 * Two levels, printed separately:
 *  - in-process: the charge transaction itself, `db.transaction()` running `generations.create` (what the ledger does):
 *    it charges and records, and enqueues nothing; the provider holds whatever a runner picks up by itself, so no
 *    generation runs while the clock runs;
 *  - http: POST /v1/generations over keep-alive connections to a backend in a child process (so that client and server
 *    do not share one event loop), whose provider answers at once with no output. Each http line starts once the
 *    server's queue is empty: the workers catching up with the line before are not this line's charges.
 * Each level runs with one hot account (every client charges the same account) and with 50 accounts (one each), and
 * under two loads:
 *  - `max`: every client charges back to back (a closed loop): the throughput the backend can reach. Latency here is
 *    mostly queueing: by Little's law mean latency = 50 / throughput, so 50 such clients see p99 <= 5 ms only above
 *    10,000 debits/s;
 *  - `paced`: the 50 clients together offer each rate of BENCH_RATES charges per second (default 250, 500 and 1,000,
 *    the target's figure), each at its own steady pace, for 5 s; latency counts from the instant a charge was due, so
 *    a backend that falls behind shows it. This is the load the latency targets are checked at.
 * `in-tx` is the time inside the transaction (first statement to commit): the service time without the wait for the
 * connection (SQLite) or the pool (PostgreSQL), with the wait for the account's row lock (PostgreSQL). `cpu` is this
 * process's CPU time per charge: on SQLite, where the database runs in the process, 1 s / cpu is the most one core can
 * charge per second, whatever else the machine is busy with. `stalls` says what held this process's thread up during a
 * line: the longest wait of its event loop (one stall of n ms delays about n charges at 1,000/s) and garbage collection.
 * The `profile` lines count the statements of one charge, made by one client alone (and time them on SQLite, begin
 * and commit included); the `http statements` lines count every statement the http server ran per charge (the request and the run of the generation it queued).
 *
 * Each line starts after a pause of 1 s, so that it does not pay for the one before (a log left to checkpoint, garbage
 * left to collect). Every loop is bounded by a count and by time: BENCH_CHARGES charges per client (default 100), at most BENCH_SECONDS
 * seconds per line (default 20).
 */
import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { join } from 'node:path';
import { StatementSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import type { GenerationRequest } from '../../shared/api.js';
import type { Engine } from '../../backend/storage/database.js';
import type { GenerationProvider, ProviderOutput, ProviderRequest } from '../../backend/providers/provider.js';
import { createBackend, type Backend } from '../../backend/server.js';
import { openStore } from './store.js';

const CLIENTS = 50;
const CHARGES_PER_CLIENT = positive('BENCH_CHARGES', 100);
const LINE_LIMIT_MS = positive('BENCH_SECONDS', 20) * 1000;
/** Offered rates of the paced lines, charges per second in all; each paced line offers PACED_SECONDS of charges. */
const PACED_RATES = (process.env.BENCH_RATES ?? '250,500,1000').split(',').map((rate) => {
  const value = Number(rate);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`BENCH_RATES must list positive numbers, got ${process.env.BENCH_RATES}`);
  return value;
});
const PACED_SECONDS = 5;
/** The pause before each line. */
const SETTLE_MS = 1000;
const PROFILE_CHARGES = 300;
/** A test clock that stands still: no due work (C2 reset, monthly grants) falls inside a run. */
const TEST_CLOCK = '2026-03-10T12:00:00.000Z';
/** 6 credits: spark-image, one standard output (paid in credits: the `basic` plan has no unlimited window, U1). */
const CHARGE: GenerationRequest = {
  tool: 'text-to-image',
  modelId: 'spark-image',
  prompt: 'a benchmark kite',
  settings: { outputs: 1 },
};
const CHARGE_CREDITS = 6;
const TOPUP_CREDITS = 1_000_000;
const TARGETS: Record<Engine, { p99Ms: number; perSecond: number | null }> = {
  sqlite: { p99Ms: 5, perSecond: 1000 },
  postgres: { p99Ms: 20, perSecond: null },
};

const thisFile = fileURLToPath(import.meta.url);
const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

function positive(name: string, fallback: number): number {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got ${process.env[name]}`);
  return value;
}

/** Answers at once with no output: the runner records a success and nothing expensive happens (http level). */
const instantProvider: GenerationProvider = { name: 'instant', generate: async () => [] };

/**
 * Holds every generation until released (in-process level): a runner that picks queued generations up by itself fills
 * its slots once and then stays idle, so only the charges are measured. Released before the backend closes, it
 * answers at once, so that closing does not wait for held work.
 */
class HeldProvider implements GenerationProvider {
  readonly name = 'held';
  readonly #held = new Set<() => void>();
  #released = false;

  generate(request: ProviderRequest): Promise<ProviderOutput[]> {
    if (this.#released) return Promise.resolve([]);
    return new Promise((resolve) => {
      const answer = () => {
        this.#held.delete(answer);
        resolve([]);
      };
      this.#held.add(answer);
      request.signal.addEventListener('abort', answer, { once: true });
    });
  }

  release(): void {
    this.#released = true;
    for (const answer of [...this.#held]) answer();
  }
}

// ---- measuring -------------------------------------------------------------------------------------------------

interface Sample {
  /** From the instant the charge was due (paced) or called (max) to its answer. */
  latencyMs: number;
  /** Inside the transaction only (in-process level). */
  inTxMs?: number;
}

interface Run {
  samples: Sample[];
  wallMs: number;
  /** CPU time of this process (user + system) during the run: on a busy machine, steadier than wall time. */
  cpuMs: number;
  failures: Map<string, number>;
  /** What held this process's thread up during the run: the longest wait of the event loop, and garbage collection. */
  stalls: { loopMaxMs: number; gcMaxMs: number; gcTotalMs: number };
}

/** Back to back, or paced at this many charges per second in all. */
type Load = 'max' | number;
const LOADS: Load[] = ['max', ...PACED_RATES];

/**
 * `CLIENTS` callers, each making up to `CHARGES_PER_CLIENT` charges one after the other, until the time is up. `max`:
 * back to back. `paced`: each client's k-th charge is due at a fixed instant (clients offset evenly), so together they
 * offer `load` charges per second; a client that is late starts at once and its lateness counts as latency.
 */
async function runLoad(load: Load, charge: (client: number, due: number) => Promise<Sample>): Promise<Run> {
  const samples: Sample[] = [];
  const failures = new Map<string, number>();
  // Each line starts from a settled backend: the one before may have left a log to checkpoint and garbage to collect.
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  const loopDelay = monitorEventLoopDelay({ resolution: 1 });
  const gc = { maxMs: 0, totalMs: 0 };
  const gcWatch = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      gc.maxMs = Math.max(gc.maxMs, entry.duration);
      gc.totalMs += entry.duration;
    }
  });
  gcWatch.observe({ entryTypes: ['gc'] });
  loopDelay.enable();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const deadline = started + LINE_LIMIT_MS;
  const intervalMs = load === 'max' ? 0 : (CLIENTS / load) * 1000;
  const perClient =
    load === 'max' ? CHARGES_PER_CLIENT : Math.min(CHARGES_PER_CLIENT, Math.ceil((load * PACED_SECONDS) / CLIENTS));
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, client) => {
      for (let i = 0; i < perClient; i++) {
        let due = performance.now();
        if (load !== 'max') {
          due = started + (client / CLIENTS) * intervalMs + i * intervalMs;
          if (due > deadline) break;
          if (due > performance.now()) await new Promise((resolve) => setTimeout(resolve, due - performance.now()));
          // A timer may fire a fraction of a millisecond early (it counts from the loop's cached time): such a charge
          // is sent before it was due, and its latency counts from when it was sent.
          due = Math.min(due, performance.now());
        }
        if (performance.now() >= deadline) break;
        try {
          samples.push(await charge(client, due));
        } catch (error) {
          const reason = error instanceof Error ? error.message.slice(0, 120) : String(error);
          failures.set(reason, (failures.get(reason) ?? 0) + 1);
        }
      }
    }),
  );
  const cpu = process.cpuUsage(cpuBefore);
  loopDelay.disable();
  gcWatch.disconnect();
  const stalls = { loopMaxMs: loopDelay.max / 1e6, gcMaxMs: gc.maxMs, gcTotalMs: gc.totalMs };
  return { samples, wallMs: performance.now() - started, cpuMs: (cpu.user + cpu.system) / 1000, failures, stalls };
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

const ms = (value: number) => `${value < 10 ? value.toFixed(2) : value.toFixed(1)}ms`;

function report(engine: Engine, level: string, accounts: string, load: Load, run: Run): void {
  const latencies = run.samples.map((s) => s.latencyMs).sort((a, b) => a - b);
  const perSecond = (run.samples.length / run.wallMs) * 1000;
  const p99 = percentile(latencies, 99);
  const loadName = load === 'max' ? 'max' : `paced ${load}/s`;
  let line =
    `${engine.padEnd(9)}${level.padEnd(12)}${accounts.padEnd(13)}${CLIENTS} clients  ${loadName.padEnd(15)}debits/s=${String(Math.round(perSecond)).padEnd(6)}` +
    `p50=${ms(percentile(latencies, 50)).padEnd(9)}p99=${ms(p99).padEnd(9)}(n=${run.samples.length})`;
  const inTx = run.samples.flatMap((s) => (s.inTxMs === undefined ? [] : [s.inTxMs])).sort((a, b) => a - b);
  if (inTx.length > 0) {
    line += `  in-tx p50=${ms(percentile(inTx, 50))} p99=${ms(percentile(inTx, 99))}  cpu=${ms(run.cpuMs / Math.max(1, run.samples.length))}/charge`;
  }
  // A loop kept busy from start to end (the max lines) never lets the delay timer run: it measures nothing there.
  if (load !== 'max')
    line += `  stalls: loop max=${ms(run.stalls.loopMaxMs)} gc max=${ms(run.stalls.gcMaxMs)} total=${ms(run.stalls.gcTotalMs)}`;
  const target = TARGETS[engine];
  if (load === 'max' && target.perSecond !== null)
    line += `  target >=${target.perSecond}/s: ${perSecond >= target.perSecond ? 'met' : 'MISSED'}`;
  if (load !== 'max') {
    // At the offered rate, or the p99 means little: a backend that cannot keep up runs out of time, not into latency.
    const kept = perSecond >= 0.95 * load;
    line += `  target p99<=${target.p99Ms}ms${kept ? '' : ` at ${load}/s`}: ${p99 <= target.p99Ms && kept ? 'met' : 'MISSED'}`;
  }
  console.log(line);
  for (const [reason, count] of run.failures) console.log(`          ${count} charges failed: ${reason}`);
}

// ---- databases and backends ------------------------------------------------------------------------------------

interface InProcessBackend {
  backend: Backend;
  stop(): Promise<void>;
}

async function startInProcess(engine: Engine): Promise<InProcessBackend> {
  const store = await openStore(engine);
  const dataDir = mkdtempSync(join(tmpdir(), 'companion-bench-'));
  const provider = new HeldProvider();
  const cleanUp = async () => {
    await store.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  let backend: Backend;
  try {
    backend = await createBackend({
      dataDir,
      adminToken: `admin_${randomBytes(16).toString('base64url')}`,
      databaseUrl: store.databaseUrl,
      testClock: new Date(TEST_CLOCK),
      provider,
      // The benchmark measures charging at rates no real client sends: no rate limits.
      config: { limits: { enabled: false } },
    });
  } catch (error) {
    await cleanUp();
    throw error;
  }
  return {
    backend,
    async stop() {
      provider.release();
      try {
        await backend.close();
      } finally {
        await cleanUp();
      }
    },
  };
}

/** Accounts on the `basic` plan (no unlimited windows) with a large top-up, so that every charge of a run is paid. */
async function fundedAccounts(backend: Backend, count: number): Promise<string[]> {
  const { accounts, subscriptions, ctx } = backend.services;
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const { account } = await accounts.create({ name: `Bench ${i}`, timeZone: 'UTC', planId: 'basic' });
    await ctx.db.transaction().execute((trx) => subscriptions.buyTopup(trx, account.id, TOPUP_CREDITS));
    ids.push(account.id);
  }
  return ids;
}

// ---- level (a): the charge transaction in-process --------------------------------------------------------------

async function inProcess(engine: Engine): Promise<void> {
  const { backend, stop } = await startInProcess(engine);
  try {
    const { db } = backend.services.ctx;
    const { generations } = backend.services;
    const charge = async (accountId: string, due: number): Promise<Sample> => {
      let began = 0;
      const row = await db.transaction().execute(async (trx) => {
        began = performance.now();
        return generations.create(trx, accountId, CHARGE);
      });
      const done = performance.now();
      if (Number(row.cost_credits) !== CHARGE_CREDITS)
        throw new Error(`charged ${row.cost_credits} credits, not ${CHARGE_CREDITS}`);
      return { latencyMs: done - due, inTxMs: done - began };
    };
    const [hot] = await fundedAccounts(backend, 1);
    const many = await fundedAccounts(backend, CLIENTS);
    for (const load of LOADS) {
      report(engine, 'in-process', 'one account', load, await runLoad(load, (_, due) => charge(hot!, due)));
      report(
        engine,
        'in-process',
        '50 accounts',
        load,
        await runLoad(load, (client, due) => charge(many[client]!, due)),
      );
    }
  } finally {
    await stop();
  }
}

// ---- level (b): POST /v1/generations over HTTP -----------------------------------------------------------------

interface ServerProcess {
  url: string;
  adminToken: string;
  /** Statements the server ran since the last call, by kind (see `countStatements`). */
  statements(): Promise<StatementCounts>;
  stop(): Promise<void>;
}

/** Starts this file in `--serve` mode in a child process and waits for its `listening on` line. */
async function startServerProcess(engine: Engine): Promise<ServerProcess> {
  const store = await openStore(engine);
  const dataDir = mkdtempSync(join(tmpdir(), 'companion-bench-http-'));
  const adminToken = `admin_${randomBytes(16).toString('base64url')}`;
  const args = [
    '--disable-warning=ExperimentalWarning',
    '--import',
    'tsx',
    thisFile,
    '--serve',
    '--data',
    dataDir,
    '--admin-token',
    adminToken,
  ];
  if (store.databaseUrl) args.push('--database', store.databaseUrl);
  const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const listeners = new Set<() => void>();
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    output += chunk;
    for (const listener of [...listeners]) listener();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('close', () => resolve()));
  const cleanUp = async () => {
    await store.drop();
    rmSync(dataDir, { recursive: true, force: true });
  };
  /** The first match of `pattern` in output printed after `from`. */
  const printed = (pattern: RegExp, from: number, what: string) =>
    new Promise<RegExpExecArray>((resolve, reject) => {
      const done = (settle: () => void) => {
        clearTimeout(timer);
        listeners.delete(check);
        settle();
      };
      const check = () => {
        const match = pattern.exec(output.slice(from));
        if (match) done(() => resolve(match));
      };
      const timer = setTimeout(
        () => done(() => reject(new Error(`The bench server printed no ${what} within 30 s: ${output}`))),
        30_000,
      );
      listeners.add(check);
      void exited.then(() => done(() => reject(new Error(`The bench server exited: ${output}`))));
      check();
    });
  let url: string;
  try {
    url = (await printed(/^listening on (http:\/\/\S+)$/m, 0, 'listening line'))[1]!;
  } catch (error) {
    child.kill('SIGKILL');
    await cleanUp();
    throw error;
  }
  return {
    url,
    adminToken,
    async statements() {
      const from = output.length;
      child.kill('SIGUSR2');
      return JSON.parse((await printed(/^statements (\{.*\})$/m, from, 'statement counts'))[1]!) as StatementCounts;
    },
    async stop() {
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      await exited;
      clearTimeout(killer);
      await cleanUp();
    },
  };
}

async function postJson(url: string, token: string, body: unknown, expected: number): Promise<Record<string, unknown>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json', 'Idempotency-Key': randomUUID() },
    body: JSON.stringify(body),
  });
  const answer = (await response.json()) as Record<string, unknown>;
  if (response.status !== expected) throw new Error(`${response.status} ${String(answer.code ?? '')}`);
  return answer;
}

/**
 * Waits until the server's queues are empty (at most 60 s): a line that charged faster than the workers run leaves a
 * backlog, and the next line would measure the workers catching up with it rather than its own charges.
 */
async function drained(url: string, token: string): Promise<void> {
  const deadline = performance.now() + 60_000;
  while (performance.now() < deadline) {
    const response = await fetch(`${url}/v1/queue`, { headers: { Authorization: `Bearer ${token}` } });
    const { lanes } = (await response.json()) as {
      lanes: Record<string, { waiting: number; running: number } | undefined>;
    };
    if (Object.values(lanes).every((lane) => !lane || (lane.waiting === 0 && lane.running === 0))) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  console.log('          the queue did not empty within 60 s: the next line starts with a backlog');
}

async function httpTokens(server: ServerProcess, count: number): Promise<string[]> {
  const tokens: string[] = [];
  for (let i = 0; i < count; i++) {
    const created = await postJson(
      `${server.url}/v1/admin/accounts`,
      server.adminToken,
      { name: `Bench ${i}`, timeZone: 'UTC', planId: 'basic' },
      201,
    );
    const token = created.token as string;
    await postJson(`${server.url}/v1/me/topups`, token, { credits: TOPUP_CREDITS }, 201);
    tokens.push(token);
  }
  return tokens;
}

async function overHttp(engine: Engine): Promise<void> {
  const server = await startServerProcess(engine);
  try {
    const target = `${server.url}/v1/generations`;
    const charge = async (token: string, due: number): Promise<Sample> => {
      const generation = await postJson(target, token, CHARGE, 202);
      const credits = (generation.charge as { credits?: number } | undefined)?.credits;
      if (credits !== CHARGE_CREDITS) throw new Error(`charged ${credits} credits, not ${CHARGE_CREDITS}`);
      return { latencyMs: performance.now() - due };
    };
    const [hot] = await httpTokens(server, 1);
    const many = await httpTokens(server, CLIENTS);
    // One charge per client first, so that connections are open and the server's code is warm before the clock runs.
    await Promise.all(many.map((token) => charge(token, performance.now())));
    await server.statements();
    let charges = 0;
    for (const load of LOADS) {
      await drained(server.url, hot!);
      const hotRun = await runLoad(load, (_, due) => charge(hot!, due));
      report(engine, 'http', 'one account', load, hotRun);
      await drained(server.url, hot!);
      const manyRun = await runLoad(load, (client, due) => charge(many[client]!, due));
      report(engine, 'http', '50 accounts', load, manyRun);
      charges += hotRun.samples.length + manyRun.samples.length;
    }
    // Let the runner finish the generations those charges queued: their statements count too.
    await new Promise((resolve) => setTimeout(resolve, 2000));
    printStatements(engine, 'http statements', `${charges} charges`, await server.statements(), charges);
  } finally {
    await server.stop();
  }
}

function printStatements(engine: Engine, what: string, over: string, counts: StatementCounts, charges: number): void {
  const rows = Object.entries(counts).sort((a, b) => b[1].ms - a[1].ms || b[1].count - a[1].count);
  const total = rows.reduce((n, [, c]) => n + c.count, 0);
  const statementMs = rows.reduce((n, [, c]) => n + c.ms, 0);
  // Statement time is known on SQLite only (it answers synchronously); on PostgreSQL it is spent in the server.
  const timed = statementMs > 0;
  console.log(
    `${engine.padEnd(9)}${what.padEnd(25)}${over}: ${(total / charges).toFixed(1)} statements per charge` +
      (timed ? `, ${((statementMs / charges) * 1000).toFixed(0)} us of statement time per charge` : ''),
  );
  for (const [name, c] of rows) {
    const each = timed ? ` ${((c.ms / c.count) * 1000).toFixed(0).padStart(6)} us each` : '';
    console.log(`          ${(c.count / charges).toFixed(2).padStart(6)} x ${name.padEnd(28)}${each}`);
  }
}

// ---- profiles: the statements of a charge ----------------------------------------------------------------------

async function profile(engine: Engine, statements: StatementCounter): Promise<void> {
  const { backend, stop } = await startInProcess(engine);
  try {
    const { db } = backend.services.ctx;
    const [account] = await fundedAccounts(backend, 1);
    const roundTrips: number[] = [];
    for (let i = 0; i < PROFILE_CHARGES; i++) {
      const began = performance.now();
      await db.selectNoFrom((eb) => eb.lit(1).as('one')).execute();
      roundTrips.push(performance.now() - began);
    }
    statements.take();
    let inTxMs = 0;
    for (let i = 0; i < PROFILE_CHARGES; i++) {
      const began = performance.now();
      await db.transaction().execute((trx) => backend.services.generations.create(trx, account!, CHARGE));
      inTxMs += performance.now() - began;
    }
    const counts = statements.take();
    const perCharge = inTxMs / PROFILE_CHARGES;
    roundTrips.sort((a, b) => a - b);
    printStatements(
      engine,
      'profile, one client',
      `${PROFILE_CHARGES} charges of ${ms(perCharge)} each (\`select 1\` p50=${ms(percentile(roundTrips, 50))})`,
      counts,
      PROFILE_CHARGES,
    );
  } finally {
    await stop();
  }
}

// ---- entry points ----------------------------------------------------------------------------------------------

/**
 * `BENCH_ONLY=sqlite,in-process` (any of sqlite, postgres, in-process, http, profile) narrows a run down while working;
 * `BENCH_SQL=1` names the counted statements by their SQL (its first 160 characters) instead of verb and table.
 */
const only = new Set((process.env.BENCH_ONLY ?? '').split(',').filter(Boolean));
const chosen = (name: string, group: string[]) => !group.some((g) => only.has(g)) || only.has(name);

export async function runDebitBench(): Promise<void> {
  const engines = (
    process.env.COMPANION_TEST_DATABASE_URL ? (['sqlite', 'postgres'] as const) : (['sqlite'] as const)
  ).filter((e) => chosen(e, ['sqlite', 'postgres']));
  console.log(
    `debits: ${CLIENTS} concurrent clients, up to ${CHARGES_PER_CLIENT} charges each, at most ${LINE_LIMIT_MS / 1000} s per line;` +
      ` paced = ${PACED_RATES.join(', ')} charges/s offered in all, ${PACED_SECONDS} s of charges each`,
  );
  if (!process.env.COMPANION_TEST_DATABASE_URL)
    console.log('debits: PostgreSQL skipped: set COMPANION_TEST_DATABASE_URL to run it');
  // Other work on the machine slows every figure: say how busy it was.
  const load = () =>
    `load average ${loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')} on ${availableParallelism()} CPUs`;
  console.log(`debits: before: ${load()}`);
  const levels = ['in-process', 'http', 'profile'];
  for (const engine of engines) {
    if (chosen('in-process', levels)) await inProcess(engine);
    if (chosen('http', levels)) await overHttp(engine);
  }
  // Counting wraps every statement of this process from here on: the profiles come last.
  if (chosen('profile', levels)) {
    const statements = countStatements();
    for (const engine of engines) await profile(engine, statements);
  }
  console.log(`debits: after: ${load()}`);
}

/** A name for a statement from its SQL text: its verb and first table, e.g. `insert ledger_entries` (BENCH_SQL: the SQL). */
function describeSql(text: string): string {
  const sql = text.replace('/* prepared */ ', '').replace(/\s+/g, ' ').trim().toLowerCase();
  const verb = /^(\w+)/.exec(sql)?.[1] ?? '?';
  const table = /(?:from|into|update)\s+"?(\w+)"?/.exec(sql)?.[1];
  if (verb === 'select' && / for update/.test(sql)) return `select ${table ?? ''} for update`;
  return process.env.BENCH_SQL ? sql.slice(0, 160) : table ? `${verb} ${table}` : sql.slice(0, 40);
}

/** Statements run, by kind: how many, and (SQLite only, which answers synchronously) the time spent running them. */
type StatementCounts = Record<string, { count: number; ms: number }>;

/**
 * Counts every statement this process sends to the database: every execution of a SQLite statement (the dialect
 * prepares each SQL text once and keeps it), timed, and every PostgreSQL statement, which goes through `Client.query`.
 * Counting is kept cheap (by SQL text); the texts are named by kind only when taken.
 */
interface StatementCounter {
  take(): StatementCounts;
}

function countStatements(): StatementCounter {
  let bySql = new Map<string, { count: number; ms: number }>();
  const add = (text: string, elapsedMs: number) => {
    const known = bySql.get(text);
    if (known) {
      known.count += 1;
      known.ms += elapsedMs;
    } else bySql.set(text, { count: 1, ms: elapsedMs });
  };
  const statement = StatementSync.prototype as unknown as Record<
    'all' | 'get' | 'run' | 'iterate',
    (...args: unknown[]) => unknown
  >;
  for (const method of ['all', 'get', 'run', 'iterate'] as const) {
    const execute = statement[method];
    statement[method] = function counted(this: StatementSync, ...args: unknown[]) {
      const began = performance.now();
      try {
        return execute.apply(this, args);
      } finally {
        add(this.sourceSQL, performance.now() - began);
      }
    };
  }
  // pg's query has many overloads; the wrapper passes every argument through unchanged.
  const query = pg.Client.prototype.query as (...args: unknown[]) => unknown;
  pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
    const text = args[0];
    add(
      typeof text === 'string' ? text : typeof text === 'object' && text && 'text' in text ? String(text.text) : '?',
      0,
    );
    return query.apply(this, args);
  } as typeof pg.Client.prototype.query;
  return {
    take() {
      const counts: StatementCounts = {};
      for (const [text, { count, ms: textMs }] of bySql) {
        const name = describeSql(text);
        const total = (counts[name] ??= { count: 0, ms: 0 });
        total.count += count;
        total.ms += textMs;
      }
      bySql = new Map();
      return counts;
    },
  };
}

/**
 * `--serve`: the backend of the http level, with the instant provider and a test clock, in its own process. SIGUSR2
 * prints `statements {...}`, the statements run since the last SIGUSR2; SIGTERM stops it.
 */
async function serve(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: 'boolean' },
      data: { type: 'string' },
      'admin-token': { type: 'string' },
      database: { type: 'string' },
    },
    strict: true,
  });
  const statements = countStatements();
  const backend = await createBackend({
    dataDir: values.data!,
    adminToken: values['admin-token']!,
    databaseUrl: values.database,
    testClock: new Date(TEST_CLOCK),
    provider: instantProvider,
    config: { limits: { enabled: false } },
  });
  process.on('SIGUSR2', () => process.stdout.write(`statements ${JSON.stringify(statements.take())}\n`));
  process.on('SIGTERM', () => {
    void backend.close().then(() => process.exit(0));
  });
  process.stdout.write(`listening on ${await backend.listen(0)}\n`);
}

if (process.argv[1] === thisFile && process.argv.includes('--serve')) await serve();
