/**
 * What the policy-rule tests run on: the storage engines (SQLite always, PostgreSQL when
 * COMPANION_TEST_DATABASE_URL names a server), a generation provider whose outcome a test decides, and the small
 * waits and reads over the API that those tests share.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { Balance, Generation, GenerationStatus, LedgerEntry, SyncChange } from '../../shared/api.js';
import type { CompanionClient } from '../../shared/client.js';
import type { Engine } from '../../backend/storage/database.js';
import { LocalProvider } from '../../backend/providers/local.js';
import type { GenerationProvider, ProviderOutput, ProviderRequest } from '../../backend/providers/provider.js';
import { encodeWavMono16 } from '../../backend/providers/wav.js';
import { startBackend, type StartBackendOptions, type TestBackend } from './backend.js';

export type EngineName = Engine;

const SERVER_URL = process.env.COMPANION_TEST_DATABASE_URL || undefined;
const SKIP_NOTICE = Symbol.for('creator-companion.postgres-skip-notice');

/** The engines a storage-relevant suite runs on: `describe.each(engines)`. */
export const engines: EngineName[] = SERVER_URL ? ['sqlite', 'postgres'] : ['sqlite'];

if (!SERVER_URL && !(globalThis as Record<symbol, unknown>)[SKIP_NOTICE]) {
  (globalThis as Record<symbol, unknown>)[SKIP_NOTICE] = true;
  console.log('PostgreSQL tests skipped: set COMPANION_TEST_DATABASE_URL to run them');
}

export interface FreshDatabase {
  url: string;
  /** Drops the database, closing whatever connections are still open on it. */
  drop(): Promise<void>;
}

