import {
  createServer,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Balance, GenerationRequest } from '../../../shared/api.js';
import { createCompanionClient } from '../../../shared/client.js';
import { catchApiError } from '../../support/api-error.js';

/** One request as the fake backend saw it. */
interface Hit {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

type Respond = (request: IncomingMessage, response: ServerResponse, hitNumber: number) => void;

/** A real HTTP server on 127.0.0.1 whose answers each test scripts per "METHOD /path". */
class ScriptedServer {
  readonly hits: Hit[] = [];
  readonly #routes = new Map<string, Respond>();
  readonly #server: Server;
  #closed = false;

  constructor() {
    this.#server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const key = `${request.method} ${request.url?.split('?')[0]}`;
        this.hits.push({
          method: request.method ?? '',
          url: request.url ?? '',
          headers: request.headers,
          body: Buffer.concat(chunks).toString('utf8'),
        });
        const respond = this.#routes.get(key);
        if (!respond) return json(response, 599, { unscripted: key });
        respond(request, response, this.hitsOf(key).length);
      });
    });
  }

  on(key: string, respond: Respond): void {
    this.#routes.set(key, respond);
  }

  hitsOf(key: string): Hit[] {
    return this.hits.filter((hit) => `${hit.method} ${hit.url.split('?')[0]}` === key);
  }

  async listen(): Promise<string> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    if (this.#closed) return Promise.resolve();
    this.#closed = true;
    this.#server.closeAllConnections();
    return new Promise((resolve, reject) => this.#server.close((error) => (error ? reject(error) : resolve())));
  }
}

function json(response: ServerResponse, status: number, body: unknown, contentType = 'application/json'): void {
  response.writeHead(status, { 'content-type': contentType });
  response.end(JSON.stringify(body));
}

const balance: Balance = {
  asOf: '2026-03-07T20:00:00.000Z',
  credits: {
    free: { amount: 100, resetsAt: '2026-03-08T05:00:00.000Z' },
    subscription: { amount: 0, expiresAt: null },
    topup: { amount: 0 },
    total: 100,
  },
  generations: null,
  fast: { used: 0, limit: 0, resetsAt: '2026-03-08T05:00:00.000Z' },
  unlimited: [],
};

const videoRequest: GenerationRequest = {
  tool: 'text-to-video',
  modelId: 'motion-video',
  prompt: 'waves rolling onto a beach at sunrise',
  settings: { outputs: 1, durationS: 5 },
};

const insufficientCredits = {
  type: 'https://creator-companion.dev/problems/insufficient-credits',
  title: 'Insufficient credits',
  status: 402,
  code: 'insufficient_credits',
  detail: 'This request costs 210 credits; 100 are available',
  shortfall: 110,
  resetsAt: '2026-03-08T05:00:00.000Z',
  options: [
    { kind: 'wait', at: '2026-03-08T05:00:00.000Z' },
    { kind: 'upgrade', planIds: ['basic'] },
  ],
};

const TOKEN = 'cc_test-token-0123456789abcdef';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

let server: ScriptedServer;
let baseURL: string;

beforeEach(async () => {
  server = new ScriptedServer();
  baseURL = await server.listen();
});

afterEach(async () => {
  await server.close();
});

const client = () => createCompanionClient({ baseURL, token: TOKEN, retries: 2, timeoutMs: 5_000 });

describe('typed client: successful answers', () => {
  it('parses a contract-conforming answer', async () => {
    server.on('GET /v1/me/balance', (_req, res) => json(res, 200, balance));
    await expect(client().balance()).resolves.toEqual(balance);
  });

  it('sends the bearer token', async () => {
    server.on('GET /v1/me/balance', (_req, res) => json(res, 200, balance));
    await client().balance();
    expect(server.hitsOf('GET /v1/me/balance')[0]?.headers.authorization).toBe(`Bearer ${TOKEN}`);
  });

  it('sends no Authorization header without a token', async () => {
    server.on('GET /v1/health', (_req, res) => json(res, 200, { status: 'ok', version: '0.1.0' }));
    await createCompanionClient({ baseURL, retries: 0 }).health();
    expect(server.hitsOf('GET /v1/health')[0]?.headers.authorization).toBeUndefined();
  });
});

