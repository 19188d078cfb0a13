import type { PurchaseStore } from '../../store.js';

export const selectPurchase = (state: PurchaseStore) => state.purchase;
