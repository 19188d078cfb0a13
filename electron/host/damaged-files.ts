/**
 * A file of the app's that cannot be read is set aside, never deleted (it may still be recoverable by hand): renamed
 * to `<name>.damaged-<UTC time>` beside where it was. What happened is told to the user in plain words through the
 * snapshot's `notices`.
 */
import { copyFileSync, existsSync, renameSync } from 'node:fs';
import { basename } from 'node:path';
import type { FileNotice } from '../../shared/bridge.js';

/** `settings.json` -> `settings.json.damaged-2026-12-04T20-30-00Z` (no colons: some file systems refuse them). */
export function damagedName(file: string, now: Date): string {
  const base = `${file}.damaged-${now
    .toISOString()
    .replace(/\.\d+Z$/, 'Z')
    .replace(/:/g, '-')}`;
  // A second damage within the same second must not replace the first one's copy.
  let name = base;
  for (let n = 2; existsSync(name); n += 1) name = `${base}-${n}`;
  return name;
}

/** Renames the file (and a SQLite store's -wal and -shm beside it) aside; the new name, or null when there was none. */
export function setAside(file: string, now: Date = new Date()): string | null {
  if (!existsSync(file)) return null;
  const aside = damagedName(file, now);
  renameSync(file, aside);
  for (const suffix of ['-wal', '-shm']) if (existsSync(file + suffix)) renameSync(file + suffix, aside + suffix);
  return aside;
}

/** Keeps a copy of a file that is about to be rewritten with what could be read of it. */
export function copyAside(file: string, now: Date = new Date()): string | null {
  if (!existsSync(file)) return null;
  const aside = damagedName(file, now);
  copyFileSync(file, aside);
  return aside;
}

export function notice(id: string, message: string): FileNotice {
  return { id, message };
}

/** The file's name alone, for messages: the folder is shown in Settings. */
export const shortName = (path: string) => basename(path);
