import { useId, useState, type FormEvent } from 'react';
import type { Balance, Catalog, Me, Plan } from '../../../../shared/api.js';
import { planAllowance, unlimitedModelsText } from '../../components/chargeText.js';
import { formatCount, formatInstantWithZone, planPriceText, zoneAbbreviation } from '../../format.js';
import { useBackendNow } from '../../hooks/useBackendNow.js';
import { selectCatalog, selectSelectedAccount, useHostStore } from '../../store/host/store.js';
import { usePurchaseStore } from '../../store/purchase/store.js';
import { planStatusText, timeZoneChoices } from './planText.js';
import './plan.css';

/**
 * The account's plan (A2-A4, C3, C4): what it is, what it costs and when it renews, what it grants, and every change
 * a creator can make: another plan, cancelling at the end of the period, a top-up, the time zone. Everything that
 * charges goes through the one confirmation.
 */
export function PlanView() {
  const account = useHostStore(selectSelectedAccount);
  const catalog = useHostStore(selectCatalog);
  const now = useBackendNow(account?.id ?? null, 60_000);

  return (
    <section className="view plan-view" aria-labelledby="plan-heading">
      <h1 id="plan-heading" className="view-title">
        Plan
      </h1>
      <p className="view-intro muted">
        Your subscription, what it grants and when it renews. Changes take effect at once; cancelling keeps the plan to
        the end of the paid period.
      </p>
      {account === null || account.me === null ? (
        <p className="muted" role="status" data-testid="plan-loading">
          {account?.connection.state === 'offline'
            ? 'Your plan appears as soon as the backend answers.'
            : 'Loading your plan…'}
        </p>
      ) : (
        <>
          <div className="plan-grid">
            <CurrentPlan accountId={account.id} me={account.me} balance={account.balance} catalog={catalog} now={now} />
            <Topup accountId={account.id} me={account.me} balance={account.balance} />
            <TimeZone accountId={account.id} zone={account.me.timeZone} now={now} />
          </div>
          <PlanChoices accountId={account.id} me={account.me} catalog={catalog} />
        </>
      )}
    </section>
  );
}

type CurrentPlanProps = { accountId: string; me: Me; balance: Balance | null; catalog: Catalog | null; now: Date };

function CurrentPlan({ accountId, me, balance, catalog, now }: CurrentPlanProps) {
  const ask = usePurchaseStore((state) => state.ask);
  const zone = me.timeZone;
  const { plan, subscription } = me;
  const status = planStatusText(me, now);
  const windows = balance?.unlimited.filter((window) => Date.parse(window.endsAt) > now.getTime()) ?? [];
  const modelName = (modelId: string) => catalog?.models.find((model) => model.id === modelId)?.name ?? modelId;

  return (
    <article
      className="card plan-card plan-card--current"
      aria-labelledby="current-plan-heading"
      data-testid="plan-current"
    >
      <h2 id="current-plan-heading" className="card-title">
        Current plan
      </h2>
      <p className="card-figure">
        <span className="figure-number" data-testid="plan-name">
          {plan.name}
        </span>
        <span className="figure-unit" data-testid="plan-price">
          {plan.price === 0 ? 'no charge' : planPriceText(plan.price, plan.period)}
        </span>
      </p>
      <dl className="plan-facts">
        <div>
          <dt>Status</dt>
          <dd data-testid="plan-status">{status}</dd>
        </div>
        {subscription.renewsAt != null && (
          <div>
            <dt>Renews</dt>
            <dd data-testid="plan-renews">{formatInstantWithZone(subscription.renewsAt, zone, now)}</dd>
          </div>
        )}
        <div>
          <dt>Allocation</dt>
          <dd data-testid="plan-allocation">
            {plan.billing === 'credits' && (plan.monthlyCredits ?? 0) === 0
              ? `${formatCount(catalog?.dailyFreeCredits ?? 100)} free credits a day`
              : planAllowance(plan)}
          </dd>
        </div>
        {plan.fastDailyLimit > 0 && (
          <div>
            <dt>Fast generations</dt>
            <dd>{formatCount(plan.fastDailyLimit)} a day, then Relaxed</dd>
          </div>
        )}
        <div>
          <dt>Unlimited windows</dt>
          <dd data-testid="plan-windows">
            {windows.length === 0 ? (
              <span className="muted">None open now</span>
            ) : (
              <ul className="plan-window-list">
                {windows.map((window) => (
                  <li key={`${window.modelId}-${window.startsAt}`}>
                    {modelName(window.modelId)}: until {formatInstantWithZone(window.endsAt, zone, now)}
                  </li>
                ))}
              </ul>
            )}
          </dd>
        </div>
      </dl>
      {subscription.status === 'cancelled' && subscription.endsAt != null && (
        <p className="notice notice--warning" data-testid="plan-cancelled">
          Cancelled: your plan stays until {formatInstantWithZone(subscription.endsAt, zone, now)}.
        </p>
      )}
      {subscription.status === 'active' && (
        <div className="form-actions">
          <button
            type="button"
            className="button button--danger"
            onClick={() => ask({ kind: 'cancel', accountId })}
            data-testid="plan-cancel"
          >
            Cancel at period end…
          </button>
        </div>
      )}
    </article>
  );
}

