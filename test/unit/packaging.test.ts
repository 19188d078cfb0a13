/**
 * Packaging (electron-builder): an unpacked Linux build made with a stand-in Electron distribution (the real binary
 * cannot be downloaded here; docs/ARCHITECTURE.md) must pack the built main, preload, renderer and backend into app.asar,
 * and none of the development dependencies.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const require = createRequire(import.meta.url);
const asar = require('@electron/asar') as {
  listPackage(archive: string, options: object): string[];
  extractFile(archive: string, file: string): Buffer;
};
const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as {
  devDependencies: Record<string, string>;
  dependencies: Record<string, string>;
};

describe('electron-builder packaging', () => {
  let work: string;
  let archive: string;
  let files: string[];

  beforeAll(() => {
    if (!existsSync(join(repo, 'dist', 'electron', 'main.mjs')))
      throw new Error('run `npm run build` first: dist/ is missing');
    work = mkdtempSync(join(tmpdir(), 'companion-pack-'));
    const electronDist = join(work, 'electron-dist');
    mkdirSync(join(electronDist, 'resources'), { recursive: true });
    writeFileSync(join(electronDist, 'electron'), '#!/bin/sh\nexit 0\n');
    chmodSync(join(electronDist, 'electron'), 0o755);
    writeFileSync(join(electronDist, 'version'), '45.4.1');
    execFileSync(
      join(repo, 'node_modules', '.bin', 'electron-builder'),
      [
        '--config',
        'electron-builder.config.cjs',
        '--linux',
        'dir',
        `-c.electronDist=${electronDist}`,
        '-c.electronVersion=45.4.1',
        `-c.directories.output=${join(work, 'out')}`,
      ],
      { cwd: repo, stdio: 'pipe', env: { ...process.env, CSC_IDENTITY_AUTO_DISCOVERY: 'false' } },
    );
    archive = join(work, 'out', 'linux-unpacked', 'resources', 'app.asar');
    files = asar.listPackage(archive, {});
  }, 180_000);
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  it('packs the built main, preload, renderer and backend', () => {
    for (const file of [
      '/dist/electron/main.mjs',
      '/dist/electron/preload.cjs',
      '/dist/renderer/index.html',
      '/dist/backend/cli.mjs',
      '/dist/backend/catalog.json',
      '/dist/web/cli.mjs',
    ]) {
      expect(files).toContain(file);
    }
    const packed = JSON.parse(asar.extractFile(archive, 'package.json').toString('utf8')) as { main: string };
    expect(packed.main).toBe('dist/electron/main.mjs');
  });

  it('packs no development dependency and no source maps', () => {
    const modules = new Set(
      files.filter((f) => /^\/node_modules\/(@[^/]+\/)?[^/]+$/.test(f)).map((f) => f.slice('/node_modules/'.length)),
    );
    for (const dev of Object.keys(pkg.devDependencies))
      expect(modules.has(dev), `${dev} is a devDependency`).toBe(false);
    for (const runtime of ['fastify', 'kysely', 'zod', 'conf', 'sharp'])
      expect(modules.has(runtime), `${runtime} is needed at run time`).toBe(true);
    expect(files.filter((f) => f.endsWith('.map') && f.startsWith('/dist/'))).toEqual([]);
    expect(files.some((f) => f.startsWith('/src/') || f.startsWith('/test/') || f.startsWith('/backend/'))).toBe(false);
  });

  it('keeps the native image library unpacked beside the archive', () => {
    expect(
      existsSync(join(work, 'out', 'linux-unpacked', 'resources', 'app.asar.unpacked', 'node_modules', 'sharp')),
    ).toBe(true);
  });
});
