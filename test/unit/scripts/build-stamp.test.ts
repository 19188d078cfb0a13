/**
 * `npm run web` builds only when dist/ is stale: the stamp written by the build matches the sources until one of them
 * changes (its content, a new file, a deleted one).
 */
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs build script without type declarations
import { buildIsCurrent, writeStamp } from '../../../scripts/build-stamp.mjs';

const SOURCES = ['src', 'package.json'];
let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'companion-stamp-'));
  mkdirSync(join(root, 'src', 'node_modules'), { recursive: true });
  mkdirSync(join(root, 'dist'));
  writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 1;\n');
  writeFileSync(join(root, 'package.json'), '{}\n');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('build stamp', () => {
  it('is stale with no stamp, current after the build wrote one', () => {
    expect(buildIsCurrent(root, SOURCES)).toBe(false);
    writeStamp(root, SOURCES);
    expect(buildIsCurrent(root, SOURCES)).toBe(true);
  });

  it('goes stale when a source changes, is added or is removed; not for files in node_modules', () => {
    writeStamp(root, SOURCES);
    writeFileSync(join(root, 'src', 'node_modules', 'x.js'), 'ignored');
    expect(buildIsCurrent(root, SOURCES)).toBe(true);

    writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 2;\n');
    expect(buildIsCurrent(root, SOURCES)).toBe(false);
    writeStamp(root, SOURCES);

    writeFileSync(join(root, 'src', 'b.ts'), '');
    expect(buildIsCurrent(root, SOURCES)).toBe(false);
    writeStamp(root, SOURCES);

    unlinkSync(join(root, 'src', 'b.ts'));
    expect(buildIsCurrent(root, SOURCES)).toBe(false);
  });

  it('stays current when a file is only touched (a checkout that rewrote it unchanged)', () => {
    writeStamp(root, SOURCES);
    writeFileSync(join(root, 'src', 'a.ts'), 'export const a = 1;\n');
    expect(buildIsCurrent(root, SOURCES)).toBe(true);
  });
});
