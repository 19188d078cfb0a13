/**
 * C10, C8, E2 from the offline store: usage by local day, tool and model equals the backend's GET /v1/usage (refunded
 * work counted but free), the refund audit lists failed and blocked work with its draws, recent use per model feeds the
 * estimator; and removing an account leaves nothing of it behind.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Generation, UsageQuery } from '../../../shared/api.js';
import { localDate } from '../../../shared/calendar.js';
import type { CompanionClient } from '../../../shared/client.js';
import { startBackend, type TestBackend } from '../../support/backend.js';
import { GatedProvider } from '../../support/gated-provider.js';
import { backendHistory, bulkRequest, createInBackend, startHarness, type Harness } from './helpers.js';

const ZONE = 'America/New_York';
let backend: TestBackend;
let client: CompanionClient;
let harness: Harness;
let accountId: string;
let all: Generation[];

beforeAll(async () => {
  // Across the 2026-03-08 DST change in New York, one generation every 5 hours, near local midnights too.
  backend = await startBackend({
    testClock: '2026-03-04T02:30:00.000Z',
    provider: new GatedProvider(),
    runner: { concurrency: 1 },
    config: { queue: { shutdownGraceS: 0 } },
  });
  const created = await backend.createAccount('Usage', ZONE, 'basic');
  accountId = created.account.id;
  client = created.client;
  await client.buyTopup({ credits: 50_000 });
  for (let i = 0; i < 60; i += 1) {
    await createInBackend(backend.backend, accountId, 1, i, (n) => bulkRequest(n));
    await backend.admin.admin.moveClock({ advanceS: 5 * 3600 });
  }
  harness = await startHarness();
  harness.accounts.set(accountId, { baseURL: backend.url, token: created.token, timeZone: ZONE });
  await harness.service.requestSync(accountId);
  all = await backendHistory(client);
}, 90_000);

afterAll(async () => {
  await harness?.close();
  await backend?.stop();
});

describe('C10 usage, C8 refund audit and E2 recent use from the offline store', () => {
  it("C10: usage by local day, tool and model, with filters, equals the backend's GET /v1/usage", async () => {
    const from = all[40]!.createdAt;
    const to = all[10]!.createdAt;
    const queries: UsageQuery[] = [
      { groupBy: 'day' },
      { groupBy: 'tool' },
      { groupBy: 'model' },
      { groupBy: 'day', tool: 'text-to-image' },
      { groupBy: 'day', modelId: 'voice-tts' },
      { groupBy: 'model', from, to },
      { groupBy: 'day', from },
      { groupBy: 'tool', to, modelId: 'spark-image' },
    ];
    for (const query of queries) {
      const offline = await harness.service.usage(accountId, query);
      expect({ query, offline }).toEqual({ query, offline: await client.usage(query) });
    }
    const byDay = await harness.service.usage(accountId, { groupBy: 'day' });
    // 60 generations over 12.5 days: 13 or 14 local days, refunded ones counted with 0 credits.
    expect(byDay.rows.length).toBeGreaterThanOrEqual(13);
    expect(byDay.totals.count).toBe(60);
    const refunded = all.filter((g) => g.charge.refunded);
    expect(refunded.length).toBeGreaterThan(0);
    expect(byDay.totals.credits).toBe(
      all.filter((g) => !g.charge.refunded).reduce((sum, g) => sum + g.charge.credits, 0),
    );
  });

  it('C8: the refund audit lists failed and blocked work, newest first, with what it was charged and what came back', async () => {
    const audit = await harness.service.handlers.refundAudit({ accountId });
    const failed = all.filter((g) => g.status === 'failed' || g.status === 'blocked');
    expect(audit.map((r) => r.generationId)).toEqual(failed.map((g) => g.id));
    expect(audit[0]).toEqual({
      generationId: failed[0]!.id,
      at: failed[0]!.createdAt,
      modelId: failed[0]!.modelId,
      tool: failed[0]!.tool,
      status: 'failed',
      error: 'The generation failed: the remote provider answered 503',
      charged: failed[0]!.charge.draws,
      refunded: failed[0]!.charge.draws,
    });
    expect(audit.every((r) => r.charged.length > 0 && r.charged.every((d) => d.amount > 0))).toBe(true);
    const windowed = await harness.service.handlers.refundAudit({
      accountId,
      from: all[30]!.createdAt,
      to: all[5]!.createdAt,
    });
    expect(windowed.map((r) => r.generationId)).toEqual(
      failed.filter((g) => g.createdAt >= all[30]!.createdAt && g.createdAt < all[5]!.createdAt).map((g) => g.id),
    );
  });

  it('E2: recent use per model over the last N days: paid generations, their credits and the local days used', async () => {
    const now = (await backend.admin.admin.moveClock({ advanceS: 1 })).now;
    harness.clock.ms = Date.parse(now) - 1000;
    const since = Date.parse(now) - 7 * 86_400_000;
    const recent = all.filter((g) => Date.parse(g.createdAt) >= since && !g.charge.refunded);
    const expected = new Map<string, { generations: number; credits: number; days: Set<string> }>();
    for (const g of recent) {
      const row = expected.get(g.modelId) ?? { generations: 0, credits: 0, days: new Set<string>() };
      row.generations += 1;
      row.credits += g.charge.credits;
      row.days.add(localDate(new Date(g.createdAt), ZONE));
      expected.set(g.modelId, row);
    }
    const use = await harness.service.handlers.recentUseByModel({ accountId, days: 7 });
    expect(
      Object.fromEntries(
        use.map((u) => [u.modelId, { generations: u.generations, credits: u.credits, activeDays: u.activeDays }]),
      ),
    ).toEqual(
      Object.fromEntries(
        [...expected.entries()].map(([modelId, r]) => [
          modelId,
          { generations: r.generations, credits: r.credits, activeDays: r.days.size },
        ]),
      ),
    );
    expect(use.find((u) => u.modelId === 'tune-music')?.tool).toBe('ai-music');
    // Split by the settings each ran with: the parts add up, and each names settings some generation really had.
    for (const u of use) {
      const bySettings = u.bySettings ?? [];
      expect(bySettings.reduce((sum, part) => sum + part.generations, 0)).toBe(u.generations);
      expect(bySettings.reduce((sum, part) => sum + part.credits, 0)).toBe(u.credits);
      expect(bySettings.length).toBeGreaterThan(0);
      for (const part of bySettings) {
        expect(
          recent.some(
            (g) =>
              g.modelId === u.modelId &&
              g.settings.outputs === part.settings.outputs &&
              (g.settings.quality ?? undefined) === part.settings.quality,
          ),
        ).toBe(true);
      }
    }
    // Sorted by credits, biggest first: what the estimator weighs most.
    expect(use.map((u) => u.credits)).toEqual([...use.map((u) => u.credits)].sort((a, b) => b - a));
  });

  it('H2: removing an account deletes its rows, its cached files and its queued changes', async () => {
    const service = harness.service;
    const item = all.find((g) => g.status === 'queued')!;
    const workspace = await service.handlers.createWorkspace({ accountId, name: 'Soon gone' });
    harness.online.set(accountId, false);
    await service.handlers.addToWorkspace({ accountId, workspaceId: workspace.id, generationId: item.id });
    expect(service.syncState(accountId)!.pendingChanges).toBeGreaterThan(0);
    const cacheDir = join(service.cacheDir, encodeURIComponent(accountId));
    const textTable = service.store.get<{ text_table: string }>(
      'SELECT text_table FROM accounts WHERE account_id = ?',
      accountId,
    )!.text_table;
    // A file left in its cache folder (a half download) goes too.
    mkdirSync(cacheDir, { recursive: true });
    writeFileSync(join(cacheDir, 'out_half.png.part'), 'partial');
    await service.removeAccount(accountId);

    expect(service.search({ accountId }, 0, 10)).toEqual({ items: [], total: 0 });
    expect(service.syncState(accountId)).toBeNull();
    expect(await service.handlers.listWorkspaces({ accountId })).toEqual([]);
    for (const table of [
      'generations',
      'generation_counts',
      'outputs',
      'cache_entries',
      'workspaces',
      'workspace_items',
      'pending_changes',
      'accounts',
    ]) {
      expect({
        table,
        n: service.store.get<{ n: number }>(`SELECT count(*) AS n FROM ${table} WHERE account_id = ?`, accountId)!.n,
      }).toEqual({ table, n: 0 });
    }
    // Its prompt index is dropped with it.
    expect(
      service.store.get<{ n: number }>('SELECT count(*) AS n FROM sqlite_master WHERE name = ?', textTable)!.n,
    ).toBe(0);
    expect(existsSync(cacheDir)).toBe(false);
  });
});
