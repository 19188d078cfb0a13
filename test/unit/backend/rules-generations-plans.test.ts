/**
 * Generation-billed plans (G1-G6) over real HTTP with the typed client and the test clock, on every storage engine.
 * Accounts live in Asia/Tokyo (UTC+9, no DST). The backend starts at 10:00 on 2026-02-10 local time, so a
 * subscription bought then has its anniversary on the 10th and its next refresh at 2026-03-09T15:00Z.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Catalog, GenerationRequest } from '../../../shared/api.js';
import type { CompanionClient } from '../../../shared/client.js';
import { DEFAULT_CATALOG_PATH } from '../../../backend/catalog.js';
import { catchApiError } from '../../support/api-error.js';
import type { TestBackend } from '../../support/backend.js';
import {
  allLedgerEntries,
  engines,
  entriesOf,
  ScriptedProvider,
  startBackendOn,
  suiteBackend,
  syncAll,
  waitForGeneration,
} from '../../support/engines.js';

const ZONE = 'Asia/Tokyo';
const START = '2026-02-10T01:00:00Z';
const FIRST_REFRESH = '2026-03-09T15:00:00.000Z';

const image = (prompt = 'a fox in the snow', outputs = 1): GenerationRequest => ({
  tool: 'text-to-image',
  modelId: 'spark-image',
  prompt,
  settings: { outputs },
});

/** What must not change when something is free or refused: the ledger, the sync log and the generation counter. */
async function snapshot(client: CompanionClient) {
  return {
    ledger: await allLedgerEntries(client),
    sync: await syncAll(client),
    generations: (await client.balance()).generations,
  };
}

/** Makes `count` one-output generations; with `settle`, waits until they have finished (before comparing snapshots). */
async function generate(client: CompanionClient, count: number, settle = false): Promise<void> {
  const ids: string[] = [];
  for (let i = 0; i < count; i += 1) ids.push((await client.createGeneration(image(`a fox, take ${i + 1}`))).id);
  if (settle) for (const id of ids) await waitForGeneration(client, id);
}

