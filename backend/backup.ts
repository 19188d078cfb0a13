/**
 * `backend backup --to <file> --data <folder>` and `backend restore --from <file> --data <folder>` for the SQLite
 * database (docs/OPERATING.md "Backups"; PostgreSQL is backed up with pg_dump).
 *
 * A backup is `VACUUM INTO`: one read transaction, so the copy is the database as one commit left it, while the backend
 * keeps serving (in WAL mode a reader neither waits for the writer nor holds it up). A restore checks the copy first
 * (the file is sound, its migrations are ones this version knows, every balance equals the sum of its ledger entries)
 * and refuses to replace a database that a running backend holds open.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { parseArgs } from 'node:util';
import { migrationNames } from './storage/migrations.js';

const DATABASE_FILE = 'companion.sqlite';

class MaintenanceError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
  ) {
    super(message);
  }
}

export interface CopyReport {
  accounts: number;
  ledgerEntries: number;
  lastMigration: string;
}

/** Whether `args` asks for a maintenance command rather than for a server. */
export function isMaintenanceCommand(args: readonly string[]): boolean {
  return args[0] === 'backup' || args[0] === 'restore';
}

/** Runs `backup` or `restore` and returns the exit code: 0 done, 1 refused or failed, 2 wrong usage. */
export function runMaintenance(args: string[], env: NodeJS.ProcessEnv = process.env): number {
  try {
    const [command, ...rest] = args;
    const { values } = parseArgs({
      args: rest,
      options: {
        to: { type: 'string' },
        from: { type: 'string' },
        data: { type: 'string' },
        database: { type: 'string' },
      },
      strict: true,
    });
    if (values.database ?? env.COMPANION_DATABASE_URL) {
      throw new MaintenanceError(
        `${command} copies the SQLite database only: back up PostgreSQL with pg_dump and restore it with pg_restore (docs/OPERATING.md)`,
        2,
      );
    }
    const dataDir = values.data ?? env.COMPANION_DATA;
    if (!dataDir) throw new MaintenanceError('--data <folder> (or COMPANION_DATA) is required', 2);
    const database = join(dataDir, DATABASE_FILE);
    if (command === 'backup') {
      if (!values.to) throw new MaintenanceError('backup needs --to <file>', 2);
      const report = backup(database, resolve(values.to));
      say(`backed up ${database} to ${values.to}: ${describe(report)}`);
    } else {
      if (!values.from) throw new MaintenanceError('restore needs --from <file>', 2);
      const { report, keptAs } = restore(resolve(values.from), database);
      say(
        `restored ${values.from} into ${database}: ${describe(report)}${keptAs ? `; the database it replaced is kept as ${keptAs}` : ''}`,
      );
    }
    return 0;
  } catch (error) {
    const code =
      error instanceof MaintenanceError
        ? error.exitCode
        : (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
          ? 2
          : 1;
    process.stderr.write(`companion-backend: ${(error as Error).message}\n`);
    if (code === 2)
      process.stderr.write(
        'usage: backend backup --to <file> --data <folder> | backend restore --from <file> --data <folder>\n',
      );
    return code;
  }
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

function describe(report: CopyReport): string {
  return `${report.accounts} accounts, ${report.ledgerEntries} ledger entries, migrations up to ${report.lastMigration}, integrity ok, balances match the ledger`;
}

/** A consistent copy of the live database at `target` (which must not exist yet), checked like a restore would. */
export function backup(database: string, target: string): CopyReport {
  if (!existsSync(database)) throw new MaintenanceError(`There is no database at ${database}`);
  if (existsSync(target)) throw new MaintenanceError(`${target} exists already; a backup never overwrites a file`);
  const source = new DatabaseSync(database);
  try {
    source.exec('PRAGMA busy_timeout = 5000;');
    source.prepare('VACUUM INTO ?').run(target);
  } finally {
    source.close();
  }
  try {
    return checkCopy(target);
  } catch (error) {
    rmSync(target, { force: true });
    throw error;
  }
}

/**
 * Puts a checked copy in place of `database`. A database there already is first checkpointed and kept beside it, and
 * only if no other connection has it open: the exclusive lock is refused while a backend runs on it.
 */
export function restore(copy: string, database: string): { report: CopyReport; keptAs: string | null } {
  if (!existsSync(copy)) throw new MaintenanceError(`There is no backup at ${copy}`);
  const report = checkCopy(copy);
  let keptAs: string | null = null;
  if (existsSync(database)) {
    settleUnused(database);
    keptAs = `${database}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    renameSync(database, keptAs);
  }
  mkdirSync(dirname(database), { recursive: true });
  const incoming = `${database}.restoring`;
  copyFileSync(copy, incoming);
  renameSync(incoming, database);
  return { report, keptAs };
}

/**
 * Takes the database's exclusive lock (a running backend's connection holds a shared one, so this fails at once), folds
 * its write-ahead log into the file and closes it, so that no -wal file of the old database is left to be replayed
 * into the restored one.
 */
function settleUnused(database: string): void {
  const db = new DatabaseSync(database);
  try {
    db.exec('PRAGMA busy_timeout = 0; PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;');
    db.exec('PRAGMA wal_checkpoint(TRUNCATE);');
  } catch (error) {
    throw new MaintenanceError(
      `The database ${database} is in use (${(error as Error).message}): stop the backend before restoring`,
    );
  } finally {
    db.close();
  }
  for (const suffix of ['-wal', '-shm']) rmSync(`${database}${suffix}`, { force: true });
}

/** The checks a copy must pass before it is trusted: the file, its migrations, and the ledger against the balances. */
export function checkCopy(file: string): CopyReport {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    const integrity = db
      .prepare('PRAGMA integrity_check')
      .all()
      .map((row) => String(Object.values(row)[0]));
    if (integrity.join() !== 'ok')
      throw new MaintenanceError(`${file} is damaged: ${integrity.slice(0, 5).join('; ')}`);
    const lastMigration = knownMigrations(db, file);
    const mismatches = db
      .prepare(
        `SELECT b.account_id AS account, b.name AS balance, b.amount AS amount, COALESCE(SUM(e.amount), 0) AS entries
           FROM balances b LEFT JOIN ledger_entries e ON e.account_id = b.account_id AND e.balance = b.name
          GROUP BY b.account_id, b.name
         HAVING b.amount <> COALESCE(SUM(e.amount), 0)
         UNION ALL
         SELECT e.account_id, e.balance, 0, SUM(e.amount) FROM ledger_entries e
          WHERE NOT EXISTS (SELECT 1 FROM balances b WHERE b.account_id = e.account_id AND b.name = e.balance)
          GROUP BY e.account_id, e.balance HAVING SUM(e.amount) <> 0`,
      )
      .all();
    if (mismatches.length > 0) {
      const first = mismatches[0] as { account: string; balance: string; amount: number; entries: number };
      throw new MaintenanceError(
        `${file}: ${mismatches.length} balances differ from their ledger, e.g. ${first.account} ${first.balance} is ${first.amount} but its entries sum to ${first.entries}`,
      );
    }
    const count = (table: string) =>
      Number((db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n);
    return { accounts: count('accounts'), ledgerEntries: count('ledger_entries'), lastMigration };
  } finally {
    db.close();
  }
}

/** The last migration the copy has, after checking that this version knows every one of them. */
function knownMigrations(db: DatabaseSync, file: string): string {
  const known = migrationNames('sqlite');
  let applied: string[];
  try {
    applied = db
      .prepare('SELECT name FROM kysely_migration ORDER BY name')
      .all()
      .map((row) => String((row as { name: string }).name));
  } catch {
    throw new MaintenanceError(`${file} is not a Creator Companion database (it has no migrations table)`);
  }
  const unknown = applied.filter((name) => !known.includes(name));
  if (unknown.length > 0)
    throw new MaintenanceError(
      `${file} comes from a newer version (migrations ${unknown.join(', ')} are unknown here): restore it with that version`,
    );
  const last = applied.at(-1);
  if (!last) throw new MaintenanceError(`${file} has no migrations applied`);
  return last;
}
