/**
 * The backend's checkpoint worker is a failure survived when it dies: a worker that cannot open its database file (a
 * data folder that went away under it) is reported through `failed`, hands checkpoints back to SQLite, and still stops.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { describe, expect, it } from 'vitest';
import { BackgroundCheckpointer } from '../../../backend/storage/checkpointer.js';

describe('the background checkpointer', () => {
  it('reports a worker that cannot open its file, hands checkpoints back to SQLite, and still stops', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'companion-checkpointer-'));
    const db = new DatabaseSync(join(dir, 'main.sqlite'));
    db.exec('PRAGMA journal_mode = WAL;');
    const failures: Error[] = [];
    const checkpointer = new BackgroundCheckpointer(db, join(dir, 'gone', 'missing.sqlite'), {
      failed: (error) => failures.push(error),
    });
    await expect.poll(() => failures.length, { timeout: 5_000 }).toBeGreaterThan(0);
    expect(failures[0]?.message).toMatch(/checkpoint worker stopped/);
    expect((db.prepare('PRAGMA wal_autocheckpoint').get() as { wal_autocheckpoint: number }).wal_autocheckpoint).toBe(
      1_000,
    );
    await checkpointer.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
