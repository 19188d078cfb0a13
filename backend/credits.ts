/**
 * The credit policy the walking skeleton enforces: daily free credits (C2) reset at the account's local midnight (A1).
 * Due work is applied when the clock says it is due: on every read, when the test clock moves, and by a timer set to the
 * next local midnight, so a backend that was down catches up once, on its first look.
 */
import type { Kysely } from 'kysely';
import type { Balance, Catalog } from '../shared/api.js';
import { lastLocalMidnight, localDate, nextLocalMidnight } from '../shared/calendar.js';
import type { AccountRow, Accounts } from './accounts.js';
import type { Clock } from './clock.js';
import type { DB } from './db/schema.js';
import type { EventLog } from './events.js';
import { postEntry } from './ledger.js';

export class CreditPolicy {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly catalog: Catalog,
    private readonly clock: Clock,
    private readonly accounts: Accounts,
    private readonly events: EventLog,
  ) {}

  /** C2: at each local midnight the free balance is reset to the daily amount; it never accumulates. Returns true if anything changed. */
  async resetFreeCreditsIfDue(accountId: string): Promise<boolean> {
    const now = this.clock.now();
    const changed = await this.db.transaction().execute(async (trx) => {
      const account = await trx.selectFrom('accounts').selectAll().where('id', '=', accountId).executeTakeFirstOrThrow();
      const dueMidnight = lastLocalMidnight(now, account.time_zone);
      if (dueMidnight.toISOString() <= account.free_reset_at) return false;
      // Claim the due date first: a concurrent caller that read the same row finds no row to update and stops.
      const claimed = await trx
        .updateTable('accounts')
        .set({ free_reset_at: dueMidnight.toISOString() })
        .where('id', '=', accountId)
        .where('free_reset_at', '=', account.free_reset_at)
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) !== 1) return false;
      if (this.accounts.plan(account.plan_id).billing !== 'credits') return true;
      const day = localDate(dueMidnight, account.time_zone);
      const left = Number(
        (await trx.selectFrom('balances').select('amount').where('account_id', '=', accountId).where('name', '=', 'free').executeTakeFirst())?.amount ?? 0,
      );
      if (left > 0) {
        await postEntry(trx, accountId, { kind: 'expire', balance: 'free', amount: -left, reason: `C2: unused free credits end at local midnight ${day}`, at: now });
      }
      await postEntry(trx, accountId, { kind: 'grant', balance: 'free', amount: this.catalog.dailyFreeCredits, reason: `C2: daily free credits for ${day}`, at: now });
      return true;
    });
    if (changed) await this.events.publish(accountId, { type: 'balance', data: await this.view(await this.accounts.get(accountId)) });
    return changed;
  }

  async applyDueWork(accountId: string): Promise<void> {
    await this.resetFreeCreditsIfDue(accountId);
  }

  async applyDueWorkForAll(): Promise<void> {
    for (const account of await this.accounts.all()) await this.applyDueWork(account.id);
  }

  /** The earliest instant at which some account has due work: the next local midnight of any zone in use. */
  async nextDueAt(): Promise<Date | null> {
    const zones = await this.db.selectFrom('accounts').select('time_zone').distinct().execute();
    const now = this.clock.now();
    let earliest: Date | null = null;
    for (const { time_zone } of zones) {
      const due = nextLocalMidnight(now, time_zone);
      if (!earliest || due < earliest) earliest = due;
    }
    return earliest;
  }

  async view(account: AccountRow): Promise<Balance> {
    const now = this.clock.now();
    const rows = await this.db.selectFrom('balances').select(['name', 'amount']).where('account_id', '=', account.id).execute();
    const amountOf = (name: string) => Number(rows.find((r) => r.name === name)?.amount ?? 0);
    const plan = this.accounts.plan(account.plan_id);
    const credits = plan.billing === 'credits';
    const free = credits ? amountOf('free') : 0;
    const subscription = credits ? amountOf('subscription') : 0;
    const topup = credits ? amountOf('topup') : 0;
    const midnight = nextLocalMidnight(now, account.time_zone).toISOString();
    return {
      asOf: now.toISOString(),
      credits: {
        free: { amount: free, resetsAt: midnight },
        subscription: { amount: subscription, expiresAt: null },
        topup: { amount: topup },
        total: free + subscription + topup,
      },
      generations: credits ? null : { used: amountOf('generations_used'), limit: plan.monthlyGenerations ?? null, resetsAt: null },
      fast: { used: 0, limit: plan.fastDailyLimit, resetsAt: midnight },
      unlimited: [],
    };
  }
}
