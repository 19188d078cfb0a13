/**
 * Runs a child process for tests: collects its output, waits for a line that matches, and waits for its exit, each with
 * a timeout whose error shows what the process printed so far.
 */
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface RunningProcess {
  readonly child: ChildProcess;
  stdout(): string;
  stderr(): string;
  /** Resolves with the first match of `pattern` on standard output; rejects on timeout or exit. */
  waitForOutput(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /**
   * Sends `signal` synchronously from the output handler the moment `pattern` appears on standard output, with no
   * promise turn in between: the earliest a supervisor watching the output could react.
   */
  signalWhen(pattern: RegExp, signal: NodeJS.Signals): void;
  /** Resolves once the process has exited; rejects on timeout. */
  exited(timeoutMs?: number): Promise<Exit>;
  /** Sends SIGKILL if the process is still running. */
  kill(): void;
}

export function startProcess(command: string, args: readonly string[], options: SpawnOptions = {}): RunningProcess {
  const child = spawn(command, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let exit: Exit | null = null;
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const listener of [...listeners]) listener();
  };
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    out += chunk;
    notify();
  });
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    err += chunk;
    notify();
  });
  const exitPromise = new Promise<Exit>((resolve) => {
    child.on('close', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
      notify();
    });
  });
  const printed = () => `stdout: ${JSON.stringify(out)}, stderr: ${JSON.stringify(err)}`;

  return {
    child,
    stdout: () => out,
    stderr: () => err,
    waitForOutput(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const match = pattern.exec(out);
          if (match) done(() => resolve(match));
          else if (exit)
            done(() =>
              reject(
                new Error(`The process exited (${JSON.stringify(exit)}) before printing ${pattern}; ${printed()}`),
              ),
            );
        };
        const timer = setTimeout(
          () => done(() => reject(new Error(`No ${pattern} within ${timeoutMs} ms; ${printed()}`))),
          timeoutMs,
        );
        const done = (settle: () => void) => {
          clearTimeout(timer);
          listeners.delete(check);
          settle();
        };
        listeners.add(check);
        check();
      });
    },
    signalWhen(pattern, signal) {
      const check = () => {
        if (!pattern.test(out)) return;
        listeners.delete(check);
        child.kill(signal);
      };
      listeners.add(check);
      check();
    },
    exited(timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`The process did not exit within ${timeoutMs} ms; ${printed()}`)),
          timeoutMs,
        );
        void exitPromise.then((result) => {
          clearTimeout(timer);
          resolve(result);
        });
      });
    },
    kill() {
      if (!exit && child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
