/**
 * Every route the backend defines, as it is defined: the bad-input corpus test walks this list, so that a route added
 * later cannot be left out of it.
 */
import type { FastifyInstance } from 'fastify';

export interface DefinedRoute {
  method: string;
  url: string;
}

const routes = new WeakMap<FastifyInstance, DefinedRoute[]>();

/** Starts recording; call before any route is defined. */
export function recordRoutes(app: FastifyInstance): void {
  const list: DefinedRoute[] = [];
  routes.set(app, list);
  app.addHook('onRoute', (route) => {
    for (const method of [route.method].flat()) if (method !== 'HEAD') list.push({ method, url: route.url });
  });
}

export function routesOf(app: FastifyInstance): readonly DefinedRoute[] {
  return routes.get(app) ?? [];
}
