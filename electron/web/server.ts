/**
 * Web mode: the host's bridge over HTTP + SSE on 127.0.0.1, plus the built renderer as static files and the cached
 * outputs as media. It is how the app runs where Electron cannot, and how end-to-end tests drive the real UI in
 * Chromium.
 *
 * A per-launch secret guards the bridge: the page learns it from the URL fragment (never sent to any server) and sends
 * it in a header; the event stream and media URLs take it as a query parameter, since EventSource and <img> cannot set
 * headers. The Host header must name this loopback server (DNS rebinding) and a cross-origin Origin is refused.
 *
 * Routes: `POST /bridge/<method>`, `GET /bridge/events?secret=` (every bridge event: `snapshot`, `alert`),
 * `GET /media/<accountId>/<outputId>/<thumb|full>?secret=` (shared `mediaPath`; Range supported), the renderer.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { randomBytes, timingSafeEqual, createHash } from 'node:crypto';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { bridgeEventNames } from '../../shared/bridge.js';
import type { BridgeEventName, BridgeHandlers, HostSnapshot } from '../../shared/bridge.js';
import { dispatchBridgeCall } from '../host/bridge-dispatch.js';
import { mediaAnswer, parseMediaPath, type MediaFile, type MediaVariant } from '../host/media-file.js';
import { CONTENT_SECURITY_POLICY } from './content-security.js';
import { decodePathPart, parseRequestUrl, utf8OrNull } from './request-parts.js';

export { CONTENT_SECURITY_POLICY, ELECTRON_CONTENT_SECURITY_POLICY, MEDIA_SCHEME } from './content-security.js';

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

export interface WebBridgeSource {
  handlers: BridgeHandlers;
  snapshot(): HostSnapshot;
  /** The offline history's cache: the file behind a media URL, fetched first if need be; null when it cannot be had. */
  history: { openMedia(accountId: string, outputId: string, variant: MediaVariant): Promise<MediaFile | null> };
  /** Pushed events (an EventEmitter's on/off): the server only passes their payloads on, as JSON. */
  on(event: BridgeEventName, listener: (payload: never) => void): unknown;
  off(event: BridgeEventName, listener: (payload: never) => void): unknown;
}

export interface WebServerOptions {
  host: WebBridgeSource;
  rendererDir: string;
  port?: number;
  secret?: string;
}

export interface WebServer {
  server: Server;
  url: string;
  /** The URL to open: it carries the secret in its fragment. */
  openURL: string;
  secret: string;
  close(): Promise<void>;
}

const securityHeaders = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const digest = (text: string) => createHash('sha256').update(text).digest();

