/**
 * The formatter decides layout (docs/ARCHITECTURE.md, "Habits"): `npm run lint` checks every file with Prettier, and
 * this test proves the check really fails on a file that is not formatted, and passes one that is.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const probes: string[] = [];

function check(relativePath: string, source: string): number {
  const file = join(repo, relativePath);
  probes.push(file);
  writeFileSync(file, source);
  try {
    execFileSync(join(repo, 'node_modules', '.bin', 'prettier'), ['--check', relativePath], {
      cwd: repo,
      stdio: 'pipe',
    });
    return 0;
  } catch (error) {
    return (error as { status: number }).status;
  }
}

describe('formatting check', () => {
  afterEach(() => {
    for (const file of probes.splice(0)) rmSync(file, { force: true });
  });

  it('is part of npm run lint', () => {
    const scripts = (
      JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { scripts: Record<string, string> }
    ).scripts;
    expect(scripts.lint).toContain('prettier --check');
    expect(scripts.format).toContain('prettier --write');
  });

  it('fails on a file that is not formatted', () => {
    expect(check('shared/__probe_unformatted.ts', 'export const double = ( n:number ):number=>n*2\n')).not.toBe(0);
  });

  it('fails on a line longer than the line width', () => {
    const long = `export const words = [${Array.from({ length: 30 }, (_, i) => `'word${i}'`).join(', ')}];\n`;
    expect(check('shared/__probe_long.ts', long)).not.toBe(0);
  });

  it('passes a formatted file', () => {
    expect(check('shared/__probe_formatted.ts', 'export const double = (n: number): number => n * 2;\n')).toBe(0);
  });
});
