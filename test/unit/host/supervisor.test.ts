/**
 * The built-in backend's supervisor, with fake backend runs: a run that ends unexpectedly is started again after a
 * growing wait, on the same port when it is free, and the state says what happened and when the next attempt is.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  BackendSupervisor,
  describeExit,
  restartDelay,
  type SupervisedBackend,
  type SupervisorState,
} from '../../../electron/host/backend-supervisor.js';
import type { BackendExit } from '../../../electron/host/embedded-backend.js';

interface FakeRun extends SupervisedBackend {
  port: number;
  crash(exit?: Partial<BackendExit>): void;
  stopped: boolean;
}

/** Fake runs: `failures` makes the next starts fail with that message; port 0 gets the next free one from 41000. */
function fakeLauncher() {
  const runs: FakeRun[] = [];
  const failures: string[] = [];
  let nextFree = 41_000;
  const create = (port: number): FakeRun => {
    let end: (exit: BackendExit) => void = () => {};
    const exited = new Promise<BackendExit>((resolve) => (end = resolve));
    const run: FakeRun = {
      port,
      stopped: false,
      exited,
      async start() {
        const failure = failures.shift();
        if (failure) {
          end({ code: 2, signal: null, stderrTail: failure });
          throw new Error(`the embedded backend exited with code 2: ${failure}`);
        }
        return `http://127.0.0.1:${port === 0 ? (nextFree += 1) : port}`;
      },
      async stop() {
        run.stopped = true;
        end({ code: 0, signal: null, stderrTail: '' });
      },
      crash(exit = {}) {
        end({ code: null, signal: 'SIGKILL', stderrTail: '', ...exit });
      },
    };
    runs.push(run);
    return run;
  };
  return { runs, failures, create };
}

let logs: string[];
let states: SupervisorState[];

function supervise(launcher: ReturnType<typeof fakeLauncher>, port = 40_287) {
  const supervisor = new BackendSupervisor({ create: launcher.create, port, log: (line) => logs.push(line) });
  supervisor.on('state', (state) => states.push(state));
  return supervisor;
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-12-04T20:00:00.000Z') });
  logs = [];
  states = [];
});

afterEach(() => {
  vi.useRealTimers();
});

describe('restart backoff', () => {
  it('waits 0.5 s, then doubles, and never more than 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8, 20].map((attempt) => restartDelay(attempt))).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000,
    ]);
    // A first wait chosen above the cap (a test keeping its backend down) is the wait itself.
    expect(restartDelay(3, { firstDelayMs: 600_000, maxDelayMs: 30_000, stableMs: 30_000 })).toBe(600_000);
  });

  it('says how the process ended in words', () => {
    expect(describeExit({ code: null, signal: 'SIGKILL', stderrTail: '' })).toBe('its process was killed');
    expect(describeExit({ code: 1, signal: null, stderrTail: '' })).toBe('its process exited with code 1');
    expect(describeExit({ code: null, signal: 'SIGSEGV', stderrTail: '' })).toBe('its process was ended by SIGSEGV');
  });
});

