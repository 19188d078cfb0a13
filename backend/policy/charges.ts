/**
 * Charging: reading what the quote (quote.ts) decides from, the debits of a quote (spend order C5) and refunds (C8,
 * G4). The cost preview and the charge read the same state and ask the same quote, so they always agree.
 */
import type { ExpressionBuilder } from 'kysely';
import type { Draw } from '../../shared/api.js';
import { lastLocalMidnight } from '../../shared/calendar.js';
import type { StorageEngine } from '../storage/engine.js';
import type { EntryInput } from '../storage/ledger.js';
import { prepared } from '../storage/prepared.js';
import type { DB } from '../storage/schema.js';
import type { Tx } from '../storage/tx.js';
import { accountStateOf, accountStateQuery, type AccountState } from './account-state.js';
import { fastUsedToday } from './balance-view.js';
import type { PolicyContext } from './context.js';
import type { OpenWindow, Quote, QuoteState } from './quote.js';

export type { OpenWindow, Quote, QuoteState } from './quote.js';

/** The window of a model open at `now`: `ends_at` is the later end when two overlap. */
const windowColumn = (
  eb: ExpressionBuilder<DB, 'accounts' | 'subscriptions'>,
  v: { modelId: string; now: string },
  column: 'starts_at' | 'ends_at',
) =>
  eb
    .selectFrom('unlimited_windows')
    .select(`unlimited_windows.${column}`)
    .whereRef('unlimited_windows.account_id', '=', 'accounts.id')
    .where('unlimited_windows.model_id', '=', v.modelId)
    .where('unlimited_windows.starts_at', '<=', v.now)
    .where('unlimited_windows.ends_at', '>', v.now)
    .orderBy('unlimited_windows.ends_at', 'desc')
    .limit(1)
    .as(`window_${column}`);

/** The account's state and the model's open unlimited window, in one statement: what a charge reads before anything else. */
const chargeState = prepared((db, v: { accountId: string; modelId: string; now: string }) =>
  accountStateQuery(db, v).select((eb) => [windowColumn(eb, v, 'starts_at'), windowColumn(eb, v, 'ends_at')]),
);

/** The account's state and the request's model's open window, as a charge reads them first. */
export interface KnownState extends Omit<AccountState, 'account'> {
  /** The request's model's open window, whether or not the request may use it. */
  window: OpenWindow | null;
}

export interface ChargeState extends AccountState, KnownState {}

/**
 * Locks the account and reads what a charge of `modelId` needs first, as of `now`; undefined when there is no such
 * account. On PostgreSQL the lock is a statement of its own: a statement sees the data as it was when it began, so one
 * that waited for the lock would read the balances from before the charge it waited for (the concurrency tests then
 * charge more than a balance covers). The read that follows the lock sees every charge committed before it.
 */
export async function lockedChargeState(
  trx: Tx,
  storage: StorageEngine,
  accountId: string,
  modelId: string,
  now: Date,
): Promise<ChargeState | undefined> {
  await storage.lockAccount(trx, accountId);
  return chargeStateOf(trx, accountId, modelId, now);
}

/** The state of an account as a charge of `modelId` reads it, without taking its lock (the cost preview). */
async function chargeStateOf(trx: Tx, accountId: string, modelId: string, now: Date): Promise<ChargeState | undefined> {
  const row = await chargeState.first(trx, { accountId, modelId, now: now.toISOString() });
  if (!row) return undefined;
  const { window_starts_at, window_ends_at, ...rest } = row;
  return {
    ...accountStateOf(rest),
    window:
      window_starts_at && window_ends_at
        ? { model_id: modelId, starts_at: window_starts_at, ends_at: window_ends_at }
        : null,
  };
}

export class Charges {
  constructor(private readonly ctx: PolicyContext) {}

  /**
   * What the quote decides from, given what a charge read first (`lockedChargeState`): U4's Fast use of today is read
   * only when a window is open for the model, the one case that counts it.
   */
  async quoteState(trx: Tx, state: ChargeState): Promise<QuoteState> {
    const now = this.ctx.clock.now();
    const fastUsed = state.window
      ? await fastUsedToday(trx, state.account.id, lastLocalMidnight(now, state.account.time_zone).toISOString())
      : 0;
    return { ...state, fastUsedToday: fastUsed };
  }

  /** What the quote decides from for a request of `modelId` by an account, read as things stand (the cost preview). */
  async readQuoteState(trx: Tx, accountId: string, modelId: string): Promise<QuoteState | undefined> {
    const state = await chargeStateOf(trx, accountId, modelId, this.ctx.clock.now());
    return state && this.quoteState(trx, state);
  }

  /** The debits of a quote: one ledger entry per balance drawn (C5); unlimited use records a zero-cost entry (U1). */
  debitEntries(quote: Quote, generationId: string, label: string): EntryInput[] {
    const at = this.ctx.clock.now();
    if (quote.unlimited) {
      return [
        {
          kind: 'debit',
          balance: 'subscription',
          amount: 0,
          reason: `U1: ${label} inside the unlimited window until ${quote.window?.ends_at ?? '?'} (${quote.lane})`,
          at,
          generationId,
        },
      ];
    }
    return quote.draws.map((draw) => ({
      kind: 'debit',
      balance: draw.balance,
      amount: -draw.amount,
      reason:
        draw.balance === 'generations' && draw.amount === 0 ? `G1: ${label} (unlimited plan, counted)` : `C5: ${label}`,
      at,
      generationId,
    }));
  }

  /**
   * C8 / G4: refunds a generation's draws in full to the balances they came from; a part whose allocation has been
   * renewed since (a later grant or expiry on that balance: the daily free reset, the monthly grant, an upgrade) returns
   * as nothing, since it would have expired anyway. Top-up credits never expire, so they always come back.
   */
  async refund(trx: Tx, accountId: string, generationId: string, draws: Draw[], reason: string): Promise<void> {
    const at = this.ctx.clock.now();
    const debit = await trx
      .selectFrom('ledger_entries')
      .select((eb) => eb.fn.min('id').as('id'))
      .where('account_id', '=', accountId)
      .where('generation_id', '=', generationId)
      .where('kind', '=', 'debit')
      .executeTakeFirst();
    const debitId = Number(debit?.id ?? 0);
    for (const draw of draws) {
      const expiredSince =
        draw.balance === 'topup'
          ? undefined
          : await trx
              .selectFrom('ledger_entries')
              .select('id')
              .where('account_id', '=', accountId)
              .where('balance', '=', draw.balance)
              .where('kind', 'in', ['expire', 'grant'])
              .where('id', '>', debitId)
              .executeTakeFirst();
      const amount = expiredSince ? 0 : draw.amount;
      await this.ctx.storage.postEntry(trx, accountId, {
        kind: 'refund',
        balance: draw.balance,
        amount,
        reason: expiredSince
          ? `C8: ${reason}; the ${draw.balance} allocation it came from has expired meanwhile`
          : `C8: ${reason}`,
        at,
        generationId,
      });
    }
  }
}