async function onServer<T>(work: (client: pg.Client) => Promise<T>): Promise<T> {
  if (!SERVER_URL) throw new Error('COMPANION_TEST_DATABASE_URL is not set');
  const client = new pg.Client({ connectionString: SERVER_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Creates an empty database `cc_test_<random>` on the COMPANION_TEST_DATABASE_URL server. */
export async function freshDatabaseUrl(): Promise<FreshDatabase> {
  const name = `cc_test_${randomBytes(8).toString('hex')}`;
  await onServer(async (client) => {
    await client.query(`CREATE DATABASE ${name}`);
    // A throwaway database need not wait for the disk on every commit; a crash of the backend process loses nothing.
    await client.query(`ALTER DATABASE ${name} SET synchronous_commit = off`);
  });
  const url = new URL(SERVER_URL as string);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () =>
      onServer((client) => client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

/**
 * startBackend on the given engine; on PostgreSQL in a fresh database that `stop()` drops. `stop()` first ends the
 * test clients' keep-alive connections, so that closing the server does not wait for them to time out.
 */
export async function startBackendOn(
  engine: EngineName,
  options: Omit<StartBackendOptions, 'databaseUrl'> = {},
): Promise<TestBackend> {
  const database = engine === 'postgres' ? await freshDatabaseUrl() : null;
  let backend: TestBackend;
  try {
    backend = await startBackend({ ...options, ...(database ? { databaseUrl: database.url } : {}) });
  } catch (error) {
    await database?.drop();
    throw error;
  }
  const stop = backend.stop.bind(backend);
  return {
    ...backend,
    async stop() {
      try {
        backend.backend.app.server.closeAllConnections();
        await stop();
      } finally {
        await database?.drop();
      }
    },
  };
}

/**
 * One backend for the tests of a describe block on `engine`, with a ScriptedProvider whose held requests are let go
 * after every test. `t` is the backend once the block's `beforeAll` has run.
 */
export function suiteBackend(
  engine: EngineName,
  options: Omit<StartBackendOptions, 'databaseUrl' | 'provider'> = {},
): { readonly t: TestBackend; provider: ScriptedProvider } {
  const provider = new ScriptedProvider();
  let backend: TestBackend | undefined;
  beforeAll(async () => {
    backend = await startBackendOn(engine, { ...options, provider });
  });
  afterEach(() => provider.releaseAll());
  afterAll(async () => {
    provider.releaseAll();
    await backend?.stop();
  });
  return {
    get t() {
      if (!backend) throw new Error('the suite backend starts in beforeAll');
      return backend;
    },
    provider,
  };
}

/**
 * A stand-in for a remote provider at the provider boundary, steered by markers in the prompt:
 * `[hold:<name>]` waits until `release(name)`; `[fail]` then throws, as a broken remote provider would. Every other
 * request succeeds: rendered by the real local provider when the prompt says `[render]` (or always, with
 * `{ render: 'local' }`), otherwise as small sketch files (a 16 x 16 PNG, a 16 x 16 WebP, 0.1 s of WAV silence) so
 * that charging tests do not wait on rendering.
 */
export class ScriptedProvider implements GenerationProvider {
  readonly name = 'scripted';
  readonly #local = new LocalProvider();
  readonly #alwaysLocal: boolean;
  readonly #gates = new Map<string, { opened: Promise<void>; open: () => void }>();

  constructor(options: { render?: 'sketch' | 'local' } = {}) {
    this.#alwaysLocal = options.render === 'local';
  }

  #gate(name: string) {
    let gate = this.#gates.get(name);
    if (!gate) {
      let open!: () => void;
      const opened = new Promise<void>((resolve) => (open = resolve));
      gate = { opened, open };
      this.#gates.set(name, gate);
    }
    return gate;
  }

  /** Lets every request held on `name` go on. */
  release(name: string): void {
    this.#gate(name).open();
  }

  /** Lets everything go on, so a backend can drain and stop. */
  releaseAll(): void {
    for (const gate of this.#gates.values()) gate.open();
  }

  async generate(request: ProviderRequest): Promise<ProviderOutput[]> {
    const held = /\[hold:([a-z0-9-]+)\]/.exec(request.prompt);
    if (held) await this.#gate(held[1] as string).opened;
    if (request.prompt.includes('[fail]')) throw new Error('the remote provider answered 503 Service Unavailable');
    if (this.#alwaysLocal || request.prompt.includes('[render]')) return this.#local.generate(request);
    await mkdir(request.outputDir, { recursive: true });
    const outputs: ProviderOutput[] = [];
    for (let index = 0; index < request.settings.outputs; index += 1) outputs.push(await sketch(request, index));
    return outputs;
  }
}

async function sketch(request: ProviderRequest, index: number): Promise<ProviderOutput> {
  const base = join(request.outputDir, `${request.generationId}-${index}`);
  const pixels = () =>
    sharp({ create: { width: 16, height: 16, channels: 3, background: { r: 40 * index, g: 120, b: 200 } } });
  let file: { path: string; mime: string; bytes: Buffer; extra: Partial<ProviderOutput> };
  if (request.kind === 'image')
    file = {
      path: `${base}.png`,
      mime: 'image/png',
      bytes: await pixels().png().toBuffer(),
      extra: { width: 16, height: 16 },
    };
  else if (request.kind === 'video')
    file = {
      path: `${base}.webp`,
      mime: 'image/webp',
      bytes: await pixels().webp().toBuffer(),
      extra: { width: 16, height: 16, durationS: request.settings.durationS ?? 5 },
    };
  else
    file = {
      path: `${base}.wav`,
      mime: 'audio/wav',
      bytes: encodeWavMono16(new Float32Array(2_205), 22_050),
      extra: { durationS: request.settings.durationS ?? 30 },
    };
  await writeFile(file.path, file.bytes);
  return {
    path: file.path,
    kind: request.kind,
    mime: file.mime,
    bytes: file.bytes.length,
    sha256: createHash('sha256').update(file.bytes).digest('hex'),
    ...file.extra,
  };
}

const FINISHED: readonly GenerationStatus[] = ['succeeded', 'failed', 'blocked', 'cancelled'];

/** Polls a generation until its status is one of `statuses` (any finished status by default). */
export async function waitForGeneration(
  client: CompanionClient,
  id: string,
  statuses: readonly GenerationStatus[] = FINISHED,
  timeoutMs = 10_000,
): Promise<Generation> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const generation = await client.getGeneration(id);
    if (statuses.includes(generation.status)) return generation;
    if (Date.now() > deadline)
      throw new Error(`Generation ${id} is ${generation.status} after ${timeoutMs} ms, not ${statuses.join(' or ')}`);
    await new Promise((resolve) => setTimeout(resolve, 15));
  }
}

/** Every ledger entry of the account, newest first, read page by page. */
export async function allLedgerEntries(client: CompanionClient, limit = 500): Promise<LedgerEntry[]> {
  const entries: LedgerEntry[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.ledger({ limit, ...(cursor ? { cursor } : {}) });
    entries.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return entries;
}

/** Every change after `since`, read page by page; returns them with the last cursor. */
export async function syncAll(
  client: CompanionClient,
  since?: string,
  limit = 500,
): Promise<{ changes: SyncChange[]; cursor: string }> {
  const changes: SyncChange[] = [];
  let cursor = since;
  for (;;) {
    const page = await client.sync(cursor, limit);
    changes.push(...page.changes);
    cursor = page.cursor;
    if (!page.more) return { changes, cursor };
  }
}

/** The ledger entries of one generation, oldest first, as `[kind, balance, amount]`. */
export function entriesOf(entries: readonly LedgerEntry[], generationId: string): Array<[string, string, number]> {
  return entries
    .filter((e) => e.generationId === generationId)
    .reverse()
    .map((e) => [e.kind, e.balance, e.amount]);
}

/**
 * C9: the ledger explains the balances. Per balance, each entry's `after` is the running sum of the amounts so far,
 * and for a credit-billed account the sums are the credit balances shown.
 */
export function expectLedgerExplains(entries: readonly LedgerEntry[], balance: Balance): void {
  const sums = new Map<string, number>();
  for (const entry of [...entries].reverse()) {
    const sum = (sums.get(entry.balance) ?? 0) + entry.amount;
    sums.set(entry.balance, sum);
    expect(entry.after, `entry ${entry.id} (${entry.kind} ${entry.balance} ${entry.amount})`).toBe(sum);
  }
  if (balance.generations === null) {
    expect({
      free: sums.get('free') ?? 0,
      subscription: sums.get('subscription') ?? 0,
      topup: sums.get('topup') ?? 0,
    }).toEqual({
      free: balance.credits.free.amount,
      subscription: balance.credits.subscription.amount,
      topup: balance.credits.topup.amount,
    });
  }
}
