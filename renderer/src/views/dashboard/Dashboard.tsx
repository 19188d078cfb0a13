import { ConnectionStatus } from '../../components/ConnectionStatus.js';
import { useNow } from '../../hooks/useNow.js';
import { selectCatalog, selectSelectedAccount, useHostStore } from '../../store/host/store.js';
import { SkeletonCards } from '../states/LoadingState.js';
import { AccountHeader } from './AccountHeader.js';
import { BalanceCards } from './BalanceCards.js';
import { UnlimitedUse } from './UnlimitedUse.js';

/** The selected account: who it is, whether its data is live, and what it can spend. */
export function Dashboard() {
  const account = useHostStore(selectSelectedAccount);
  const catalog = useHostStore(selectCatalog);
  // Dates only need the current year and which windows are still open: a minute's resolution is plenty.
  const now = useNow(60_000);
  if (account === null) return null;

  const { me, balance } = account;
  const timeZone = me?.timeZone ?? 'UTC';
  const waitingForFirstData = me === null || balance === null;

  return (
    <div className="dashboard">
      <AccountHeader now={now} />
      <ConnectionStatus accountId={account.id} connection={account.connection} />
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
      {balance !== null && <UnlimitedUse balance={balance} catalog={catalog} timeZone={timeZone} now={now} />}
    </div>
  );
}
