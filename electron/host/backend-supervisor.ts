/**
 * Keeps the built-in backend running: when its process ends without being asked to, the supervisor logs how it ended
 * and starts it again, with the same data folder and, where it is still free, the same port (so the account's
 * connection and every URL the page holds stay valid). Attempts back off (0.5 s, 1 s, 2 s ... at most 30 s); a
 * backend that stayed up for a while counts as healthy again, so its next crash starts from the shortest wait.
 */
import { EventEmitter } from 'node:events';
import type { BackendExit } from './embedded-backend.js';

/** One run of the backend process, as the supervisor needs it (EmbeddedBackend, or a fake in tests). */
export interface SupervisedBackend {
  start(): Promise<string>;
  stop(): Promise<void>;
  readonly exited: Promise<BackendExit>;
}

export interface BackoffOptions {
  firstDelayMs: number;
  maxDelayMs: number;
  /** Up this long, the backend is healthy again: the next crash waits firstDelayMs. */
  stableMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { firstDelayMs: 500, maxDelayMs: 30_000, stableMs: 30_000 };

/** The wait before restart attempt `attempt` (1, 2, 3 ...): doubles from the first delay, capped (a first delay above the cap is the wait). */
export function restartDelay(attempt: number, backoff: BackoffOptions = DEFAULT_BACKOFF): number {
  return Math.min(
    Math.max(backoff.maxDelayMs, backoff.firstDelayMs),
    backoff.firstDelayMs * 2 ** Math.max(0, attempt - 1),
  );
}

/** How the process ended, in words a person reads: "it was killed (SIGKILL)", "it exited with code 1". */
export function describeExit(exit: BackendExit): string {
  if (exit.signal === 'SIGKILL') return 'its process was killed';
  if (exit.signal) return `its process was ended by ${exit.signal}`;
  if (exit.code === 0) return 'its process exited without being asked to';
  return `its process exited with code ${exit.code ?? 'unknown'}`;
}

export interface SupervisorState {
  state: 'starting' | 'running' | 'restarting' | 'failed' | 'off';
  /** The restart attempt under way or next (1 for the first restart after a crash); 0 when none. */
  attempt: number;
  /** When the next restart attempt starts; null while one is running, or when none is due. */
  nextAttemptAt: string | null;
  lastExit: { at: string; words: string; detail: string | null } | null;
  /** Why the last start failed (technical), or null. */
  error: string | null;
}

export interface BackendSupervisorOptions {
  /** A new run of the backend listening on `port` (0: any free port). */
  create(port: number): SupervisedBackend;
  port: number;
  backoff?: Partial<BackoffOptions>;
  log?: (line: string) => void;
}

export class BackendSupervisor extends EventEmitter<{ state: [SupervisorState]; up: [string] }> {
  readonly #options: BackendSupervisorOptions;
  readonly #backoff: BackoffOptions;
  readonly #log: (line: string) => void;
  #current: SupervisedBackend | null = null;
  #url: string | null = null;
  #port: number;
  #upSince = 0;
  #stopped = false;
  #timer: NodeJS.Timeout | null = null;
  #state: SupervisorState = { state: 'off', attempt: 0, nextAttemptAt: null, lastExit: null, error: null };

  constructor(options: BackendSupervisorOptions) {
    super();
    this.#options = options;
    this.#port = options.port;
    this.#backoff = { ...DEFAULT_BACKOFF, ...options.backoff };
    this.#log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  }

  get url(): string | null {
    return this.#url;
  }

  get state(): SupervisorState {
    return this.#state;
  }

  /** The first start: a failure here is reported to the caller (and the state says 'failed'), not retried. */
  async start(): Promise<string> {
    this.#stopped = false;
    this.#set({ state: 'starting', attempt: 0, nextAttemptAt: null, error: null });
    try {
      return await this.#launch();
    } catch (error) {
      this.#set({ state: 'failed', error: (error as Error).message });
      throw error;
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    const current = this.#current;
    this.#current = null;
    this.#url = null;
    await current?.stop();
    this.#set({ state: 'off', attempt: 0, nextAttemptAt: null });
  }

  /** Skips the wait before a pending restart attempt (the person pressed "Retry now"). */
  restartNow(): void {
    if (!this.#timer || this.#stopped) return;
    clearTimeout(this.#timer);
    this.#timer = null;
    void this.#restart(this.#state.attempt);
  }

  /** Starts one run on the kept port; a port taken meanwhile by another program means any free port instead. */
  async #launch(): Promise<string> {
    let backend = this.#options.create(this.#port);
    let url: string;
    try {
      url = await backend.start();
    } catch (error) {
      if (this.#port === 0 || !/EADDRINUSE/.test((error as Error).message)) throw error;
      this.#log(`built-in backend: port ${this.#port} is taken now; starting on another port`);
      backend = this.#options.create(0);
      url = await backend.start();
    }
    if (this.#stopped) {
      await backend.stop();
      throw new Error('the built-in backend was stopped while it started');
    }
    this.#current = backend;
    this.#url = url;
    this.#port = Number(new URL(url).port) || this.#port;
    this.#upSince = Date.now();
    this.#set({ state: 'running', nextAttemptAt: null, error: null });
    void backend.exited.then((exit) => this.#exited(backend, exit));
    this.emit('up', url);
    return url;
  }

  #exited(backend: SupervisedBackend, exit: BackendExit): void {
    if (this.#stopped || backend !== this.#current) return;
    this.#current = null;
    this.#url = null;
    const words = describeExit(exit);
    this.#log(
      `built-in backend stopped unexpectedly: ${words}${exit.stderrTail ? `; it last wrote: ${exit.stderrTail}` : ''}`,
    );
    const healthy = Date.now() - this.#upSince >= this.#backoff.stableMs;
    const lastExit = { at: new Date().toISOString(), words, detail: exit.stderrTail || null };
    this.#schedule(healthy ? 1 : this.#state.attempt + 1, lastExit);
  }

  #schedule(attempt: number, lastExit = this.#state.lastExit): void {
    const delay = restartDelay(attempt, this.#backoff);
    this.#set({ state: 'restarting', attempt, nextAttemptAt: new Date(Date.now() + delay).toISOString(), lastExit });
    this.#timer = setTimeout(() => void this.#restart(attempt), delay);
  }

  async #restart(attempt: number): Promise<void> {
    this.#timer = null;
    if (this.#stopped) return;
    this.#set({ nextAttemptAt: null });
    try {
      const url = await this.#launch();
      this.#log(`built-in backend restarted at ${url} (attempt ${attempt})`);
    } catch (error) {
      if (this.#stopped) return;
      this.#log(`built-in backend: restart attempt ${attempt} failed: ${(error as Error).message}`);
      this.#state = { ...this.#state, error: (error as Error).message };
      this.#schedule(attempt + 1);
    }
  }

  #set(patch: Partial<SupervisorState>): void {
    this.#state = { ...this.#state, ...patch };
    this.emit('state', this.#state);
  }
}
