/**
 * Alerts: what is worth interrupting the user for, decided from the account states the host sees. Pure logic, plus a
 * small file of the alerts already given.
 *
 * Every alert has a stable id per occurrence (`threshold:<account>:<balance>:<percent>:<period end>`,
 * `window-ending:<account>:<model>:<ends at>`, ...). An alert fires when its condition holds and its id was never
 * given before; the ids are kept in `alerts.json` in the data folder (each one until 40 days after its condition was
 * last seen), so reconnects and restarts never repeat one. The first state seen of an account after the app starts only
 * seeds: whatever already holds then was known before, and is recorded without firing.
 *
 *   threshold            a balance's use crossed a configured percent: this month's subscription credits
 *                        (1 - subscription / plan.monthlyCredits, C3), today's free credits (1 - free / dailyFreeCredits,
 *                        C2), or a generation plan's count (used / limit, G1). Several crossed at once: the highest only.
 *   window-ending        an unlimited window (U1) ends within the hour.
 *   window-ended         an unlimited window seen open has ended.
 *   fast-limit           today's Fast generations are all used (U4).
 *   generation-finished  a generation succeeded.
 *   generation-failed    a generation failed or was blocked, with its refund (C8, G4).
 *   fair-use             unlimited access paused, restored, an appeal upheld, the account suspended (U7).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Balance, Catalog, Draw, Generation, Me } from '../../shared/api.js';
import type { AlertFact } from '../../shared/alert-facts.js';
import type { Alert } from '../../shared/bridge.js';
import { silentHostLog, type HostLog } from './host-log.js';
import { formatCount, formatLocalDay, formatLocalTimeOn, modelName, plural } from './display-text.js';

export type AlertKind = Alert['kind'];

export interface AlertPreferences {
  enabled: boolean;
  /** Percents used, increasing. */
  thresholds: readonly number[];
}

/** One account as the host sees it at one moment. */
export interface AccountObservation {
  accountId: string;
  /** Added to titles when the app has several accounts; null with one. */
  label: string | null;
  me: Me | null;
  balance: Balance | null;
  catalog: Catalog | null;
  /** The backend's time now (its clock may be a test clock): `balance.asOf` plus the time since it arrived. */
  backendNow: Date;
}

const WINDOW_ENDING_MS = 60 * 60 * 1000;
const DAY_MS = 86_400_000;

/** A condition that holds now, as the alert it would give. */
interface Candidate {
  id: string;
  kind: AlertKind;
  title: string;
  body: string;
  /** Thresholds of one balance and period: of those new at once, only the highest fires. */
  group?: string;
  rank?: number;
  /** What must hold for the alert to stay on screen. */
  fact?: AlertFact;
}

/**
 * The ids of alerts already given (or already true at a start), persisted. Each is kept until `keepDays` after its
 * condition was last seen, so a condition that lasts (a suspension) is never forgotten while it holds.
 */
export class FiredAlertLog {
  readonly #file: string;
  readonly #clock: () => Date;
  readonly #keepMs: number;
  #seen = new Map<string, number>();
  #dirty = false;
  readonly #hostLog: HostLog;

  constructor(file: string, options: { clock?: () => Date; keepDays?: number; log?: HostLog } = {}) {
    this.#file = file;
    this.#hostLog = options.log ?? silentHostLog();
    this.#clock = options.clock ?? (() => new Date());
    this.#keepMs = (options.keepDays ?? 40) * DAY_MS;
    this.#load();
  }

  has(id: string): boolean {
    return this.#seen.has(id);
  }

  /** Records the ids as seen now; writes the file when something changed (a refresh at most daily per id). */
  record(ids: Iterable<string>): void {
    const now = this.#clock().getTime();
    for (const id of ids) {
      const last = this.#seen.get(id);
      if (last === undefined || now - last > DAY_MS) {
        this.#seen.set(id, now);
        this.#dirty = true;
      }
    }
    if (this.#dirty) this.#save();
  }

  get size(): number {
    return this.#seen.size;
  }

  #prune(): void {
    const oldest = this.#clock().getTime() - this.#keepMs;
    for (const [id, at] of this.#seen) {
      if (at < oldest) {
        this.#seen.delete(id);
        this.#dirty = true;
      }
    }
  }

