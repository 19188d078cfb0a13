/** The routes about the service itself: health, the catalog, the queues. */
import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api.js';
import type { JobQueue } from '../../queue/job-queue.js';
import { VERSION } from '../../version.js';
import { defineRoute, type Authenticator } from '../http.js';

export function registerSystemRoutes(app: FastifyInstance, auth: Authenticator, deps: { catalog: api.Catalog; queue: JobQueue; workers: number }): void {
  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/health',
    auth: 'none',
    response: api.Health,
    handler: async () => ({ status: 'ok' as const, version: VERSION }),
  });
  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/catalog',
    auth: 'none',
    response: api.Catalog,
    handler: async () => deps.catalog,
  });
  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/queue',
    auth: 'account',
    response: api.QueueStatus,
    handler: async ({ account }) => deps.queue.status(account.id, deps.workers),
  });
}
