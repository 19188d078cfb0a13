/**
 * A real backend for tests: SQLite in a fresh temp folder, a random admin token, listening on 127.0.0.1 on a free
 * port, reached over real HTTP with the typed client from shared/. `stop()` closes it and removes the folder.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Me } from '../../shared/api.js';
import { createCompanionClient, type CompanionClient } from '../../shared/client.js';
import type { GenerationProvider } from '../../backend/providers/provider.js';
import type { OperationsConfigInput } from '../../backend/config.js';
import type { LogOptions } from '../../backend/log.js';
import { createBackend, type Backend } from '../../backend/server.js';

export {
  eventOfType,
  openEventStream,
  parseServerEvent,
  type EventStream,
  type OpenEventStreamOptions,
  type StreamEvent,
} from './event-stream.js';

export interface StartBackendOptions {
  /** Starts the backend with a test clock at this ISO time; `POST /v1/admin/clock` moves it. */
  testClock?: string;
  /** A catalog file other than the shipped backend/catalog.json. */
  catalogPath?: string;
  /** A PostgreSQL database to use instead of SQLite in the temp folder (see test/support/engines.ts). */
  databaseUrl?: string;
  /** A generation provider other than the built-in local one (e.g. one that fails, or waits until released). */
  provider?: GenerationProvider;
  /** Runner settings, e.g. `{ concurrency: 1 }` so that a second generation stays queued behind a held one. */
  runner?: { concurrency?: number; timeoutMs?: number };
  /** Operator configuration (U6) for this backend: queue slots, limits, fair-use thresholds. */
  config?: OperationsConfigInput;
  /** The reference page at /docs (on by default, as in a real deployment). */
  docs?: boolean;
  /** Log lines (silent unless a test reads them). */
  log?: LogOptions;
  /** Also serve /metrics on a port of 127.0.0.1 without a token (0: any free one). */
  metricsPort?: number;
}

export interface TestAccount {
  token: string;
  account: Me;
  /** A typed client that authenticates as this account. */
  client: CompanionClient;
}

export interface TestBackend {
  /** The base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  adminToken: string;
  dataDir: string;
  backend: Backend;
  /** A typed client that authenticates with the admin token. */
  admin: CompanionClient;
  /** A typed client with the given token, or none. */
  client(token?: string): CompanionClient;
  /** Creates an account; with a `planId` other than `free` it is subscribed at creation. */
  createAccount(name: string, timeZone: string, planId?: string): Promise<TestAccount>;
  stop(): Promise<void>;
}

/**
 * Clients made here do not retry: a test sees the first answer, and a failure does not hide behind backoff delays.
 */
function testClient(baseURL: string, token?: string): CompanionClient {
  return createCompanionClient({ baseURL, ...(token === undefined ? {} : { token }), retries: 0, timeoutMs: 10_000 });
}

export async function startBackend(options: StartBackendOptions = {}): Promise<TestBackend> {
  const dataDir = mkdtempSync(join(tmpdir(), 'companion-test-'));
  const adminToken = `admin_${randomBytes(24).toString('base64url')}`;
  let backend: Backend;
  try {
    backend = await createBackend({
      dataDir,
      adminToken,
      testClock: options.testClock === undefined ? undefined : new Date(options.testClock),
      catalogPath: options.catalogPath,
      databaseUrl: options.databaseUrl,
      ...(options.provider ? { provider: options.provider } : {}),
      ...(options.docs === undefined ? {} : { docs: options.docs }),
      ...(options.log ? { log: options.log } : {}),
      ...(options.metricsPort === undefined ? {} : { metricsPort: options.metricsPort }),
      // Rate limits are off unless a test sets them: the suites send bursts that a real client would not.
      config: {
        limits: { enabled: false },
        ...options.config,
        queue: {
          ...options.config?.queue,
          ...(options.runner?.concurrency ? { workers: options.runner.concurrency } : {}),
          ...(options.runner?.timeoutMs ? { jobTimeoutS: options.runner.timeoutMs / 1000 } : {}),
        },
      },
    });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const url = await backend.listen(0);
  const admin = testClient(url, adminToken);
  let stopped = false;

  return {
    url,
    adminToken,
    dataDir,
    backend,
    admin,
    client: (token?: string) => testClient(url, token),
    async createAccount(name: string, timeZone: string, planId?: string) {
      const { account, token } = await admin.admin.createAccount({
        name,
        timeZone,
        ...(planId === undefined ? {} : { planId }),
      });
      return { token, account, client: testClient(url, token) };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      try {
        await backend.close();
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
  };
}
