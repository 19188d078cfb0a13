/**
 * An account as the policy reads it: its row, its subscription and every balance, in one statement. A charge reads it
 * (with the model's window, see charges.ts) and so does the balance an account sees (balance-view.ts).
 */
import type { Kysely } from 'kysely';
import { prepared } from '../storage/prepared.js';
import type { DB } from '../storage/schema.js';
import type { Balances } from '../storage/ledger.js';
import type { AccountRow, Tx } from '../storage/tx.js';
import type { SubscriptionRow } from './subscriptions.js';

export interface AccountState {
  account: AccountRow;
  subscription: SubscriptionRow | null;
  balances: Balances;
}

const BALANCE_NAMES = ['free', 'subscription', 'topup', 'generations'] as const;

export const accountStateQuery = (db: Kysely<DB>, v: { accountId: string }) =>
  db
    .selectFrom('accounts')
    .leftJoin('subscriptions', 'subscriptions.account_id', 'accounts.id')
    .selectAll('accounts')
    .select([
      'subscriptions.account_id as sub_account_id',
      'subscriptions.plan_id as sub_plan_id',
      'subscriptions.status as sub_status',
      'subscriptions.started_at as sub_started_at',
      'subscriptions.anniversary_day as sub_anniversary_day',
      'subscriptions.period as sub_period',
      'subscriptions.period_ends_at as sub_period_ends_at',
      'subscriptions.last_grant_at as sub_last_grant_at',
    ])
    .select((eb) =>
      BALANCE_NAMES.map((name) =>
        eb
          .selectFrom('balances')
          .select('balances.amount')
          .whereRef('balances.account_id', '=', 'accounts.id')
          .where('balances.name', '=', name)
          .as(`balance_${name}`),
      ),
    )
    .where('accounts.id', '=', v.accountId);

type StateRow = NonNullable<Awaited<ReturnType<ReturnType<typeof accountStateQuery>['executeTakeFirst']>>>;

/** The state in a row of `accountStateQuery` (a balance never posted to is 0). */
export function accountStateOf(row: StateRow): AccountState {
  const {
    sub_account_id,
    sub_plan_id,
    sub_status,
    sub_started_at,
    sub_anniversary_day,
    sub_period,
    sub_period_ends_at,
    sub_last_grant_at,
    balance_free,
    balance_subscription,
    balance_topup,
    balance_generations,
    ...account
  } = row;
  return {
    account,
    subscription:
      sub_account_id === null
        ? null
        : {
            account_id: sub_account_id,
            plan_id: sub_plan_id!,
            status: sub_status!,
            started_at: sub_started_at!,
            anniversary_day: Number(sub_anniversary_day),
            period: sub_period!,
            period_ends_at: sub_period_ends_at!,
            last_grant_at: sub_last_grant_at!,
          },
    balances: {
      free: Number(balance_free ?? 0),
      subscription: Number(balance_subscription ?? 0),
      topup: Number(balance_topup ?? 0),
      generations: Number(balance_generations ?? 0),
    },
  };
}

const accountState = prepared((db, v: { accountId: string }) => accountStateQuery(db, v));

/** The account's state as this transaction sees it; undefined when there is no such account. */
export async function readAccountState(trx: Tx, accountId: string): Promise<AccountState | undefined> {
  const row = await accountState.first(trx, { accountId });
  return row && accountStateOf(row);
}
