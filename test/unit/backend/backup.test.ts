import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GenerationRequest } from '../../../shared/api.js';
import { startBackend, type TestBackend } from '../../support/backend.js';
import { startProcess, type Exit } from '../../support/process.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
/** Charged in credits on Standard (not one of its unlimited models). */
const PAID: GenerationRequest = {
  tool: 'text-to-image',
  modelId: 'vivid-pro-image',
  prompt: 'a kite over the dunes',
  settings: { outputs: 1 },
};

let backend: TestBackend;
let scratch: string;

beforeAll(async () => {
  // A load test is automation by design: the fair-use thresholds are raised so that it is not paused.
  backend = await startBackend({
    testClock: '2026-03-10T09:00:00Z',
    config: { fairUse: { automation: { maxRequestsPerWindow: 1_000_000 } } },
  });
  scratch = mkdtempSync(join(tmpdir(), 'companion-backup-'));
});
afterAll(async () => {
  await backend?.stop();
  rmSync(scratch, { recursive: true, force: true });
});

interface Ran extends Exit {
  stdout: string;
  stderr: string;
}

function maintenance(args: string[]) {
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COMPANION_')));
  return startProcess(
    process.execPath,
    ['--disable-warning=ExperimentalWarning', '--import', 'tsx', 'backend/cli.ts', ...args],
    { cwd: repoRoot, env },
  );
}

async function run(args: string[]): Promise<Ran> {
  const child = maintenance(args);
  const exit = await child.exited(60_000);
  return { ...exit, stdout: child.stdout(), stderr: child.stderr() };
}

/** Each balance of each account in the file, and the sum of that balance's ledger entries, computed here in JS. */
function balancesAgainstLedger(file: string): {
  balances: Map<string, number>;
  sums: Map<string, number>;
  entries: number;
  debits: number;
} {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const balances = new Map<string, number>();
    for (const row of db.prepare('SELECT account_id, name, amount FROM balances').all() as {
      account_id: string;
      name: string;
      amount: number;
    }[]) {
      balances.set(`${row.account_id}/${row.name}`, Number(row.amount));
    }
    const sums = new Map<string, number>();
    const entries = db.prepare('SELECT account_id, balance, amount, kind FROM ledger_entries').all() as {
      account_id: string;
      balance: string;
      amount: number;
      kind: string;
    }[];
    for (const e of entries)
      sums.set(`${e.account_id}/${e.balance}`, (sums.get(`${e.account_id}/${e.balance}`) ?? 0) + Number(e.amount));
    return { balances, sums, entries: entries.length, debits: entries.filter((e) => e.kind === 'debit').length };
  } finally {
    db.close();
  }
}

