/**
 * The API's views of an account (its profile and its balance) and their publication as events to the account's
 * stream: what routes answer and what every change announces are the same reading. (A generation's view and event:
 * `Generations`.)
 */
import type { Kysely } from 'kysely';
import type { Balance, Me } from '../../shared/api.js';
import { balanceView } from '../policy/balance-view.js';
import type { PolicyContext } from '../policy/context.js';
import type { FairUse } from '../policy/fair-use.js';
import type { DB } from '../storage/schema.js';
import type { Accounts } from './accounts.js';

export class Views {
  constructor(
    private readonly ctx: PolicyContext,
    private readonly accounts: Accounts,
    private readonly fairUse: FairUse,
  ) {}

  /** The account as docs/API.md shows it, with its fair-use state; pass the transaction when called inside one. */
  async me(accountId: string, executor: Kysely<DB> = this.ctx.db): Promise<Me> {
    return {
      ...(await this.accounts.me(accountId, executor)),
      fairUse: await this.fairUse.fairUseView(accountId, executor),
    };
  }

  balance(accountId: string): Promise<Balance> {
    return this.ctx.db.transaction().execute((trx) => balanceView(this.ctx, trx, accountId));
  }

  async publishAccount(accountId: string): Promise<void> {
    await this.ctx.events.publish(accountId, { type: 'account', data: await this.me(accountId) });
  }

  async publishBalance(accountId: string): Promise<void> {
    await this.ctx.events.publish(accountId, { type: 'balance', data: await this.balance(accountId) });
  }
}
