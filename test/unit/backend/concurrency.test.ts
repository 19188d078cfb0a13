/**
 * Concurrency of charges (tx.ts): many requests of one account at once must charge exactly what they would charge one
 * after the other. Each test runs over real HTTP against backends started with the command line, on SQLite always and
 * on PostgreSQL when COMPANION_TEST_DATABASE_URL is set.
 *
 * SQLite runs ONE backend process: a SQLite database file belongs to one process by design (tx.ts relies on Kysely's
 * single connection running one transaction at a time; a second process would need file locks and busy retries that
 * the backend does not do). PostgreSQL runs TWO backend processes on one fresh database and the requests alternate
 * between them, so every guarantee below also holds across processes (row locks, the shared idempotency table).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRequest } from '../../../shared/api.js';
import { createCompanionClient, type CompanionClient } from '../../../shared/client.js';
import type { Engine } from '../../../backend/storage/database.js';
import {
  allLedgerEntries,
  engines,
  expectLedgerExplains,
  freshDatabaseUrl,
  type FreshDatabase,
} from '../../support/engines.js';
import { startProcess, type RunningProcess } from '../../support/process.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const LISTENING = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m;
/** A test clock that stands still: no local midnight (C2 reset) can fall inside a test and change a balance. */
const TEST_CLOCK = '2026-03-10T12:00:00.000Z';
const CONCURRENT_REQUESTS = 50;
/** The smallest images the contract allows: the price does not depend on the size (C6), and they render quickly. */
const SMALL = { width: 64, height: 64 } as const;
/** Each test makes a few hundred requests; on a busy machine that can take a while. */
const TEST_TIMEOUT_MS = 90_000;

/** The environment without any COMPANION_* variable, so the test decides every option. */
function cleanEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COMPANION_')));
}

/** One deployment of the backend: one process on SQLite, two processes sharing one database on PostgreSQL. */
interface Deployment {
  urls: string[];
  adminToken: string;
  stop(): Promise<void>;
}

