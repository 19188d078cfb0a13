/**
 * The built-in backend as the host runs it: its process under a supervisor (restarted with backoff when it stops),
 * its database under `<dataDir>/backend`, and its state as the snapshot tells it. Which account it serves is the
 * host's business (local-account.ts); this only starts, restarts and stops it.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { ConnectionState, HostSnapshot } from '../../shared/bridge.js';
import { BackendSupervisor, type BackoffOptions, type SupervisorState } from './backend-supervisor.js';
import { embeddedRestartText } from './display-text.js';
import { EmbeddedBackend, type BackendLauncher } from './embedded-backend.js';

export interface BuiltInBackendOptions {
  dataDir: string;
  launchBackend: BackendLauncher;
  port?: number;
  testClock?: string;
  backoff?: Partial<BackoffOptions>;
  log?: (line: string) => void;
  /** Its state changed (the host publishes a snapshot soon). */
  changed(): void;
}

export type BuiltInState = HostSnapshot['embedded'];

export class BuiltInBackend {
  #supervisor: BackendSupervisor | null = null;
  state: BuiltInState = { state: 'off', error: null };

  constructor(private readonly options: BuiltInBackendOptions) {}

  get url(): string | null {
    return this.#supervisor?.url ?? null;
  }

  /** Whether its database was there before this start (an account may be in it). */
  hasDatabase(): boolean {
    return existsSync(join(this.options.dataDir, 'backend', 'companion.sqlite'));
  }

  /** Stops a running one and says it is starting. */
  async beginStart(): Promise<void> {
    if (this.#supervisor) await this.#supervisor.stop();
    this.state = { state: 'starting', error: null };
  }

  /** Starts it with the admin token; its address once it listens. */
  async start(adminToken: string): Promise<string> {
    const { options } = this;
    const supervisor = new BackendSupervisor({
      port: options.port ?? 0,
      create: (port) =>
        new EmbeddedBackend({
          launcher: options.launchBackend,
          dataDir: join(options.dataDir, 'backend'),
          adminToken,
          port,
          testClock: options.testClock,
        }),
      ...(options.backoff ? { backoff: options.backoff } : {}),
      ...(options.log ? { log: options.log } : {}),
    });
    this.#supervisor = supervisor;
    supervisor.on('state', (state) => {
      this.state = stateOf(state);
      options.changed();
    });
    return supervisor.start();
  }

  failed(error: Error): void {
    this.state = { state: 'failed', error: error.message };
  }

  /** Hears of every restart after the first start (with the address, which may have changed). */
  onRestarted(listener: (url: string) => void): void {
    this.#supervisor?.on('up', listener);
  }

  get restarting(): boolean {
    return this.state.state === 'restarting';
  }

  restartNow(): void {
    this.#supervisor?.restartNow();
  }

  async stop(): Promise<void> {
    await this.#supervisor?.stop();
    this.#supervisor = null;
  }

  /** Stopped for good (its account was removed): the snapshot says off. */
  async turnOff(): Promise<void> {
    await this.stop();
    this.state = { state: 'off', error: null };
  }

  /**
   * While it restarts, its account says so (what happened, which attempt, when the next one starts) instead of the
   * connection's own "isn't answering".
   */
  whileRestarting(connection: ConnectionState): ConnectionState {
    const embedded = this.state;
    if (embedded.state !== 'restarting') return connection;
    return {
      ...connection,
      state: 'offline',
      error: embeddedRestartText(embedded.attempt ?? 1),
      detail: embedded.lastExit
        ? `It stopped because ${embedded.lastExit.words}.${embedded.lastExit.detail ? ` It last wrote: ${embedded.lastExit.detail}` : ''}`
        : null,
      nextRetryAt: embedded.nextAttemptAt ?? null,
      retrying: !embedded.nextAttemptAt,
    };
  }
}

/** The supervisor's state as the snapshot tells it. */
function stateOf(state: SupervisorState): BuiltInState {
  return {
    state: state.state,
    error: state.error,
    attempt: state.attempt,
    nextAttemptAt: state.nextAttemptAt,
    lastExit: state.lastExit,
  };
}
