import { randomUUID } from 'node:crypto';
import { isApiError } from '../../shared/errors.js';

interface ChargingCall {
  idempotencyKey: string;
  startedAt: number;
  promise: Promise<unknown>;
  failed: boolean;
}

/** The charging calls of the last few seconds, by what they asked: a double click charges once. */
export class ChargingCalls {
  readonly #calls = new Map<string, ChargingCall>();

  constructor(private readonly windowMs: number) {}

  /**
   * A charging call (generate, re-run, subscribe, top-up, appeal) made twice with the same input within the duplicate
   * window is one call: the second gets the first one's answer. A first attempt that failed on the way (network, 5xx)
   * is tried again with the same Idempotency-Key, so if it did reach the backend after all, the backend answers with
   * that result instead of charging twice.
   */
  run<T>(signature: unknown[], run: (idempotencyKey: string) => Promise<T>): Promise<T> {
    const id = JSON.stringify(signature);
    const windowMs = this.windowMs;
    const now = Date.now();
    const earlier = this.#calls.get(id);
    const recent = earlier && now - earlier.startedAt <= windowMs ? earlier : undefined;
    if (recent && !recent.failed) return recent.promise as Promise<T>;
    const call: ChargingCall = {
      idempotencyKey: recent?.idempotencyKey ?? randomUUID(),
      startedAt: recent?.startedAt ?? now,
      promise: Promise.resolve(),
      failed: false,
    };
    const promise = run(call.idempotencyKey);
    call.promise = promise;
    this.#calls.set(id, call);
    const forget = () => {
      const left = Math.max(0, call.startedAt + windowMs - Date.now());
      setTimeout(() => {
        if (this.#calls.get(id) === call) this.#calls.delete(id);
      }, left).unref();
    };
    promise.then(forget, (error: unknown) => {
      // Only a failure that may have reached the backend keeps its key for a retry; a refusal is final for that key
      // (the backend would repeat it), so a new attempt after, say, a subscription is a new call.
      if (isApiError(error) && (error.code === 'network_error' || error.status >= 500)) {
        call.failed = true;
        forget();
      } else if (this.#calls.get(id) === call) {
        this.#calls.delete(id);
      }
    });
    return promise;
  }
}
