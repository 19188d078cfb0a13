import type { Balance, Catalog, Plan, Problem, WayOut } from '../../../../shared/api.js';
import { countdownText, formatCount, formatInstantWithZone, planPriceText } from '../../format.js';
import { planAllowance, refusalHeadings, sentence } from '../../components/chargeText.js';
import { usePurchaseStore } from '../../store/purchase/store.js';
import { useUiStore } from '../../store/ui/store.js';
import { useGenerateStore } from '../../store/generate/store.js';
import { topupFor } from './topup.js';

type RefusalNoteProps = {
  problem: Problem;
  /** What the refused request costs, when known (to say whether waiting alone would be enough). */
  cost: number | null;
  accountId: string;
  balance: Balance | null;
  catalog: Catalog | null;
  timeZone: string;
  now: Date;
  testId: string;
  /** A preview's refusal (nothing ran yet) or the answer to Generate. */
  context: 'preview' | 'submit';
};

/**
 * A refusal in plain words with its ways out (C7, G6, U4, U7): what is short, when waiting helps (with the date in the
 * account's zone), a top-up when subscribed, the plans that would cover it, and for unlimited refusals the workflow
 * switch (U2: charged at the standard rate) or the appeal.
 */
export function RefusalNote({
  problem,
  cost,
  accountId,
  balance,
  catalog,
  timeZone,
  now,
  testId,
  context,
}: RefusalNoteProps) {
  const options = problem.options ?? [];
  const offeredWaits = options.filter((option) => option.kind === 'wait');
  // When waiting alone would not be enough the backend offers no wait, but the refresh time is still worth knowing.
  const waits: WayOut[] =
    offeredWaits.length > 0 || problem.resetsAt == null ? offeredWaits : [{ kind: 'wait', at: problem.resetsAt }];
  const topup = options.find((option) => option.kind === 'topup');
  const upgrades = options.flatMap((option) => (option.kind === 'upgrade' ? (option.planIds ?? []) : []));
  const plans = upgrades
    .map((planId) => catalog?.plans.find((plan) => plan.id === planId))
    .filter((plan): plan is Plan => plan !== undefined);

  return (
    <div className="refusal notice notice--error notice--block" data-testid={testId}>
      <p className="refusal-title">
        <strong>{refusalHeadings[problem.code] ?? problem.title}</strong>
      </p>
      <p data-testid="refusal-detail">{refusalSentence(problem, context)}</p>
      <ul className="ways-out" aria-label="Ways out" data-testid="ways-out">
        {waits.map((wait, index) => (
          <li key={`wait-${index}`} data-testid="way-out-wait">
            {waitText(problem, wait, cost, balance, catalog, timeZone, now)}
          </li>
        ))}
        {(problem.code === 'fast_limit_reached' || problem.code === 'unlimited_paused') && (
          <li>
            <WorkflowWayOut />
          </li>
        )}
        {problem.code === 'unlimited_paused' && (
          <li>
            <button
              type="button"
              className="button button--small"
              onClick={() => useUiStore.getState().navigate('dashboard')}
            >
              Appeal from the Dashboard
            </button>
          </li>
        )}
        {topup !== undefined && (
          <li>
            <TopupWayOut accountId={accountId} credits={topupFor(topup.credits ?? problem.shortfall ?? 100)} />
          </li>
        )}
        {plans.length > 0 && (
          <li>
            <UpgradeWayOut accountId={accountId} plans={plans} />
          </li>
        )}
      </ul>
    </div>
  );
}

function refusalSentence(problem: Problem, context: 'preview' | 'submit'): string {
  const parts: string[] = [];
  if (problem.code === 'insufficient_credits' && problem.shortfall !== undefined) {
    parts.push(
      sentence(`You are ${formatCount(problem.shortfall)} ${problem.shortfall === 1 ? 'credit' : 'credits'} short`),
    );
  }
  parts.push(sentence(problem.detail ?? problem.title));
  parts.push(context === 'submit' ? 'Nothing was charged.' : 'Generate stays off until one of these ways out applies.');
  return parts.join(' ');
}

function waitText(
  problem: Problem,
  wait: WayOut,
  cost: number | null,
  balance: Balance | null,
  catalog: Catalog | null,
  zone: string,
  now: Date,
): string {
  const at = wait.at ?? problem.resetsAt ?? null;
  if (problem.code === 'unlimited_paused')
    return 'Wait for the fair-use review: a reviewer restores access if no violation is found.';
  if (at === null) return 'Wait for your allocation to refresh.';
  const when = formatInstantWithZone(at, zone, now);
  if (problem.code === 'fast_limit_reached')
    return `Wait until local midnight: unlimited use is Fast again at ${when} (in ${countdownText(Date.parse(at) - now.getTime())}).`;
  if (problem.code === 'generation_limit_reached') return `Wait: your generations refresh at ${when}.`;
  if (balance !== null && at === balance.credits.free.resetsAt) {
    const daily = catalog?.dailyFreeCredits ?? 100;
    const afterReset = daily + balance.credits.subscription.amount + balance.credits.topup.amount;
    const enough = cost === null || afterReset >= cost;
    return enough
      ? `Wait: free credits reset to ${formatCount(daily)} at ${when}.`
      : `Free credits reset to ${formatCount(daily)} at ${when}: not enough for this request on their own.`;
  }
  return `Wait: your plan’s credits refresh at ${when}.`;
}

function WorkflowWayOut() {
  const workflow = useGenerateStore((state) => state.draft.workflow);
  const editDraft = useGenerateStore((state) => state.editDraft);
  if (workflow) return null;
  return (
    <span>
      Or pay with credits now:{' '}
      <button type="button" className="button button--small" onClick={() => editDraft({ workflow: true })}>
        Charge it as part of a workflow
      </button>
    </span>
  );
}

function TopupWayOut({ accountId, credits }: { accountId: string; credits: number }) {
  const ask = usePurchaseStore((state) => state.ask);
  return (
    <span className="way-out-action">
      <button
        type="button"
        className="button button--small button--primary"
        data-testid="buy-topup"
        onClick={() => ask({ kind: 'topup', accountId, credits })}
      >
        Buy a top-up of {formatCount(credits)} credits…
      </button>
      <span className="muted"> Top-up credits never expire.</span>
    </span>
  );
}

function UpgradeWayOut({ accountId, plans }: { accountId: string; plans: Plan[] }) {
  const ask = usePurchaseStore((state) => state.ask);
  return (
    <div className="way-out-action">
      <span>Upgrade (takes effect at once):</span>
      <div className="upgrade-buttons">
        {plans.map((plan) => (
          <button
            key={plan.id}
            type="button"
            className="button button--small"
            data-testid={`upgrade-${plan.id}`}
            onClick={() => ask({ kind: 'plan', accountId, planId: plan.id })}
          >
            Upgrade to {plan.name}…
            <span className="button-detail">
              {planAllowance(plan)} · {planPriceText(plan.price, plan.period)}
            </span>
          </button>
        ))}
      </div>
    </div>
  );
}
