import { OfflineBanner } from '../../components/OfflineBanner.js';
import { useBackendNow } from '../../hooks/useBackendNow.js';
import { selectCatalog, selectSelectedAccount, selectSelectedAccountId, useHostStore } from '../../store/host/store.js';
import { SkeletonCards } from '../states/LoadingState.js';
import { AccountHeader } from './AccountHeader.js';
import { BalanceCards } from './BalanceCards.js';
import { FairUsePanel } from './FairUsePanel.js';
import { pacePlanOf } from './pace.js';
import { PacePanel } from './PacePanel.js';
import { UnlimitedUse } from './UnlimitedUse.js';

/** The selected account: who it is, whether its data is live, what it can spend, and how fast it is spending. */
export function Dashboard() {
  const accountId = useHostStore(selectSelectedAccountId);
  const account = useHostStore(selectSelectedAccount);
  const catalog = useHostStore(selectCatalog);
  // Dates only need the current year and day: a minute's resolution is plenty (countdowns tick on their own).
  const now = useBackendNow(accountId, 60_000);
  if (account === null) return null;

  const { me, balance } = account;
  const timeZone = me?.timeZone ?? 'UTC';
  const waitingForFirstData = me === null || balance === null;

  return (
    <div className="dashboard">
      <AccountHeader now={now} />
      <OfflineBanner account={account} />
      {me !== null && <FairUsePanel key={account.id} accountId={account.id} me={me} now={now} />}
      <section className="section" aria-labelledby="balances-heading">
        <h2 id="balances-heading">Balances</h2>
        <div aria-live="polite" aria-busy={waitingForFirstData} data-testid="balances">
          {waitingForFirstData ? (
            <SkeletonCards
              message={
                account.connection.state === 'offline'
                  ? 'No balances yet: they appear as soon as the backend answers.'
                  : 'Loading your balances…'
              }
            />
          ) : (
            <BalanceCards
              balance={balance}
              timeZone={timeZone}
              dailyFreeCredits={catalog?.dailyFreeCredits ?? null}
              now={now}
            />
          )}
        </div>
      </section>
      {balance !== null && (
        <UnlimitedUse
          accountId={account.id}
          balance={balance}
          catalog={catalog}
          plan={me?.plan ?? null}
          timeZone={timeZone}
          paused={me?.status === 'unlimited_paused'}
        />
      )}
      {balance !== null && me !== null && (
        <PacePanel
          key={account.id}
          accountId={account.id}
          balance={balance}
          plan={pacePlanOf(me, catalog?.dailyFreeCredits ?? 0)}
          zone={timeZone}
          now={now}
        />
      )}
    </div>
  );
}
