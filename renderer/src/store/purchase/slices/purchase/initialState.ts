/** A purchase the creator asked for, waiting for their confirmation: a plan, a top-up, or cancelling at period end. */
export type PurchaseRequest =
  | { kind: 'plan'; accountId: string; planId: string }
  | { kind: 'topup'; accountId: string; credits: number }
  | { kind: 'cancel'; accountId: string };

export type PurchaseState = {
  /** The one purchase being confirmed (or just answered); null when no confirmation is open. */
  purchase: {
    request: PurchaseRequest;
    status: 'confirming' | 'busy' | 'done' | 'failed';
    /** The host's refusal or failure, in its words. */
    error: string | null;
  } | null;
};

export const initialPurchaseState: PurchaseState = { purchase: null };
