/**
 * A stand-in for a Stable-Diffusion-WebUI (AUTOMATIC1111) service: a real HTTP server on 127.0.0.1 that answers
 * `POST /sdapi/v1/txt2img` with real PNGs, each a pure function of (prompt, seed, index in the batch), and that a test
 * can make fail, stall, send garbage or the wrong number of images. It records every request it received.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import sharp from 'sharp';

export const TXT2IMG_PATH = '/sdapi/v1/txt2img';

/** Keeps a test's mistake (a huge size) from allocating gigabytes. */
const MAX_SIDE = 2048;

export interface ReceivedRequest {
  method: string;
  path: string;
  contentType: string | undefined;
  /** The parsed JSON body, or the raw text when it was not JSON. */
  body: unknown;
}

export interface FakeSdWebUi {
  /** The base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** Every request received, in order, including the ones answered with a failure. */
  requests: ReceivedRequest[];
  /** Waits this long before answering each request. */
  delayMs: number;
  /** Answers 200 with a body that is not JSON. */
  garbage: boolean;
  /** Answers one image more than `batch_size`. */
  wrongCount: boolean;
  /** The format of the images sent: anything but png is what a misbehaving service would send. */
  imageFormat: 'png' | 'jpeg';
  /** Answers the next `count` txt2img requests with `status` (and an AUTOMATIC1111-style error body). */
  failNext(count: number, status: number): void;
  /** Stops the server, cutting any request still waiting out its delay. */
  close(): Promise<void>;
}

interface Txt2ImgBody {
  prompt: string;
  seed: number;
  width: number;
  height: number;
  batch_size: number;
}

export async function startFakeSdWebUi(): Promise<FakeSdWebUi> {
  const failures: number[] = [];
  const delays = new Set<NodeJS.Timeout>();

  const fake: FakeSdWebUi = {
    url: '',
    requests: [],
    delayMs: 0,
    garbage: false,
    wrongCount: false,
    imageFormat: 'png',
    failNext(count, status) {
      for (let i = 0; i < count; i += 1) failures.push(status);
    },
    async close() {
      for (const delay of delays) clearTimeout(delay);
      delays.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
    },
  };

  const wait = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      if (ms <= 0) return resolve();
      const delay = setTimeout(() => {
        delays.delete(delay);
        resolve();
      }, ms);
      delays.add(delay);
    });

  const answer = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const text = await readBody(req);
    const path = new URL(req.url ?? '/', 'http://fake').pathname;
    fake.requests.push({
      method: req.method ?? '',
      path,
      contentType: req.headers['content-type'],
      body: parseJson(text),
    });

    if (req.method !== 'POST' || path !== TXT2IMG_PATH) return sendJson(res, 404, { detail: 'Not Found' });
    await wait(fake.delayMs);
    if (res.destroyed) return;

    const failure = failures.shift();
    if (failure !== undefined) return sendJson(res, failure, { error: 'Failure', detail: 'made to fail by the test' });
    if (fake.garbage) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html><body>Internal error, please retry</body></html>');
      return;
    }
    const body = txt2ImgBody(parseJson(text));
    if (body === null) return sendJson(res, 422, { detail: 'invalid txt2img body' });
    const count = body.batch_size + (fake.wrongCount ? 1 : 0);
    const images = await Promise.all(
      Array.from({ length: count }, (_, index) => renderImage(body, index, fake.imageFormat)),
    );
    sendJson(res, 200, {
      images: images.map((bytes) => bytes.toString('base64')),
      parameters: parseJson(text),
      info: JSON.stringify({ prompt: body.prompt, all_seeds: images.map((_, index) => body.seed + index) }),
    });
  };

  const server = createServer((req, res) => {
    answer(req, res).catch((error: unknown) => {
      if (!res.headersSent && !res.destroyed) sendJson(res, 500, { detail: String(error) });
      else res.destroy();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

function txt2ImgBody(value: unknown): Txt2ImgBody | null {
  if (typeof value !== 'object' || value === null) return null;
  const { prompt, seed, width, height, batch_size: batchSize } = value as Record<string, unknown>;
  const side = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 8 && (n as number) <= MAX_SIDE;
  if (typeof prompt !== 'string' || !Number.isInteger(seed) || !side(width) || !side(height)) return null;
  if (!Number.isInteger(batchSize) || (batchSize as number) < 1 || (batchSize as number) > 8) return null;
  return { prompt, seed: seed as number, width, height, batch_size: batchSize as number };
}

/** Two colours and a split position drawn from (prompt, seed, index): the same request always gets the same image. */
async function renderImage(body: Txt2ImgBody, index: number, format: 'png' | 'jpeg'): Promise<Buffer> {
  const digest = createHash('sha256')
    .update(JSON.stringify([body.prompt, body.seed, index]))
    .digest();
  const colour = (offset: number) => ({ r: digest[offset]!, g: digest[offset + 1]!, b: digest[offset + 2]! });
  const split = Math.max(1, Math.min(body.width - 1, Math.round((body.width * (digest[6]! + 1)) / 257)));
  const right = await sharp({
    create: { width: Math.max(1, body.width - split), height: body.height, channels: 3, background: colour(3) },
  })
    .png()
    .toBuffer();
  const image = sharp({
    create: { width: body.width, height: body.height, channels: 3, background: colour(0) },
  }).composite([{ input: right, left: split, top: 0 }]);
  return format === 'png' ? image.png().toBuffer() : image.jpeg().toBuffer();
}
