/**
 * H1/H2: the offline history grid: prompt search (FTS5: prefixes, case and accents folded, user input never read as
 * query syntax), filters by tool, model, status, dates and workspace with exact totals, and offset paging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Generation, GenerationQuery, GenerationRequest } from '../../../shared/api.js';
import type { CompanionClient } from '../../../shared/client.js';
import { startBackend, type TestBackend } from '../../support/backend.js';
import { GatedProvider } from '../../support/gated-provider.js';
import { backendHistory, createInBackend, startHarness, type Harness } from './helpers.js';

const image = (prompt: string, modelId = 'spark-image'): GenerationRequest => ({
  tool: 'text-to-image',
  modelId,
  prompt,
  settings: { outputs: 1 },
});
const PROMPTS: GenerationRequest[] = [
  image('A red fox jumping over a frozen river'),
  image('Foxes playing in the snow', 'vivid-image'),
  image('Quiet café at dawn, watercolor'),
  image('Cafe racer motorcycle "chrome" edition'),
  image('The NEAR side of the moon', 'vivid-image'),
  image('near-infrared forest photo'),
  image('star-field * wallpaper (4k)'),
  {
    tool: 'ai-music',
    modelId: 'tune-music',
    prompt: 'Lo-fi hip hop beat for studying',
    settings: { outputs: 1, durationS: 30 },
  },
  { tool: 'text-to-speech', modelId: 'voice-tts', prompt: 'Narrator: welcome to the show', settings: { outputs: 1 } },
  {
    tool: 'text-to-video',
    modelId: 'motion-video',
    prompt: 'drone flight over foxglove meadow',
    settings: { outputs: 1, durationS: 5 },
  },
  image('Ünïcödé test: Zürich skyline'),
  image('OR AND NOT keywords in a prompt'),
];

let backend: TestBackend;
let client: CompanionClient;
let harness: Harness;
let accountId: string;
let ids: string[];
let all: Generation[];
let workspaceId: string;

beforeAll(async () => {
  const provider = new GatedProvider();
  backend = await startBackend({
    testClock: '2026-03-01T10:00:00.000Z',
    provider,
    runner: { concurrency: 1 },
    config: { queue: { shutdownGraceS: 0 } },
  });
  const created = await backend.createAccount('Search', 'Europe/Berlin', 'basic');
  accountId = created.account.id;
  client = created.client;
  await client.buyTopup({ credits: 5_000 });
  ids = [];
  // One every 7 hours; the 3rd and the 10th fail and the 5th is cancelled (createInBackend's rule), both refunded.
  for (let i = 0; i < PROMPTS.length; i += 1) {
    ids.push(...(await createInBackend(backend.backend, accountId, 1, i, () => PROMPTS[i]!)));
    await backend.admin.admin.moveClock({ advanceS: 7 * 3600 });
  }
  const workspace = await client.createWorkspace({ name: 'Foxes' });
  workspaceId = workspace.id;
  for (const i of [0, 1, 9]) await client.addWorkspaceItem(workspaceId, ids[i]!);
  // The one worker takes the oldest queued generation (and holds it running) before the app syncs.
  await provider.untilStarted(1);
  harness = await startHarness();
  harness.accounts.set(accountId, { baseURL: backend.url, token: created.token });
  await harness.service.requestSync(accountId);
  all = await backendHistory(client);
}, 60_000);

afterAll(async () => {
  await harness?.close();
  await backend?.stop();
});

/** Search ids, newest first, as prompt indexes (easier to read than generation ids). */
function found(q: string, filter: Record<string, string> = {}): number[] {
  const page = harness.service.search({ accountId, q, ...filter }, 0, 100);
  expect(page.total).toBe(page.items.length);
  return page.items.map((g) => ids.indexOf(g.id));
}

async function remoteList(query: GenerationQuery): Promise<string[]> {
  const page = await client.listGenerations({ ...query, limit: 500 });
  return page.items.map((g) => g.id);
}

