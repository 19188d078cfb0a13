/**
 * The database holds every account's data and the hashes of their tokens: its folder and files are the owner's alone
 * (700 and 600), whatever the umask. SQLite gives its -wal and -shm files the mode of the database file, so the
 * database file is made (or narrowed) to 600 before SQLite opens it; files left wider by an older build are narrowed.
 */
import { chmodSync, closeSync, existsSync, mkdirSync, openSync } from 'node:fs';

export const OWNER_ONLY_FOLDER = 0o700;
export const OWNER_ONLY_FILE = 0o600;

export function ownerOnlyFolder(path: string): void {
  mkdirSync(path, { recursive: true, mode: OWNER_ONLY_FOLDER });
  chmodSync(path, OWNER_ONLY_FOLDER);
}

/** The database file and its companions, made or narrowed to 600 (call before SQLite opens it). */
export function ownerOnlyDatabaseFiles(databasePath: string): void {
  closeSync(openSync(databasePath, 'a', OWNER_ONLY_FILE));
  for (const path of [databasePath, `${databasePath}-wal`, `${databasePath}-shm`, `${databasePath}-journal`]) {
    if (existsSync(path)) chmodSync(path, OWNER_ONLY_FILE);
  }
}
