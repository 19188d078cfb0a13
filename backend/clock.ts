/** Time, injected: policy code reads a Clock, never Date.now(), so tests and the test clock can move it. */
export interface Clock {
  now(): Date;
  /** Called after a test clock moves; a system clock never calls it. */
  onMove(listener: (now: Date) => void | Promise<void>): () => void;
  readonly isTestClock: boolean;
}

export class SystemClock implements Clock {
  readonly isTestClock = false;
  now(): Date {
    return new Date();
  }
  onMove(): () => void {
    return () => {};
  }
}

/** Stands still until moved, like a billing test clock; every move is announced so due work runs at once. */
export class TestClock implements Clock {
  readonly isTestClock = true;
  #now: Date;
  #listeners = new Set<(now: Date) => void | Promise<void>>();

  constructor(start: Date) {
    this.#now = new Date(start.getTime());
  }
  now(): Date {
    return new Date(this.#now.getTime());
  }
  /** Moves the clock and resolves once every listener (due grants, resets, expiries) has run. */
  async set(now: Date): Promise<void> {
    this.#now = new Date(now.getTime());
    await Promise.all([...this.#listeners].map((listener) => listener(this.now())));
  }
  advance(seconds: number): Promise<void> {
    return this.set(new Date(this.#now.getTime() + seconds * 1000));
  }
  onMove(listener: (now: Date) => void | Promise<void>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}