const TOPUP_STEP = 100;

function Topup({ accountId, me, balance }: { accountId: string; me: Me; balance: Balance | null }) {
  const ask = usePurchaseStore((state) => state.ask);
  const [credits, setCredits] = useState(500);
  const fieldId = useId();
  const subscribed = me.subscription.status !== 'none';
  const valid = Number.isInteger(credits) && credits >= TOPUP_STEP && credits <= 1_000_000;

  function onSubmit(event: FormEvent) {
    event.preventDefault();
    if (valid) ask({ kind: 'topup', accountId, credits });
  }

  return (
    <article className="card plan-card" aria-labelledby="topup-heading" data-testid="plan-topup">
      <h2 id="topup-heading" className="card-title">
        Top up
      </h2>
      <p className="card-figure">
        <span className="figure-number" data-testid="plan-topup-balance">
          {balance === null ? '—' : formatCount(balance.credits.topup.amount)}
        </span>
        <span className="figure-unit">top-up credits</span>
      </p>
      <p className="muted small">
        Top-up credits never expire and are spent after free and subscription credits: buy some before a big batch.
      </p>
      {subscribed ? (
        <form className="inline-form plan-topup-form" onSubmit={onSubmit}>
          <label className="field" htmlFor={fieldId}>
            <span className="field-label">Credits</span>
            <input
              id={fieldId}
              className="input input--narrow"
              type="number"
              min={TOPUP_STEP}
              max={1_000_000}
              step={TOPUP_STEP}
              value={Number.isNaN(credits) ? '' : credits}
              onChange={(event) => setCredits(event.target.valueAsNumber)}
              aria-invalid={!valid}
            />
          </label>
          <button type="submit" className="button button--primary" disabled={!valid} data-testid="plan-topup-buy">
            Buy top-up…
          </button>
          {!valid && (
            <p className="error-text small">Choose a whole number of credits from {TOPUP_STEP} to 1,000,000.</p>
          )}
        </form>
      ) : (
        <p className="notice" data-testid="plan-topup-needs-subscription">
          Top-ups can be bought only while a subscription is active: choose a plan below first.
        </p>
      )}
    </article>
  );
}

