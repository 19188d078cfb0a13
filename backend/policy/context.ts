import type { Kysely } from 'kysely';
import type { Catalog, Plan } from '../../shared/api.js';
import type { Clock } from '../clock.js';
import type { OperationsConfig } from '../config.js';
import type { StorageEngine } from '../storage/engine.js';
import type { DB } from '../storage/schema.js';
import type { EventLog } from '../storage/events.js';

/** What policy code works with: storage, the catalog, the injected clock and the event log. */
export interface PolicyContext {
  db: Kysely<DB>;
  storage: StorageEngine;
  catalog: Catalog;
  clock: Clock;
  events: EventLog;
  config: OperationsConfig;
}

export function planOf(catalog: Catalog, planId: string): Plan {
  const plan = catalog.plans.find((p) => p.id === planId);
  if (!plan) throw new Error(`unknown plan ${planId}`);
  return plan;
}

export const MONTHS_PER_PERIOD = { month: 1, quarter: 3, year: 12 } as const;
