import type { Balance } from '../../../../shared/api.js';
import { BalanceCard } from '../../components/BalanceCard.js';
import {
  creditsUnit,
  formatCount,
  freeResetText,
  generationsRefreshText,
  generationsUsage,
  subscriptionExpiryText,
} from '../../format.js';

type BalanceCardsProps = {
  balance: Balance;
  timeZone: string;
  dailyFreeCredits: number | null;
  now: Date;
};

/** C1: the three credit balances and their total, or G1: the generation count for generation-billed plans. */
export function BalanceCards({ balance, timeZone, dailyFreeCredits, now }: BalanceCardsProps) {
  if (balance.generations !== null) {
    const usage = generationsUsage(balance.generations.used, balance.generations.limit);
    return (
      <div className="card-grid card-grid--single">
        <BalanceCard
          title="Generations"
          figure={usage.figure}
          unit="generations"
          figureTestId="balance-generations"
          emphasis
        >
          <p>{usage.detail}</p>
          <p data-testid="generations-resets-at">
            {generationsRefreshText(balance.generations.resetsAt, timeZone, now)}
          </p>
        </BalanceCard>
      </div>
    );
  }

  const { free, subscription, topup, total } = balance.credits;
  return (
    <div className="card-grid">
      <BalanceCard
        title="Free"
        figure={formatCount(free.amount)}
        unit={creditsUnit(free.amount)}
        figureTestId="balance-free"
      >
        <p data-testid="free-resets-at">{freeResetText(free.resetsAt, timeZone, now)}</p>
        {dailyFreeCredits !== null && (
          <p className="muted">Back to {formatCount(dailyFreeCredits)} every day at midnight</p>
        )}
      </BalanceCard>
      <BalanceCard
        title="Subscription"
        figure={formatCount(subscription.amount)}
        unit={creditsUnit(subscription.amount)}
        figureTestId="balance-subscription"
      >
        <p data-testid="subscription-expires">
          {subscriptionExpiryText(subscription.amount, subscription.expiresAt, timeZone, now)}
        </p>
      </BalanceCard>
      <BalanceCard
        title="Top-up"
        figure={formatCount(topup.amount)}
        unit={creditsUnit(topup.amount)}
        figureTestId="balance-topup"
      >
        <p data-testid="topup-expiry">Never expires</p>
      </BalanceCard>
      <BalanceCard
        title="Total"
        figure={formatCount(total)}
        unit={creditsUnit(total)}
        figureTestId="balance-total"
        emphasis
      >
        <p>Free, then subscription, then top-up</p>
      </BalanceCard>
    </div>
  );
}