describe('typed client: errors as ApiError', () => {
  it('C7: a 402 problem+json becomes insufficient_credits with the shortfall readable on .problem', async () => {
    server.on('POST /v1/generations', (_req, res) => json(res, 402, insufficientCredits, 'application/problem+json'));
    const error = await catchApiError(client().createGeneration(videoRequest));
    expect(error.code).toBe('insufficient_credits');
    expect(error.status).toBe(402);
    expect(error.message).toBe('This request costs 210 credits; 100 are available');
    expect(error.problem?.shortfall).toBe(110);
    expect(error.problem?.resetsAt).toBe('2026-03-08T05:00:00.000Z');
    expect(error.problem?.options).toEqual(insufficientCredits.options);
  });

  it('a 500 answer that is not problem+json becomes invalid_response with its status', async () => {
    server.on('POST /v1/estimates/cost', (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/html' });
      res.end('<h1>Internal Server Error</h1>');
    });
    const error = await catchApiError(
      client().estimateCost({ tool: 'text-to-image', modelId: 'spark-image', settings: { outputs: 1 } }),
    );
    expect(error.code).toBe('invalid_response');
    expect(error.status).toBe(500);
    expect(error.problem).toBeNull();
  });

  it('a 200 answer that violates the contract becomes invalid_response', async () => {
    const { credits: _credits, ...withoutCredits } = balance;
    server.on('GET /v1/me/balance', (_req, res) => json(res, 200, withoutCredits));
    const error = await catchApiError(client().balance());
    expect(error.code).toBe('invalid_response');
    expect(error.status).toBe(200);
  });

  it('a generation with the unknown status "done" becomes invalid_response', async () => {
    server.on('GET /v1/generations/gen_1', (_req, res) =>
      json(res, 200, {
        id: 'gen_1',
        ...videoRequest,
        status: 'done',
        lane: 'standard',
        charge: {
          credits: 210,
          generations: 0,
          draws: [
            { balance: 'free', amount: 100 },
            { balance: 'topup', amount: 110 },
          ],
          refunded: false,
        },
        outputs: [],
        createdAt: '2026-03-07T20:00:00.000Z',
      }),
    );
    const error = await catchApiError(client().getGeneration('gen_1'));
    expect(error.code).toBe('invalid_response');
  });

  it('an unreachable backend (closed port) becomes network_error with status 0', async () => {
    await server.close();
    const error = await catchApiError(client().balance());
    expect(error.code).toBe('network_error');
    expect(error.status).toBe(0);
  });
});

