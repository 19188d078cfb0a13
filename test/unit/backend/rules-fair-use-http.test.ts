/**
 * U7 over real HTTP: automation and credential sharing pause unlimited access only, the pause and its reason show in
 * /v1/me, one appeal per pause, reviewers decide, a second upheld violation suspends the account on every charging
 * route. (The detection rules themselves are specified in fair-use.test.ts.)
 */
import { writeFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import type { GenerationRequest } from '../../../shared/api.js';
import { createCompanionClient } from '../../../shared/client.js';
import { catchApiError } from '../../support/api-error.js';
import { openEventStream, startBackend, type TestBackend } from '../../support/backend.js';

const spark: GenerationRequest = {
  tool: 'text-to-image',
  modelId: 'spark-image',
  prompt: 'a fox',
  settings: { outputs: 1 },
};
const paid: GenerationRequest = {
  tool: 'text-to-image',
  modelId: 'vivid-image',
  prompt: 'a fox',
  settings: { outputs: 1 },
  workflow: true,
};

describe('U7 fair use over HTTP', () => {
  let t: TestBackend;
  afterEach(async () => t.stop());

  it('U7: automation pauses unlimited access only: unlimited requests get 403 unlimited_paused, credits keep working', async () => {
    t = await startBackend({
      testClock: '2026-03-10T14:00:00.000Z',
      config: { fairUse: { automation: { maxRequestsPerWindow: 5, windowS: 60 } } },
    });
    const { client, token } = await t.createAccount('Bot', 'UTC', 'ultra');
    const stream = await openEventStream(t.url, token);
    for (let i = 0; i < 6; i += 1) await client.createGeneration({ ...spark, prompt: `fox ${i}` });
    const paused = await stream.next(
      (e) => e.event === 'account' && (e.data as { status: string }).status === 'unlimited_paused',
    );
    expect((paused.data as { fairUse: { reason: string } }).fairUse.reason).toBe(
      'Automation suspected: 6 requests in 60 s',
    );
    await stream.close();

    const refused = await catchApiError(client.createGeneration(spark));
    expect([refused.status, refused.code]).toEqual([403, 'unlimited_paused']);
    expect((await client.estimateCost(spark)).refusal?.code).toBe('unlimited_paused');
    // Credits still work: a charged request (a workflow, never unlimited) runs as usual.
    const charged = await client.createGeneration(paid);
    expect(charged.charge.credits).toBe(24);
    const me = await client.me();
    expect(me.status).toBe('unlimited_paused');
    expect(me.fairUse).toMatchObject({
      reason: 'Automation suspected: 6 requests in 60 s',
      appeal: null,
      violations: 0,
    });
  });

  it('U7: several clients with one token look like credential sharing', async () => {
    t = await startBackend({
      testClock: '2026-03-10T14:00:00.000Z',
      config: { fairUse: { sharing: { maxDistinctClients: 2, windowS: 3600 } } },
    });
    const { token, client } = await t.createAccount('Shared', 'UTC', 'ultra');
    // Each app installation names itself; the third within the hour exceeds the configured two.
    const statuses: number[] = [];
    for (const installation of ['laptop', 'phone', 'friend']) {
      const answer = await fetch(`${t.url}/v1/generations`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'x-companion-client': installation,
        },
        body: JSON.stringify({ ...spark, prompt: installation }),
      });
      statuses.push(answer.status);
    }
    expect(statuses).toEqual([202, 202, 202]);
    const me = await client.me();
    expect(me.status).toBe('unlimited_paused');
    expect(me.fairUse?.reason).toBe('Credential sharing suspected: 3 different clients within 1 h');
    expect((await catchApiError(client.createGeneration(spark))).code).toBe('unlimited_paused');
  });

  it('U7: one appeal per pause; a reviewer restores access; every decision is recorded with its reason', async () => {
    t = await startBackend({ testClock: '2026-03-10T14:00:00.000Z' });
    const { client, account } = await t.createAccount('Ann', 'UTC', 'ultra');
    const flagged = await t.admin.admin.flagAccount(account.id, { reason: 'Reported by support' });
    expect(flagged).toMatchObject({ status: 'unlimited_paused', fairUse: { reason: 'Reported by support' } });

    const appeal = await client.appeal({ message: 'I make every image by hand' });
    expect(appeal).toMatchObject({
      status: 'open',
      message: 'I make every image by hand',
      pauseReason: 'Reported by support',
    });
    const second = await catchApiError(client.appeal({ message: 'again' }));
    expect(second.status).toBe(409);
    expect((await client.me()).fairUse?.appeal).toMatchObject({ id: appeal.id, status: 'open' });

    const open = await t.admin.admin.listAppeals({});
    expect(open.items.map((a) => a.id)).toContain(appeal.id);
    const decided = await t.admin.admin.decideAppeal(appeal.id, { decision: 'restore', reason: 'No violation found' });
    expect(decided).toMatchObject({ status: 'restored', decisionReason: 'No violation found' });
    expect((await client.me()).status).toBe('active');
    expect((await client.createGeneration(spark)).unlimited).toBe(true);
    const again = await catchApiError(
      t.admin.admin.decideAppeal(appeal.id, { decision: 'uphold', reason: 'changed my mind' }),
    );
    expect(again.status).toBe(409);
  });

  it('U7: a second upheld violation suspends the account: account_suspended on every charging route', async () => {
    t = await startBackend({ testClock: '2026-03-10T14:00:00.000Z' });
    const { client, account } = await t.createAccount('Sam', 'UTC', 'ultra');
    for (const round of [1, 2]) {
      await t.admin.admin.flagAccount(account.id, { reason: `Scraping, round ${round}` });
      const appeal = await client.appeal({ message: `not me (${round})` });
      await t.admin.admin.decideAppeal(appeal.id, { decision: 'uphold', reason: `Confirmed, round ${round}` });
    }
    const me = await client.me();
    expect(me.status).toBe('suspended');
    expect(me.fairUse?.violations).toBe(2);
    for (const attempt of [
      client.createGeneration(paid),
      client.createGeneration(spark),
      client.buyTopup({ credits: 100 }),
      client.subscribe({ planId: 'standard' }),
    ]) {
      const error = await catchApiError(attempt);
      expect([error.status, error.code]).toEqual([403, 'account_suspended']);
    }
    expect((await catchApiError(client.appeal({ message: 'please' }))).code).toBe('account_suspended');
  });

  it('U7: appealing without a pause is refused, and reviewers need the admin token', async () => {
    t = await startBackend({ testClock: '2026-03-10T14:00:00.000Z' });
    const { client, token } = await t.createAccount('Ok', 'UTC', 'ultra');
    expect((await catchApiError(client.appeal({ message: 'why?' }))).status).toBe(409);
    const notAdmin = createCompanionClient({ baseURL: t.url, token, retries: 0 });
    expect((await catchApiError(notAdmin.admin.listAppeals({}))).code).toBe('unauthorized');
    expect((await catchApiError(t.admin.admin.flagAccount('acc_nobody', { reason: 'x' }))).code).toBe('not_found');
  });
});

