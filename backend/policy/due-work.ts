/**
 * Due work: whatever the clock says has happened since an account was last looked at. Monthly grants and expiries
 * (A3, C3, G5) and the daily free-credit reset (C2, at local midnight per A1), each applied once per due date, in one
 * transaction per account. It runs on every read of an account's balance, when the test clock moves, and by a timer
 * at the next due instant, so a backend that was down for days catches up exactly once on its first look.
 */
import { lastLocalMidnight, localDate, nextAnniversary, nextLocalMidnight } from '../../shared/calendar.js';
import { readBalance } from '../storage/ledger.js';
import { readAccount, type AccountRow, type Tx } from '../storage/tx.js';
import { planOf, type PolicyContext } from './context.js';
import type { SubscriptionRow, Subscriptions } from './subscriptions.js';

export class DueWork {
  constructor(
    private readonly ctx: PolicyContext,
    private readonly subscriptions: Subscriptions,
    private readonly onBalanceChanged: (accountId: string) => Promise<void>,
  ) {}

  async apply(accountId: string): Promise<void> {
    const changed = await this.ctx.db.transaction().execute(async (trx) => {
      const account = await this.ctx.storage.lockedAccount(trx, accountId);
      if (!account) return false;
      const changedBalances = await this.applyLocked(trx, account);
      const closed = await this.closeEndedWindows(trx, accountId);
      return changedBalances || closed;
    });
    if (changed) await this.onBalanceChanged(accountId);
  }

  /**
   * Whether grants or the free reset are due for an account, from its row and its subscription: no statement runs, so
   * a charge can ask on every request and pay for due work only when there is some.
   */
  isDue(account: AccountRow, sub: SubscriptionRow | null): boolean {
    return this.ctx.clock.now().getTime() >= this.dueAt(account, sub);
  }

  /** Per account, the instant its next grant or free reset is due, and what it was worked out from. */
  readonly #dueAt = new Map<string, { from: string; at: number }>();

  /**
   * The next local midnight after the last free reset, or the next anniversary after the last grant if sooner. Calendar
   * arithmetic in a time zone is the costly part of a charge's check, so the answer is kept until what it depends on
   * changes.
   */
  private dueAt(account: AccountRow, sub: SubscriptionRow | null): number {
    const from = `${account.time_zone}|${account.free_reset_at}|${sub ? `${sub.last_grant_at}|${sub.anniversary_day}` : ''}`;
    const known = this.#dueAt.get(account.id);
    if (known?.from === from) return known.at;
    let at = nextLocalMidnight(new Date(account.free_reset_at), account.time_zone).getTime();
    if (sub)
      at = Math.min(at, nextAnniversary(new Date(sub.last_grant_at), sub.anniversary_day, account.time_zone).getTime());
    if (this.#dueAt.size >= 100_000) this.#dueAt.clear();
    this.#dueAt.set(account.id, { from, at });
    return at;
  }

  /**
   * The grants and the free reset due for an account whose row this transaction has locked; returns whether anything
   * changed. Ended windows are closed by `apply` only: a charge never uses a window past its end anyway.
   */
  async applyLocked(trx: Tx, account: AccountRow): Promise<boolean> {
    const granted = await this.subscriptions.applyDueGrants(trx, account.id, account.time_zone);
    // A subscription that ended changed the plan: the free reset needs the plan as it is now.
    const current = granted ? await readAccount(trx, account.id) : account;
    const reset = await this.resetFreeCredits(trx, current);
    return granted || reset;
  }

  async applyForAll(): Promise<void> {
    const accounts = await this.ctx.db.selectFrom('accounts').select('id').execute();
    for (const { id } of accounts) await this.apply(id);
  }

  /** C2: at each local midnight the free balance is set back to the daily amount; it never accumulates. */
  private async resetFreeCredits(trx: Tx, account: AccountRow): Promise<boolean> {
    const now = this.ctx.clock.now();
    const accountId = account.id;
    const dueMidnight = lastLocalMidnight(now, account.time_zone);
    if (dueMidnight.toISOString() <= account.free_reset_at) return false;
    await trx
      .updateTable('accounts')
      .set({ free_reset_at: dueMidnight.toISOString() })
      .where('id', '=', accountId)
      .execute();
    if (planOf(this.ctx.catalog, account.plan_id).billing !== 'credits') return false;
    const day = localDate(dueMidnight, account.time_zone);
    const left = await readBalance(trx, accountId, 'free');
    const daily = this.ctx.catalog.dailyFreeCredits;
    if (left > 0) {
      await this.ctx.storage.postEntry(trx, accountId, {
        kind: 'expire',
        balance: 'free',
        amount: -left,
        reason: `C2: unused free credits end at local midnight ${day}`,
        at: dueMidnight,
      });
    }
    await this.ctx.storage.postEntry(trx, accountId, {
      kind: 'grant',
      balance: 'free',
      amount: daily,
      reason: `C2: daily free credits for ${day}`,
      at: dueMidnight,
    });
    return true;
  }

  /** U1: a window whose end has come is marked closed, so its end is announced (a balance event) once. */
  private async closeEndedWindows(trx: Tx, accountId: string): Promise<boolean> {
    const now = this.ctx.clock.now().toISOString();
    const ended = await trx
      .updateTable('unlimited_windows')
      .set((eb) => ({ closed_at: eb.ref('ends_at') }))
      .where('account_id', '=', accountId)
      .where('closed_at', 'is', null)
      .where('ends_at', '<=', now)
      .executeTakeFirst();
    return Number(ended.numUpdatedRows) > 0;
  }

  /** The earliest instant at which some account has due work: a local midnight, an anniversary or a window's end. */
  async nextDueAt(): Promise<Date | null> {
    const now = this.ctx.clock.now();
    let earliest: Date | null = null;
    const consider = (due: Date) => {
      if (!earliest || due < earliest) earliest = due;
    };
    const zones = await this.ctx.db.selectFrom('accounts').select('time_zone').distinct().execute();
    for (const { time_zone } of zones) consider(nextLocalMidnight(now, time_zone));
    const subs = await this.ctx.db
      .selectFrom('subscriptions')
      .innerJoin('accounts', 'accounts.id', 'subscriptions.account_id')
      .select(['subscriptions.anniversary_day', 'accounts.time_zone'])
      .distinct()
      .execute();
    for (const sub of subs) consider(nextAnniversary(now, sub.anniversary_day, sub.time_zone));
    const window = await this.ctx.db
      .selectFrom('unlimited_windows')
      .select((eb) => eb.fn.min('ends_at').as('ends_at'))
      .where('closed_at', 'is', null)
      .executeTakeFirst();
    if (window?.ends_at) consider(new Date(window.ends_at));
    return earliest;
  }
}
