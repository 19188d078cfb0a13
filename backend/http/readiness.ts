/**
 * Whether this process should be sent requests (`GET /v1/ready`): the database answers a `select 1`, it has run every
 * migration this version knows, and the data folder (outputs, uploads) takes a write. Not while draining: after SIGTERM
 * a load balancer should stop sending requests before the listener closes. `/v1/health` stays the liveness check: it
 * answers as long as the process does.
 */
import { randomBytes } from 'node:crypto';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { sql, type Kysely } from 'kysely';
import type * as api from '../../shared/api.js';
import { ApiProblem } from '../problem.js';
import type { Database } from '../storage/database.js';
import { pendingMigrations } from '../storage/migrations.js';

/** A database that does not answer within this is as good as down, for a load balancer. */
const CHECK_TIMEOUT_MS = 2_000;

function within<T>(work: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what} did not answer within ${CHECK_TIMEOUT_MS / 1000} s`)),
      CHECK_TIMEOUT_MS,
    );
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

async function failureOf(check: () => Promise<unknown>): Promise<string | null> {
  try {
    await check();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

export class Readiness {
  #draining = false;

  constructor(private readonly deps: { database: Database; dataDir: string }) {}

  /** From now on not ready: the process is about to stop. */
  drain(): void {
    this.#draining = true;
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Ready, or a 503 not_ready that says which check failed. */
  async check(): Promise<api.Ready> {
    if (this.#draining)
      throw new ApiProblem(503, 'not_ready', 'The backend is draining: it is about to stop', {
        checks: { draining: true },
      });
    const { db, engine } = this.deps.database;
    const database = await failureOf(() => within(sql`select 1`.execute(db), 'The database'));
    const migrations =
      database ??
      (await failureOf(async () => {
        const pending = await within(pendingMigrations(db as Kysely<unknown>, engine), 'The migration table');
        if (pending.length) throw new Error(`migrations not run: ${pending.join(', ')}`);
      }));
    const storage = await failureOf(async () => {
      const probe = join(this.deps.dataDir, `.ready-${randomBytes(6).toString('hex')}`);
      await writeFile(probe, '');
      await rm(probe, { force: true });
    });
    const failed = { database, migrations, storage };
    if (database || migrations || storage) {
      const detail = Object.entries(failed)
        .filter(([, why]) => why)
        .map(([what, why]) => `${what}: ${why}`)
        .join('; ');
      throw new ApiProblem(503, 'not_ready', `Not ready: ${detail}`, {
        checks: Object.fromEntries(Object.entries(failed).map(([k, why]) => [k, why ?? 'ok'])),
      });
    }
    return { status: 'ready', checks: { database: 'ok', migrations: 'ok', storage: 'ok' } };
  }
}
