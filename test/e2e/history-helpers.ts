/**
 * Helpers for the history e2e specs: the app in web mode (as web-app.ts starts it) with its embedded backend on a port
 * known in advance, so that a test can stop the backend and start it again on the same port with the same data (the
 * host then reconnects to the address it knows); an account of the test's own, made with the admin API, given
 * generations through the HTTP API and signed into the app through the bridge; and calls to the bridge itself.
 */
import { expect, type Page } from '@playwright/test';
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { Generation, GenerationRequest } from '../../shared/api.js';
import type { BridgeInput, BridgeMethodName, BridgeOutput, BridgeResult, HostSnapshot } from '../../shared/bridge.js';
import { createCompanionClient } from '../../shared/client.js';

export const ADMIN = 'e2e-admin-token-0123456789';
export const SHOTS = 'test-results/screenshots';

export type CompanionClient = ReturnType<typeof createCompanionClient>;

export interface HistoryWebApp {
  openURL: string;
  backendURL: string;
  admin: CompanionClient;
  /** SIGKILLs the backend (the embedded one, or the one restartBackend started). */
  killBackend(): void;
  /** Starts the backend again on the same port with the same database. */
  restartBackend(): Promise<void>;
  /** Calls a bridge method as the page does (POST /bridge/<method> with the launch secret). */
  bridge<M extends BridgeMethodName>(method: M, input: BridgeInput<M>): Promise<BridgeOutput<M>>;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== 'object' || address === null) throw new Error('no free port');
  return address.port;
}

function waitForLines(
  child: ChildProcess,
  patterns: Record<string, RegExp>,
  what: string,
): Promise<Record<string, string>> {
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const found: Record<string, string> = {};
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not start: ${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`${what} exited with ${code}: ${stderr}`)));
    lines.on('line', (line) => {
      for (const [name, pattern] of Object.entries(patterns)) {
        const match = pattern.exec(line.trim());
        if (match?.[1]) found[name] = match[1];
      }
      if (Object.keys(patterns).every((name) => found[name] !== undefined)) {
        clearTimeout(timer);
        resolve(found);
      }
    });
  });
}