async function deploy(engine: Engine): Promise<Deployment> {
  const adminToken = `admin_${randomBytes(16).toString('base64url')}`;
  const database: FreshDatabase | null = engine === 'postgres' ? await freshDatabaseUrl() : null;
  const dataDirs: string[] = [];
  const processes: RunningProcess[] = [];
  const stop = async () => {
    for (const backend of processes) backend.child.kill('SIGTERM');
    await Promise.all(processes.map((backend) => backend.exited(15_000).catch(() => backend.kill())));
    await database?.drop();
    for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (let i = 0; i < (database ? 2 : 1); i++) {
      // Each process has its own data folder (uploads, outputs) even when they share the PostgreSQL database.
      const dataDir = mkdtempSync(join(tmpdir(), 'companion-concurrency-'));
      dataDirs.push(dataDir);
      const args = [
        '--import',
        'tsx',
        'backend/cli.ts',
        '--port',
        '0',
        '--data',
        dataDir,
        '--admin-token',
        adminToken,
        '--test-clock',
        TEST_CLOCK,
      ];
      if (database) args.push('--database', database.url);
      processes.push(startProcess(process.execPath, args, { cwd: repoRoot, env: cleanEnv() }));
    }
    const urls = await Promise.all(
      processes.map(async (backend) => (await backend.waitForOutput(LISTENING, 30_000))[1] as string),
    );
    return { urls, adminToken, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function testClient(url: string, token: string): CompanionClient {
  return createCompanionClient({ baseURL: url, token, retries: 0, timeoutMs: 30_000 });
}

interface Account {
  token: string;
  /** One typed client per backend process. */
  clients: CompanionClient[];
  /** The backend the `i`-th of several concurrent requests goes to: they alternate between the processes. */
  urlFor(i: number): string;
  /** The typed client of the `i`-th request. */
  clientFor(i: number): CompanionClient;
}

async function openAccount(deployment: Deployment, planId: 'free' | 'basic' = 'free'): Promise<Account> {
  const admin = testClient(deployment.urls[0]!, deployment.adminToken);
  const { token } = await admin.admin.createAccount({
    name: `Racer ${randomUUID().slice(0, 8)}`,
    timeZone: 'UTC',
    planId,
  });
  const clients = deployment.urls.map((url) => testClient(url, token));
  return {
    token,
    clients,
    urlFor: (i) => deployment.urls[i % deployment.urls.length]!,
    clientFor: (i) => clients[i % clients.length]!,
  };
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}

/** POST /v1/generations with a raw fetch: the typed client hides the status (202) this test asserts. */
async function postGeneration(
  url: string,
  token: string,
  body: GenerationRequest,
  idempotencyKey: string,
): Promise<Answer> {
  const response = await fetch(new URL('/v1/generations', url), {
    method: 'POST',
    headers: {
      Authorization: `Bearer ${token}`,
      'Content-Type': 'application/json',
      'Idempotency-Key': idempotencyKey,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

/**
 * Opens CONCURRENT_REQUESTS keep-alive connections to each backend (fetch keeps them in its pool), so that a burst
 * that follows reaches the backend at once instead of trickling in as connections are set up.
 */
async function openConnections(deployment: Deployment): Promise<void> {
  await Promise.all(
    deployment.urls.flatMap((url) =>
      Array.from({ length: CONCURRENT_REQUESTS }, async () => {
        const response = await fetch(new URL('/v1/health', url));
        await response.arrayBuffer();
      }),
    ),
  );
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

/** A small, seeded generator (mulberry32), so that a failing random run can be repeated with its seed. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

describe.each(engines)('concurrent charges on %s', (engine) => {
  let deployment: Deployment;
  const processes = engine === 'postgres' ? 'two backend processes sharing one database' : 'one backend process';

  beforeAll(async () => {
    deployment = await deploy(engine);
  }, 60_000);

  afterAll(async () => {
    await deployment?.stop();
  }, 30_000);

  it(
    `Idempotency-Key: ${CONCURRENT_REQUESTS} concurrent replays of one key charge once (${processes})`,
    async () => {
      const account = await openAccount(deployment);
      const body: GenerationRequest = {
        tool: 'text-to-image',
        modelId: 'spark-image',
        prompt: 'a lighthouse at dusk',
        settings: { outputs: 1, ...SMALL },
      };
      const key = randomUUID();
      const before = await account.clients[0]!.balance();
      await openConnections(deployment);

      const answers = await Promise.all(
        Array.from({ length: CONCURRENT_REQUESTS }, (_, i) =>
          postGeneration(account.urlFor(i), account.token, body, key),
        ),
      );

      expect(answers.map((a) => a.status)).toEqual(Array.from({ length: CONCURRENT_REQUESTS }, () => 202));
      const ids = new Set(answers.map((a) => a.body.id));
      expect(ids.size).toBe(1);
      const [id] = ids;
      const debits = (await allLedgerEntries(account.clients[0]!)).filter((e) => e.kind === 'debit');
      expect(debits.map((e) => [e.generationId, e.balance, e.amount])).toEqual([[id, 'free', -6]]);
      const after = await account.clients[1 % account.clients.length]!.balance();
      expect([before.credits.free.amount, after.credits.free.amount]).toEqual([100, 94]);
      expect((await account.clients[0]!.listGenerations({ limit: 500 })).items.map((g) => g.id)).toEqual([id]);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    `C7: ${CONCURRENT_REQUESTS} concurrent charges against a balance that covers 10: 10 charged, 40 refused with 402 (${processes})`,
    async () => {
      // A free-plan account has 100 free credits and nothing else (C2); an upscale costs 10, so exactly 10 fit.
      const account = await openAccount(deployment);
      const png = await sharp({ create: { width: 64, height: 64, channels: 3, background: { r: 200, g: 120, b: 40 } } })
        .png()
        .toBuffer();
      const upload = await account.clients[0]!.uploadReference(png, 'image/png');
      const request = (i: number): GenerationRequest => ({
        tool: 'creative-upscale',
        modelId: 'upscale-2x',
        prompt: `sharper, take ${i}`,
        settings: { outputs: 1, sourceId: upload.id },
      });
      await openConnections(deployment);

      const answers = await Promise.all(
        Array.from({ length: CONCURRENT_REQUESTS }, (_, i) =>
          postGeneration(account.urlFor(i), account.token, request(i), randomUUID()),
        ),
      );

      const charged = answers.filter((a) => a.status === 202);
      const refused = answers.filter((a) => a.status === 402);
      expect([charged.length, refused.length]).toEqual([10, 40]);
      expect(new Set(refused.map((a) => a.body.code))).toEqual(new Set(['insufficient_credits']));
      expect(new Set(refused.map((a) => a.body.shortfall))).toEqual(new Set([10]));
      const balance = await account.clientFor(1).balance();
      expect(balance.credits).toMatchObject({
        free: { amount: 0 },
        subscription: { amount: 0 },
        topup: { amount: 0 },
        total: 0,
      });
      const debits = (await allLedgerEntries(account.clients[0]!)).filter((e) => e.kind === 'debit');
      expect(debits).toHaveLength(10);
      expect(sum(debits.map((e) => e.amount))).toBe(-100);
      const chargedIds = new Set(charged.map((a) => a.body.id as string));
      expect(new Set(debits.map((e) => e.generationId))).toEqual(chargedIds);
      // Nothing of a refused request is recorded (C7): the history holds the 10 charged generations only.
      const history = await account.clients[0]!.listGenerations({ limit: 500 });
      expect(new Set(history.items.map((g) => g.id))).toEqual(chargedIds);
    },
    TEST_TIMEOUT_MS,
  );

  it(
    `C9: upgrades and top-ups racing with charges keep every balance equal to the sum of its ledger entries (${processes})`,
    async () => {
      const account = await openAccount(deployment, 'basic');
      const seed = Number.parseInt(process.env.CONCURRENCY_SEED ?? String(Date.now() % 1_000_000), 10);
      const random = seededRandom(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
      const plans = ['basic', 'standard'] as const;
      // Workflow requests are always charged in credits (U2), even inside an unlimited window a `standard` plan opens (U1).
      const charges = (
        [
          { tool: 'text-to-image', modelId: 'spark-image', prompt: 'a red kite', settings: { outputs: 1, ...SMALL } },
          {
            tool: 'text-to-image',
            modelId: 'spark-image',
            prompt: 'four red kites',
            settings: { outputs: 4, ...SMALL },
          },
          {
            tool: 'text-to-image',
            modelId: 'vivid-image',
            prompt: 'a harbour at noon',
            settings: { outputs: 2, ...SMALL },
          },
          {
            tool: 'text-to-image',
            modelId: 'vivid-pro-image',
            prompt: 'a glass city',
            settings: { outputs: 1, ...SMALL },
          },
          {
            tool: 'text-to-image',
            modelId: 'vivid-pro-image',
            prompt: 'four glass cities',
            settings: { outputs: 4, quality: 'hd', ...SMALL },
          },
          {
            tool: 'text-to-image',
            modelId: 'vivid-pro-image',
            prompt: 'four glass towers',
            settings: { outputs: 4, quality: 'hd', ...SMALL },
          },
          { tool: 'text-to-speech', modelId: 'voice-tts', prompt: 'Good morning.', settings: { outputs: 1 } },
        ] satisfies GenerationRequest[]
      ).map((request): GenerationRequest => ({ ...request, workflow: true }));
      /** What became of an operation: `code` is the error code of a refusal, absent when it succeeded. */
      type Outcome = { op: string; code?: string };
      const operations = Array.from({ length: 80 }, (_, i): (() => Promise<Outcome>) => {
        const client = account.clientFor(i);
        const roll = random();
        const outcome = async (op: string, call: Promise<unknown>): Promise<Outcome> => {
          try {
            await call;
            return { op };
          } catch (error) {
            return { op, code: (error as { code?: string }).code ?? String(error) };
          }
        };
        if (roll < 0.1) {
          const planId = pick(plans);
          return () => outcome(`subscribe ${planId}`, client.subscribe({ planId }));
        }
        if (roll < 0.3) {
          const credits = 1 + Math.floor(random() * 100);
          return () => outcome(`top-up ${credits}`, client.buyTopup({ credits }));
        }
        const request = pick(charges);
        return () =>
          outcome(`charge ${request.modelId} x${request.settings.outputs}`, client.createGeneration(request));
      });

      const outcomes = await Promise.all(operations.map((operation) => operation()));

      // Every operation either succeeded or, for a charge, was refused for want of credits; nothing failed otherwise.
      const unexpected = outcomes.filter(
        (o) => !(o.code === undefined || (o.op.startsWith('charge') && o.code === 'insufficient_credits')),
      );
      expect(unexpected, `seed ${seed}`).toEqual([]);
      const ledger = await allLedgerEntries(account.clients[0]!);
      const balance = await account.clientFor(1).balance();
      expectLedgerExplains(ledger, balance);
      const lowest = Math.min(...ledger.map((e) => e.after));
      expect(
        [lowest, balance.credits.free.amount, balance.credits.subscription.amount, balance.credits.topup.amount].every(
          (n) => n >= 0,
        ),
        `seed ${seed}`,
      ).toBe(true);
      expect(balance.credits.total).toBe(
        balance.credits.free.amount + balance.credits.subscription.amount + balance.credits.topup.amount,
      );
      // Each charge that was answered 202 is debited once, and nothing else is.
      const chargedCount = outcomes.filter((o) => o.op.startsWith('charge') && o.code === undefined).length;
      expect(new Set(ledger.filter((e) => e.kind === 'debit').map((e) => e.generationId)).size, `seed ${seed}`).toBe(
        chargedCount,
      );
    },
    TEST_TIMEOUT_MS,
  );
});