describe.each(engines)('generation-billed plans on %s', (engine) => {
  const suite = suiteBackend(engine, { testClock: START });

  const account = (planId: string) => suite.t.createAccount('Kenji', ZONE, planId);

  describe('G1 monthly generations per plan', () => {
    it.each<[string, string, number | null]>([
      ['core', '10', 10],
      ['plus', '100', 100],
      ['ultimate', 'unlimited', null],
    ])('G1: %s allows %s generations a month, counted from the subscription day', async (planId, _label, limit) => {
      const { client } = await account(planId);
      const balance = await client.balance();
      expect(balance.generations).toEqual({ used: 0, limit, resetsAt: FIRST_REFRESH });
      expect(balance.credits.total).toBe(0);
    });

    it('G1: the count is per user: one core account’s generations do not count against another’s', async () => {
      const first = await account('core');
      const second = await account('core');
      await generate(first.client, 3);
      expect([
        (await first.client.balance()).generations?.used,
        (await second.client.balance()).generations?.used,
      ]).toEqual([3, 0]);
    });

    it('G1: Ultimate is unlimited: 12 generations are all accepted and counted', async () => {
      const { client } = await account('ultimate');
      await generate(client, 12);
      expect((await client.balance()).generations).toEqual({ used: 12, limit: null, resetsAt: FIRST_REFRESH });
    });
  });

  describe('G2 one Generate action is one generation', () => {
    it('G2: a request with 4 outputs counts 1, and the ledger records one generation debited', async () => {
      const { client } = await account('core');
      const generation = await client.createGeneration(image('four foxes', 4));
      expect(generation.charge).toEqual({
        credits: 0,
        generations: 1,
        draws: [{ balance: 'generations', amount: 1 }],
        refunded: false,
      });
      expect((await waitForGeneration(client, generation.id)).outputs).toHaveLength(4);
      expect((await client.balance()).generations?.used).toBe(1);
      expect(entriesOf(await allLedgerEntries(client), generation.id)).toEqual([['debit', 'generations', -1]]);
    });

    it('G2: whatever the tool or settings: a 10 s hd video with 4 outputs and a 120 s speech clip count 1 each', async () => {
      const { client } = await account('core');
      const video: GenerationRequest = {
        tool: 'text-to-video',
        modelId: 'motion-video',
        prompt: 'waves',
        settings: { outputs: 4, durationS: 10, quality: 'hd' },
      };
      const speech: GenerationRequest = {
        tool: 'text-to-speech',
        modelId: 'voice-tts',
        prompt: 'hello there',
        settings: { outputs: 1, durationS: 120 },
      };
      for (const body of [video, speech])
        expect(await client.estimateCost(body)).toMatchObject({ cost: 1, unit: 'generations' });
      await client.createGeneration(video);
      await client.createGeneration(speech);
      expect((await client.balance()).generations?.used).toBe(2);
    });
  });

  describe('G3 actions that produce no new output are free', () => {
    it('G3: enhancing a prompt costs no generation (ledger, sync and count unchanged)', async () => {
      const { client } = await account('core');
      const before = await snapshot(client);
      const enhanced = await client.enhancePrompt({ prompt: 'a fox in the snow', tool: 'text-to-image' });
      expect(enhanced.prompt.startsWith('a fox in the snow, ')).toBe(true);
      expect(await snapshot(client)).toEqual(before);
    });

    it('G3: uploading a reference image costs no generation (ledger and count unchanged)', async () => {
      const { client } = await account('core');
      const before = await snapshot(client);
      const bytes = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#aa5500' } })
        .png()
        .toBuffer();
      expect(await client.uploadReference(bytes, 'image/png')).toMatchObject({
        mime: 'image/png',
        width: 64,
        height: 48,
        bytes: bytes.length,
      });
      const after = await snapshot(client);
      expect([after.ledger, after.generations]).toEqual([before.ledger, before.generations]);
    });

    it('G3: on a credit-billed plan uploading a reference image costs no credits either', async () => {
      const { client } = await account('basic');
      const before = { ledger: await allLedgerEntries(client), credits: (await client.balance()).credits };
      const bytes = await sharp({ create: { width: 32, height: 32, channels: 3, background: '#0055aa' } })
        .png()
        .toBuffer();
      await client.uploadReference(bytes, 'image/png');
      expect({ ledger: await allLedgerEntries(client), credits: (await client.balance()).credits }).toEqual(before);
    });

    it('G3: on a credit-billed plan enhancing a prompt costs no credits either', async () => {
      const { client } = await account('basic');
      const before = { snapshot: await snapshot(client), credits: (await client.balance()).credits };
      await client.enhancePrompt({ prompt: 'ocean waves', tool: 'text-to-video' });
      expect({ snapshot: await snapshot(client), credits: (await client.balance()).credits }).toEqual(before);
    });
  });

  describe('G4 failed and blocked requests do not count', () => {
    it('G4: a moderation-blocked request gives its generation back at once', async () => {
      const { client } = await account('core');
      const created = await client.createGeneration(image('a forbidden-word fox'));
      const blocked = await waitForGeneration(client, created.id);
      expect([blocked.status, blocked.charge.refunded]).toEqual(['blocked', true]);
      expect(entriesOf(await allLedgerEntries(client), created.id)).toEqual([
        ['debit', 'generations', -1],
        ['refund', 'generations', 1],
      ]);
      expect((await client.balance()).generations?.used).toBe(0);
    });

    it('G4: a request the provider fails gives its generation back at once', async () => {
      const { client } = await account('plus');
      const created = await client.createGeneration(image('[fail] a fox'));
      expect((await waitForGeneration(client, created.id)).status).toBe('failed');
      expect((await client.balance()).generations?.used).toBe(0);
    });

    it('G4: a blocked 10th request of Core leaves room for another 10th', async () => {
      const { client } = await account('core');
      await generate(client, 9);
      await waitForGeneration(client, (await client.createGeneration(image('gore'))).id);
      expect((await client.balance()).generations?.used).toBe(9);
      await client.createGeneration(image('the tenth fox'));
      expect((await client.balance()).generations?.used).toBe(10);
    });
  });

  describe('G6 at the limit', () => {
    it('G6: the 11th request of Core is refused with 429, the reset date and the upgrade path; nothing is charged', async () => {
      const { client } = await account('core');
      await generate(client, 10, true);
      const before = await snapshot(client);
      const error = await catchApiError(client.createGeneration(image('one fox too many')));
      expect([error.status, error.code]).toEqual([429, 'generation_limit_reached']);
      expect(error.problem).toMatchObject({
        resetsAt: FIRST_REFRESH,
        options: [
          { kind: 'wait', at: FIRST_REFRESH },
          { kind: 'upgrade', planIds: ['plus', 'ultimate'] },
        ],
      });
      expect(await snapshot(client)).toEqual(before);
    });

    it('G6: the cost preview shows the same refusal', async () => {
      const { client } = await account('core');
      await generate(client, 10);
      const estimate = await client.estimateCost({
        tool: 'text-to-image',
        modelId: 'spark-image',
        settings: { outputs: 1 },
      });
      expect(estimate.refusal).toMatchObject({
        status: 429,
        code: 'generation_limit_reached',
        resetsAt: FIRST_REFRESH,
      });
    });

    it('G6/A4: an upgrade applies at once: Plus’s 100 are granted, the refused request goes through and the refresh moves to the upgrade day', async () => {
      const { client } = await account('core');
      await generate(client, 10);
      await suite.t.admin.admin.moveClock({ now: '2026-02-20T01:00:00Z' }); // 10:00 on the 20th
      expect((await catchApiError(client.createGeneration(image('one more fox')))).code).toBe(
        'generation_limit_reached',
      );
      await client.subscribe({ planId: 'plus' });
      expect((await client.balance()).generations).toEqual({
        used: 0,
        limit: 100,
        resetsAt: '2026-03-19T15:00:00.000Z',
      });
      await client.createGeneration(image('one more fox'));
      expect((await client.balance()).generations?.used).toBe(1);
    });
  });
});

