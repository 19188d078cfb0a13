/**
 * Starts the app in web mode (the built dist/web/cli.mjs, exactly what `npm run web` runs) with its own data folder
 * and an embedded backend on a test clock, and gives tests its URL and a way to move the clock or stop the backend.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { expect, type Page } from '@playwright/test';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { AccountCreated } from '../../shared/api.js';
import type { BridgeInput, BridgeMethodName, BridgeOutput, HostSnapshot } from '../../shared/bridge.js';
import { createCompanionClient, type CompanionClient } from '../../shared/client.js';

export interface WebApp {
  openURL: string;
  backendURL: string;
  moveClock(body: { now: string } | { advanceS: number }): Promise<void>;
  /** SIGKILLs the embedded backend process (the web server and the page stay up). */
  killBackend(): void;
  stop(): Promise<void>;
  /** The embedded backend's admin API (accounts, flags, appeals, the clock), with the test admin token. */
  admin: CompanionClient['admin'];
  /** Makes another account on the embedded backend, with the token a user would sign in with. */
  createAccount(body: { name: string; timeZone: string; planId?: string }): Promise<AccountCreated>;
  /**
   * Calls the web-mode bridge the way the page does (with the per-launch secret), for setting a scene up quickly; the
   * behaviour under test is still driven through the UI. Throws the host's error.
   */
  bridge<M extends BridgeMethodName>(method: M, input: BridgeInput<M>): Promise<BridgeOutput<M>>;
  /** The host's current snapshot, through the bridge. */
  snapshot(): Promise<HostSnapshot>;
}

export interface WebAppOptions {
  testClock: string;
  timeZone: string;
  name?: string;
  /**
   * Operator configuration for the embedded backend (backend/config.ts, U6), e.g. `{ queue: { workers: 1,
   * systemConcurrency: 1 } }` to make a queue. Passed as COMPANION_CONFIG, which the embedded backend inherits.
   */
  backendConfig?: Record<string, unknown>;
  /** The wait before the host restarts a killed built-in backend (default 0.5 s); long keeps it down for a test. */
  backendRestartDelayMs?: number;
  /** Puts files in the app's data folder before the app starts (e.g. a damaged settings file). */
  prepareData?: (dataDir: string) => void;
}

const ADMIN = 'e2e-admin-token-0123456789';

