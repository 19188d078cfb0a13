import { useBackendNow } from '../hooks/useBackendNow.js';
import { selectAccounts, selectCatalog, useHostStore } from '../store/host/store.js';
import { selectPurchase, usePurchaseStore, type PurchaseRequest } from '../store/purchase/store.js';
import { cancelText, planPurchaseText, purchaseDoneText, topupPurchaseText } from './chargeText.js';
import { ConfirmCharge } from './ConfirmCharge.js';

/** Text as a sentence: ends with one full stop. */
function sentence(text: string): string {
  const trimmed = text.trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

type DialogWords = { title: string; lines: string[]; confirmLabel: string; failedAs: string; unchanged: string };

const busyLabels: Record<PurchaseRequest['kind'], string> = {
  plan: 'Changing the plan…',
  topup: 'Buying…',
  cancel: 'Cancelling…',
};
const doneTitles: Record<PurchaseRequest['kind'], string> = {
  plan: 'Plan changed',
  topup: 'Top-up bought',
  cancel: 'Cancelled at period end',
};

/**
 * The confirmation of the purchase asked for anywhere in the app (a refusal's way out, the Plan page): the summary,
 * one confirm, then what changed or why nothing did. Mounted once, by the shell.
 */
export function PurchaseDialog() {
  const purchase = usePurchaseStore(selectPurchase);
  const confirm = usePurchaseStore((state) => state.confirm);
  const dismiss = usePurchaseStore((state) => state.dismiss);
  const accounts = useHostStore(selectAccounts);
  const catalog = useHostStore(selectCatalog);
  const account =
    purchase === null ? null : (accounts.find((candidate) => candidate.id === purchase.request.accountId) ?? null);
  const now = useBackendNow(account?.id ?? null, 60_000);
  const zone = account?.me?.timeZone ?? 'UTC';
  const me = account?.me ?? null;
  const balance = account?.balance ?? null;

  let words: DialogWords | null = null;
  if (purchase !== null) {
    const { request } = purchase;
    if (request.kind === 'plan') {
      const plan = catalog?.plans.find((candidate) => candidate.id === request.planId);
      if (plan !== undefined)
        words = {
          ...planPurchaseText(plan, me, balance, catalog, now, zone),
          failedAs: 'Couldn’t change the plan',
          unchanged: 'Nothing was charged.',
        };
    } else if (request.kind === 'topup') {
      words = {
        ...topupPurchaseText(request.credits),
        failedAs: 'Couldn’t buy the top-up',
        unchanged: 'Nothing was charged.',
      };
    } else if (me !== null) {
      words = {
        title: `Cancel ${me.plan.name} at the end of the period?`,
        lines: cancelText(me, catalog?.dailyFreeCredits ?? 100, now, zone).lines,
        confirmLabel: 'Cancel at period end',
        failedAs: 'Couldn’t cancel',
        unchanged: 'Your plan is unchanged.',
      };
    }
  }
  const done = purchase?.status === 'done';

  return (
    <ConfirmCharge
      open={purchase !== null}
      title={done && purchase !== null ? doneTitles[purchase.request.kind] : (words?.title ?? 'Purchase')}
      confirmLabel={done || words === null ? null : words.confirmLabel}
      cancelLabel={done ? 'Close' : purchase?.request.kind === 'cancel' ? 'Keep my plan' : 'Cancel'}
      busy={purchase?.status === 'busy'}
      busyLabel={purchase === null ? undefined : busyLabels[purchase.request.kind]}
      error={
        purchase?.status === 'failed' && words !== null
          ? `${words.failedAs}: ${sentence(purchase.error ?? 'the host gave no reason')} ${words.unchanged}`
          : null
      }
      onConfirm={() => void confirm()}
      onCancel={dismiss}
      testId="purchase-dialog"
    >
      {purchase !== null && done && (
        <p className="notice notice--success" role="status" data-testid="purchase-done">
          {purchaseDoneText(purchase.request, me, balance, now, zone)}
        </p>
      )}
      {!done && words === null && <p className="muted">This plan is not in the catalog any more.</p>}
      {!done && words !== null && (
        <ul className="confirm-lines" data-testid="purchase-summary">
          {words.lines.map((line) => (
            <li key={line}>{line}</li>
          ))}
        </ul>
      )}
    </ConfirmCharge>
  );
}