describe('typed client: retries', () => {
  it('a GET that gets 503 twice and then 200 is retried and succeeds (3 hits)', async () => {
    server.on('GET /v1/me/balance', (_req, res, hit) => {
      if (hit <= 2)
        json(
          res,
          503,
          { type: 'about:blank', title: 'Unavailable', status: 503, code: 'internal_error' },
          'application/problem+json',
        );
      else json(res, 200, balance);
    });
    await expect(client().balance()).resolves.toEqual(balance);
    expect(server.hitsOf('GET /v1/me/balance')).toHaveLength(3);
  });

  it('a GET that gets 501 not_implemented is not retried (1 hit)', async () => {
    server.on('GET /v1/queue', (_req, res) =>
      json(
        res,
        501,
        { type: 'about:blank', title: 'Not implemented', status: 501, code: 'not_implemented' },
        'application/problem+json',
      ),
    );
    const error = await catchApiError(client().queue());
    expect(error.code).toBe('not_implemented');
    expect(server.hitsOf('GET /v1/queue')).toHaveLength(1);
  });

  it('a charging POST that gets 503 is not retried (1 hit)', async () => {
    server.on('POST /v1/generations', (_req, res) =>
      json(
        res,
        503,
        { type: 'about:blank', title: 'Unavailable', status: 503, code: 'internal_error' },
        'application/problem+json',
      ),
    );
    const error = await catchApiError(client().createGeneration(videoRequest));
    expect(error.status).toBe(503);
    expect(server.hitsOf('POST /v1/generations')).toHaveLength(1);
  });

  it('a charging POST carries a fresh UUID Idempotency-Key', async () => {
    server.on('POST /v1/generations', (_req, res) =>
      json(
        res,
        503,
        { type: 'about:blank', title: 'Unavailable', status: 503, code: 'internal_error' },
        'application/problem+json',
      ),
    );
    await catchApiError(client().createGeneration(videoRequest));
    expect(server.hitsOf('POST /v1/generations')[0]?.headers['idempotency-key']).toMatch(UUID);
  });

  it('a charging POST sends the Idempotency-Key the caller gives', async () => {
    server.on('POST /v1/me/topups', (_req, res) => json(res, 200, balance));
    await client().buyTopup({ credits: 500 }, 'topup-2026-03-07-1');
    expect(server.hitsOf('POST /v1/me/topups')[0]?.headers['idempotency-key']).toBe('topup-2026-03-07-1');
  });

  it('a charging POST whose connection drops is retried with the same Idempotency-Key and body', async () => {
    server.on('POST /v1/me/topups', (req, res, hit) => {
      if (hit === 1) req.socket.destroy();
      else json(res, 200, balance);
    });
    await expect(client().buyTopup({ credits: 500 })).resolves.toEqual(balance);
    const hits = server.hitsOf('POST /v1/me/topups');
    expect(hits).toHaveLength(2);
    expect(hits[1]?.headers['idempotency-key']).toBe(hits[0]?.headers['idempotency-key']);
    expect(hits.map((hit) => JSON.parse(hit.body))).toEqual([{ credits: 500 }, { credits: 500 }]);
  });
});

const workspace = {
  id: 'ws_1',
  name: 'Beach shots',
  generationIds: [],
  createdAt: '2026-03-07T20:00:00.000Z',
  updatedAt: '2026-03-07T20:05:00.000Z',
};

const notFound = {
  type: 'about:blank',
  title: 'Not found',
  status: 404,
  code: 'not_found',
  detail: 'No workspace ws_1',
};

async function collect(body: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts).toString('utf8');
}

describe('typed client: workspace changes', () => {
  it('renameWorkspace sends PATCH with the new name and parses the workspace', async () => {
    server.on('PATCH /v1/workspaces/ws_1', (_req, res) => json(res, 200, { ...workspace, name: 'Sunsets' }));
    await expect(client().renameWorkspace('ws_1', { name: 'Sunsets' })).resolves.toMatchObject({
      id: 'ws_1',
      name: 'Sunsets',
    });
    expect(JSON.parse(server.hitsOf('PATCH /v1/workspaces/ws_1')[0]?.body ?? '')).toEqual({ name: 'Sunsets' });
  });

  it('deleteWorkspace sends DELETE and resolves on 204', async () => {
    server.on('DELETE /v1/workspaces/ws_1', (_req, res) => {
      res.writeHead(204);
      res.end();
    });
    await expect(client().deleteWorkspace('ws_1')).resolves.toBeUndefined();
    expect(server.hitsOf('DELETE /v1/workspaces/ws_1')).toHaveLength(1);
  });

  it('a workspace that is gone is an ApiError with status 404 and its code', async () => {
    server.on('DELETE /v1/workspaces/ws_1', (_req, res) => json(res, 404, notFound, 'application/problem+json'));
    const error = await catchApiError(client().deleteWorkspace('ws_1'));
    expect([error.status, error.code, error.message]).toEqual([404, 'not_found', 'No workspace ws_1']);
  });
});

