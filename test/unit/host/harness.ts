/**
 * What the host tests share: a CompanionHost on a fresh data folder that signs in to a real in-process backend (no
 * embedded backend), waits on snapshots and alerts, and a counting proxy that stands between the host and a backend
 * (to see every request the host makes, and to cut its connections).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Alert, HostSnapshot } from '../../../shared/bridge.js';
import { dispatchBridgeCall } from '../../../electron/host/bridge-dispatch.js';
import { CompanionHost, type CompanionHostOptions } from '../../../electron/host/companion-host.js';
import type { BackendLauncher } from '../../../electron/host/embedded-backend.js';

/** A launcher that must never run: these hosts talk to remote (in-process) backends only. */
export const noEmbeddedBackend: BackendLauncher = () => {
  throw new Error('this test host starts no embedded backend');
};

export function tempDir(prefix = 'companion-host-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function removeDir(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

export interface TestHost {
  host: CompanionHost;
  dataDir: string;
  alerts: Alert[];
  call(method: string, payload: unknown): ReturnType<typeof dispatchBridgeCall>;
  /** Calls a method that must succeed; its value. */
  ok<T = HostSnapshot>(method: string, payload: unknown): Promise<T>;
  stop(): Promise<void>;
}

export async function startTestHost(
  options: Partial<CompanionHostOptions> & { dataDir?: string } = {},
): Promise<TestHost> {
  const dataDir = options.dataDir ?? tempDir();
  const host = new CompanionHost({
    launchBackend: noEmbeddedBackend,
    embedded: false,
    connection: { minDelayMs: 50, maxDelayMs: 200 },
    ...options,
    dataDir,
  });
  const alerts: Alert[] = [];
  host.on('alert', (alert) => alerts.push(alert));
  await host.start();
  const call = (method: string, payload: unknown) => dispatchBridgeCall(host.handlers, method, payload);
  return {
    host,
    dataDir,
    alerts,
    call,
    async ok<T>(method: string, payload: unknown): Promise<T> {
      const result = await call(method, payload);
      if (!result.ok) throw new Error(`${method} failed: ${JSON.stringify(result.error)}`);
      return result.value as T;
    },
    stop: () => host.stop(),
  };
}

export function waitForSnapshot(
  host: CompanionHost,
  predicate: (s: HostSnapshot) => boolean,
  timeoutMs = 15_000,
  what = 'a matching snapshot',
): Promise<HostSnapshot> {
  const now = host.snapshot();
  if (predicate(now)) return Promise.resolve(now);
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      host.off('snapshot', listener);
      reject(
        new Error(
          `no ${what} within ${timeoutMs} ms; last: ${JSON.stringify(host.snapshot().accounts.map((a) => ({ id: a.id, connection: a.connection, balance: a.balance?.credits })))}`,
        ),
      );
    }, timeoutMs);
    const listener = (snapshot: HostSnapshot) => {
      if (!predicate(snapshot)) return;
      clearTimeout(timer);
      host.off('snapshot', listener);
      resolve(snapshot);
    };
    host.on('snapshot', listener);
  });
}

export const isLive = (accountId: string) => (s: HostSnapshot) => {
  const account = s.accounts.find((a) => a.id === accountId);
  return account?.connection.state === 'live' && !!account.balance;
};

/** Polls until `check` holds. */
export async function eventually(
  check: () => boolean | Promise<boolean>,
  what: string,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface CountingProxy {
  url: string;
  /** Every request that came through, as `METHOD /path`. */
  readonly requests: string[];
  /** Connections open now (an event stream holds one). */
  openConnections(): number;
  /** Cuts every open connection (the host sees its event stream break). */
  dropConnections(): void;
  close(): Promise<void>;
}

/** A plain HTTP proxy to `target` that records every request; on `port` when given (to come back where it was). */
export async function startCountingProxy(target: string, port = 0): Promise<CountingProxy> {
  const upstream = new URL(target);
  const requests: string[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const forward = httpRequest(
      { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const address = server.address();
  const listening = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${listening}`,
    requests,
    openConnections: () => sockets.size,
    dropConnections: () => {
      for (const socket of sockets) socket.destroy();
    },
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
