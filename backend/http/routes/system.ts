/** The routes about the service itself: health (alive) and readiness, the catalog, the queues. */
import type { FastifyInstance } from 'fastify';
import * as api from '../../../shared/api.js';
import type { JobQueue } from '../../queue/job-queue.js';
import type { Readiness } from '../readiness.js';
import { VERSION } from '../../version.js';
import { defineRoute, type Authenticator } from '../http.js';

export function registerSystemRoutes(
  app: FastifyInstance,
  auth: Authenticator,
  deps: { catalog: api.Catalog; queue: JobQueue; workers: number; readiness: Readiness },
): void {
  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/health',
    summary: 'Alive: answers while the process serves, touching nothing',
    auth: 'none',
    response: api.Health,
    handler: async () => ({ status: 'ok' as const, version: VERSION }),
  });
  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/ready',
    auth: 'none',
    summary:
      'Ready for requests: the database answers, migrations are current, the data folder is writable; 503 while draining',
    response: api.Ready,
    problems: ['not_ready'],
    handler: async () => deps.readiness.check(),
  });
  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/catalog',
    summary: 'Tools, models, plans, prices and multipliers',
    auth: 'none',
    response: api.Catalog,
    handler: async () => deps.catalog,
  });
  defineRoute(app, auth, {
    method: 'GET',
    url: '/v1/queue',
    summary: "The queues' lanes and the caller's place in them",
    auth: 'account',
    response: api.QueueStatus,
    handler: async ({ account }) => deps.queue.status(account.id, deps.workers),
  });
}
