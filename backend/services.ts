/** Everything a route needs, built once per backend. */
import type { Balance, Generation } from '../shared/api.js';
import type { Accounts } from './accounts.js';
import type { Generations } from './generations.js';
import type { Idempotency } from './idempotency.js';
import type { Charges } from './policy/charges.js';
import type { PolicyContext } from './policy/context.js';
import type { DueWork } from './policy/due-work.js';
import type { Subscriptions } from './policy/subscriptions.js';
import type { GenerationRunner } from './runner.js';

export interface Services {
  ctx: PolicyContext;
  accounts: Accounts;
  subscriptions: Subscriptions;
  charges: Charges;
  generations: Generations;
  dueWork: DueWork;
  idempotency: Idempotency;
  runner: GenerationRunner;
  dataDir: string;
  /** Current views, and publication of change events to the account's stream. */
  balance(accountId: string): Promise<Balance>;
  generation(accountId: string, generationId: string): Promise<Generation>;
  publishBalance(accountId: string): Promise<void>;
  publishGeneration(accountId: string, generationId: string): Promise<void>;
}
