/**
 * Idempotency-Key (API.md): the same key with the same body returns the first result and charges once; the same key
 * with another body is 409 idempotency_conflict. A key is reserved before the work starts, so concurrent replays wait
 * for the first one instead of running again; the answer is stored in the same transaction as the charge it
 * describes, so a crash can never leave a charge without its answer (or an answer without its charge).
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from './db/schema.js';
import { ApiProblem } from './problem.js';
import type { Tx } from './tx.js';

export interface StoredAnswer {
  status: number;
  body: unknown;
}

/** A reservation left unanswered this long belongs to a process that died mid-request; it may be taken over. */
const STALE_RESERVATION_MS = 60_000;
const WAIT_STEP_MS = 10;

export function requestHash(route: string, body: unknown): string {
  const text = Buffer.isBuffer(body) ? body.toString('base64') : JSON.stringify(body ?? null);
  return createHash('sha256').update(route).update('\n').update(text).digest('hex');
}

export class Idempotency {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Runs `work` once per (owner, key). `work` gets a `remember` function to call inside its own transaction with the
   * answer; refusals (ApiProblem) are remembered too, so a replay gets the same refusal.
   */
  async run(
    owner: string,
    key: string | undefined,
    route: string,
    body: unknown,
    work: (remember: (trx: Tx, answer: StoredAnswer) => Promise<void>) => Promise<StoredAnswer>,
  ): Promise<StoredAnswer> {
    const noop = async () => {};
    if (!key) return work(noop);
    if (key.length > 200) {
      throw new ApiProblem(400, 'invalid_request', 'Idempotency-Key is at most 200 characters', { errors: [{ path: 'headers.idempotency-key', message: 'at most 200 characters' }] });
    }
    const hash = requestHash(route, body);
    for (;;) {
      const reserved = await this.db
        .insertInto('idempotency_keys')
        .values({ account_id: owner, key, route, request_hash: hash, status: 0, response: null, created_at: new Date().toISOString() })
        .onConflict((oc) => oc.columns(['account_id', 'key']).doNothing())
        .returning('key')
        .executeTakeFirst();
      if (reserved) break;
      const existing = await this.db.selectFrom('idempotency_keys').selectAll().where('account_id', '=', owner).where('key', '=', key).executeTakeFirst();
      if (!existing) continue;
      if (existing.request_hash !== hash || existing.route !== route) {
        throw new ApiProblem(409, 'idempotency_conflict', 'This Idempotency-Key was used with another request');
      }
      if (existing.response !== null) return { status: existing.status, body: JSON.parse(existing.response) };
      if (Date.now() - Date.parse(existing.created_at) > STALE_RESERVATION_MS) {
        await this.release(owner, key, existing.created_at);
        continue;
      }
      await new Promise((resolve) => setTimeout(resolve, WAIT_STEP_MS));
    }
    const remember = async (trx: Tx, answer: StoredAnswer) => {
      await trx
        .updateTable('idempotency_keys')
        .set({ status: answer.status, response: JSON.stringify(answer.body) })
        .where('account_id', '=', owner)
        .where('key', '=', key)
        .execute();
    };
    try {
      return await work(remember);
    } catch (error) {
      if (error instanceof ApiProblem && error.status < 500) {
        const answer = { status: error.status, body: error.toProblem() };
        await this.db.transaction().execute((trx) => remember(trx, answer));
        return answer;
      }
      await this.release(owner, key);
      throw error;
    }
  }

  private async release(owner: string, key: string, createdAt?: string): Promise<void> {
    let query = this.db.deleteFrom('idempotency_keys').where('account_id', '=', owner).where('key', '=', key).where('response', 'is', null);
    if (createdAt) query = query.where('created_at', '=', createdAt);
    await query.execute();
  }
}
