/**
 * A small Server-Sent Events reader for tests: `fetch` + eventsource-parser, no EventSource polyfill. It keeps every
 * event it receives and lets a test wait for the next one that matches a predicate, with a timeout that names what
 * did arrive.
 */
import { createParser } from 'eventsource-parser';
import { ServerEvent } from '../../shared/api.js';

export interface StreamEvent {
  /** The `id:` field, or undefined when the event had none. */
  id: string | undefined;
  /** The `event:` field, or undefined for the default `message` type. */
  event: string | undefined;
  /** The `data:` field parsed as JSON (the raw text when it is not JSON). */
  data: unknown;
}

export interface EventStream {
  /** Every event received so far, in arrival order. */
  readonly events: readonly StreamEvent[];
  /**
   * The next event after the last one returned by `next` that matches `predicate` (any event when omitted). Events that
   * are skipped over stay in `events`. Rejects after `timeoutMs`, or when the stream ends first.
   */
  next(predicate?: (event: StreamEvent) => boolean, timeoutMs?: number): Promise<StreamEvent>;
  /** Waits for `count` further events (any type) and returns them in order. */
  take(count: number, timeoutMs?: number): Promise<StreamEvent[]>;
  /** Aborts the request; resolves once the reader has stopped. */
  close(): Promise<void>;
}

export class EventStreamError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly body: string,
  ) {
    super(message);
    this.name = 'EventStreamError';
  }
}

interface Waiter {
  predicate: (event: StreamEvent) => boolean;
  resolve: (event: StreamEvent) => void;
  reject: (error: Error) => void;
  timer: NodeJS.Timeout;
}

const DEFAULT_TIMEOUT_MS = 5_000;

export interface OpenEventStreamOptions {
  /** How a resume point is sent: the `Last-Event-ID` header (default, what EventSource does) or `?lastEventId=`. */
  lastEventIdIn?: 'header' | 'query';
}

/**
 * Opens `GET <url>/v1/events` with the bearer token (and the resume point when `lastEventId` is given). Resolves once
 * the response headers arrived with status 200; rejects with an EventStreamError carrying the status and body otherwise.
 */
export async function openEventStream(
  url: string,
  token: string,
  lastEventId?: string | number,
  options: OpenEventStreamOptions = {},
): Promise<EventStream> {
  const abort = new AbortController();
  const headers: Record<string, string> = { Authorization: `Bearer ${token}`, Accept: 'text/event-stream' };
  const target = new URL('/v1/events', url);
  if (lastEventId !== undefined) {
    if (options.lastEventIdIn === 'query') target.searchParams.set('lastEventId', String(lastEventId));
    else headers['Last-Event-ID'] = String(lastEventId);
  }
  const response = await fetch(target, { headers, signal: abort.signal });
  if (response.status !== 200 || !response.body) {
    const body = await response.text();
    throw new EventStreamError(`GET /v1/events answered ${response.status}: ${body}`, response.status, body);
  }

  const events: StreamEvent[] = [];
  const waiters = new Set<Waiter>();
  let cursor = 0;
  let ended: Error | null = null;

  const describeReceived = () =>
    events.length === 0 ? 'no events' : events.map((e) => `${e.event ?? 'message'}#${e.id ?? '-'}`).join(', ');

  const settle = () => {
    for (const waiter of [...waiters]) {
      const index = events.findIndex((event, i) => i >= cursor && waiter.predicate(event));
      if (index === -1) continue;
      cursor = index + 1;
      waiters.delete(waiter);
      clearTimeout(waiter.timer);
      waiter.resolve(events[index] as StreamEvent);
    }
    if (ended) {
      for (const waiter of [...waiters]) {
        waiters.delete(waiter);
        clearTimeout(waiter.timer);
        waiter.reject(
          new Error(
            `The event stream ended before a matching event arrived (${ended.message}); received ${describeReceived()}`,
          ),
        );
      }
    }
  };

  const parser = createParser({
    onEvent(message) {
      let data: unknown = message.data;
      try {
        data = JSON.parse(message.data);
      } catch {
        // Not JSON: keep the raw text so that a test can still see what the server sent.
      }
      events.push({ id: message.id, event: message.event, data });
      settle();
    },
  });

  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  const pump = (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        parser.feed(value);
      }
      ended = new Error('the server closed it');
    } catch (error) {
      ended = abort.signal.aborted ? new Error('closed by the test') : (error as Error);
    }
    settle();
  })();

  const next = (predicate: (event: StreamEvent) => boolean = () => true, timeoutMs = DEFAULT_TIMEOUT_MS) =>
    new Promise<StreamEvent>((resolve, reject) => {
      const waiter: Waiter = {
        predicate,
        resolve,
        reject,
        timer: setTimeout(() => {
          waiters.delete(waiter);
          reject(new Error(`No matching event within ${timeoutMs} ms; received ${describeReceived()}`));
        }, timeoutMs),
      };
      waiters.add(waiter);
      settle();
    });

  return {
    events,
    next,
    async take(count, timeoutMs = DEFAULT_TIMEOUT_MS) {
      const taken: StreamEvent[] = [];
      for (let i = 0; i < count; i++) taken.push(await next(undefined, timeoutMs));
      return taken;
    },
    async close() {
      abort.abort();
      await pump;
    },
  };
}

/** Checks a received event against the contract (ServerEvent in shared/api.ts) and returns it typed. */
export function parseServerEvent(event: StreamEvent): ServerEvent {
  return ServerEvent.parse({ type: event.event, data: event.data });
}

/** A predicate for `EventStream.next`: an event of the given type whose id is greater than `afterId`. */
export function eventOfType(type: ServerEvent['type'], afterId = -1): (event: StreamEvent) => boolean {
  return (event) => event.event === type && Number(event.id) > afterId;
}
