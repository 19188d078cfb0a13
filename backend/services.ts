/** Everything a route needs, built once per backend. */
import type { Kysely } from 'kysely';
import type { Balance, Generation, Me } from '../shared/api.js';
import type { DB } from './storage/schema.js';
import type { FairUse } from './policy/fair-use.js';
import type { JobQueue } from './queue/job-queue.js';
import type { Accounts } from './domain/accounts.js';
import type { Generations } from './domain/generations.js';
import type { Idempotency } from './storage/idempotency.js';
import type { Charges } from './policy/charges.js';
import type { PolicyContext } from './policy/context.js';
import type { DueWork } from './policy/due-work.js';
import type { Subscriptions } from './policy/subscriptions.js';
import type { GenerationRunner } from './queue/runner.js';

export interface Services {
  ctx: PolicyContext;
  accounts: Accounts;
  subscriptions: Subscriptions;
  charges: Charges;
  generations: Generations;
  dueWork: DueWork;
  idempotency: Idempotency;
  runner: GenerationRunner;
  queue: JobQueue;
  fairUse: FairUse;
  dataDir: string;
  /** Current views, and publication of change events to the account's stream. */
  me(accountId: string, executor?: Kysely<DB>): Promise<Me>;
  publishAccount(accountId: string): Promise<void>;
  balance(accountId: string): Promise<Balance>;
  generation(accountId: string, generationId: string): Promise<Generation>;
  publishBalance(accountId: string): Promise<void>;
  /** An account's next due instant moved (its time zone changed): the due-work timer is set again. */
  dueScheduleChanged(): void;
  /** `current`: the generation as it now is, when the caller has it at hand (otherwise it is read). */
  publishGeneration(accountId: string, generationId: string, current?: Generation): Promise<void>;
}
