/**
 * Purchases (A4, C4): the subscription, plan change, top-up or cancellation waiting for the creator's one
 * confirmation, and its answer. One store for the app, so the confirmation and its outcome outlive the control that
 * opened it (a refusal's way out disappears once the purchase made it unnecessary).
 */
import { create } from 'zustand';
import { createPurchaseSlice, type PurchaseAction } from './slices/purchase/action.js';
import { initialPurchaseState, type PurchaseState } from './slices/purchase/initialState.js';

export type PurchaseStore = PurchaseState & PurchaseAction;

export const usePurchaseStore = create<PurchaseStore>()((...args) => ({
  ...initialPurchaseState,
  ...createPurchaseSlice(...args),
}));

export type { PurchaseRequest } from './slices/purchase/initialState.js';
export * from './slices/purchase/selectors.js';
