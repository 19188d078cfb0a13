/**
 * The layering rule (docs/ARCHITECTURE.md, "Layers"): shared/ imports no Node, DOM or Electron; the renderer imports no
 * Node or Electron. The lint step enforces it; this test proves the lint step really fails on a violation.
 */
import { execFileSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const probes: string[] = [];

function lint(relativePath: string, source: string): { status: number; output: string } {
  const file = join(repo, relativePath);
  probes.push(file);
  writeFileSync(file, source);
  try {
    const output = execFileSync(join(repo, 'node_modules', '.bin', 'oxlint'), ['-c', '.oxlintrc.json', '--deny-warnings', relativePath], { cwd: repo, encoding: 'utf8' });
    return { status: 0, output };
  } catch (error) {
    const failure = error as { status: number; stdout: string };
    return { status: failure.status, output: failure.stdout };
  }
}

describe('layering lint', () => {
  afterEach(() => {
    for (const file of probes.splice(0)) rmSync(file, { force: true });
  });

  it('fails when shared/ imports a node: module', () => {
    const result = lint('shared/__probe_node.ts', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n");
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('no-restricted-imports');
  });

  it('fails when shared/ imports electron', () => {
    const result = lint('shared/__probe_electron.ts', "import { app } from 'electron';\nexport const a = app;\n");
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('no-restricted-imports');
  });

  it('fails when shared/ uses a DOM global', () => {
    const result = lint('shared/__probe_dom.ts', 'export const title = () => document.title;\n');
    expect(result.status).not.toBe(0);
    expect(result.output).toContain('no-restricted-globals');
  });

  it('fails when the renderer imports Node or Electron', () => {
    const node = lint('renderer/src/__probe_node.ts', "import { homedir } from 'node:os';\nexport const h = homedir;\n");
    expect(node.status).not.toBe(0);
    const electron = lint('renderer/src/__probe_electron.ts', "import { ipcRenderer } from 'electron';\nexport const i = ipcRenderer;\n");
    expect(electron.status).not.toBe(0);
  });

  it('passes pure code in shared/', () => {
    const result = lint('shared/__probe_pure.ts', 'export const double = (n: number): number => n * 2;\n');
    expect(result.status).toBe(0);
  });
});
