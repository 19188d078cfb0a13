/**
 * SSE `queue` events: every account with work in the queues hears about a change, coalesced to one round per 50 ms;
 * rounds never overlap, and one reading of the queues serves every account of the round. A round reads the whole
 * queue (with thousands waiting, long enough that rounds back to back would starve the workers), so the pause after a
 * round is at least three times as long as the round: the rounds take at most a quarter of the time, and the
 * positions of a long queue move a few times a second.
 */
import type { Logger } from '../log.js';
import type { EventLog } from '../storage/events.js';
import type { JobQueue } from './job-queue.js';

/** The shortest pause between two rounds of `queue` events. */
const QUEUE_EVENT_PAUSE_MS = 50;

export class QueueEvents {
  #timer: NodeJS.Timeout | null = null;
  #round: Promise<void> | null = null;
  #again = false;
  #pauseMs = QUEUE_EVENT_PAUSE_MS;
  #stopped = false;
  /** The accounts of the last round: one whose last job just ended hears one more round (its queue now empty). */
  #previousAudience: string[] = [];

  constructor(
    private readonly queue: JobQueue,
    private readonly events: EventLog,
    /** This process's worker slots, for the lanes' estimates. */
    private readonly slots: number,
    private readonly log: Logger,
  ) {}

  /** Something in the queues changed: a round of `queue` events follows soon. */
  changed(): void {
    if (this.#stopped) return;
    if (this.#round) {
      this.#again = true;
      return;
    }
    if (this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#round = this.#publish()
        .catch((error: unknown) => this.log.survived('queue-events', error, 'a round of queue events failed'))
        .finally(() => {
          this.#round = null;
          if (this.#again) {
            this.#again = false;
            this.changed();
          }
        });
    }, this.#pauseMs);
  }

  /** No more rounds; resolves when the one under way (if any) has ended. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#round;
  }

  async #publish(): Promise<void> {
    const started = performance.now();
    const statusFor = await this.queue.overview(this.slots);
    const inQueue = await this.queue.accountsInQueue();
    const audience = new Set([...inQueue, ...this.#previousAudience]);
    this.#previousAudience = inQueue;
    await Promise.all(
      [...audience].map((accountId) => this.events.publish(accountId, { type: 'queue', data: statusFor(accountId) })),
    );
    this.#pauseMs = Math.max(QUEUE_EVENT_PAUSE_MS, 3 * (performance.now() - started));
  }
}