describe('backup and restore of the SQLite database', () => {
  let copy: string;

  it("takes a backup while charges are written, and the restored database's balances equal its ledger sums", async () => {
    const accounts = await Promise.all(
      ['Ada', 'Lin', 'Tess', 'Gia'].map((name) => backend.createAccount(name, 'Europe/Berlin', 'standard')),
    );
    let charges = 0;
    let chargesDuringBackup = 0;
    let backingUp = false;
    let loading = true;
    let failure: unknown = null;
    const loops = accounts.map(async ({ client }) => {
      while (loading && !failure) {
        await client.createGeneration(PAID).catch((error: unknown) => (failure = error));
        charges += 1;
        if (backingUp) chargesDuringBackup += 1;
      }
    });
    while (charges < 40 && !failure) await new Promise((r) => setTimeout(r, 20));

    copy = join(scratch, 'companion-backup.sqlite');
    backingUp = true;
    const backup = maintenance(['backup', '--to', copy, '--data', backend.dataDir]);
    const exit = await backup.exited(60_000);
    backingUp = false;
    const afterBackup = charges;
    while (charges < afterBackup + 20 && !failure) await new Promise((r) => setTimeout(r, 20));
    loading = false;
    await Promise.all(loops);
    expect(failure).toBeNull();

    expect(exit, backup.stderr()).toEqual({ code: 0, signal: null });
    expect(backup.stdout()).toMatch(/integrity ok, balances match the ledger/);
    expect(chargesDuringBackup, 'charges completed while the backup ran').toBeGreaterThan(0);

    const restoredDir = join(scratch, 'restored');
    const restored = await run(['restore', '--from', copy, '--data', restoredDir]);
    expect(restored.code, restored.stderr).toBe(0);
    const file = join(restoredDir, 'companion.sqlite');
    const { balances, sums, entries, debits } = balancesAgainstLedger(file);
    expect(debits).toBeGreaterThanOrEqual(40);
    expect(entries).toBeLessThan(balancesAgainstLedger(join(backend.dataDir, 'companion.sqlite')).entries);
    expect(balances.size).toBeGreaterThan(0);
    for (const [key, amount] of balances) expect(sums.get(key) ?? 0, key).toBe(amount);
    for (const [key, sum] of sums) expect(balances.get(key) ?? 0, key).toBe(sum);
  }, 120_000);

  it('refuses to restore over a database a running backend has open, and leaves it as it was', async () => {
    const before = balancesAgainstLedger(join(backend.dataDir, 'companion.sqlite')).entries;
    const refused = await run(['restore', '--from', copy, '--data', backend.dataDir]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/is in use .*stop the backend before restoring/);
    expect(balancesAgainstLedger(join(backend.dataDir, 'companion.sqlite')).entries).toBe(before);
    await expect(backend.admin.admin.listAccounts()).resolves.toMatchObject({ items: expect.any(Array) });
  }, 60_000);

  it('keeps the database a restore replaces, when no backend has it open', async () => {
    const dir = join(scratch, 'replace');
    const first = await run(['restore', '--from', copy, '--data', dir]);
    expect(first.code, first.stderr).toBe(0);
    const again = await run(['restore', '--from', copy, '--data', dir]);
    expect(again.code, again.stderr).toBe(0);
    const kept = /kept as (\S+)$/m.exec(again.stdout)?.[1];
    expect(kept && existsSync(kept)).toBe(true);
  }, 60_000);

  it('refuses a copy whose balances differ from its ledger, or that comes from a newer version', async () => {
    const tampered = join(scratch, 'tampered.sqlite');
    copyFileSync(copy, tampered);
    const db = new DatabaseSync(tampered);
    db.exec('UPDATE balances SET amount = amount + 7 WHERE rowid = (SELECT MIN(rowid) FROM balances)');
    db.close();
    const refused = await run(['restore', '--from', tampered, '--data', join(scratch, 'never')]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/1 balances differ from their ledger/);
    expect(existsSync(join(scratch, 'never', 'companion.sqlite'))).toBe(false);

    const newer = join(scratch, 'newer.sqlite');
    copyFileSync(copy, newer);
    const db2 = new DatabaseSync(newer);
    db2.exec("INSERT INTO kysely_migration (name, timestamp) VALUES ('9999_from_the_future', '2030-01-01T00:00:00Z')");
    db2.close();
    const future = await run(['restore', '--from', newer, '--data', join(scratch, 'never')]);
    expect(future.code).toBe(1);
    expect(future.stderr).toMatch(/comes from a newer version \(migrations 9999_from_the_future/);
  }, 60_000);

  it('exits 2 with the usage when --to or --data is missing, and never overwrites a file', async () => {
    const noTarget = await run(['backup', '--data', backend.dataDir]);
    expect(noTarget.code).toBe(2);
    expect(noTarget.stderr).toContain('backup needs --to <file>');
    expect((await run(['backup', '--to', join(scratch, 'x.sqlite')])).code).toBe(2);
    const postgres = await run([
      'backup',
      '--to',
      join(scratch, 'pg.sqlite'),
      '--data',
      backend.dataDir,
      '--database',
      'postgres://localhost/companion',
    ]);
    expect(postgres.code).toBe(2);
    expect(postgres.stderr).toContain('back up PostgreSQL with pg_dump');
    const existing = await run(['backup', '--to', copy, '--data', backend.dataDir]);
    expect(existing.code).toBe(1);
    expect(existing.stderr).toContain('exists already');
  }, 60_000);
});