/** G5 moves the clock: a backend of its own (whose catalog also has a yearly Core), so each move is quick. */
describe.each(engines)('G5 monthly refreshes on %s', (engine) => {
  let t: TestBackend;
  let folder: string;
  const provider = new ScriptedProvider();

  beforeAll(async () => {
    // Plans are data (A2): an operator adds a yearly Core to the catalog file.
    folder = mkdtempSync(join(tmpdir(), 'companion-catalog-'));
    const catalog = JSON.parse(readFileSync(DEFAULT_CATALOG_PATH, 'utf8')) as Catalog;
    catalog.plans.push({
      id: 'core-yearly',
      name: 'Core (yearly)',
      billing: 'generations',
      period: 'year',
      monthlyGenerations: 10,
      unlimitedModels: [],
      fastDailyLimit: 0,
      price: 0,
    });
    writeFileSync(join(folder, 'catalog.json'), JSON.stringify(catalog));
    t = await startBackendOn(engine, { testClock: START, catalogPath: join(folder, 'catalog.json'), provider });
  });

  afterEach(() => provider.releaseAll());

  afterAll(async () => {
    provider.releaseAll();
    await t.stop();
    rmSync(folder, { recursive: true, force: true });
  });

  const account = (planId: string) => t.createAccount('Kenji', ZONE, planId);

  it('G5: a yearly plan refreshes its 10 generations monthly, on the anniversary day, and renews a year on', async () => {
    const { client } = await t.createAccount('Kenji', ZONE, 'core-yearly');
    expect((await client.me()).subscription).toMatchObject({
      period: 'year',
      anniversaryDay: 10,
      renewsAt: '2027-02-09T15:00:00.000Z',
    });
    for (let i = 0; i < 4; i += 1)
      await waitForGeneration(client, (await client.createGeneration(image(`fox ${i}`))).id);
    await t.admin.admin.moveClock({ now: '2026-04-15T00:00:00Z' });
    const grants = (await allLedgerEntries(client)).filter((e) => e.kind === 'grant' && e.balance === 'generations');
    expect(grants.reverse().map((e) => [e.at, e.amount, e.after])).toEqual([
      ['2026-02-10T01:00:00.000Z', 10, 10],
      ['2026-03-09T15:00:00.000Z', 10, 10],
      ['2026-04-09T15:00:00.000Z', 10, 10],
    ]);
    expect((await client.balance()).generations).toEqual({ used: 0, limit: 10, resetsAt: '2026-05-09T15:00:00.000Z' });
  });

  describe('G5 monthly refresh on the anniversary day (after the yearly test: the clock only moves forward)', () => {
    it('G5: the count refreshes at the local midnight of the anniversary day; unused generations do not roll over', async () => {
      await t.admin.admin.moveClock({ now: '2026-04-25T01:00:00Z' }); // 10:00 on the 25th, after the yearly test
      const { client } = await account('core');
      await generate(client, 3);
      await t.admin.admin.moveClock({ now: '2026-05-24T14:59:59Z' });
      expect((await client.balance()).generations?.used).toBe(3);
      await t.admin.admin.moveClock({ now: '2026-05-24T15:00:00Z' });
      expect((await client.balance()).generations).toEqual({
        used: 0,
        limit: 10,
        resetsAt: '2026-06-24T15:00:00.000Z',
      });
      const refresh = (await allLedgerEntries(client)).filter(
        (e) => e.at === '2026-05-24T15:00:00.000Z' && e.balance === 'generations',
      );
      expect(refresh.reverse().map((e) => [e.kind, e.amount, e.after])).toEqual([
        ['expire', -7, 0],
        ['grant', 10, 10],
      ]);
    });

    it('G4/G5: a generation restored after the refresh does not add to the new month: Core still allows 10, not 11', async () => {
      await t.admin.admin.moveClock({ now: '2026-06-01T01:00:00Z' }); // anniversary day 1: refresh at 2026-06-30T15:00Z
      const { client } = await account('core');
      await generate(client, 9, true);
      const held = await client.createGeneration(image('[hold:g4-refresh][fail] the tenth fox'));
      await waitForGeneration(client, held.id, ['running']);
      await t.admin.admin.moveClock({ now: '2026-07-01T01:00:00Z' });
      provider.release('g4-refresh');
      expect((await waitForGeneration(client, held.id)).status).toBe('failed');
      expect((await client.balance()).generations).toEqual({
        used: 0,
        limit: 10,
        resetsAt: '2026-07-31T15:00:00.000Z',
      });
      await generate(client, 10);
      expect((await catchApiError(client.createGeneration(image('an 11th fox')))).code).toBe(
        'generation_limit_reached',
      );
    });
  });
});
