/**
 * Starts the app in web mode (the built dist/web/cli.mjs, exactly what `npm run web` runs) with its own data folder
 * and an embedded backend on a test clock, and gives tests its URL and a way to move the clock or stop the backend.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { createCompanionClient } from '../../shared/client.js';

export interface WebApp {
  openURL: string;
  backendURL: string;
  moveClock(body: { now: string } | { advanceS: number }): Promise<void>;
  /** SIGKILLs the embedded backend process (the web server and the page stay up). */
  killBackend(): void;
  stop(): Promise<void>;
}

const ADMIN = 'e2e-admin-token-0123456789';

export async function startWebApp(options: { testClock: string; timeZone: string; name?: string }): Promise<WebApp> {
  const dataDir = mkdtempSync(join(tmpdir(), 'companion-e2e-'));
  const child: ChildProcess = spawn(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', 'dist/web/cli.mjs', '--port', '0', '--data', dataDir, '--test-clock', options.testClock,
      '--admin-token', ADMIN, '--local-timezone', options.timeZone, '--local-name', options.name ?? 'Ana'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
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
  return {
    openURL: found.web!,
    backendURL: found.backend!,
    async moveClock(body) {
      await admin.admin.moveClock(body);
    },
    killBackend() {
      const pids = execFileSync('ps', ['-o', 'pid=', '--ppid', String(child.pid)], { encoding: 'utf8' }).trim().split(/\s+/).filter(Boolean);
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