describe('BackendSupervisor', () => {
  it('restarts a killed backend on the same port after 0.5 s, and says so meanwhile', async () => {
    const launcher = fakeLauncher();
    const supervisor = supervise(launcher);
    const ups: string[] = [];
    supervisor.on('up', (url) => ups.push(url));
    expect(await supervisor.start()).toBe('http://127.0.0.1:40287');

    launcher.runs[0]!.crash();
    await vi.advanceTimersByTimeAsync(0);
    expect(supervisor.state).toMatchObject({
      state: 'restarting',
      attempt: 1,
      nextAttemptAt: '2026-12-04T20:00:00.500Z',
      lastExit: { words: 'its process was killed' },
    });
    expect(supervisor.url).toBeNull();
    expect(logs.join('\n')).toContain('built-in backend stopped unexpectedly: its process was killed');

    await vi.advanceTimersByTimeAsync(499);
    expect(launcher.runs).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(launcher.runs.map((run) => run.port)).toEqual([40_287, 40_287]);
    expect(supervisor.state).toMatchObject({ state: 'running', nextAttemptAt: null });
    expect(ups).toEqual(['http://127.0.0.1:40287', 'http://127.0.0.1:40287']);
    // The attempt's start was published (no time in the past left on screen), then its success.
    expect(states.map((s) => `${s.state}:${s.nextAttemptAt === null ? 'now' : 'later'}`)).toEqual([
      'starting:now',
      'running:now',
      'restarting:later',
      'restarting:now',
      'running:now',
    ]);
  });

  it('backs off while restarts fail: attempt 2 after 1 s more, attempt 3 after 2 s more', async () => {
    const launcher = fakeLauncher();
    const supervisor = supervise(launcher);
    await supervisor.start();
    launcher.failures.push('database is locked', 'database is locked');
    launcher.runs[0]!.crash({ code: 1, signal: null });
    await vi.advanceTimersByTimeAsync(500);
    expect(supervisor.state).toMatchObject({
      state: 'restarting',
      attempt: 2,
      nextAttemptAt: '2026-12-04T20:00:01.500Z',
      lastExit: { words: 'its process exited with code 1' },
    });
    expect(supervisor.state.error).toContain('database is locked');
    await vi.advanceTimersByTimeAsync(1000);
    expect(supervisor.state).toMatchObject({
      state: 'restarting',
      attempt: 3,
      nextAttemptAt: '2026-12-04T20:00:03.500Z',
    });
    await vi.advanceTimersByTimeAsync(1999);
    expect(launcher.runs).toHaveLength(3);
    await vi.advanceTimersByTimeAsync(1);
    expect(launcher.runs).toHaveLength(4);
    expect(supervisor.state).toMatchObject({ state: 'running', error: null });
    expect(logs.filter((line) => line.includes('failed'))).toHaveLength(2);
  });

  it('takes another port when its own was taken meanwhile', async () => {
    const launcher = fakeLauncher();
    const supervisor = supervise(launcher);
    const ups: string[] = [];
    supervisor.on('up', (url) => ups.push(url));
    await supervisor.start();
    launcher.failures.push('companion-backend: listen EADDRINUSE: address already in use 127.0.0.1:40287');
    launcher.runs[0]!.crash();
    await vi.advanceTimersByTimeAsync(500);
    expect(launcher.runs.map((run) => run.port)).toEqual([40_287, 40_287, 0]);
    expect(ups.at(-1)).toBe('http://127.0.0.1:41001');
    expect(supervisor.url).toBe('http://127.0.0.1:41001');
    // The new port is kept for the next restart.
    launcher.runs[2]!.crash();
    await vi.advanceTimersByTimeAsync(1000);
    expect(launcher.runs.at(-1)!.port).toBe(41_001);
  });

  it('starts again from the shortest wait once a backend stayed up for 30 s', async () => {
    const launcher = fakeLauncher();
    const supervisor = supervise(launcher);
    await supervisor.start();
    launcher.runs[0]!.crash();
    await vi.advanceTimersByTimeAsync(500);
    launcher.runs[1]!.crash();
    await vi.advanceTimersByTimeAsync(0);
    expect(supervisor.state.attempt).toBe(2);
    await vi.advanceTimersByTimeAsync(1000);
    await vi.advanceTimersByTimeAsync(30_000);
    launcher.runs[2]!.crash();
    await vi.advanceTimersByTimeAsync(0);
    expect(supervisor.state).toMatchObject({ state: 'restarting', attempt: 1 });
  });

  it('does not restart a backend it was asked to stop, nor one pending a restart', async () => {
    const launcher = fakeLauncher();
    const supervisor = supervise(launcher);
    await supervisor.start();
    await supervisor.stop();
    expect(launcher.runs[0]!.stopped).toBe(true);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(launcher.runs).toHaveLength(1);
    expect(supervisor.state.state).toBe('off');

    await supervisor.start();
    launcher.runs[1]!.crash();
    await vi.advanceTimersByTimeAsync(0);
    await supervisor.stop();
    await vi.advanceTimersByTimeAsync(60_000);
    expect(launcher.runs).toHaveLength(2);
  });

  it('reports a first start that fails, without retrying it', async () => {
    const launcher = fakeLauncher();
    const supervisor = supervise(launcher);
    launcher.failures.push('--data is not writable');
    await expect(supervisor.start()).rejects.toThrow('--data is not writable');
    expect(supervisor.state).toMatchObject({ state: 'failed' });
    await vi.advanceTimersByTimeAsync(60_000);
    expect(launcher.runs).toHaveLength(1);
  });
});

describe('restartNow', () => {
  it('skips the wait of a pending restart', async () => {
    const launcher = fakeLauncher();
    const supervisor = supervise(launcher);
    await supervisor.start();
    launcher.runs[0]!.crash();
    await vi.advanceTimersByTimeAsync(0);
    supervisor.restartNow();
    await vi.advanceTimersByTimeAsync(0);
    expect(launcher.runs).toHaveLength(2);
    expect(supervisor.state.state).toBe('running');
    await vi.advanceTimersByTimeAsync(1000);
    expect(launcher.runs).toHaveLength(2);
  });
});
