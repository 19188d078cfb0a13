/**
 * When due work runs (A1, A3, C2, C3): at the next due instant of any account, and whenever a test clock moves.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../log.js';
import type { DueWork } from '../policy/due-work.js';

/** Even with nothing due, due work is looked at once an hour. */
const AT_MOST_MS = 3_600_000;
/** Run a little after the due instant, so that it has surely passed. */
const AFTER_MS = 50;

export class DueWorkTimer {
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(
    private readonly dueWork: DueWork,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    clock.onMove(() => dueWork.applyForAll());
  }

  /** Starts waiting for the next due instant (a test clock needs no timer: its moves run due work). */
  start(): void {
    void this.#schedule();
  }

  /** An account's next due instant moved (its time zone changed): the timer already waiting is set again. */
  reschedule(): void {
    // Before listening (and on a test clock) there is no timer to move; a round under way sets the next one itself.
    if (this.#timer === undefined || this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    void this.#schedule();
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
  }

  async #schedule(): Promise<void> {
    if (this.#stopped || this.clock.isTestClock) return;
    let waitMs = AT_MOST_MS;
    try {
      const due = await this.dueWork.nextDueAt();
      if (due) waitMs = Math.min(Math.max(due.getTime() - this.clock.now().getTime(), 0) + AFTER_MS, AT_MOST_MS);
    } catch (error) {
      this.log.survived('due-work', error, 'reading the next due instant failed; looking again within the hour');
    }
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.dueWork
        .applyForAll()
        .catch((error: unknown) => this.log.survived('due-work', error, 'due work failed'))
        .finally(() => void this.#schedule());
    }, waitMs);
    this.#timer.unref();
  }
}