describe('providers configured in the catalog', () => {
  it('a model whose catalog entry names an SD-WebUI server is generated there', async () => {
    const { startFakeSdWebUi } = await import('../../support/fake-sd-webui.js');
    const { loadCatalog } = await import('../../../backend/catalog.js');
    const { mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const fake = await startFakeSdWebUi();
    const catalog = loadCatalog();
    const model = catalog.models.find((m) => m.id === 'vivid-image')!;
    model.provider = { kind: 'sd-webui', url: fake.url };
    const catalogPath = join(mkdtempSync(join(tmpdir(), 'catalog-')), 'catalog.json');
    writeFileSync(catalogPath, JSON.stringify(catalog));
    const t = await startBackend({ testClock: '2026-03-10T14:00:00.000Z', catalogPath });
    try {
      const { client } = await t.createAccount('Sd', 'UTC', 'basic');
      const generation = await client.createGeneration({
        tool: 'text-to-image',
        modelId: 'vivid-image',
        prompt: 'a lighthouse',
        settings: { outputs: 2, seed: 7 },
      });
      let done = await client.getGeneration(generation.id);
      for (let i = 0; i < 100 && done.status !== 'succeeded' && done.status !== 'failed'; i += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        done = await client.getGeneration(generation.id);
      }
      expect(done.status).toBe('succeeded');
      expect(done.outputs).toHaveLength(2);
      expect(
        fake.requests
          .map((r) => r.body as { prompt: string; batch_size: number; seed: number })
          .map((b) => [b.prompt, b.batch_size, b.seed]),
      ).toEqual([['a lighthouse', 2, 7]]);
      // spark-image is still made by the local provider.
      const local = await client.createGeneration({
        tool: 'text-to-image',
        modelId: 'spark-image',
        prompt: 'a boat',
        settings: { outputs: 1 },
      });
      for (let i = 0; i < 100 && (await client.getGeneration(local.id)).status !== 'succeeded'; i += 1)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(fake.requests).toHaveLength(1);
    } finally {
      await t.stop();
      await fake.close();
    }
  });
});
