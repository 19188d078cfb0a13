/**
 * Secrets other local users could read: the built-in backend's admin token is passed in its environment (readable by
 * the owner only), never on its command line (shown to everyone by `ps`); the app's data folder is 700 and its
 * settings and secrets files 600.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, expect, it, vi } from 'vitest';
import { EmbeddedBackend, nodeLauncher } from '../../../electron/host/embedded-backend.js';
import { removeDir, startTestHost, tempDir } from './harness.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Every process descended from this one, with its command line, read from /proc. */
function descendants(root: number): Array<{ pid: number; cmdline: string }> {
  const parentOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      parentOf.set(Number(entry), Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]));
    } catch {
      // the process ended while the list was read
    }
  }
  const inTree = (pid: number): boolean => {
    for (let p = parentOf.get(pid); p !== undefined && p > 1; p = parentOf.get(p)) if (p === root) return true;
    return false;
  };
  return [...parentOf.keys()]
    .filter(inTree)
    .map((pid) => ({ pid, cmdline: readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ') }));
}

it('the embedded backend gets its admin token through its environment, not its command line', async () => {
  const dataDir = tempDir('companion-channel-');
  cleanups.push(() => removeDir(dataDir));
  const adminToken = 'channel-admin-token-4f9a2c';
  const backend = new EmbeddedBackend({
    launcher: nodeLauncher(join(repo, 'backend/cli.ts'), ['--import', 'tsx']),
    dataDir,
    adminToken,
  });
  cleanups.push(() => backend.stop());
  const url = await backend.start();

  const children = descendants(process.pid).filter((p) => p.cmdline.includes('cli.ts'));
  expect(children.length).toBeGreaterThan(0);
  for (const child of children) expect(child.cmdline).not.toContain(adminToken);
  // The token did reach the backend: the admin API takes it.
  const answer = await fetch(`${url}/v1/admin/appeals`, { headers: { authorization: `Bearer ${adminToken}` } });
  expect(answer.status).toBe(200);
  // Its log is in its data folder's logs/, a JSON line per request, and the token is in none of them.
  const logFile = join(dataDir, 'logs', 'backend.log');
  const logged = await vi.waitFor(() => {
    const lines = readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { msg: string; route?: string; requestId?: string });
    const line = lines.find((l) => l.msg === 'request' && l.route === '/v1/admin/appeals');
    if (!line) throw new Error('the request is not logged yet');
    return line;
  });
  expect(logged.requestId).toBe(answer.headers.get('x-request-id'));
  expect(readFileSync(logFile, 'utf8')).not.toContain(adminToken);
}, 30_000);

it("the app's data folder is 700 and its settings and secrets files 600", async () => {
  const test = await startTestHost();
  cleanups.push(() => removeDir(test.dataDir));
  cleanups.push(() => test.stop());
  test.host.settings.set('selectedAccountId', null);
  test.host.secrets.set('probe', 'a secret');
  const mode = (path: string) => `${path}: ${(statSync(path).mode & 0o777).toString(8)}`;
  expect(mode(test.dataDir)).toBe(`${test.dataDir}: 700`);
  for (const name of ['settings.json', 'secrets.json'])
    expect(mode(join(test.dataDir, name))).toBe(`${join(test.dataDir, name)}: 600`);
});