export async function startWebServer(options: WebServerOptions): Promise<WebServer> {
  const secret = options.secret ?? randomBytes(24).toString('base64url');
  const rendererDir = resolve(options.rendererDir);
  const streams = new Set<ServerResponse>();
  let origin = '';

  const secretMatches = (given: string | null | undefined) => !!given && timingSafeEqual(digest(given), digest(secret));

  const server = createServer((req, res) => {
    handle(req, res).catch((error: Error) => {
      if (!res.headersSent) json(res, 500, { ok: false, error: { code: 'internal_error', message: error.message } });
      else res.end();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = parseRequestUrl(req.url, origin);
    if (!url) return plain(res, 400, 'The URL cannot be read');
    if (req.headers.host !== new URL(origin).host && req.headers.host !== `localhost:${new URL(origin).port}`) {
      return plain(res, 421, 'Misdirected request');
    }
    if (
      req.headers.origin &&
      req.headers.origin !== origin &&
      req.headers.origin !== `http://localhost:${new URL(origin).port}`
    ) {
      return plain(res, 403, 'Cross-origin requests are refused');
    }
    if (url.pathname === '/bridge/events' && req.method === 'GET') {
      if (!secretMatches(url.searchParams.get('secret'))) return plain(res, 401, 'Missing or wrong secret');
      return openEventStream(res);
    }
    if (url.pathname.startsWith('/media/') && (req.method === 'GET' || req.method === 'HEAD')) {
      if (!secretMatches(url.searchParams.get('secret'))) return plain(res, 401, 'Missing or wrong secret');
      return serveMedia(url.pathname.slice('/media/'.length), req, res);
    }
    if (url.pathname.startsWith('/bridge/')) {
      if (req.method !== 'POST') return plain(res, 405, 'Use POST');
      if (!secretMatches(req.headers['x-companion-secret'] as string | undefined))
        return plain(res, 401, 'Missing or wrong secret');
      const method = decodePathPart(url.pathname.slice('/bridge/'.length));
      if (method === null)
        return json(res, 400, {
          ok: false,
          error: { code: 'invalid_request', message: 'The method name holds a bad escape' },
        });
      const body = await readJson(req);
      if (body === INVALID)
        return json(res, 400, { ok: false, error: { code: 'invalid_request', message: 'The body must be JSON' } });
      return json(res, 200, await dispatchBridgeCall(options.host.handlers, method, body));
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return plain(res, 405, 'Method not allowed');
    return serveStatic(url.pathname, res);
  }

  function openEventStream(res: ServerResponse): void {
    res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
    });
    res.write('retry: 1000\n\n');
    streams.add(res);
    const listeners = bridgeEventNames.map((event) => {
      const listener = (payload: unknown) => res.write(`event: ${event}\ndata: ${JSON.stringify(payload)}\n\n`);
      options.host.on(event, listener);
      return () => options.host.off(event, listener);
    });
    // A page that (re)connects gets the current state at once: nothing pushed while it was away is lost.
    res.write(`event: snapshot\ndata: ${JSON.stringify(options.host.snapshot())}\n\n`);
    const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), 15_000);
    res.on('close', () => {
      clearInterval(heartbeat);
      for (const remove of listeners) remove();
      streams.delete(res);
    });
  }

  async function serveMedia(path: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
    const media = parseMediaPath(path);
    if (!media) return plain(res, 404, 'Not found');
    let file: MediaFile | null;
    try {
      file = await options.host.history.openMedia(media.accountId, media.outputId, media.variant);
    } catch (error) {
      return plain(res, 503, `The output cannot be had now: ${(error as Error).message}`);
    }
    const answer =
      file &&
      (await mediaAnswer(file, { range: req.headers.range, head: req.method === 'HEAD', headers: securityHeaders }));
    if (!answer) return plain(res, 404, 'Not found');
    res.writeHead(answer.status, answer.headers);
    if (answer.body) answer.body.pipe(res);
    else res.end();
  }

  async function serveStatic(pathname: string, res: ServerResponse): Promise<void> {
    const decoded = decodePathPart(pathname);
    if (decoded === null) return plain(res, 400, 'The path holds a bad escape');
    const relative = normalize(decoded).replace(/^([/\\])+/, '');
    let file = join(rendererDir, relative || 'index.html');
    if (!file.startsWith(rendererDir + sep) && file !== rendererDir) return plain(res, 404, 'Not found');
    let info = await stat(file).catch(() => null);
    if (info?.isDirectory()) {
      file = join(file, 'index.html');
      info = await stat(file).catch(() => null);
    }
    if (!info) {
      // A client-side route: the app shell answers it.
      if (extname(relative)) return plain(res, 404, 'Not found');
      file = join(rendererDir, 'index.html');
      info = await stat(file).catch(() => null);
      if (!info) return plain(res, 503, 'The renderer is not built: run `npm run build`');
    }
    res.writeHead(200, {
      'content-type': MIME[extname(file)] ?? 'application/octet-stream',
      'content-length': info.size,
      ...securityHeaders,
      'cache-control': file.endsWith('index.html') ? 'no-store' : 'public, max-age=31536000, immutable',
    });
    createReadStream(file).pipe(res);
  }

  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolveListen());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  origin = `http://127.0.0.1:${port}`;

  return {
    server,
    url: origin,
    openURL: `${origin}/#secret=${secret}`,
    secret,
    close: async () => {
      for (const res of streams) res.end();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

const INVALID = Symbol('invalid');

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 1_000_000) return INVALID;
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  const text = utf8OrNull(Buffer.concat(chunks));
  if (text === null) return INVALID;
  try {
    return JSON.parse(text);
  } catch {
    return INVALID; // a body that is not JSON is the request's fault: answered 400
  }
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(text);
}
