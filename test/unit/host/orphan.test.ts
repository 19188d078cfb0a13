/**
 * A crashed app must not leave its built-in backend running: the backend started by the host watches the pipe to its
 * parent and drains and exits when the parent dies, even by SIGKILL.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../../', import.meta.url));

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

it('the embedded backend exits when the app that started it is killed', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'companion-orphan-'));
  // A stand-in app: starts the backend through the host's launcher and prints its pid.
  const script = `
    import { EmbeddedBackend, nodeLauncher } from ${JSON.stringify(join(repo, 'electron/host/embedded-backend.ts'))};
    const backend = new EmbeddedBackend({ launcher: nodeLauncher(${JSON.stringify(join(repo, 'backend/cli.ts'))}, ['--import', 'tsx']), dataDir: ${JSON.stringify(dataDir)}, adminToken: 'orphan-admin-token' });
    await backend.start();
    console.log('started');
    setInterval(() => {}, 1000);
  `;
  const app = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    cwd: repo,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await new Promise<void>((resolve) =>
      createInterface({ input: app.stdout! }).on('line', (line) => line === 'started' && resolve()),
    );
    const children = await new Promise<string>((resolve) => {
      const ps = spawn('ps', ['-o', 'pid=', '--ppid', String(app.pid)]);
      let out = '';
      ps.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      ps.on('exit', () => resolve(out));
    });
    const backendPid = Number(children.trim().split(/\s+/)[0]);
    expect(alive(backendPid)).toBe(true);
    app.kill('SIGKILL');
    const deadline = Date.now() + 15_000;
    while (alive(backendPid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(backendPid)).toBe(false);
  } finally {
    if (app.exitCode === null) app.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  }
}, 60_000);