export async function startWebApp(options: WebAppOptions): Promise<WebApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'companion-e2e-'));
  const env = { ...process.env };
  options.prepareData?.(dataDir);
  if (options.backendConfig) {
    const configFile = join(dataDir, 'backend-config.json');
    writeFileSync(configFile, JSON.stringify(options.backendConfig));
    env.COMPANION_CONFIG = configFile;
  }
  const child: ChildProcess = spawn(
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
      '--local-timezone',
      options.timeZone,
      '--local-name',
      options.name ?? 'Ana',
      ...(options.backendRestartDelayMs ? ['--backend-restart-delay', String(options.backendRestartDelayMs)] : []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'], env },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const lines = createInterface({ input: child.stdout! });
  const found: Record<string, string> = {};
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web mode did not start: ${stderr}`)), 30_000);
    child.once('exit', (code) => reject(new Error(`web mode exited with ${code}: ${stderr}`)));
    lines.on('line', (line) => {
      const web = /at (http:\/\/\S+#secret=\S+)$/.exec(line);
      const backend = /^embedded backend at (http:\/\/\S+)$/.exec(line);
      if (web?.[1]) found.web = web[1];
      if (backend?.[1]) found.backend = backend[1];
      if (found.web && found.backend) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
  const admin = createCompanionClient({ baseURL: found.backend!, token: ADMIN, retries: 0 });
  const web = new URL(found.web!);
  const secret = new URLSearchParams(web.hash.slice(1)).get('secret') ?? '';
  async function bridge<M extends BridgeMethodName>(method: M, input: BridgeInput<M>): Promise<BridgeOutput<M>> {
    const response = await fetch(`${web.origin}/bridge/${method}`, {
      method: 'POST',
      headers: { 'x-companion-secret': secret, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    const result = (await response.json()) as
      { ok: true; value: BridgeOutput<M> } | { ok: false; error: { code: string; message: string } };
    if (!result.ok) throw new Error(`${method}: ${result.error.code}: ${result.error.message}`);
    return result.value;
  }
  return {
    admin: admin.admin,
    createAccount: (body) => admin.admin.createAccount(body),
    bridge,
    snapshot: () => bridge('getSnapshot', {}),
    openURL: found.web!,
    backendURL: found.backend!,
    async moveClock(body) {
      await admin.admin.moveClock(body);
    },
    killBackend() {
      const pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' })
        .trim()
        .split(/\s+/)
        .filter(Boolean);
      for (const pid of pids) process.kill(Number(pid), 'SIGKILL');
    },
    async stop() {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---- helpers for the live-*.spec.ts tests: open the app, drive the Generate form, save screenshots -----------------

export const SCREENSHOTS = 'test-results/screenshots';

/** Opens the app in `colorScheme` (the theme setting stays "system", so the page follows it) and waits for "Live". */
export async function openApp(page: Page, app: WebApp, colorScheme: 'light' | 'dark' = 'light'): Promise<void> {
  await page.emulateMedia({ colorScheme });
  await page.goto(app.openURL);
  await expect(page.getByTestId('shell-connection')).toHaveText(/Live/, { timeout: 20_000 });
}

/** Saves `<name>-light.png` and `<name>-dark.png` of the whole page, the theme following the emulated OS setting. */
export async function screenshotBothThemes(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  // From the top: the sticky bar and sidebar would otherwise be drawn where the page was scrolled to.
  await page.evaluate('window.scrollTo(0, 0)');
  for (const colorScheme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme });
    await expect(page.locator('html')).toHaveAttribute('data-theme', colorScheme);
    await page.screenshot({ path: `${SCREENSHOTS}/${name}-${colorScheme}.png`, fullPage: true });
  }
  await page.emulateMedia({ colorScheme: 'light' });
}

/** Opens a view through the navigation, as a person would: in a narrow window the navigation is behind "Menu" first. */
export async function openView(page: Page, view: string): Promise<void> {
  const link = page.getByTestId(`nav-${view}`);
  if (!(await link.isVisible())) await page.getByRole('button', { name: /^Menu/ }).click();
  await link.click();
  await expect(link).toHaveAttribute('aria-current', 'page');
}

export interface GenerateFormInput {
  tool?: string;
  model?: string;
  prompt: string;
  outputs?: number;
  quality?: 'standard' | 'hd';
  durationS?: number;
  workflow?: boolean;
}

/** Fills the Generate form as a person would (the view must be open). */
export async function fillGenerateForm(page: Page, input: GenerateFormInput): Promise<void> {
  if (input.tool) await page.getByRole('combobox', { name: 'Tool', exact: true }).selectOption(input.tool);
  if (input.model) await page.getByRole('combobox', { name: 'Model', exact: true }).selectOption(input.model);
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill(input.prompt);
  await page.getByRole('combobox', { name: 'Outputs', exact: true }).selectOption(String(input.outputs ?? 1));
  await page.getByTestId(`gen-quality-${input.quality ?? 'standard'}`).check();
  if (input.durationS !== undefined)
    await page.getByRole('combobox', { name: 'Duration', exact: true }).selectOption(String(input.durationS));
  await page.getByRole('checkbox', { name: 'Part of a workflow (always charged)' }).setChecked(input.workflow ?? false);
}

/** Fills the form, waits for the cost preview to allow it, and presses Generate; returns the new generation's id. */
export async function generateThroughUI(page: Page, input: GenerateFormInput): Promise<string> {
  await fillGenerateForm(page, input);
  const before = await page
    .getByTestId('generation-card')
    .evaluateAll((cards) => cards.map((card) => card.getAttribute('data-generation-id')));
  const button = page.getByTestId('generate-submit');
  await expect(button).toBeEnabled({ timeout: 15_000 });
  await button.click();
  let id: string | null = null;
  await expect(async () => {
    const after = await page
      .getByTestId('generation-card')
      .evaluateAll((cards) => cards.map((card) => card.getAttribute('data-generation-id')));
    id = after.find((candidate) => candidate !== null && !before.includes(candidate)) ?? null;
    expect(id).not.toBeNull();
  }).toPass({ timeout: 15_000 });
  return id as unknown as string;
}
