/**
 * H2: the offline history mirrors the backend through /v1/sync: a first sync of 10,000 generations, incremental syncs
 * of new, finished, changed and deleted generations, and a sync cut off by a backend that dies mid-way, which resumes
 * from the stored cursor after a restart with nothing missed and nothing twice.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createCompanionClient } from '../../../shared/client.js';
import { createBackend, type Backend } from '../../../backend/server.js';
import { startBackend } from '../../support/backend.js';
import { waitForGeneration } from '../../support/engines.js';
import { GatedProvider } from '../../support/gated-provider.js';
import {
  backendHistory,
  createInBackend,
  idsAndStatuses,
  localHistory,
  sortPairs,
  startHarness,
  startProxy,
  syncSinces,
} from './helpers.js';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('H2 offline history sync', () => {
  it(
    'H2: a first sync of 10,000 generations, then incremental changes and deletions, mirror the backend exactly',
    { timeout: 180_000 },
    async () => {
      // One worker, held: the first queued generation runs (and waits), the others stay queued until the test says.
      const provider = new GatedProvider();
      const backend = await startBackend({
        provider,
        runner: { concurrency: 1 },
        config: { queue: { shutdownGraceS: 0 } },
      });
      cleanups.push(() => backend.stop());
      const { account, token, client } = await backend.createAccount('Sync', 'Europe/Berlin', 'basic');
      await client.buyTopup({ credits: 1_000_000 });
      await createInBackend(backend.backend, account.id, 10_000);
      await provider.untilStarted(1);

      const harness = await startHarness();
      cleanups.push(() => harness.close());
      harness.accounts.set(account.id, { baseURL: backend.url, token, timeZone: 'Europe/Berlin' });

      const progress: Array<number> = [];
      harness.changes.length = 0;
      const sync = harness.service.requestSync(account.id);
      expect(harness.service.syncState(account.id)).toMatchObject({ state: 'syncing', total: null });
      const watcher = setInterval(() => progress.push(harness.service.syncState(account.id)?.done ?? 0), 5);
      await sync;
      clearInterval(watcher);

      const state = harness.service.syncState(account.id)!;
      expect(state).toMatchObject({ state: 'idle', error: null, pendingChanges: 0 });
      expect(state.done).toBe(10_000);
      // Each entity once at its latest change: 10,000 generations and the account's balance, 500 a page.
      expect(harness.service.pagesApplied(account.id)).toBe(Math.ceil(10_001 / 500));
      // Progress was reported page by page while it ran.
      expect(new Set(progress.filter((d) => d > 0 && d < 10_000)).size).toBeGreaterThan(1);

      const remote = await backendHistory(client);
      expect(remote).toHaveLength(10_000);
      const local = localHistory(harness.service, account.id);
      expect(new Set(local.map(([id]) => id)).size).toBe(10_000);
      expect(sortPairs(local)).toEqual(sortPairs(idsAndStatuses(remote)));
      // Newest first, like the backend's list (ties within one millisecond may differ).
      const created = new Map(remote.map((g) => [g.id, g.createdAt]));
      const times = local.map(([id]) => created.get(id)!);
      expect(times).toEqual([...times].sort().reverse());
      const sample = remote[1234]!;
      const { accountId, cache, pinned, ...stored } = await harness.service.handlers.getHistoryItem({
        accountId: account.id,
        generationId: sample.id,
      });
      expect({ accountId, pinned, cache }).toEqual({ accountId: account.id, pinned: false, cache: {} });
      expect(stored).toEqual(sample);

      // ---- changes on the backend: new work, a finished generation, a workspace, a cancel, deletions ----------
      const held = provider.started[0]!.generationId;
      const fresh = [];
      for (let i = 0; i < 3; i += 1)
        fresh.push(
          await client.createGeneration({
            tool: 'text-to-image',
            modelId: 'spark-image',
            prompt: `a new lantern festival ${i}`,
            settings: { outputs: 1 },
          }),
        );
      provider.release(held);
      const finished = await waitForGeneration(client, held, ['succeeded'], 20_000);
      expect(finished.outputs).toHaveLength(1);
      await provider.untilStarted(2);
      const workspace = await client.createWorkspace({ name: 'Keepers' });
      await client.addWorkspaceItem(workspace.id, fresh[0]!.id);
      await client.addWorkspaceItem(workspace.id, held);
      // (over fetch: a POST with no body, which the typed client's cancel does not send cleanly at the time of writing)
      const cancelled = await fetch(`${backend.url}/v1/generations/${fresh[2]!.id}/cancel`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(cancelled.status).toBe(200);
      const deletable = remote
        .filter((g) => g.status === 'failed' || g.status === 'cancelled')
        .slice(0, 3)
        .map((g) => g.id);
      for (const id of deletable) {
        const response = await fetch(`${backend.url}/v1/generations/${id}`, {
          method: 'DELETE',
          headers: { authorization: `Bearer ${token}` },
        });
        expect(response.status).toBe(204);
      }

      await harness.service.requestSync(account.id);
      // Only what changed: one page, and every entity once.
      expect(harness.service.pagesApplied(account.id)).toBe(22);
      const after = harness.service.syncState(account.id)!;
      expect(after.state).toBe('idle');
      // 3 new + the held one finished + the next one claimed + 1 workspace + 3 deleted (workspace adds touch 2 already counted)
      expect(after.done).toBe(3 + 1 + 1 + 1 + 3);

      const remoteAfter = await backendHistory(client);
      expect(remoteAfter).toHaveLength(10_000 + 3 - 3);
      const localAfter = localHistory(harness.service, account.id);
      expect(sortPairs(localAfter)).toEqual(sortPairs(idsAndStatuses(remoteAfter)));
      for (const id of deletable) {
        await expect(
          harness.service.handlers.getHistoryItem({ accountId: account.id, generationId: id }),
        ).rejects.toMatchObject({ code: 'not_found' });
      }
      const finishedLocal = await harness.service.handlers.getHistoryItem({
        accountId: account.id,
        generationId: held,
      });
      expect(finishedLocal).toMatchObject({
        status: 'succeeded',
        outputs: finished.outputs,
        workspaceIds: [workspace.id],
        cache: { [finished.outputs[0]!.id]: 'missing' },
      });
      expect(await harness.service.handlers.listWorkspaces({ accountId: account.id })).toEqual([
        { ...workspace, generationIds: [fresh[0]!.id, held], updatedAt: expect.any(String) },
      ]);
      expect(
        harness.service.search({ accountId: account.id, workspaceId: workspace.id }, 0, 10).items.map((g) => g.id),
      ).toEqual([fresh[0]!.id, held]);

      // Nothing new: nothing applied, one request.
      await harness.service.requestSync(account.id);
      expect(harness.service.pagesApplied(account.id)).toBe(23);
      expect(harness.service.syncState(account.id)!.done).toBe(0);
      provider.releaseAll();
    },
  );

  it(
    'H2: a backend killed mid-sync and restarted on the same data: the next sync resumes at the stored cursor, nothing missed or twice',
    { timeout: 120_000 },
    async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'companion-restart-'));
      cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }));
      const adminToken = `admin_${randomBytes(24).toString('base64url')}`;
      // Each process holds the first queued generation running, as a slow provider would.
      const open = async (): Promise<{ backend: Backend; url: string; provider: GatedProvider }> => {
        const provider = new GatedProvider();
        const backend = await createBackend({
          dataDir,
          adminToken,
          provider,
          config: { queue: { workers: 1, shutdownGraceS: 0 } },
        });
        return { backend, url: await backend.listen(0), provider };
      };
      let first: Awaited<ReturnType<typeof open>> | null = await open();
      cleanups.push(async () => first?.backend.close());
      const admin = createCompanionClient({ baseURL: first.url, token: adminToken, retries: 0 });
      const { account, token } = await admin.admin.createAccount({ name: 'Restart', timeZone: 'UTC', planId: 'basic' });
      await createCompanionClient({ baseURL: first.url, token, retries: 0 }).buyTopup({ credits: 100_000 });
      await createInBackend(first.backend, account.id, 3_000);
      await first.provider.untilStarted(1);

      const proxy = await startProxy(first.url);
      cleanups.push(() => proxy.close());
      const harness = await startHarness();
      cleanups.push(() => harness.close());
      harness.accounts.set(account.id, { baseURL: proxy.url, token });

      // The backend dies right after it answered the second page (the page the app asked for ahead may still be answered
      // while it drains: a graceful close finishes requests in flight).
      let pages = 0;
      proxy.afterResponse = async (request) => {
        if (!request.path.startsWith('/v1/sync') || ++pages !== 2 || !first) return;
        const dying = first;
        first = null;
        await dying.backend.close();
      };
      await harness.service.requestSync(account.id);
      const broken = harness.service.syncState(account.id)!;
      expect(broken.state).toBe('error');
      const appliedBefore = harness.service.pagesApplied(account.id);
      expect([2, 3]).toContain(appliedBefore);
      const stored = harness.service.store.account(account.id)!.cursor!;
      expect(stored).not.toBeNull();
      // Whole pages only (the account's balance change comes last, after every generation).
      expect(localHistory(harness.service, account.id)).toHaveLength(500 * appliedBefore);

      // A new backend process on the same data folder, on another port.
      const second = await open();
      cleanups.push(() => second.backend.close());
      // It takes the dead process's running generation back and starts it again before the app reconnects.
      await second.provider.untilStarted(1);
      proxy.target = second.url;
      proxy.afterResponse = null;
      const before = proxy.requests.length;
      const remaining = await second.backend.database.db
        .selectFrom('changes')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('account_id', '=', account.id)
        .where('seq', '>', Number(stored))
        .executeTakeFirstOrThrow();
      await harness.service.requestSync(account.id);
      expect(harness.service.syncState(account.id)).toMatchObject({ state: 'idle', error: null });

      const resumed = syncSinces(proxy.requests.slice(before));
      expect(resumed[0]).toBe(stored);
      expect(resumed).toHaveLength(Math.ceil(Number(remaining.n) / 500));
      expect(harness.service.pagesApplied(account.id)).toBe(appliedBefore + resumed.length);

      const client = createCompanionClient({ baseURL: second.url, token, retries: 0 });
      const remote = await backendHistory(client);
      const local = localHistory(harness.service, account.id);
      expect(local).toHaveLength(3_000);
      expect(
        harness.service.store.get<{ n: number }>(
          'SELECT count(*) AS n FROM generations WHERE account_id = ?',
          account.id,
        )!.n,
      ).toBe(3_000);
      expect(sortPairs(local)).toEqual(sortPairs(idsAndStatuses(remote)));
    },
  );
});
