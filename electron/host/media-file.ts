/**
 * A cached output file as an HTTP-style answer (status, headers, a stream), with single byte ranges so that video and
 * audio can seek. The web-mode server and Electron's `companion-media:` protocol both serve media through it; the
 * protocol's handler is a plain fetch-style function (Request in, Response out), so it runs and is tested under Node.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import rangeParser from 'range-parser';

export interface MediaFile {
  path: string;
  mime: string;
}

export interface MediaAnswer {
  status: 200 | 206 | 416;
  headers: Record<string, string>;
  /** Null for 416 and for HEAD requests. */
  body: Readable | null;
}

export const MEDIA_VARIANTS = ['thumb', 'full'] as const;
export type MediaVariant = (typeof MEDIA_VARIANTS)[number];

/** `<accountId>/<outputId>/<variant>` (shared `mediaPath`), decoded; null when it is not one. */
export function parseMediaPath(path: string): { accountId: string; outputId: string; variant: MediaVariant } | null {
  const parts = path.replace(/^\/+/, '').split('/');
  if (parts.length !== 3) return null;
  const [rawAccount, rawOutput, variant] = parts as [string, string, string];
  if (!MEDIA_VARIANTS.includes(variant as MediaVariant)) return null;
  try {
    const accountId = decodeURIComponent(rawAccount);
    const outputId = decodeURIComponent(rawOutput);
    if (!accountId || !outputId || accountId.length > 200 || outputId.length > 200) return null;
    return { accountId, outputId, variant: variant as MediaVariant };
  } catch {
    return null; // a bad escape in a media address is a 404, not a failure of the host
  }
}

/** The answer for a file, honouring one `Range`; null when the file is gone. */
export async function mediaAnswer(
  file: MediaFile,
  options: { range?: string | undefined; head?: boolean; headers?: Record<string, string> } = {},
): Promise<MediaAnswer | null> {
  const info = await stat(file.path).catch(() => null);
  if (!info?.isFile()) return null;
  const headers: Record<string, string> = {
    'content-type': file.mime,
    'accept-ranges': 'bytes',
    'cache-control': 'private',
    'x-content-type-options': 'nosniff',
    ...options.headers,
  };
  if (options.range) {
    const ranges = rangeParser(info.size, options.range, { combine: true });
    if (ranges === -1)
      return { status: 416, headers: { ...headers, 'content-range': `bytes */${info.size}` }, body: null };
    if (ranges !== -2 && ranges.type === 'bytes' && ranges.length === 1) {
      const { start, end } = ranges[0]!;
      return {
        status: 206,
        headers: {
          ...headers,
          'content-range': `bytes ${start}-${end}/${info.size}`,
          'content-length': String(end - start + 1),
        },
        body: options.head ? null : createReadStream(file.path, { start, end }),
      };
    }
  }
  return {
    status: 200,
    headers: { ...headers, 'content-length': String(info.size) },
    body: options.head ? null : createReadStream(file.path),
  };
}

/** Where media come from: the HistoryService's `openMedia` (the file, fetched into the cache first if it can be). */
export interface MediaSource {
  openMedia(accountId: string, outputId: string, variant: MediaVariant): Promise<MediaFile | null>;
}

/**
 * The handler of `companion-media://media/<accountId>/<outputId>/<thumb|full>` (Electron's protocol.handle): 404 for
 * anything else or an output that cannot be had.
 */
export function createMediaFetchHandler(
  source: MediaSource,
  headers: Record<string, string> = {},
): (request: Request) => Promise<Response> {
  const notFound = () =>
    new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  return async (request) => {
    if (request.method !== 'GET' && request.method !== 'HEAD')
      return new Response('Method not allowed', { status: 405 });
    let url: URL;
    try {
      url = new URL(request.url);
    } catch {
      return notFound(); // an address that does not parse names no file
    }
    const media = url.host === 'media' ? parseMediaPath(url.pathname) : null;
    if (!media) return notFound();
    let file: MediaFile | null;
    try {
      file = await source.openMedia(media.accountId, media.outputId, media.variant);
    } catch (error) {
      return new Response(`The output cannot be had now: ${(error as Error).message}`, { status: 503 });
    }
    const answer =
      file &&
      (await mediaAnswer(file, {
        range: request.headers.get('range') ?? undefined,
        head: request.method === 'HEAD',
        headers,
      }));
    if (!answer) return notFound();
    const body = answer.body ? (Readable.toWeb(answer.body) as ReadableStream<Uint8Array>) : null;
    return new Response(body, { status: answer.status, headers: answer.headers });
  };
}
