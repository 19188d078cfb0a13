/**
 * The history store as the benchmark runs it: every synchronous step (a transaction, a query, a slice of analytics)
 * is timed, and the longest one by wall clock and by CPU time is kept, so the bench can show how long the main thread
 * was held at most. Production code only runs the steps.
 */
import { HistoryStore } from '../../electron/host/history/store.js';

export interface Step {
  label: string;
  ms: number;
  cpuMs: number;
}

const none = (): Step => ({ label: '', ms: 0, cpuMs: 0 });

function cpuMs(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

export class TimedHistoryStore extends HistoryStore {
  /** The longest synchronous step since the store opened (or since the bench reset it), wall clock and CPU time. */
  longestStep = none();
  /** The step that used the most CPU time (on a loaded machine the wall clock also counts time other processes ran). */
  longestCpuStep = none();
  /** CPU time per step costs a system call each: turned on for the phases that print it. */
  trackCpu = false;

  override measured<T>(label: string, work: () => T): T {
    const started = performance.now();
    const startedCpu = this.trackCpu ? cpuMs() : 0;
    try {
      return work();
    } finally {
      const step = { label, ms: performance.now() - started, cpuMs: this.trackCpu ? cpuMs() - startedCpu : 0 };
      if (step.ms > this.longestStep.ms) this.longestStep = step;
      if (step.cpuMs > this.longestCpuStep.cpuMs) this.longestCpuStep = step;
    }
  }

  /** Forgets kept search totals, to measure searches of filters seen for the first time. */
  forgetTotals(): void {
    this.totals.clear();
  }
}
