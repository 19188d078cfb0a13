/**
 * What an alert says is true, in a form that can be checked again later: an alert stays on screen only while its fact
 * holds. "Today's free credits are used up" goes once they reset or come back; "ends within the hour" once the window
 * ended or was renewed; "Fast limit reached" once the day turned. Pure: the account's current state in, a yes or no out.
 */
import { z } from 'zod';
import { isoTime, type Balance, type Catalog, type Me } from './api.js';

/** `asOf`: the backend time of the balance that made the fact true; an older balance (on screen a moment longer) says nothing about it. */
const seen = { asOf: isoTime };

export const AlertFact = z.discriminatedUnion('kind', [
  /** A balance's use reached `percent` in the period that ends at `periodEnd` (C2, C3, G1). */
  z.object({
    ...seen,
    kind: z.literal('used'),
    balance: z.enum(['free', 'subscription', 'generations']),
    percent: z.number().min(0).max(100),
    periodEnd: isoTime,
  }),
  /** The unlimited window of `modelId` that ends at `endsAt` is open (U1). */
  z.object({ ...seen, kind: z.literal('window-open'), modelId: z.string(), endsAt: isoTime }),
  /** The unlimited window of `modelId` ended at `endedAt` and none has opened since. */
  z.object({ ...seen, kind: z.literal('window-closed'), modelId: z.string(), endedAt: isoTime }),
  /** Today's Fast generations, until `resetsAt`, are all used (U4). */
  z.object({ ...seen, kind: z.literal('fast-used'), resetsAt: isoTime }),
]);
export type AlertFact = z.infer<typeof AlertFact>;

export interface AccountFacts {
  me: Me | null;
  balance: Balance | null;
  catalog: Catalog | null;
}

/** How much of a balance's allocation is used in its current period; null when the balance has no allocation. */
export function usedOf(
  name: 'free' | 'subscription' | 'generations',
  { me, balance, catalog }: AccountFacts,
): { used: number; allocation: number; periodEnd: string } | null {
  if (!balance) return null;
  if (name === 'generations') {
    const generations = balance.generations;
    if (!generations || generations.limit === null || !generations.resetsAt) return null;
    return { used: generations.used, allocation: generations.limit, periodEnd: generations.resetsAt };
  }
  if (name === 'subscription') {
    const monthly = me?.plan.monthlyCredits ?? 0;
    const { amount, expiresAt } = balance.credits.subscription;
    if (monthly <= 0 || !expiresAt) return null;
    return { used: monthly - amount, allocation: monthly, periodEnd: expiresAt };
  }
  const daily = catalog?.dailyFreeCredits ?? 0;
  if (daily <= 0) return null;
  return { used: daily - balance.credits.free.amount, allocation: daily, periodEnd: balance.credits.free.resetsAt };
}

/**
 * Whether `fact` is still true for the account now (`now`: the backend's time). Unknown state (no balance yet, or only one
 * older than the fact) keeps the alert: only a fact seen to be false, or a time passed, takes it away.
 */
export function alertFactHolds(fact: AlertFact, account: AccountFacts, now: Date): boolean {
  // The alert can arrive before the balance that caused it: until that balance (or a newer one) is here, only time counts.
  const balance = account.balance && Date.parse(account.balance.asOf) >= Date.parse(fact.asOf) ? account.balance : null;
  account = { ...account, balance };
  switch (fact.kind) {
    case 'used': {
      if (Date.parse(fact.periodEnd) <= now.getTime()) return false;
      if (!balance) return true;
      const use = usedOf(fact.balance, account);
      if (!use || use.periodEnd !== fact.periodEnd) return false;
      return use.used * 100 >= fact.percent * use.allocation;
    }
    case 'window-open':
      if (Date.parse(fact.endsAt) <= now.getTime()) return false;
      return !balance || balance.unlimited.some((w) => w.modelId === fact.modelId && w.endsAt === fact.endsAt);
    case 'window-closed':
      return (
        !balance || !balance.unlimited.some((w) => w.modelId === fact.modelId && Date.parse(w.endsAt) > now.getTime())
      );
    case 'fast-used':
      if (Date.parse(fact.resetsAt) <= now.getTime()) return false;
      return !balance || (balance.fast.resetsAt === fact.resetsAt && balance.fast.used >= balance.fast.limit);
  }
}
