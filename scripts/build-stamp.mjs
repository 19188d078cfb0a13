// Whether dist/ was built from the sources as they are now: the build writes a stamp (a hash of every source file's
// path and content), and `node scripts/build.mjs --if-stale` builds only when the stamp differs, so `npm run web` and
// `npm start` start at once when nothing changed.
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** What the built files come from (tests and docs do not change dist/). */
export const SOURCES = [
  'backend',
  'electron',
  'renderer',
  'shared',
  'scripts/build.mjs',
  'package.json',
  'package-lock.json',
  'tsconfig.base.json',
];
const SKIPPED = new Set(['node_modules', 'dist', '.git']);
export const STAMP_FILE = 'dist/build-stamp.json';

function filesUnder(root, path, found) {
  const full = join(root, path);
  if (!existsSync(full)) return found;
  if (statSync(full).isDirectory()) {
    for (const name of readdirSync(full).sort()) if (!SKIPPED.has(name)) filesUnder(root, join(path, name), found);
  } else {
    found.push(path);
  }
  return found;
}

/** The hash of every source file's path and content under `root`. */
export function sourceHash(root, sources = SOURCES) {
  const hash = createHash('sha256');
  for (const source of sources) {
    for (const file of filesUnder(root, source, [])) {
      hash.update(relative(root, join(root, file)));
      hash.update('\0');
      hash.update(readFileSync(join(root, file)));
      hash.update('\0');
    }
  }
  return hash.digest('hex');
}

/** True when `root`'s dist/ carries the stamp of its current sources. */
export function buildIsCurrent(root, sources = SOURCES) {
  try {
    const stamp = JSON.parse(readFileSync(join(root, STAMP_FILE), 'utf8'));
    return stamp.sources === sourceHash(root, sources);
  } catch {
    return false;
  }
}

export function writeStamp(root, sources = SOURCES) {
  writeFileSync(
    join(root, STAMP_FILE),
    `${JSON.stringify({ sources: sourceHash(root, sources), builtAt: new Date().toISOString() })}\n`,
  );
}