export async function startHistoryWebApp(options: {
  testClock: string;
  timeZone: string;
  name?: string;
}): Promise<HistoryWebApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'companion-e2e-history-'));
  const backendPort = await freePort();
  const child = spawn(
    process.execPath,
    [
      '--disable-warning=ExperimentalWarning',
      'dist/web/cli.mjs',
      '--port',
      '0',
      '--data',
      dataDir,
      '--test-clock',
      options.testClock,
      '--admin-token',
      ADMIN,
      '--backend-port',
      String(backendPort),
      '--local-timezone',
      options.timeZone,
      '--local-name',
      options.name ?? 'Ana',
      // killBackend means "down until restartBackend": the host's own restart of its backend waits longer than a test.
      '--backend-restart-delay',
      '600000',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const found = await waitForLines(
    child,
    { web: /at (http:\/\/\S+#secret=\S+)$/, backend: /^embedded backend at (http:\/\/\S+)$/ },
    'web mode',
  );
  const openURL = found.web!;
  const backendURL = found.backend!;
  const origin = new URL(openURL).origin;
  const secret = new URL(openURL).hash.replace('#secret=', '');
  const admin = createCompanionClient({ baseURL: backendURL, token: ADMIN, retries: 0 });
  let restarted: ChildProcess | null = null;

  return {
    openURL,
    backendURL,
    admin,
    killBackend() {
      if (restarted !== null) {
        restarted.kill('SIGKILL');
        restarted = null;
        return;
      }
      const pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' })
        .trim()
        .split(/\s+/)
        .filter(Boolean);
      for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
    },
    async restartBackend() {
      // The host may bring its embedded backend back by itself; only start one when nothing answers on the port.
      const answering = await fetch(`${backendURL}/v1/health`).then(
        (r) => r.ok,
        () => false,
      );
      if (answering) return;
      restarted = spawn(
        process.execPath,
        [
          '--disable-warning=ExperimentalWarning',
          'dist/backend/cli.mjs',
          '--port',
          String(backendPort),
          '--data',
          join(dataDir, 'backend'),
          '--admin-token',
          ADMIN,
          '--test-clock',
          options.testClock,
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      );
      await waitForLines(restarted, { url: /^listening on (http:\/\/\S+)$/ }, 'the backend');
    },
    async bridge(method, input) {
      const response = await fetch(`${origin}/bridge/${method}`, {
        method: 'POST',
        headers: { 'x-companion-secret': secret, 'content-type': 'application/json' },
        body: JSON.stringify(input),
      });
      const result = (await response.json()) as BridgeResult<BridgeOutput<typeof method>>;
      if (!result.ok) throw new Error(`bridge ${method} failed: ${result.error.code} ${result.error.message}`);
      return result.value;
    },
    async stop() {
      restarted?.kill('SIGKILL');
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** A new account on the app's backend (admin API), and a client that acts as it. */
export async function createAccount(
  app: HistoryWebApp,
  name: string,
  timeZone: string,
  planId?: string,
): Promise<{ id: string; token: string; client: CompanionClient }> {
  const created = await app.admin.admin.createAccount({ name, timeZone, ...(planId ? { planId } : {}) });
  return {
    id: created.account.id,
    token: created.token,
    client: createCompanionClient({ baseURL: app.backendURL, token: created.token, retries: 0 }),
  };
}

const FINAL = new Set(['succeeded', 'failed', 'blocked', 'cancelled']);

/** Creates generations one after the other and waits until each has finished. */
export async function generate(client: CompanionClient, requests: GenerationRequest[]): Promise<Generation[]> {
  const done: Generation[] = [];
  for (const request of requests) {
    const created = await client.createGeneration(request);
    let current = created;
    const deadline = Date.now() + 30_000;
    while (!FINAL.has(current.status)) {
      if (Date.now() > deadline) throw new Error(`generation ${created.id} did not finish: ${current.status}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      current = await client.getGeneration(created.id);
    }
    done.push(current);
  }
  return done;
}

/** Signs the account into the app and selects it; returns its id in the app. */
export async function signInAndSelect(app: HistoryWebApp, token: string, label: string): Promise<string> {
  const snapshot: HostSnapshot = await app.bridge('signIn', { baseURL: app.backendURL, token, label });
  const account = snapshot.accounts.find((candidate) => candidate.label === label);
  if (!account) throw new Error(`no account labelled ${label} after signing in`);
  await app.bridge('selectAccount', { accountId: account.id });
  return account.id;
}

/** Opens the app and one of its views through the navigation. */
export async function openView(
  page: Page,
  app: HistoryWebApp,
  view: 'history' | 'workspaces' | 'analytics' | 'estimator',
  colorScheme: 'light' | 'dark' = 'light',
) {
  await page.emulateMedia({ colorScheme });
  await page.goto(app.openURL);
  await page.getByTestId(`nav-${view}`).click();
  await expect(page.getByTestId(`${view}-view`)).toBeVisible();
}

/** The four generations most specs start from (free plan, 34 credits of the 100 free ones). */
export const sampleRequests: GenerationRequest[] = [
  {
    tool: 'text-to-image',
    modelId: 'spark-image',
    prompt: 'a lighthouse at dusk, oil painting',
    settings: { outputs: 1 },
  },
  { tool: 'text-to-image', modelId: 'vivid-image', prompt: 'neon city street in the rain', settings: { outputs: 1 } },
  {
    tool: 'text-to-speech',
    modelId: 'voice-tts',
    prompt: 'a calm voice reading the weather',
    settings: { outputs: 1, durationS: 30 },
  },
  // A blocked word: the generation is blocked by moderation and refunded (C8).
  { tool: 'text-to-image', modelId: 'spark-image', prompt: 'a gore scene', settings: { outputs: 1 } },
];
