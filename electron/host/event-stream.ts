/**
 * A Server-Sent Events reader over fetch (Node 22), with the Last-Event-ID header that EventSource cannot set with a
 * bearer token. Parsing is eventsource-parser's; this file only moves bytes and reports how the stream ended.
 */
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

/** Reads the stream until it ends; always rejects (the server closed, the network failed, or the signal aborted). */
export async function readEventStream(options: EventStreamOptions): Promise<never> {
  const headers: Record<string, string> = { authorization: `Bearer ${options.token}`, accept: 'text/event-stream' };
  if (options.lastEventId) headers['last-event-id'] = options.lastEventId;
  const response = await fetch(options.url, { headers, signal: options.signal }).catch((error: Error) => {
    throw new EventStreamError(`cannot connect: ${error.cause instanceof Error ? error.cause.message : error.message}`, null);
  });
  if (!response.ok || !response.body) {
    throw new EventStreamError(`event stream refused with HTTP ${response.status}`, response.status);
  }
  options.onOpen();
  const parser = createParser({ onEvent: options.onEvent });
  const decoder = new TextDecoder();
  try {
    for await (const chunk of response.body) {
      options.onActivity();
      parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
    }
  } catch (error) {
    throw new EventStreamError(`event stream broke: ${(error as Error).message}`, null);
  }
  throw new EventStreamError('the backend closed the event stream', null);
}
