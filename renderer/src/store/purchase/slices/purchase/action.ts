import type { StateCreator } from 'zustand';
import { useHostStore } from '../../../host/store.js';
import type { CommandOutcome } from '../../../host/slices/commands/action.js';
import type { PurchaseStore } from '../../store.js';
import type { PurchaseRequest } from './initialState.js';

export type PurchaseAction = {
  /** Opens the confirmation for a purchase; nothing is bought until `confirm`. */
  ask: (request: PurchaseRequest) => void;
  /** Runs the purchase being confirmed, once: a second call while it runs does nothing. */
  confirm: () => Promise<void>;
  /** Closes the confirmation (Cancel, Esc, or Close after the answer). */
  dismiss: () => void;
};

function send(request: PurchaseRequest): Promise<CommandOutcome> {
  const host = useHostStore.getState();
  if (request.kind === 'plan') return host.subscribe(request.accountId, request.planId);
  if (request.kind === 'topup') return host.buyTopup(request.accountId, request.credits);
  return host.cancelSubscription(request.accountId);
}

export const createPurchaseSlice: StateCreator<PurchaseStore, [], [], PurchaseAction> = (set, get) => ({
  ask: (request) => set({ purchase: { request, status: 'confirming', error: null } }),
  async confirm() {
    const current = get().purchase;
    if (current === null || current.status === 'busy' || current.status === 'done') return;
    set({ purchase: { ...current, status: 'busy', error: null } });
    const error = await send(current.request);
    // The creator may have closed the dialog meanwhile: the answer still lands, but no closed dialog reopens.
    if (get().purchase?.request !== current.request) return;
    set({ purchase: { ...current, status: error === null ? 'done' : 'failed', error: error?.message ?? null } });
  },
  dismiss: () => {
    if (get().purchase?.status === 'busy') return;
    set({ purchase: null });
  },
});