describe('typed client: output downloads', () => {
  const file = 'abcdefghijklmnopqrstuvwxyz';

  it('without an offset asks for the whole file and streams it', async () => {
    server.on('GET /v1/outputs/out_1', (_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(file);
    });
    const download = await client().downloadOutput('out_1');
    if (download.kind !== 'bytes') throw new Error(`expected bytes, got ${download.kind}`);
    expect(download.resumed).toBe(false);
    expect(await collect(download.body)).toBe(file);
    const hit = server.hitsOf('GET /v1/outputs/out_1')[0];
    expect([hit?.headers.range, hit?.headers['if-range'], hit?.headers.authorization]).toEqual([
      undefined,
      undefined,
      `Bearer ${TOKEN}`,
    ]);
  });

  it('resumes with Range from the offset and If-Range the sha256; a matching 206 is a continuation', async () => {
    server.on('GET /v1/outputs/out_1', (_req, res) => {
      res.writeHead(206, { 'content-range': `bytes 10-25/26` });
      res.end(file.slice(10));
    });
    const download = await client().downloadOutput('out_1', { offset: 10, sha256: 'f00d' });
    if (download.kind !== 'bytes') throw new Error(`expected bytes, got ${download.kind}`);
    expect(download.resumed).toBe(true);
    expect(await collect(download.body)).toBe(file.slice(10));
    const hit = server.hitsOf('GET /v1/outputs/out_1')[0];
    expect([hit?.headers.range, hit?.headers['if-range']]).toEqual(['bytes=10-', '"f00d"']);
  });

  it('a 200 to a resume (the file changed) is the whole file, not a continuation', async () => {
    server.on('GET /v1/outputs/out_1', (_req, res) => {
      res.writeHead(200);
      res.end(file);
    });
    const download = await client().downloadOutput('out_1', { offset: 10, sha256: 'f00d' });
    if (download.kind !== 'bytes') throw new Error(`expected bytes, got ${download.kind}`);
    expect(download.resumed).toBe(false);
    expect(await collect(download.body)).toBe(file);
  });

  it('416 (the offset is past the end) is unsatisfiable', async () => {
    server.on('GET /v1/outputs/out_1', (_req, res) => {
      res.writeHead(416, { 'content-range': 'bytes */26' });
      res.end();
    });
    await expect(client().downloadOutput('out_1', { offset: 40, sha256: 'f00d' })).resolves.toEqual({
      kind: 'unsatisfiable',
    });
  });

  it('a 404 problem+json is an ApiError with status 404, asked once', async () => {
    server.on('GET /v1/outputs/out_1', (_req, res) =>
      json(res, 404, { ...notFound, detail: 'No output out_1' }, 'application/problem+json'),
    );
    const error = await catchApiError(client().downloadOutput('out_1'));
    expect([error.status, error.code, error.message]).toEqual([404, 'not_found', 'No output out_1']);
    expect(server.hitsOf('GET /v1/outputs/out_1')).toHaveLength(1);
  });

  it('a 503 is not retried (the cache resumes later from what arrived)', async () => {
    server.on('GET /v1/outputs/out_1', (_req, res) => {
      res.writeHead(503);
      res.end('busy');
    });
    const error = await catchApiError(client().downloadOutput('out_1'));
    expect([error.status, error.code]).toEqual([503, 'invalid_response']);
    expect(server.hitsOf('GET /v1/outputs/out_1')).toHaveLength(1);
  });

  it('a connection that breaks mid-file fails the body with network_error', async () => {
    server.on('GET /v1/outputs/out_1', (_req, res) => {
      res.writeHead(200, { 'content-length': String(file.length) });
      res.write(file.slice(0, 5), () => setTimeout(() => res.socket?.destroy(), 20));
    });
    const download = await client().downloadOutput('out_1');
    if (download.kind !== 'bytes') throw new Error(`expected bytes, got ${download.kind}`);
    const error = await catchApiError(collect(download.body));
    expect([error.status, error.code]).toEqual([0, 'network_error']);
  });
});
