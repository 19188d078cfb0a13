import { useEffect, useState } from 'react';
import type { Balance, Usage } from '../../../../shared/api.js';
import type { BridgeError } from '../../../../shared/bridge.js';
import { companion } from '../../bridge/companion.js';
import { balanceVersion } from '../../clock/balanceVersion.js';
import { selectClockOffsetMs, useHostStore } from '../../store/host/store.js';
import { paceRange } from './pace.js';

export type PaceUsage =
  { status: 'loading' } | { status: 'ready'; usage: Usage; now: Date } | { status: 'failed'; error: BridgeError };

/**
 * The last 7 local days of usage, asked for again whenever a snapshot brings a changed balance:
 * spending changes the balance, so that is exactly when the pace can change. Never on a timer.
 */
export function usePaceUsage(accountId: string, balance: Balance | null, zone: string): PaceUsage {
  const [state, setState] = useState<PaceUsage>({ status: 'loading' });
  const version = balance === null ? null : balanceVersion(balance);
  // The backend's clock (see clock/backendClock.ts): "the last 7 days" are the backend's days.
  const offsetMs = useHostStore(selectClockOffsetMs(accountId));

  useEffect(() => {
    if (version === null) return;
    let current = true;
    const now = new Date(Date.now() + offsetMs);
    void companion()
      .getUsage({ accountId, groupBy: 'day', ...paceRange(now, zone) })
      .then((result) => {
        if (!current) return;
        setState(result.ok ? { status: 'ready', usage: result.value, now } : { status: 'failed', error: result.error });
      });
    return () => {
      current = false;
    };
  }, [accountId, version, zone, offsetMs]);

  return state;
}
