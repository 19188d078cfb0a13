/**
 * The history store against a fake bridge: the grid's page cache (H1: 100,000 items fetched page by page), its
 * refresh when the history changes, and the estimator's "start from my last 30 days" (E2).
 */
import { beforeEach, describe, expect, it } from 'vitest';
import catalogJson from '../../../backend/catalog.json';
import { Catalog, type Generation } from '../../../shared/api.js';
import type { BridgeResult, CompanionBridge, HistoryItem, HistoryQuery } from '../../../shared/bridge.js';
import { followOpenWorkspace } from '../../../renderer/src/store/history/slices/workspaces/action.js';
import {
  HISTORY_PAGE_SIZE,
  gridKey,
  itemAt,
  uncachedLoaded,
  useHistoryStore,
} from '../../../renderer/src/store/history/store.js';

const catalog = Catalog.parse(catalogJson);
const TOTAL = 100_000;
const initial = useHistoryStore.getState();

function item(index: number): HistoryItem {
  const generation: Generation = {
    id: `gen-${index}`,
    tool: 'text-to-image',
    modelId: 'spark-image',
    prompt: `prompt ${index}`,
    settings: { outputs: 1 },
    status: 'succeeded',
    lane: 'standard',
    charge: { credits: 6, generations: 0, draws: [{ balance: 'free', amount: 6 }], refunded: false },
    outputs: [{ id: `out-${index}`, kind: 'image', mime: 'image/png', bytes: 100, sha256: 'a'.repeat(64) }],
    createdAt: '2026-03-07T12:00:00.000Z',
  };
  return {
    ...generation,
    accountId: 'acc-1',
    cache: { [`out-${index}`]: index % 2 === 0 ? 'cached' : 'missing' },
    pinned: false,
  };
}

let calls: HistoryQuery[] = [];
let version = 0;

function ok<T>(value: T): Promise<BridgeResult<T>> {
  return Promise.resolve({ ok: true, value });
}

const bridge = {
  searchHistory(query: HistoryQuery) {
    calls.push(query);
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 100;
    const items = Array.from({ length: Math.max(0, Math.min(limit, TOTAL - offset)) }, (_, i) => {
      const base = item(offset + i);
      return version === 0 ? base : { ...base, prompt: `${base.prompt} v${version}` };
    });
    return ok({ items, total: TOTAL });
  },
  recentUseByModel() {
    return ok([
      { modelId: 'vivid-image', tool: 'text-to-image' as const, generations: 660, credits: 15_840, activeDays: 22 },
      { modelId: 'motion-video', tool: 'text-to-video' as const, generations: 220, credits: 46_200, activeDays: 22 },
    ]);
  },
} as unknown as CompanionBridge;

Object.assign(globalThis, { window: { companion: bridge } });

beforeEach(() => {
  useHistoryStore.setState(initial, true);
  calls = [];
  version = 0;
});

describe('H1 history page cache', () => {
  const query = { accountId: 'acc-1' };

  it('fetches only the pages asked for, and learns the total from the first answer', async () => {
    await useHistoryStore.getState().loadPages(query, [0, 5]);
    expect(calls.map((call) => [call.offset, call.limit])).toEqual([
      [0, HISTORY_PAGE_SIZE],
      [5 * HISTORY_PAGE_SIZE, HISTORY_PAGE_SIZE],
    ]);
    const grid = useHistoryStore.getState().grids[gridKey(query)]!;
    expect(grid.total).toBe(TOTAL);
    expect(itemAt(grid, 0)?.id).toBe('gen-0');
    expect(itemAt(grid, 512)?.id).toBe('gen-512');
    expect(itemAt(grid, 100)).toBeNull();
  });

  it('does not fetch a page it has again', async () => {
    await useHistoryStore.getState().loadPages(query, [0]);
    await useHistoryStore.getState().loadPages(query, [0]);
    expect(calls).toHaveLength(1);
  });

  it('after the history changed, fetches the shown pages again and keeps their items meanwhile', async () => {
    await useHistoryStore.getState().loadPages(query, [0]);
    useHistoryStore.getState().invalidateGrids();
    version = 1;
    const refetch = useHistoryStore.getState().loadPages(query, [0]);
    expect(itemAt(useHistoryStore.getState().grids[gridKey(query)]!, 3)?.prompt).toBe('prompt 3');
    await refetch;
    expect(calls).toHaveLength(2);
    expect(itemAt(useHistoryStore.getState().grids[gridKey(query)]!, 3)?.prompt).toBe('prompt 3 v1');
  });

  it('keys result sets by their filters, in any field order', () => {
    expect(gridKey({ accountId: 'a', q: 'cat', tool: 'text-to-image' })).toBe(
      gridKey({ tool: 'text-to-image', q: 'cat', accountId: 'a' }),
    );
    expect(gridKey({ accountId: 'a', q: '' })).toBe(gridKey({ accountId: 'a' }));
    expect(gridKey({ accountId: 'a', q: 'cat' })).not.toBe(gridKey({ accountId: 'a', q: 'dog' }));
  });

  it('keeps at most four result sets, dropping the least recently used', async () => {
    for (const q of ['a', 'b', 'c', 'd', 'e'])
      await useHistoryStore.getState().loadPages({ accountId: 'acc-1', q }, [0]);
    const keys = Object.keys(useHistoryStore.getState().grids);
    expect(keys).toHaveLength(4);
    expect(keys).not.toContain(gridKey({ accountId: 'acc-1', q: 'a' }));
  });

  it('H2: counts the loaded items whose outputs are not on this computer', async () => {
    await useHistoryStore.getState().loadPages(query, [0]);
    expect(uncachedLoaded(useHistoryStore.getState().grids[gridKey(query)]!)).toEqual({ uncached: 50, loaded: 100 });
  });
});

describe('E2 estimator rows from recent use', () => {
  it('E2: "start from my last 30 days" fills the rows and says so', async () => {
    await useHistoryStore.getState().startFromRecentUse('acc-1', catalog);
    const state = useHistoryStore.getState();
    expect(state.rowsSource).toBe('recent');
    expect(state.estimatorRows.map((row) => [row.modelId, row.uses, row.per, row.workingDays])).toEqual([
      ['vivid-image', 660, 'month', 22],
      ['motion-video', 220, 'month', 22],
    ]);
    expect(state.recentUse.message).toBe('Filled from your last 30 days: 880 Generate actions on 2 models.');
  });

  it('E1: the buffer stays between 20 and 30 %', () => {
    useHistoryStore.getState().setBufferPercent(45);
    expect(useHistoryStore.getState().bufferPercent).toBe(30);
  });
});

describe('H1 workspaces: the open workspace', () => {
  const ws = (id: string, name: string) => ({
    id,
    name,
    generationIds: [],
    createdAt: '2026-03-07T20:00:00.000Z',
    updatedAt: '2026-03-07T20:00:00.000Z',
  });

  it('stays open under its id', () => {
    expect(followOpenWorkspace('ws-1', [ws('ws-1', 'A')], [ws('ws-1', 'A'), ws('ws-2', 'B')])).toBe('ws-1');
  });

  it('follows a workspace created offline to the id the backend gave it', () => {
    expect(
      followOpenWorkspace(
        'local_1',
        [ws('local_1', 'Picks'), ws('ws-9', 'Other')],
        [ws('ws-9', 'Other'), ws('ws-10', 'Picks')],
      ),
    ).toBe('ws-10');
  });

  it('closes when the workspace was deleted', () => {
    expect(followOpenWorkspace('ws-1', [ws('ws-1', 'A')], [])).toBeNull();
  });
});
