/**
 * The production build: dist/backend/*.mjs run with plain node and only the runtime `dependencies` (no tsx, no dev
 * dependency), which is what an operator gets from `npm install --omit=dev && npm run build`.
 */
import { execFileSync } from 'node:child_process';
import { builtinModules } from 'node:module';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createCompanionClient } from '../../../shared/client.js';
import { startProcess, type RunningProcess } from '../../support/process.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const LISTENING = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/m;
const pkg = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync(join(repoRoot, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean }>;
};

/** The package a bare specifier names: `kysely/migration` → `kysely`, `@scope/name/x` → `@scope/name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string);
}

/** Every module specifier a bundle imports, exports from, imports dynamically or requires, that is not relative. */
function bareSpecifiers(code: string): string[] {
  const found = new Set<string>();
  const patterns = [
    /\b(?:import|export)\s[^'"]*?\bfrom\s*(['"])([^'"]+)\1/g,
    /\bimport\s*(['"])([^'"]+)\1/g,
    /\b(?:import|require)\(\s*(['"])([^'"]+)\1\s*\)/g,
  ];
  for (const pattern of patterns) for (const match of code.matchAll(pattern)) found.add(match[2] as string);
  return [...found].filter((s) => !s.startsWith('.') && !s.startsWith('/'));
}

const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtinModules.includes(specifier);

let bundles: string[];
beforeAll(() => {
  execFileSync(process.execPath, ['scripts/build.mjs'], { cwd: repoRoot, stdio: 'pipe' });
  bundles = readdirSync(join(repoRoot, 'dist/backend')).filter((f) => f.endsWith('.mjs'));
}, 180_000);

let running: RunningProcess[] = [];
let scratch: string[] = [];
afterEach(() => {
  for (const child of running) child.kill();
  for (const dir of scratch) rmSync(dir, { recursive: true, force: true });
  running = [];
  scratch = [];
});

function plainNode(args: string[], env: Record<string, string> = {}): RunningProcess {
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !name.startsWith('COMPANION_') && name !== 'NODE_OPTIONS'),
  );
  const child = startProcess(process.execPath, args, { cwd: repoRoot, env: { ...clean, ...env } });
  running.push(child);
  return child;
}

function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'companion-dist-'));
  scratch.push(dir);
  return dir;
}

describe('the production build of the backend', () => {
  it('builds the server and the admin command line', () => {
    expect(bundles).toEqual(expect.arrayContaining(['cli.mjs', 'main.mjs', 'admin.mjs']));
  });

  it('imports nothing but node builtins and the runtime dependencies', () => {
    for (const bundle of bundles) {
      const specifiers = bareSpecifiers(readFileSync(join(repoRoot, 'dist/backend', bundle), 'utf8'));
      // The bundles proper import many packages (a reading that finds none is broken); cli.mjs only enters main.mjs.
      if (bundle !== 'cli.mjs') expect(specifiers.length, bundle).toBeGreaterThan(3);
      const outside = specifiers.filter((s) => !isBuiltin(s) && !(packageOf(s) in pkg.dependencies));
      expect(outside, `${bundle} imports packages outside "dependencies"`).toEqual([]);
    }
  });

  it('serves /v1/health under plain node, loading no dev-only package', async () => {
    const record = join(tempDir(), 'modules.txt');
    const backend = plainNode(
      [
        '--import',
        './test/support/record-modules.mjs',
        'dist/backend/cli.mjs',
        '--port',
        '0',
        '--data',
        tempDir(),
        '--admin-token',
        'x'.repeat(16),
      ],
      { RECORD_MODULES_TO: record },
    );
    const [, url] = await backend.waitForOutput(LISTENING, 30_000);
    await expect(createCompanionClient({ baseURL: url as string, retries: 0 }).health()).resolves.toMatchObject({
      status: 'ok',
    });
    const loaded = readFileSync(record, 'utf8')
      .split('\n')
      .filter((u) => u.includes('/node_modules/'));
    expect(loaded.length).toBeGreaterThan(10);
    const devOnly = [
      ...new Set(loaded.map((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] as string)),
    ].filter((name) => lock.packages[`node_modules/${name}`]?.dev);
    expect(devOnly, 'dev-only packages loaded by dist/backend/cli.mjs').toEqual([]);
    expect(loaded.some((u) => u.includes('/node_modules/fastify/'))).toBe(true);
    backend.child.kill('SIGTERM');
    await expect(backend.exited()).resolves.toEqual({ code: 0, signal: null });
  }, 60_000);

  it('refuses --database without --data with a clear message and exit 2', async () => {
    const backend = plainNode([
      'dist/backend/cli.mjs',
      '--port',
      '0',
      '--database',
      'postgres://localhost/companion',
      '--admin-token',
      'x'.repeat(16),
    ]);
    await expect(backend.exited()).resolves.toEqual({ code: 2, signal: null });
    expect(backend.stderr()).toContain(
      '--data <folder> (or COMPANION_DATA) is required: outputs and uploads are kept there, also with --database',
    );
  });

  it('runs the admin command line under plain node', async () => {
    const help = plainNode(['dist/backend/admin.mjs', '--help']);
    await expect(help.exited()).resolves.toEqual({ code: 0, signal: null });
    expect(help.stdout()).toContain('accounts create');
  });
});
