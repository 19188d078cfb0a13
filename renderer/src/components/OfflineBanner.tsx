import type { AccountView } from '../../../shared/bridge.js';
import { ConnectionStatus } from './ConnectionStatus.js';

/**
 * On every view that shows the account's data: while it is not live, how old that data is and a retry. Live, the
 * top bar's pill says so once; nothing more is needed.
 */
export function OfflineBanner({ account }: { account: Pick<AccountView, 'id' | 'connection'> }) {
  if (account.connection.state === 'live') return null;
  return <ConnectionStatus accountId={account.id} connection={account.connection} />;
}
