/**
 * The embedded backend: with no remote account configured, the app runs its own backend on 127.0.0.1 (random port),
 * out of the UI's way (an Electron utilityProcess in the app; a child process under plain Node), with SQLite in the
 * app's data folder. The launcher is injected so that main can use utilityProcess and tests a plain child process.
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

/** The part of a child process (or Electron utilityProcess) the host needs. */
export interface BackendProcess {
  stdout: NodeJS.ReadableStream | null;
  stderr: NodeJS.ReadableStream | null;
  kill(signal?: NodeJS.Signals): boolean;
  /** Electron's utilityProcess gives only the code; a child process also gives the signal that ended it. */
  once(event: 'exit', listener: (code: number | null, signal?: NodeJS.Signals | null) => void): unknown;
}

/** How a backend process ended, and the end of what it wrote to its standard error. */
export interface BackendExit {
  code: number | null;
  signal: string | null;
  stderrTail: string;
}

export type BackendLauncher = (args: string[], env: Record<string, string>) => BackendProcess;

/** Runs a script with this Node (under plain Node: the built backend, or the TypeScript source through tsx). */
export function nodeLauncher(entry: string, nodeArgs: string[] = []): BackendLauncher {
  return (args, env) =>
    // --exit-with-parent: the backend watches its standard input, a pipe that closes when this process dies for any
    // reason (even SIGKILL), so a crashed app never leaves its backend running.
    spawn(
      process.execPath,
      ['--disable-warning=ExperimentalWarning', ...nodeArgs, entry, ...args, '--exit-with-parent'],
      {
        env: { ...process.env, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
      },
    );
}

export interface EmbeddedBackendOptions {
  launcher: BackendLauncher;
  dataDir: string;
  adminToken: string;
  port?: number;
  testClock?: string | undefined;
  startTimeoutMs?: number;
}

export class EmbeddedBackend {
  #process: BackendProcess | null = null;
  #url: string | null = null;
  #stderr: string[] = [];
  #exited: Promise<BackendExit> = new Promise(() => {});

  constructor(private readonly options: EmbeddedBackendOptions) {}

  get url(): string | null {
    return this.#url;
  }

  /** Settles when the process ends, for whatever reason (stop(), a crash, a kill from outside). */
  get exited(): Promise<BackendExit> {
    return this.#exited;
  }

  async start(): Promise<string> {
    const args = [
      '--port',
      String(this.options.port ?? 0),
      '--data',
      this.options.dataDir,
      '--log-file',
      `${this.options.dataDir}/logs/backend.log`,
    ];
    if (this.options.testClock) args.push('--test-clock', this.options.testClock);
    // The admin token goes through the child's environment, which only its owner can read: a command line is shown
    // to every local user by `ps`.
    const child = this.options.launcher(args, { COMPANION_ADMIN_TOKEN: this.options.adminToken });
    this.#process = child;
    this.#stderr = [];
    this.#exited = new Promise<BackendExit>((resolve) =>
      child.once('exit', (code, signal) => {
        this.#url = null;
        resolve({ code, signal: signal ?? null, stderrTail: this.#stderr.join('').trim().slice(-500) });
      }),
    );
    child.stderr?.on('data', (chunk: Buffer) => {
      this.#stderr.push(chunk.toString());
      if (this.#stderr.length > 50) this.#stderr.shift();
    });
    const exited = this.#exited.then((exit) => {
      throw new Error(`the embedded backend exited with code ${exit.code}: ${exit.stderrTail}`);
    });
    const listening = new Promise<string>((resolve) => {
      if (!child.stdout) throw new Error('the embedded backend has no standard output');
      const lines = createInterface({ input: child.stdout });
      lines.on('line', (line) => {
        const match = /^listening on (http:\/\/\S+)$/.exec(line.trim());
        if (match?.[1]) resolve(match[1]);
      });
    });
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('the embedded backend did not start in time')),
        this.options.startTimeoutMs ?? 20_000,
      );
    });
    try {
      this.#url = await Promise.race([listening, exited, timeout]);
    } catch (error) {
      child.kill('SIGKILL');
      throw error;
    } finally {
      clearTimeout(timer);
    }
    // Only the race above needed this rejection; an exit after the start is reported by whoever watches exited().
    exited.catch(() => undefined);
    return this.#url;
  }

  /** SIGTERM (the backend drains), then SIGKILL after a grace period. */
  async stop(graceMs = 5_000): Promise<void> {
    const child = this.#process;
    if (!child) return;
    this.#process = null;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await this.#exited;
    clearTimeout(timer);
    this.#url = null;
  }
}
