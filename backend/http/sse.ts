/**
 * GET /v1/events: Server-Sent Events per account. A client that sends Last-Event-ID gets every stored event after it,
 * then live ones, with nothing lost in between (it subscribes before it reads the backlog). A fresh client gets the
 * current balance first, tagged with the latest event id, so it can resume from there.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { ServerEvent } from '../../shared/api.js';
import type { AccountRow } from '../domain/accounts.js';
import type { EventLog, StoredEvent } from '../storage/events.js';
import type { Authenticator } from './http.js';
import { rateLimited } from './limits.js';
import { documentRoute } from './openapi.js';
import { logRequest } from './request-log.js';

const HEARTBEAT_MS = 15_000;
/** When a refused stream may try again: streams close when their apps do, seconds to minutes apart. */
const STREAM_RETRY_S = 30;
const openPerAccount = new Map<string, number>();

export function registerEventStream(
  app: FastifyInstance,
  auth: Authenticator,
  deps: {
    events: EventLog;
    applyDueWork(accountId: string): Promise<void>;
    balance(accountId: string): Promise<unknown>;
    /** Streams one account may have open at once; one more is refused with 429. */
    maxStreamsPerAccount: number;
    /** U7: how many streams an account has open (several at once suggests shared credentials). */
    streamsChanged(accountId: string, open: number): void;
  },
  open: Set<() => void>,
): void {
  documentRoute(app, {
    method: 'GET',
    url: '/v1/events',
    auth: 'account',
    summary: "The account's events as Server-Sent Events (id, event = type, data = JSON)",
    query: z.object({
      lastEventId: z.string().optional().describe('Resume after this event id (as the Last-Event-ID header)'),
    }),
    headers: { 'Last-Event-ID': 'Resume after this event id' },
    answers: {
      200: {
        description: 'A stream of events: each `data` is the JSON of one ServerEvent (by its `type`)',
        content: {
          'text/event-stream': {
            type: 'string',
            'x-event-data': z.toJSONSchema(ServerEvent, { unrepresentable: 'any' }),
          },
        },
      },
    },
  });
  app.get('/v1/events', async (request, reply) => {
    const account: AccountRow = await auth.account(request);
    if ((openPerAccount.get(account.id) ?? 0) >= deps.maxStreamsPerAccount) {
      throw rateLimited(
        STREAM_RETRY_S,
        `This account has ${deps.maxStreamsPerAccount} event streams open, the most it may; close one first`,
      );
    }
    const header = request.headers['last-event-id'];
    const query = (request.query as Record<string, unknown>).lastEventId;
    const resumeFrom = Number.parseInt(String(header ?? query ?? ''), 10);

    const opened = performance.now();
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
      'x-request-id': request.id,
    });
    raw.write('retry: 1000\n\n');

    let lastSent = 0;
    let replaying = true;
    const pending: StoredEvent[] = [];
    const send = (event: StoredEvent) => {
      if (event.id <= lastSent) return;
      lastSent = event.id;
      raw.write(`id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(event.data)}\n\n`);
    };
    const unsubscribe = deps.events.subscribe(account.id, (event) => (replaying ? pending.push(event) : send(event)));
    const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), HEARTBEAT_MS);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      clearInterval(heartbeat);
      unsubscribe();
      open.delete(close);
      const left = (openPerAccount.get(account.id) ?? 1) - 1;
      if (left > 0) openPerAccount.set(account.id, left);
      else openPerAccount.delete(account.id);
      deps.streamsChanged(account.id, left);
      if (!raw.writableEnded) raw.end();
      logRequest(request, 200, performance.now() - opened);
    };
    open.add(close);
    const count = (openPerAccount.get(account.id) ?? 0) + 1;
    openPerAccount.set(account.id, count);
    deps.streamsChanged(account.id, count);
    request.raw.on('close', close);

    try {
      if (Number.isFinite(resumeFrom) && resumeFrom >= 0) {
        lastSent = resumeFrom;
        for (const event of await deps.events.since(account.id, resumeFrom)) send(event);
      } else {
        await deps.applyDueWork(account.id);
        const latest = await deps.events.latestId(account.id);
        const balance = await deps.balance(account.id);
        lastSent = latest;
        raw.write(`id: ${latest}\nevent: balance\ndata: ${JSON.stringify(balance)}\n\n`);
      }
      replaying = false;
      for (const event of pending.splice(0)) send(event);
    } catch (error) {
      request.log.error(error, 'event stream failed');
      close();
    }
  });
}
