/**
 * The queues' rules, as decisions over what a reading of the queue shows: which waiting job runs next (U3: one running
 * unlimited generation per account; U5: Relaxed keeps its reserved slots and never takes more than its maximum; U8: the
 * system-wide limit, and the slowdown of accounts that queue too much), and how many slots each lane runs at once.
 * Pure: queue/job-queue.ts reads the queue, asks these, and claims under its locks.
 */
import type { Lane } from '../../shared/api.js';
import type { OperationsConfig } from '../config.js';

export type QueueRules = OperationsConfig['queue'];

/** A waiting job as the dispatcher reads it. */
export interface Waiting {
  id: string;
  account_id: string;
  lane: string;
  unlimited: number;
  /** Set on every queued job (migration 0005 gave older ones a stamp before every newer one). */
  enqueued_us: number;
  not_before_ms: number | null;
}

/** A job that runs now, as far as dispatch cares. */
export interface Running {
  account_id: string;
  unlimited: number;
}

export interface LocalLoad {
  /** Jobs this process runs now, and how many of them are Relaxed. */
  running: number;
  relaxed: number;
}

/** U8: the system-wide limit of running jobs, across every process on the database, is reached. */
export function atSystemLimit(running: number, rules: QueueRules): boolean {
  return running >= rules.systemConcurrency;
}

/** U8's slowdown: the accounts whose counted recent enqueues (counted up to `threshold + 1`) pass the threshold. */
export function slowedAccounts(recent: Iterable<{ account_id: string; n: number }>, rules: QueueRules): Set<string> {
  const slowed = new Set<string>();
  for (const row of recent) if (Number(row.n) > rules.slowdown.threshold) slowed.add(row.account_id);
  return slowed;
}

/** Whether U8's slowdown applies at all (a zero delay turns it off). */
export const slowdownOn = (rules: QueueRules): boolean => rules.slowdown.delayS > 0;

/** The waiting jobs in dispatch order: FIFO by enqueue stamp, the jobs of slowed accounts pushed back by U8's delay. */
export function dispatchOrder(waiting: Waiting[], slowed: ReadonlySet<string>, rules: QueueRules): Waiting[] {
  const delayUs = rules.slowdown.delayS * 1_000_000;
  return waiting
    .map((job) => ({ key: job.enqueued_us + (slowed.has(job.account_id) ? delayUs : 0), job }))
    .sort((a, b) => a.key - b.key || a.job.id.localeCompare(b.job.id))
    .map(({ job }) => job);
}

/** U5: the slots Relaxed work always gets when it waits, out of this process's `slots` (one always stays for others). */
export const relaxedReserve = (slots: number, rules: QueueRules): number => Math.min(rules.relaxedMinSlots, slots - 1);

/** How many jobs of a lane run at once: its slots (U5), never more than the system-wide limit allows (U8). */
export function laneSlots(lane: string, slots: number, rules: QueueRules): number {
  return Math.max(
    1,
    Math.min(
      rules.systemConcurrency,
      lane === 'relaxed' ? rules.relaxedMaxSlots : slots - relaxedReserve(slots, rules),
    ),
  );
}

export interface Pick {
  pick: Waiting | undefined;
  /** Whether other waiting work was seen that could not be taken now (see `Claim.moreWaiting`). */
  moreWaiting: boolean;
}

/**
 * The job to claim next, from waiting jobs in dispatch order, the jobs running system-wide and this process's own load:
 * none at the system-wide limit (U8), none of an account that already runs an unlimited job (U3), none before its
 * not-before time, and the slots shared by U5. `passedOver`: accounts the caller cannot lock now.
 */
export function pickNext(
  view: { running: Running[]; candidates: Waiting[] },
  slots: number,
  local: LocalLoad,
  passedOver: ReadonlySet<string>,
  rules: QueueRules,
  nowMs: number,
): Pick {
  if (atSystemLimit(view.running.length, rules)) return { pick: undefined, moreWaiting: true };
  const busyUnlimited = new Set(view.running.filter((r) => Number(r.unlimited) === 1).map((r) => r.account_id));
  let relaxed: Waiting | undefined;
  let other: Waiting | undefined;
  const { candidates } = view;
  for (const job of candidates) {
    if (passedOver.has(job.account_id)) continue;
    if (job.not_before_ms !== null && job.not_before_ms > nowMs) continue;
    if (job.unlimited === 1 && busyUnlimited.has(job.account_id)) continue;
    if (job.lane === 'relaxed') relaxed ??= job;
    else other ??= job;
    if (relaxed && other) break;
  }
  // U5: Relaxed keeps its reserved slots (never starved) and never takes more than relaxedMaxSlots, so Fast and
  // standard work never wait behind it; they may borrow an idle reserved slot only while no Relaxed work waits.
  const reserve = relaxedReserve(slots, rules);
  let pick: Waiting | undefined;
  if (relaxed && local.relaxed < reserve) pick = relaxed;
  else if (other && (local.running - local.relaxed < slots - reserve || (!relaxed && local.running < slots)))
    pick = other;
  else if (relaxed && !other && local.relaxed < rules.relaxedMaxSlots && local.running < slots) pick = relaxed;
  if (!pick || local.running >= slots) return { pick: undefined, moreWaiting: candidates.length > 0 };
  return { pick, moreWaiting: candidates.length > 1 };
}

export const LANES: Lane[] = ['fast', 'standard', 'relaxed'];
