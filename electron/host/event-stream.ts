/**
 * A Server-Sent Events reader with the Last-Event-ID header that EventSource cannot set with a bearer token. Parsing is
 * eventsource-parser's; this file only moves bytes and reports how the stream ended.
 *
 * It uses node:http with a connection of its own (no keep-alive pool) rather than fetch: when fetch's streaming request
 * is aborted, its pool opens a spare connection that the backend then waits for on shutdown (seconds, on every quit
 * of the app), and one per reconnect. Here an abort or an end closes the one socket, and nothing is left behind.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createParser, type EventSourceMessage } from 'eventsource-parser';

export interface EventStreamOptions {
  url: string;
  token: string;
  lastEventId: string | null;
  signal: AbortSignal;
  onOpen: () => void;
  onEvent: (event: EventSourceMessage) => void;
  /** Called for every chunk, heartbeats included, so a watchdog can tell a silent connection from a dead one. */
  onActivity: () => void;
}

export class EventStreamError extends Error {
  constructor(
    message: string,
    readonly status: number | null,
  ) {
    super(message);
  }
}

function reasonOf(error: unknown, signal: AbortSignal): string {
  if (signal.aborted) return signal.reason instanceof Error ? signal.reason.message : 'stopped';
  return error instanceof Error ? error.message : String(error);
}

/** Reads the stream until it ends; always rejects (the server closed, the network failed, or the signal aborted). */
export async function readEventStream(options: EventStreamOptions): Promise<never> {
  const url = new URL(options.url);
  const headers: Record<string, string> = {
    authorization: `Bearer ${options.token}`,
    accept: 'text/event-stream',
    'cache-control': 'no-store',
  };
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const request = send(url, { method: 'GET', headers, agent: false, signal: options.signal }, resolve);
    request.on('error', (error) =>
      reject(new EventStreamError(`cannot connect: ${reasonOf(error, options.signal)}`, null)),
    );
    request.end();
  });
  const status = response.statusCode ?? 0;
  if (status !== 200) {
    response.destroy();
    throw new EventStreamError(`event stream refused with HTTP ${status}`, status);
  }
  options.onOpen();
  const parser = createParser({ onEvent: options.onEvent });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response) {
      options.onActivity();
      parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    }
  } catch (error) {
    throw new EventStreamError(`event stream broke: ${reasonOf(error, options.signal)}`, null);
  } finally {
    response.destroy();
  }
  throw new EventStreamError('the backend closed the event stream', null);
}
