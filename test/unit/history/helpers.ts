/**
 * What the offline-history tests share: a HistoryService wired to real backends the way the host wires it, bulk
 * creation of generations through the backend's own services, the backend's view of an account's history, and a
 * small HTTP proxy that records (and can interrupt) what the service sends.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Generation, GenerationRequest, ToolId } from '../../../shared/api.js';
import { createCompanionClient, type CompanionClient } from '../../../shared/client.js';
import { HistoryService } from '../../../electron/host/history/history-service.js';
import type { TestBackend } from '../../support/backend.js';

export interface HarnessAccount {
  baseURL: string;
  token: string;
  timeZone?: string;
}

export interface Harness {
  service: HistoryService;
  dataDir: string;
  accounts: Map<string, HarnessAccount>;
  online: Map<string, boolean>;
  /** The cache limit the service reads (settings' cacheLimitBytes). */
  limit: { bytes: number };
  /** The service's clock; each read moves it one second on, so "last viewed" orders are strict. */
  clock: { ms: number };
  changes: string[];
  /** A new service on the same data folder (an app restart). */
  restart(): Promise<HistoryService>;
  close(): Promise<void>;
}

export async function startHarness(options: { dataDir?: string; startMs?: number } = {}): Promise<Harness> {
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'companion-history-'));
  const accounts = new Map<string, HarnessAccount>();
  const online = new Map<string, boolean>();
  const clients = new Map<string, CompanionClient>();
  const limit = { bytes: 2 * 1024 ** 3 };
  const clock = { ms: options.startMs ?? Date.now() };
  const changes: string[] = [];
  const make = () =>
    new HistoryService({
      dataDir,
      clientFor: (accountId) => {
        const account = accounts.get(accountId);
        if (!account) return null;
        const cacheKey = `${accountId}|${account.baseURL}|${account.token}`;
        let client = clients.get(cacheKey);
        if (!client) {
          client = createCompanionClient({
            baseURL: account.baseURL,
            token: account.token,
            retries: 0,
            timeoutMs: 20_000,
          });
          clients.set(cacheKey, client);
        }
        return client;
      },
      timeZoneFor: (accountId) => accounts.get(accountId)?.timeZone ?? null,
      isOnline: (accountId) => online.get(accountId) ?? true,
      onChange: (accountId) => void changes.push(accountId),
      cacheLimitBytes: () => limit.bytes,
      now: () => new Date((clock.ms += 1000)),
    });
  let service = make();
  await service.start();
  return {
    get service() {
      return service;
    },
    dataDir,
    accounts,
    online,
    limit,
    clock,
    changes,
    async restart() {
      await service.stop();
      service = make();
      await service.start();
      return service;
    },
    async close() {
      await service.stop();
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---- generations in the backend ------------------------------------------------------------------------------
const SUBJECTS = [
  'a red fox',
  'an old lighthouse',
  'a quiet café',
  'the northern lights',
  'a paper boat',
  'a jazz trio',
  'a bowl of ramen',
  'two astronauts',
  'a crystal cave',
  'an owl at dusk',
  'a mountain village',
  'a vintage car',
  'a koi pond',
  'a desert highway',
  'a robot gardener',
];
const SETTINGS = [
  'in the rain',
  'at golden hour',
  'under a full moon',
  'in fog',
  'by the sea',
  'in a neon city',
  'in autumn leaves',
  'on a snowy ridge',
  'in a sunflower field',
  'inside a greenhouse',
];
const STYLES = [
  'watercolor',
  'oil painting',
  'cinematic still',
  'pixel art',
  'ukiyo-e print',
  'studio photograph',
  'charcoal sketch',
  'isometric render',
  'film grain',
  'art nouveau poster',
];
const EXTRAS = [
  'soft light',
  'high contrast',
  'pastel palette',
  'wide angle',
  'macro detail',
  'dramatic shadows',
  'minimalist',
  'crowded scene',
  'long exposure',
  'muted tones',
];

/** A varied, realistic prompt (deterministic in `i`). */
export function realisticPrompt(i: number): string {
  const pick = <T>(list: readonly T[], salt: number) => list[(i * salt + Math.floor(i / list.length)) % list.length]!;
  return `${pick(SUBJECTS, 7)} ${pick(SETTINGS, 3)}, ${pick(STYLES, 11)}, ${pick(EXTRAS, 13)} #${i}`;
}

/** The request mix of bulk generations: mostly images, some audio, a few videos. */
export function bulkRequest(i: number, prompt = realisticPrompt(i)): GenerationRequest {
  const kinds: Array<{ tool: ToolId; modelId: string; settings: GenerationRequest['settings'] }> = [
    { tool: 'text-to-image', modelId: 'spark-image', settings: { outputs: 1 } },
    { tool: 'text-to-image', modelId: 'vivid-image', settings: { outputs: 1 } },
    { tool: 'text-to-image', modelId: 'spark-image', settings: { outputs: 2 } },
    { tool: 'text-to-speech', modelId: 'voice-tts', settings: { outputs: 1, durationS: 30 } },
    { tool: 'ai-music', modelId: 'tune-music', settings: { outputs: 1, durationS: 30 } },
  ];
  const kind =
    i % 50 === 49
      ? { tool: 'text-to-video' as const, modelId: 'motion-video', settings: { outputs: 1, durationS: 5 } }
      : kinds[i % kinds.length]!;
  return { ...kind, prompt };
}

/**
 * Creates `count` generations through the backend's own charging code, 500 per transaction; every 7th fails and every
 * 11th is cancelled through the same code that refunds them (C8). The rest stay queued (tests hold the runner).
 */
export async function createInBackend(
  backend: TestBackend['backend'],
  accountId: string,
  count: number,
  first = 0,
  request: (i: number) => GenerationRequest = (i) => bulkRequest(i),
): Promise<string[]> {
  const { services } = backend;
  const ids: string[] = [];
  for (let start = first; start < first + count; start += 500) {
    const end = Math.min(first + count, start + 500);
    await services.ctx.db.transaction().execute(async (trx) => {
      for (let i = start; i < end; i += 1) {
        const row = await services.generations.create(trx, accountId, request(i));
        ids.push(row.id);
        if (i % 7 === 3)
          await services.generations.finishUnsuccessfully(
            trx,
            accountId,
            row.id,
            'failed',
            'The generation failed: the remote provider answered 503',
            ['queued'],
          );
        else if (i % 11 === 5)
          await services.generations.finishUnsuccessfully(
            trx,
            accountId,
            row.id,
            'cancelled',
            'Cancelled before it started',
            ['queued'],
          );
      }
    });
  }
  return ids;
}

/** The account's whole history as the backend lists it (GET /v1/generations, every page). */
export async function backendHistory(client: CompanionClient): Promise<Generation[]> {
  const all: Generation[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.listGenerations({ limit: 500, ...(cursor ? { cursor } : {}) });
    all.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** Every generation in the offline store for the account, as [id, status], newest first. */
export function localHistory(service: HistoryService, accountId: string): Array<[string, string]> {
  const all: Array<[string, string]> = [];
  for (let offset = 0; ; offset += 500) {
    const page = service.search({ accountId }, offset, 500);
    all.push(...page.items.map((g): [string, string] => [g.id, g.status]));
    if (page.items.length < 500) return all;
  }
}

export const idsAndStatuses = (generations: readonly Generation[]) =>
  generations.map((g): [string, string] => [g.id, g.status]);
export const sortPairs = (pairs: Array<[string, string]>) => [...pairs].sort((a, b) => a[0].localeCompare(b[0]));

// ---- a recording proxy ---------------------------------------------------------------------------------------
export interface ProxiedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  status: number;
  /** Body bytes sent back to the service. */
  bytes: number;
}

export interface RecordingProxy {
  url: string;
  /** Where requests go; change it to point the service at a restarted backend. */
  target: string;
  requests: ProxiedRequest[];
  /** Runs after a response was passed on in full (e.g. to kill the backend after N sync pages). */
  afterResponse: ((request: ProxiedRequest) => Promise<void> | void) | null;
  close(): Promise<void>;
}

export async function startProxy(target: string): Promise<RecordingProxy> {
  const proxy: RecordingProxy = { url: '', target, requests: [], afterResponse: null, close: async () => {} };
  const server: Server = createServer((req, res) => {
    const entry: ProxiedRequest = {
      method: req.method ?? 'GET',
      path: req.url ?? '/',
      headers: req.headers,
      status: 0,
      bytes: 0,
    };
    proxy.requests.push(entry);
    const upstream = httpRequest(
      `${proxy.target}${entry.path}`,
      { method: entry.method, headers: { ...req.headers, host: new URL(proxy.target).host } },
      (answer) => {
        entry.status = answer.statusCode ?? 0;
        res.writeHead(entry.status, answer.headers);
        answer.on('data', (chunk: Buffer) => {
          entry.bytes += chunk.length;
          res.write(chunk);
        });
        answer.on('end', () => {
          res.end();
          void Promise.resolve(proxy.afterResponse?.(entry)).catch(() => {});
        });
      },
    );
    upstream.on('error', () => {
      entry.status = 502;
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/problem+json' });
      res.end(
        JSON.stringify({
          type: 'about:blank',
          title: 'Bad Gateway',
          status: 502,
          code: 'internal_error',
          detail: 'the backend is down',
        }),
      );
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  proxy.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  proxy.close = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections();
      server.close(() => resolve());
    });
  return proxy;
}

/** The `since` of every GET /v1/sync the proxy saw, in order ('' for a first sync). */
export function syncSinces(requests: readonly ProxiedRequest[]): string[] {
  return requests
    .filter((r) => r.path.startsWith('/v1/sync'))
    .map((r) => new URL(r.path, 'http://x').searchParams.get('since') ?? '');
}
