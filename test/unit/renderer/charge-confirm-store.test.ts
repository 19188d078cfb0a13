/**
 * The stores behind the one confirmation, against a fake bridge: a re-run is priced with the original request and
 * runs only when confirmed, once; a purchase runs only on confirm, once, and keeps its answer for the dialog.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { CostEstimateRequest, Generation } from '../../../shared/api.js';
import type { BridgeResult, CompanionBridge, HistoryItem } from '../../../shared/bridge.js';
import { useHistoryStore } from '../../../renderer/src/store/history/store.js';
import { usePurchaseStore } from '../../../renderer/src/store/purchase/store.js';

const generation: Generation = {
  id: 'gen-1',
  tool: 'text-to-image',
  modelId: 'spark-image',
  prompt: 'a paper boat',
  settings: { outputs: 2, quality: 'hd' },
  workflow: true,
  status: 'succeeded',
  lane: 'fast',
  unlimited: true,
  charge: { credits: 0, generations: 0, draws: [], refunded: false },
  outputs: [],
  createdAt: '2026-03-07T12:00:00.000Z',
};
const item: HistoryItem = { ...generation, accountId: 'acc-1', cache: {}, pinned: false };

let calls: string[] = [];
let estimates: CostEstimateRequest[] = [];
let release: () => void = () => {};

function ok<T>(value: T): Promise<BridgeResult<T>> {
  return Promise.resolve({ ok: true, value });
}

/** A bridge call that answers when the test releases it, so a second click can land while the first runs. */
function held<T>(value: T): Promise<BridgeResult<T>> {
  return new Promise((resolve) => {
    release = () => resolve({ ok: true, value });
  });
}

const bridge = {
  estimateCost({ request }: { request: CostEstimateRequest }) {
    estimates.push(request);
    return ok({
      cost: 24,
      unit: 'credits',
      draws: [{ balance: 'free', amount: 24 }],
      lane: 'standard',
      unlimited: false,
    });
  },
  rerunGeneration() {
    calls.push('rerun');
    return held({
      ...generation,
      id: 'gen-2',
      unlimited: false,
      charge: { credits: 24, generations: 0, draws: [{ balance: 'free', amount: 24 }], refunded: false },
    });
  },
  buyTopup() {
    calls.push('buyTopup');
    return held({ accounts: [], selectedAccountId: null, catalog: null });
  },
} as unknown as CompanionBridge;

Object.assign(globalThis, { window: { companion: bridge } });

const initialHistory = useHistoryStore.getState();
beforeEach(() => {
  useHistoryStore.setState(initialHistory, true);
  usePurchaseStore.setState({ purchase: null });
  calls = [];
  estimates = [];
});

describe('re-run: the current price first, then one charge', () => {
  it('prices the original request (tool, model, settings, workflow) and charges nothing until confirmed', async () => {
    useHistoryStore.setState({ detail: { ...initialHistory.detail, item } });
    await useHistoryStore.getState().askRerun(item);
    expect(estimates).toEqual([
      { tool: 'text-to-image', modelId: 'spark-image', settings: { outputs: 2, quality: 'hd' }, workflow: true },
    ]);
    expect(useHistoryStore.getState().detail.rerunQuote).toMatchObject({ status: 'ready', estimate: { cost: 24 } });
    expect(calls).toEqual([]);

    useHistoryStore.getState().cancelRerun();
    expect(useHistoryStore.getState().detail.rerunQuote).toBeNull();
    expect(calls).toEqual([]);
  });

  it('a second confirm while the first runs does not charge again; the outcome names the charge', async () => {
    useHistoryStore.setState({ detail: { ...initialHistory.detail, item } });
    await useHistoryStore.getState().askRerun(item);
    const first = useHistoryStore.getState().rerun(item);
    const second = await useHistoryStore.getState().rerun(item);
    release();
    expect(await first).toBe(true);
    expect(second).toBe(false);
    expect(calls).toEqual(['rerun']);
    const { detail } = useHistoryStore.getState();
    expect(detail.rerunQuote).toBeNull();
    expect(detail.message).toBe(
      'Re-run started with the same settings, charged 24 credits; it appears at the top of your history.',
    );
  });
});

describe('purchases: one confirm, one purchase', () => {
  it('asking opens the confirmation and buys nothing; confirming twice buys once and keeps the answer', async () => {
    usePurchaseStore.getState().ask({ kind: 'topup', accountId: 'acc-1', credits: 500 });
    expect(usePurchaseStore.getState().purchase?.status).toBe('confirming');
    expect(calls).toEqual([]);

    const first = usePurchaseStore.getState().confirm();
    await usePurchaseStore.getState().confirm();
    // While it runs the dialog cannot be dismissed (the answer would be lost).
    usePurchaseStore.getState().dismiss();
    expect(usePurchaseStore.getState().purchase?.status).toBe('busy');
    release();
    await first;
    expect(calls).toEqual(['buyTopup']);
    expect(usePurchaseStore.getState().purchase?.status).toBe('done');
    await usePurchaseStore.getState().confirm();
    expect(calls).toEqual(['buyTopup']);
    usePurchaseStore.getState().dismiss();
    expect(usePurchaseStore.getState().purchase).toBeNull();
  });
});