  #load(): void {
    try {
      const parsed = JSON.parse(readFileSync(this.#file, 'utf8')) as { fired?: Record<string, string> };
      for (const [id, at] of Object.entries(parsed.fired ?? {})) {
        const time = Date.parse(at);
        if (Number.isFinite(time)) this.#seen.set(id, time);
      }
    } catch (error) {
      // No file yet, or a damaged one: start empty (at worst an alert repeats once).
      if ((error as NodeJS.ErrnoException).code === 'ENOENT')
        this.#hostLog.debug('alerts-file-missing', error, 'No fired-alerts file yet');
      else
        this.#hostLog.warn('alerts-file-unreadable', error, 'The fired-alerts file could not be read: starting empty');
    }
    this.#prune();
  }

  #save(): void {
    this.#prune();
    const fired = Object.fromEntries([...this.#seen].map(([id, at]) => [id, new Date(at).toISOString()]));
    try {
      mkdirSync(dirname(this.#file), { recursive: true });
      const temporary = `${this.#file}.${process.pid}.tmp`;
      writeFileSync(temporary, `${JSON.stringify({ fired }, null, 1)}\n`, { mode: 0o600 });
      renameSync(temporary, this.#file);
      this.#dirty = false;
    } catch (error) {
      // The data folder is not writable: alerts still work for this session.
      this.#hostLog.warn('alerts-file-unwritable', error, 'The fired-alerts file could not be written');
    }
  }
}

interface AccountMemory {
  /** The account as last seen (for edges such as paused -> active). */
  me: Me | null;
  meSeeded: boolean;
  balanceSeeded: boolean;
  /** Unlimited windows seen open, by `<model>|<ends at>`, to tell when one ends. */
  windows: Map<string, { modelId: string; endsAt: string }>;
}

export interface AlertEngineOptions {
  log: FiredAlertLog;
  preferences: () => AlertPreferences;
  /** This computer's clock, for the alerts' `at`. */
  clock?: () => Date;
}

export class AlertEngine {
  readonly #log: FiredAlertLog;
  readonly #preferences: () => AlertPreferences;
  readonly #clock: () => Date;
  readonly #accounts = new Map<string, AccountMemory>();

  constructor(options: AlertEngineOptions) {
    this.#log = options.log;
    this.#preferences = options.preferences;
    this.#clock = options.clock ?? (() => new Date());
  }

  /** A new state of an account (an event, an answer, or a timer): the alerts it calls for, each once ever. */
  observeAccount(observation: AccountObservation): Alert[] {
    const memory = this.#memory(observation.accountId);
    const candidates: Candidate[] = [];
    const seeded: Candidate[] = [];
    const { me, balance, catalog } = observation;

    if (me) {
      const fairUse = fairUseCandidates(observation.accountId, memory.me, me);
      (memory.meSeeded ? candidates : seeded).push(...fairUse);
      memory.meSeeded = true;
      memory.me = me;
    }
    // What a balance means needs the plan (me) and the daily free credits (catalog): until both are known, wait.
    if (me && balance && catalog) {
      const now = observation.backendNow;
      const found = [
        ...thresholdCandidates(observation.accountId, me, balance, catalog, this.#preferences().thresholds, now),
        ...fastLimitCandidates(observation.accountId, me, balance, catalog, now),
        ...this.#windowCandidates(observation.accountId, memory, me, balance, catalog, now),
      ];
      (memory.balanceSeeded ? candidates : seeded).push(...found);
      memory.balanceSeeded = true;
    }
    this.#log.record(seeded.map((c) => c.id));
    return this.#fire(observation.accountId, candidates, observation.label);
  }

  /** A generation changed (an event): an alert when it finished or failed, once per generation and outcome. */
  observeGeneration(accountId: string, label: string | null, generation: Generation, catalog: Catalog | null): Alert[] {
    const candidate = generationCandidate(accountId, generation, catalog);
    return candidate ? this.#fire(accountId, [candidate], label) : [];
  }

  /**
   * The next backend instant at which an alert may become due with no event (a window entering its last hour, or
   * ending), so the host can look again then; null when there is none.
   */
  nextCheckAt(balance: Balance | null, backendNow: Date): Date | null {
    let next: number | null = null;
    for (const window of balance?.unlimited ?? []) {
      const end = Date.parse(window.endsAt);
      for (const at of [end - WINDOW_ENDING_MS, end]) {
        if (at > backendNow.getTime() && (next === null || at < next)) next = at;
      }
    }
    return next === null ? null : new Date(next);
  }

  /** Forgets an account's in-memory state (it was removed); its given ids age out of the log. */
  forget(accountId: string): void {
    this.#accounts.delete(accountId);
  }

  #memory(accountId: string): AccountMemory {
    let memory = this.#accounts.get(accountId);
    if (!memory) {
      memory = { me: null, meSeeded: false, balanceSeeded: false, windows: new Map() };
      this.#accounts.set(accountId, memory);
    }
    return memory;
  }

  #windowCandidates(
    accountId: string,
    memory: AccountMemory,
    me: Me,
    balance: Balance,
    catalog: Catalog,
    now: Date,
  ): Candidate[] {
    const found: Candidate[] = [];
    const listed = new Set<string>();
    for (const window of balance.unlimited) {
      const key = `${window.modelId}|${window.endsAt}`;
      listed.add(key);
      memory.windows.set(key, { modelId: window.modelId, endsAt: window.endsAt });
    }
    for (const [key, window] of memory.windows) {
      const left = Date.parse(window.endsAt) - now.getTime();
      const name = modelName(catalog, window.modelId);
      if (left <= 0) {
        // Ended (the backend lists open windows only, so an ended one is gone from the list, or about to be).
        found.push({
          id: `window-ended:${accountId}:${window.modelId}:${window.endsAt}`,
          kind: 'window-ended',
          title: `Unlimited ${name} has ended`,
          body: `Your unlimited window for ${name} ended at ${formatLocalTimeOn(window.endsAt, me.timeZone, now)}: it costs credits again from now on.`,
          fact: { kind: 'window-closed', modelId: window.modelId, endedAt: window.endsAt, asOf: balance.asOf },
        });
        memory.windows.delete(key);
      } else if (!listed.has(key)) {
        // Gone before its end (the plan changed): nothing ended on its own, nothing to say.
        memory.windows.delete(key);
      } else if (left <= WINDOW_ENDING_MS) {
        found.push({
          id: `window-ending:${accountId}:${window.modelId}:${window.endsAt}`,
          kind: 'window-ending',
          title: `Unlimited ${name} ends within the hour`,
          body: `Your unlimited window for ${name} ends at ${formatLocalTimeOn(window.endsAt, me.timeZone, now)}; after that it costs credits again.`,
          fact: { kind: 'window-open', modelId: window.modelId, endsAt: window.endsAt, asOf: balance.asOf },
        });
      }
    }
    return found;
  }

  #fire(accountId: string, candidates: Candidate[], label: string | null): Alert[] {
    const fresh = candidates.filter((c) => !this.#log.has(c.id));
    // Everything that holds now is remembered, given or not: a lower threshold passed in the same step, or an alert
    // while alerts are off, must not come later.
    this.#log.record(candidates.map((c) => c.id));
    if (!this.#preferences().enabled) return [];
    const highest = new Map<string, number>();
    for (const c of fresh) if (c.group) highest.set(c.group, Math.max(highest.get(c.group) ?? 0, c.rank ?? 0));
    const at = this.#clock().toISOString();
    return fresh
      .filter((c) => !c.group || c.rank === highest.get(c.group))
      .map((c) => ({
        id: c.id,
        accountId,
        kind: c.kind,
        title: label ? `${c.title} (${label})` : c.title,
        body: c.body,
        at,
        ...(c.fact ? { fact: c.fact } : {}),
      }));
  }
}

// ---- conditions ----------------------------------------------------------------------------------------------

/** Percent used as an exact comparison: used / allocation >= percent / 100, with no rounding. */
function reached(used: number, allocation: number, percent: number): boolean {
  return used * 100 >= percent * allocation;
}

function thresholdCandidates(
  accountId: string,
  me: Me,
  balance: Balance,
  catalog: Catalog,
  thresholds: readonly number[],
  now: Date,
): Candidate[] {
  const found: Candidate[] = [];
  const zone = me.timeZone;
  const add = (
    balanceName: 'free' | 'subscription' | 'generations',
    periodEnd: string,
    used: number,
    allocation: number,
    text: (percent: number) => { title: string; body: string },
  ) => {
    if (allocation <= 0) return;
    const group = `threshold:${accountId}:${balanceName}:${periodEnd}`;
    for (const percent of thresholds) {
      if (!reached(used, allocation, percent)) continue;
      const fact: AlertFact = { kind: 'used', balance: balanceName, percent, periodEnd, asOf: balance.asOf };
      found.push({
        id: `threshold:${accountId}:${balanceName}:${percent}:${periodEnd}`,
        kind: 'threshold',
        group,
        rank: percent,
        fact,
        ...text(percent),
      });
    }
  };

  const generations = balance.generations;
  if (generations) {
    // G1: generation-billed plans count Generate actions against the monthly limit (none when unlimited).
    if (generations.limit !== null && generations.resetsAt) {
      const { used, limit, resetsAt } = generations;
      add('generations', resetsAt, used, limit, (percent) =>
        percent >= 100
          ? {
              title: 'Monthly generation limit reached',
              body: `All ${plural(limit, 'generation')} of this month are used; the count resets on ${formatLocalDay(resetsAt, zone)}. An upgrade applies at once.`,
            }
          : {
              title: `${percent}% of this month's generations used`,
              body: `${formatCount(used)} of ${plural(limit, 'generation')} used; the count resets on ${formatLocalDay(resetsAt, zone)}.`,
            },
      );
    }
    return found;
  }

  // C3: this month's subscription allocation.
  const monthly = me.plan.monthlyCredits ?? 0;
  const subscription = balance.credits.subscription;
  if (monthly > 0 && subscription.expiresAt) {
    const renews = formatLocalDay(subscription.expiresAt, zone);
    add('subscription', subscription.expiresAt, monthly - subscription.amount, monthly, (percent) =>
      percent >= 100
        ? {
            title: "This month's credits are used up",
            body: `All ${plural(monthly, 'subscription credit')} are spent; they renew on ${renews}. Free and top-up credits still work.`,
          }
        : {
            title: `${percent}% of this month's credits used`,
            body: `${formatCount(subscription.amount)} of ${plural(monthly, 'subscription credit')} left; they renew on ${renews}.`,
          },
    );
  }
  // C2: today's free credits.
  const daily = catalog.dailyFreeCredits;
  const free = balance.credits.free;
  const resets = formatLocalTimeOn(free.resetsAt, zone, now);
  add('free', free.resetsAt, daily - free.amount, daily, (percent) =>
    percent >= 100
      ? {
          title: "Today's free credits are used up",
          body: `All ${plural(daily, 'free credit')} of today are spent; they reset at ${resets}.`,
        }
      : {
          title: `${percent}% of today's free credits used`,
          body: `${formatCount(free.amount)} of ${plural(daily, 'free credit')} left; they reset at ${resets}.`,
        },
  );
  return found;
}

function fastLimitCandidates(accountId: string, me: Me, balance: Balance, catalog: Catalog, now: Date): Candidate[] {
  const { used, limit, resetsAt } = balance.fast;
  if (limit <= 0 || used < limit) return [];
  const unlimited = me.plan.unlimitedModels
    .map((u) => catalog.models.find((m) => m.id === u.modelId))
    .filter((m) => m !== undefined);
  const relaxed = unlimited.filter((m) => m.supportsRelaxed).map((m) => m.name);
  const waiting = unlimited.filter((m) => !m.supportsRelaxed).map((m) => m.name);
  const time = formatLocalTimeOn(resetsAt, me.timeZone, now);
  const parts = [`All ${plural(limit, 'fast generation')} of today are used; the limit resets at ${time}.`];
  if (relaxed.length > 0)
    parts.push(`${relaxed.join(', ')} ${relaxed.length === 1 ? 'keeps' : 'keep'} going in the slower Relaxed queue.`);
  if (waiting.length > 0)
    parts.push(`Unlimited ${waiting.join(', ')} ${waiting.length === 1 ? 'is' : 'are'} refused until then.`);
  return [
    {
      id: `fast-limit:${accountId}:${resetsAt}`,
      kind: 'fast-limit',
      title: 'Fast limit reached',
      body: parts.join(' '),
      fact: { kind: 'fast-used', resetsAt, asOf: balance.asOf },
    },
  ];
}

function fairUseCandidates(accountId: string, previous: Me | null, me: Me): Candidate[] {
  const fairUse = me.fairUse;
  if (me.status === 'suspended') {
    return [
      {
        id: `fair-use:${accountId}:suspended`,
        kind: 'fair-use',
        title: 'Account suspended',
        body: 'After a second confirmed fair-use violation this account is suspended permanently.',
      },
    ];
  }
  const found: Candidate[] = [];
  if (me.status === 'unlimited_paused') {
    const reason = fairUse?.reason ? ` Reason: ${fairUse.reason}.` : '';
    found.push({
      id: `fair-use:${accountId}:paused:${fairUse?.pausedAt ?? 'unknown'}`,
      kind: 'fair-use',
      title: 'Unlimited access paused',
      body: `Unlimited use is paused pending review.${reason} Credits still work, and you can appeal once.`,
    });
    if (fairUse?.appeal?.status === 'upheld') {
      found.push({
        id: `fair-use:${accountId}:appeal:${fairUse.appeal.id}:upheld`,
        kind: 'fair-use',
        title: 'Appeal declined',
        body: 'A reviewer upheld the pause: unlimited access stays paused. Credits still work.',
      });
    }
  }
  if (previous?.status === 'unlimited_paused' && me.status === 'active') {
    const appealed = previous.fairUse?.appeal ? ' after your appeal' : '';
    found.push({
      id: `fair-use:${accountId}:restored:${previous.fairUse?.pausedAt ?? 'unknown'}`,
      kind: 'fair-use',
      title: 'Unlimited access restored',
      body: `A reviewer found no violation${appealed}: unlimited use works again.`,
    });
  }
  return found;
}

function generationCandidate(accountId: string, generation: Generation, catalog: Catalog | null): Candidate | null {
  const name = modelName(catalog, generation.modelId);
  const prompt = generation.prompt.length > 80 ? `${generation.prompt.slice(0, 79)}…` : generation.prompt;
  const id = `generation:${accountId}:${generation.id}:${generation.status}`;
  if (generation.status === 'succeeded') {
    const outputs = generation.outputs.length;
    return {
      id,
      kind: 'generation-finished',
      title: `${name}: ${outputs === 1 ? 'your result is ready' : `${formatCount(outputs)} results are ready`}`,
      body: `“${prompt}”`,
    };
  }
  if (generation.status === 'failed' || generation.status === 'blocked') {
    const what = generation.status === 'blocked' ? 'was blocked by moderation' : 'failed';
    const reason = generation.error ? ` ${generation.error.replace(/\.?$/, '.')}` : '';
    return {
      id,
      kind: 'generation-failed',
      title: `${name} ${what}: refunded`,
      body: `“${prompt}”${reason} ${refundText(generation)}`,
    };
  }
  return null;
}

/** C8, G4: what came back. */
export function refundText(generation: Generation): string {
  const charge = generation.charge;
  if (charge.generations > 0)
    return charge.refunded
      ? 'The generation was given back: it does not count.'
      : 'It does not count against your generations.';
  if (charge.credits === 0) return 'Nothing was charged for it.';
  const parts = charge.draws
    .filter((d: Draw) => d.amount > 0 && d.balance !== 'generations')
    .map((d) => `${formatCount(d.amount)} ${d.balance}`);
  const where = parts.length > 0 ? ` (${parts.join(', ')})` : '';
  return charge.refunded
    ? `${plural(charge.credits, 'credit')} ${charge.credits === 1 ? 'was' : 'were'} refunded${where}.`
    : `${plural(charge.credits, 'credit')} will be refunded${where}.`;
}
