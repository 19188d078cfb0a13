/**
 * Answers that carry a new bearer token are never stored with it. An Idempotency-Key on `POST /v1/admin/accounts`
 * stores the answer without its token, marked with the account it was issued to; a replay (a client that lost the first
 * answer and never saw that token) is answered with a fresh token for the same account, so no account is made twice
 * and no token rests in plain text in `idempotency_keys`.
 */
import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { DB } from '../storage/schema.js';
import { hashToken } from '../domain/accounts.js';
import type { StoredAnswer } from '../storage/idempotency.js';

export function newToken(): string {
  return `cc_${randomBytes(32).toString('base64url')}`;
}

/** Adds a token for an existing account (stored hashed) and returns it. */
export async function issueToken(db: Kysely<DB>, accountId: string, at: Date): Promise<string> {
  const token = newToken();
  await db
    .insertInto('account_tokens')
    .values({ token_hash: hashToken(token), account_id: accountId, created_at: at.toISOString() })
    .execute();
  return token;
}

interface WithToken {
  token: string;
  [field: string]: unknown;
}

/** The answer as it is stored: the token left out, the account it was issued to named instead. */
export function storable(answer: StoredAnswer & { body: WithToken }, accountId: string): StoredAnswer {
  const { token: _left, ...rest } = answer.body;
  return { status: answer.status, body: { ...rest, tokenIssuedTo: accountId } };
}

/** A stored answer made sendable again: a replay gets a fresh token for the account the first one was issued to. */
export async function replayable(
  answer: StoredAnswer,
  mint: (accountId: string) => Promise<string>,
): Promise<StoredAnswer> {
  const body = answer.body as { tokenIssuedTo?: unknown } | null;
  if (!body || typeof body !== 'object' || typeof body.tokenIssuedTo !== 'string') return answer;
  const { tokenIssuedTo, ...rest } = body;
  return { ...answer, body: { ...rest, token: await mint(tokenIssuedTo) } };
}
