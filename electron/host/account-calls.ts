/**
 * The bridge calls that act on an account through its backend: prices, generations, plans, top-ups, the time zone
 * and appeals. Each charging one is made once per input within the duplicate window (ChargingCalls), and what the
 * backend answers is applied to the account's live state at once (the event stream confirms it later).
 */
import type { BridgeHandlers, HostSnapshot } from '../../shared/bridge.js';
import type { CompanionClient } from '../../shared/client.js';
import type { AccountConnection } from './account-connection.js';
import type { HostLog } from './host-log.js';

export interface AccountCalls {
  /** The account's live client; throws a BridgeFailure when it is not connected. */
  client(accountId: string): CompanionClient;
  connection(accountId: string): AccountConnection | undefined;
  chargeOnce<T>(signature: unknown[], run: (idempotencyKey: string) => Promise<T>): Promise<T>;
  log(): HostLog;
  publish(): HostSnapshot;
}

type AccountCallHandlers = Pick<
  BridgeHandlers,
  | 'estimateCost'
  | 'createGeneration'
  | 'enhancePrompt'
  | 'cancelGeneration'
  | 'rerunGeneration'
  | 'subscribe'
  | 'cancelSubscription'
  | 'buyTopup'
  | 'setTimeZone'
  | 'appeal'
>;

export function accountCallHandlers(calls: AccountCalls): AccountCallHandlers {
  /** After a change of plan or zone the balance is read again; the event stream would bring it too, a bit later. */
  async function refreshBalance(accountId: string, client: CompanionClient): Promise<void> {
    const balance = await client
      .balance()
      .catch((error: unknown) =>
        calls.log().warn('refresh-balance', error, 'Reading the balance after a change failed'),
      );
    if (balance) calls.connection(accountId)?.applyBalance(balance);
  }

  return {
    estimateCost: async ({ accountId, request }) => calls.client(accountId).estimateCost(request),
    createGeneration: async ({ accountId, request }) => {
      const client = calls.client(accountId);
      const generation = await calls.chargeOnce(['createGeneration', accountId, request], (key) =>
        client.createGeneration(request, key),
      );
      calls.connection(accountId)?.applyGeneration(generation);
      return generation;
    },
    enhancePrompt: async ({ accountId, prompt, tool }) =>
      calls.client(accountId).enhancePrompt(tool ? { prompt, tool } : { prompt }),
    cancelGeneration: async ({ accountId, generationId }) => {
      const generation = await calls.client(accountId).cancelGeneration(generationId);
      calls.connection(accountId)?.applyGeneration(generation);
      return generation;
    },
    rerunGeneration: async ({ accountId, generationId }) => {
      const client = calls.client(accountId);
      const generation = await calls.chargeOnce(['rerunGeneration', accountId, generationId], (key) =>
        client.rerunGeneration(generationId, key),
      );
      calls.connection(accountId)?.applyGeneration(generation);
      return generation;
    },
    subscribe: async ({ accountId, planId }) => {
      const client = calls.client(accountId);
      const me = await calls.chargeOnce(['subscribe', accountId, planId], (key) => client.subscribe({ planId }, key));
      calls.connection(accountId)?.applyMe(me);
      await refreshBalance(accountId, client);
      return calls.publish();
    },
    cancelSubscription: async ({ accountId }) => {
      const client = calls.client(accountId);
      calls.connection(accountId)?.applyMe(await client.cancelSubscription());
      await refreshBalance(accountId, client);
      return calls.publish();
    },
    buyTopup: async ({ accountId, credits }) => {
      const client = calls.client(accountId);
      const balance = await calls.chargeOnce(['buyTopup', accountId, credits], (key) =>
        client.buyTopup({ credits }, key),
      );
      calls.connection(accountId)?.applyBalance(balance);
      return calls.publish();
    },
    setTimeZone: async ({ accountId, timeZone }) => {
      const client = calls.client(accountId);
      calls.connection(accountId)?.applyMe(await client.updateMe({ timeZone }));
      await refreshBalance(accountId, client);
      return calls.publish();
    },
    appeal: async ({ accountId, message }) => {
      const client = calls.client(accountId);
      const appeal = await calls.chargeOnce(['appeal', accountId, message], (key) => client.appeal({ message }, key));
      // The appeal is made; the fresh account state is a nicety the event stream also brings.
      const me = await client
        .me()
        .catch((error: unknown) => calls.log().warn('refresh-me', error, 'Reading the account after an appeal failed'));
      if (me) calls.connection(accountId)?.applyMe(me);
      return appeal;
    },
  };
}
