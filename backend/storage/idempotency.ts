/**
 * Idempotency-Key (docs/API.md): the same key with the same body returns the first result and charges once; the same
 * key with another body is 409 idempotency_conflict.
 *
 * The key is written in the same transaction as the charge it answers, with the answer: a request that dies before
 * its commit leaves nothing behind (no stuck reservation), and of two concurrent requests with one key only one can
 * commit: the other's insert of the key fails on the primary key (on PostgreSQL it first waits for the winner to
 * commit), its whole transaction, charge included, rolls back, and it answers with the winner's stored answer.
 */
import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from './schema.js';
import { ApiProblem } from '../problem.js';
import type { Tx } from './tx.js';

export interface StoredAnswer {
  status: number;
  body: unknown;
  /** Set when the answer is the stored one of an earlier request with the same key: nothing was done this time. */
  replayed?: true;
}

export function requestHash(route: string, body: unknown): string {
  const text = Buffer.isBuffer(body) ? body.toString('base64') : JSON.stringify(body ?? null);
  return createHash('sha256').update(route).update('\n').update(text).digest('hex');
}

function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; message?: string };
  return e?.code === '23505' || /UNIQUE constraint failed/i.test(e?.message ?? '');
}

class KeyTaken extends Error {}

/** How often expired keys are deleted, at most: at the first insert after this long. */
const PRUNE_EVERY_MS = 60_000;

export class Idempotency {
  #prunedAt = 0;

  /** `ttlS`: how long an answer is kept; an older key is treated as new, and is deleted soon after. */
  constructor(
    private readonly db: Kysely<DB>,
    private readonly ttlS = 24 * 3600,
  ) {}

  /**
   * Runs `work` once per (owner, key). `work` calls `remember(trx, answer)` inside its own transaction, as its last
   * write; refusals (ApiProblem below 500) are remembered too, so a replay gets the same refusal.
   */
  async run(
    owner: string,
    key: string | undefined,
    route: string,
    body: unknown,
    work: (remember: (trx: Tx, answer: StoredAnswer) => Promise<void>) => Promise<StoredAnswer>,
  ): Promise<StoredAnswer> {
    if (!key) return work(async () => {});
    if (key.length > 200) {
      throw new ApiProblem(400, 'invalid_request', 'Idempotency-Key is at most 200 characters', {
        errors: [{ path: 'headers.idempotency-key', message: 'at most 200 characters' }],
      });
    }
    const hash = requestHash(route, body);
    await this.pruneNowAndThen();
    const stored = await this.stored(owner, key, route, hash);
    if (stored) return stored;

    const insert = async (trx: Tx, answer: StoredAnswer) => {
      try {
        await trx
          .insertInto('idempotency_keys')
          .values({
            account_id: owner,
            key,
            route,
            request_hash: hash,
            status: answer.status,
            response: JSON.stringify(answer.body),
            created_at: new Date().toISOString(),
          })
          .execute();
      } catch (error) {
        if (isUniqueViolation(error)) throw new KeyTaken();
        throw error;
      }
    };
    try {
      return await work(insert);
    } catch (error) {
      if (error instanceof KeyTaken || isUniqueViolation(error)) return (await this.stored(owner, key, route, hash))!;
      // A rate limit passes: it is not remembered, so the same key may try again once the wait is over.
      if (error instanceof ApiProblem && error.status < 500 && error.code !== 'rate_limited') {
        const answer = { status: error.status, body: error.toProblem() };
        try {
          await this.db.transaction().execute((trx) => insert(trx, answer));
        } catch (raced) {
          if (!(raced instanceof KeyTaken)) throw raced;
        }
        return (await this.stored(owner, key, route, hash))!;
      }
      throw error;
    }
  }

  private async stored(owner: string, key: string, route: string, hash: string): Promise<StoredAnswer | null> {
    const existing = await this.db
      .selectFrom('idempotency_keys')
      .selectAll()
      .where('account_id', '=', owner)
      .where('key', '=', key)
      .executeTakeFirst();
    if (!existing) return null;
    if (existing.created_at < this.#expiredBefore()) {
      await this.db
        .deleteFrom('idempotency_keys')
        .where('account_id', '=', owner)
        .where('key', '=', key)
        .where('created_at', '=', existing.created_at)
        .execute();
      return null;
    }
    if (existing.request_hash !== hash || existing.route !== route) {
      throw new ApiProblem(409, 'idempotency_conflict', 'This Idempotency-Key was used with another request');
    }
    // A row without an answer is a reservation left by an older build that died mid-request: it answers nothing.
    if (existing.response === null) {
      await this.db
        .deleteFrom('idempotency_keys')
        .where('account_id', '=', owner)
        .where('key', '=', key)
        .where('response', 'is', null)
        .execute();
      return null;
    }
    return { status: existing.status, body: JSON.parse(existing.response), replayed: true };
  }

  #expiredBefore(): string {
    return new Date(Date.now() - this.ttlS * 1000).toISOString();
  }

  /** Deletes the expired keys, at most once a minute: the table holds only a day of answers. */
  private async pruneNowAndThen(): Promise<void> {
    if (Date.now() - this.#prunedAt < Math.min(PRUNE_EVERY_MS, this.ttlS * 1000)) return;
    this.#prunedAt = Date.now();
    await this.db.deleteFrom('idempotency_keys').where('created_at', '<', this.#expiredBefore()).execute();
  }
}
