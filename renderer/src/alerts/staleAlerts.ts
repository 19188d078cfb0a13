/**
 * Alerts on screen whose fact stopped being true: free credits that reset, a window that ended or was renewed, a Fast
 * limit after local midnight. They leave by themselves; an alert without a fact (a finished generation) stays until
 * dismissed, or its own timer.
 */
import { alertFactHolds } from '../../../shared/alert-facts.js';
import type { Alert, AccountView } from '../../../shared/bridge.js';
import type { Catalog } from '../../../shared/api.js';

/**
 * The ids of `alerts` no longer true; `backendNow` gives an account's backend time (its clock may differ). An alert
 * arrives before the snapshot with the balance that caused it: until `stateSince(alert)` says a newer snapshot is here,
 * only the passing of time can make it stale.
 */
export function staleAlertIds(
  alerts: readonly Alert[],
  accounts: readonly AccountView[],
  catalog: Catalog | null,
  backendNow: (accountId: string) => Date,
  stateSince: (alert: Alert) => boolean = () => true,
): string[] {
  return alerts
    .filter((alert) => {
      if (!alert.fact) return false;
      const account = accounts.find((candidate) => candidate.id === alert.accountId);
      // A removed account's alerts are about nothing on screen any more.
      if (!account) return true;
      const balance = stateSince(alert) ? account.balance : null;
      return !alertFactHolds(alert.fact, { me: account.me, balance, catalog }, backendNow(alert.accountId));
    })
    .map((alert) => alert.id);
}