function TimeZone({ accountId, zone, now }: { accountId: string; zone: string; now: Date }) {
  const setTimeZone = useHostStore((state) => state.setTimeZone);
  const [choice, setChoice] = useState(zone);
  const [state, setState] = useState<
    { kind: 'idle' } | { kind: 'saving' } | { kind: 'saved'; zone: string } | { kind: 'failed'; message: string }
  >({ kind: 'idle' });
  const fieldId = useId();
  const choices = timeZoneChoices(zone);

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    setState({ kind: 'saving' });
    const error = await setTimeZone(accountId, choice);
    setState(error === null ? { kind: 'saved', zone: choice } : { kind: 'failed', message: error.message });
  }

  return (
    <article className="card plan-card" aria-labelledby="zone-heading" data-testid="plan-timezone">
      <h2 id="zone-heading" className="card-title">
        Time zone
      </h2>
      <p className="card-figure">
        <span className="plan-zone-name" data-testid="plan-zone">
          {zone}
        </span>
        <span className="figure-unit">({zoneAbbreviation(zone, now)})</span>
      </p>
      <p className="muted small">
        Midnights (free credits, the Fast limit) and anniversaries follow this zone. A change applies from now on:
        today’s free credits stay.
      </p>
      <form className="inline-form plan-zone-form" onSubmit={(event) => void onSubmit(event)}>
        <label className="field" htmlFor={fieldId}>
          <span className="field-label">New time zone</span>
          <select
            id={fieldId}
            className="select"
            value={choice}
            onChange={(event) => setChoice(event.target.value)}
            data-testid="plan-zone-select"
          >
            {choices.map((candidate) => (
              <option key={candidate} value={candidate}>
                {candidate}
              </option>
            ))}
          </select>
        </label>
        <button
          type="submit"
          className="button"
          disabled={choice === zone || state.kind === 'saving'}
          data-testid="plan-zone-save"
        >
          {state.kind === 'saving' ? 'Saving…' : 'Change time zone'}
        </button>
      </form>
      <p className="small" role="status" data-testid="plan-zone-outcome">
        {state.kind === 'saved' && `Time zone is now ${state.zone}.`}
      </p>
      {state.kind === 'failed' && (
        <p className="error-text small" role="alert">
          Couldn’t change the time zone: {state.message}
        </p>
      )}
    </article>
  );
}

function PlanChoices({ accountId, me, catalog }: { accountId: string; me: Me; catalog: Catalog | null }) {
  const ask = usePurchaseStore((state) => state.ask);
  // The Free plan is no subscription: one gets there by cancelling.
  const plans = catalog?.plans.filter((plan) => plan.period !== null) ?? [];
  const current = me.subscription.status === 'active' ? me.plan.id : null;
  return (
    <section className="section" aria-labelledby="plan-choices-heading">
      <h2 id="plan-choices-heading">{current === null ? 'Choose a plan' : 'Change plan'}</h2>
      {plans.length === 0 ? (
        <p className="muted">The catalog lists no plans yet.</p>
      ) : (
        <ul className="plan-options" data-testid="plan-options">
          {plans.map((plan) => (
            <PlanOption
              key={plan.id}
              plan={plan}
              catalog={catalog}
              current={plan.id === current}
              onChoose={() => ask({ kind: 'plan', accountId, planId: plan.id })}
            />
          ))}
        </ul>
      )}
    </section>
  );
}

function PlanOption({
  plan,
  catalog,
  current,
  onChoose,
}: {
  plan: Plan;
  catalog: Catalog | null;
  current: boolean;
  onChoose: () => void;
}) {
  const windows = unlimitedModelsText(plan, catalog);
  return (
    <li
      className={current ? 'card plan-option plan-option--current' : 'card plan-option'}
      data-testid={`plan-option-${plan.id}`}
    >
      <p className="plan-option-name">
        <strong>{plan.name}</strong>
        {current && <span className="badge badge--selected">Your plan</span>}
      </p>
      <p className="plan-option-price">{planPriceText(plan.price, plan.period)}</p>
      <ul className="plan-option-facts small">
        <li>{planAllowance(plan)}</li>
        {windows.length > 0 && <li>Unlimited: {windows.join(', ')}</li>}
        {plan.fastDailyLimit > 0 && <li>{formatCount(plan.fastDailyLimit)} Fast generations a day</li>}
      </ul>
      {!current && (
        <button type="button" className="button" onClick={onChoose} data-testid={`plan-choose-${plan.id}`}>
          Switch to {plan.name}…
        </button>
      )}
    </li>
  );
}
