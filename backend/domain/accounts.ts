import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { AccountCreate, Catalog, Me, Plan } from '../../shared/api.js';
import { AccountCreate as AccountCreateSchema } from '../../shared/api.js';
import { isKnownTimeZone, lastLocalMidnight } from '../../shared/calendar.js';
import type { Clock } from '../clock.js';
import { newId } from '../storage/ids.js';
import type { AccountsTable, DB } from '../storage/schema.js';
import type { StorageEngine } from '../storage/engine.js';
import type { Subscriptions } from '../policy/subscriptions.js';
import { ApiProblem, notFound } from '../problem.js';

export type AccountRow = Selectable<AccountsTable>;

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

export function sameSecret(a: string, b: string): boolean {
  const ha = Buffer.from(hashToken(a), 'hex');
  const hb = Buffer.from(hashToken(b), 'hex');
  return timingSafeEqual(ha, hb);
}

function assertKnownTimeZone(zone: string): void {
  if (!isKnownTimeZone(zone)) {
    throw new ApiProblem(400, 'invalid_request', `Unknown time zone ${zone}`, {
      errors: [{ path: 'body.timeZone', message: 'unknown IANA time zone' }],
    });
  }
}

export class Accounts {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly storage: StorageEngine,
    private readonly catalog: Catalog,
    private readonly clock: Clock,
    private readonly subscriptions: Subscriptions,
  ) {}

  plan(planId: string): Plan {
    const plan = this.catalog.plans.find((p) => p.id === planId);
    if (!plan) throw new Error(`Account refers to unknown plan ${planId}`);
    return plan;
  }

  /** Creates an account with its first daily free credits (C2) and returns it with a fresh token (stored hashed). */
  async create(input: AccountCreate): Promise<{ account: AccountRow; token: string }> {
    const request = AccountCreateSchema.parse(input);
    assertKnownTimeZone(request.timeZone);
    const planId = request.planId ?? 'free';
    if (!this.catalog.plans.some((p) => p.id === planId)) {
      throw new ApiProblem(400, 'invalid_request', `Unknown plan ${planId}`, {
        errors: [{ path: 'body.planId', message: 'unknown plan' }],
      });
    }
    const now = this.clock.now();
    const token = `cc_${randomBytes(32).toString('base64url')}`;
    const account: Insertable<AccountsTable> = {
      id: newId('acc'),
      name: request.name,
      time_zone: request.timeZone,
      plan_id: 'free',
      status: 'active',
      created_at: now.toISOString(),
      free_reset_at: lastLocalMidnight(now, request.timeZone).toISOString(),
    };
    await this.db.transaction().execute(async (trx) => {
      await trx.insertInto('accounts').values(account).execute();
      await trx
        .insertInto('account_tokens')
        .values({ token_hash: hashToken(token), account_id: account.id, created_at: account.created_at })
        .execute();
      await this.storage.postEntry(trx, account.id, {
        kind: 'grant',
        balance: 'free',
        amount: this.catalog.dailyFreeCredits,
        reason: 'C2: daily free credits (account opened)',
        at: now,
      });
      if (planId !== 'free') await this.subscriptions.subscribe(trx, account.id, planId);
    });
    return { account: await this.get(account.id), token };
  }

  /**
   * A1: a new time zone applies from now on. The day in progress keeps its free credits and Fast count, and the next
   * free reset is the new zone's next midnight: the last reset is moved to the new zone's last midnight when that is
   * later, so changing zones never grants an extra reset by itself. Anniversaries (A3) fall in the new zone from the
   * next one on.
   */
  async setTimeZone(accountId: string, zone: string): Promise<void> {
    assertKnownTimeZone(zone);
    const account = await this.get(accountId);
    if (account.time_zone === zone) return;
    const newZoneMidnight = lastLocalMidnight(this.clock.now(), zone).toISOString();
    const freeResetAt = newZoneMidnight > account.free_reset_at ? newZoneMidnight : account.free_reset_at;
    await this.db
      .updateTable('accounts')
      .set({ time_zone: zone, free_reset_at: freeResetAt })
      .where('id', '=', accountId)
      .execute();
  }

  async authenticate(token: string): Promise<AccountRow | null> {
    const row = await this.db
      .selectFrom('account_tokens')
      .innerJoin('accounts', 'accounts.id', 'account_tokens.account_id')
      .selectAll('accounts')
      .where('account_tokens.token_hash', '=', hashToken(token))
      .executeTakeFirst();
    return row ?? null;
  }

  async get(accountId: string): Promise<AccountRow> {
    const row = await this.db.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
    if (!row) throw notFound('Account');
    return row;
  }

  async all(): Promise<AccountRow[]> {
    return this.db.selectFrom('accounts').selectAll().execute();
  }

  /** The account as docs/API.md shows it; pass the transaction when called inside one. */
  async me(accountId: string, executor: Kysely<DB> = this.db): Promise<Me> {
    const account = await executor.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirst();
    if (!account) throw notFound('Account');
    const sub = await executor
      .selectFrom('subscriptions')
      .selectAll()
      .where('account_id', '=', accountId)
      .executeTakeFirst();
    return {
      id: account.id,
      name: account.name,
      timeZone: account.time_zone,
      status: account.status as Me['status'],
      plan: this.plan(account.plan_id),
      subscription: sub
        ? {
            planId: sub.plan_id,
            status: sub.status as 'active' | 'cancelled',
            startedAt: sub.started_at,
            anniversaryDay: sub.anniversary_day,
            renewsAt: sub.status === 'active' ? sub.period_ends_at : null,
            endsAt: sub.status === 'cancelled' ? sub.period_ends_at : null,
            period: sub.period as Me['subscription']['period'],
          }
        : {
            planId: account.plan_id,
            status: 'none',
            startedAt: null,
            anniversaryDay: null,
            renewsAt: null,
            endsAt: null,
            period: null,
          },
    };
  }
}