describe('H1/H2 offline history search', () => {
  it('H2: prompt words match as prefixes ("fox" finds "Foxes" and "foxglove"), several words must all match', () => {
    expect(found('fox')).toEqual([9, 1, 0]);
    expect(found('FOXES')).toEqual([1]);
    expect(found('fox river')).toEqual([0]);
    expect(found('fo ri')).toEqual([0]);
    expect(found('moon near')).toEqual([4]);
  });

  it('H2: case and accents are folded both ways: "cafe" finds "café", "zurich" finds "Zürich"', () => {
    expect(found('cafe')).toEqual([3, 2]);
    expect(found('CAFÉ')).toEqual([3, 2]);
    expect(found('zurich')).toEqual([10]);
    expect(found('Ünïcödé')).toEqual([10]);
  });

  it('H2: quotes, *, -, :, parentheses and the words AND/OR/NOT/NEAR are searched as text, never as query syntax', () => {
    expect(found('"fox')).toEqual([9, 1, 0]);
    expect(found('fox*')).toEqual([9, 1, 0]);
    expect(found('-fox')).toEqual([9, 1, 0]);
    expect(found('fox -river')).toEqual([0]);
    expect(found('"chrome"')).toEqual([3]);
    expect(found('NEAR')).toEqual([5, 4]);
    expect(found('NEAR(fox river)')).toEqual([]);
    expect(found('OR')).toEqual([11]);
    expect(found('AND NOT')).toEqual([11]);
    expect(found('star-field (4k)')).toEqual([6]);
    expect(found('narrator:')).toEqual([8]);
    expect(found('prompt:fox')).toEqual([]);
    // Nothing searchable in it: the filter is ignored rather than failing.
    expect(found('"*:-()')).toHaveLength(PROMPTS.length);
  });

  it('H2: filters by tool, model, status, date range and workspace give the same items and totals as the backend', async () => {
    const from = all[8]!.createdAt;
    const to = all[2]!.createdAt;
    const cases: GenerationQuery[] = [
      {},
      { tool: 'text-to-image' },
      { modelId: 'vivid-image' },
      { status: 'failed' },
      { status: 'queued' },
      { from },
      { to },
      { from, to },
      { workspaceId },
      { tool: 'text-to-image', status: 'failed' },
      { tool: 'text-to-image', from, to },
      { modelId: 'spark-image', workspaceId },
    ];
    for (const query of cases) {
      const expected = await remoteList(query);
      const page = harness.service.search({ accountId, ...(query as Record<string, string>) }, 0, 100);
      expect({ query, ids: page.items.map((g) => g.id), total: page.total }).toEqual({
        query,
        ids: expected,
        total: expected.length,
      });
    }
    expect(found('fox', { workspaceId })).toEqual([9, 1, 0]);
    expect(found('fox', { tool: 'text-to-image' })).toEqual([1, 0]);
    expect(found('fox', { from: all[10]!.createdAt })).toEqual([9, 1]);
    expect(found('cafe', { status: 'failed' })).toEqual([3]);
  });

  it('H2: offset paging walks the whole history newest first with a constant total', () => {
    const seen: string[] = [];
    for (let offset = 0; offset < PROMPTS.length + 5; offset += 5) {
      const page = harness.service.search({ accountId }, offset, 5);
      expect(page.total).toBe(PROMPTS.length);
      seen.push(...page.items.map((g) => g.id));
    }
    expect(seen).toEqual(all.map((g) => g.id));
    expect(seen).toEqual([...ids].reverse());
  });

  it('H2: items carry the account, pin state, cache state per output and the local workspace membership', async () => {
    const item = (await harness.service.handlers.searchHistory({ accountId, q: 'foxes', offset: 0, limit: 10 }))
      .items[0]!;
    expect(item).toMatchObject({ id: ids[1], accountId, pinned: false, cache: {}, workspaceIds: [workspaceId] });
    const pinned = await harness.service.handlers.setPinned({ accountId, generationId: ids[1]!, pinned: true });
    expect(pinned.pinned).toBe(true);
    await expect(
      harness.service.handlers.setPinned({ accountId, generationId: 'gen_missing', pinned: true }),
    ).rejects.toMatchObject({ code: 'not_found' });
  });
});
