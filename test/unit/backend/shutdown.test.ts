/**
 * Shutdown: on SIGTERM the backend stops taking work, lets running jobs finish within the grace period and
 * requeues the rest, which a restarted backend then runs: nothing is lost, nothing refunded that was not failed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createCompanionClient } from '../../../shared/client.js';
import { createBackend } from '../../../backend/server.js';
import { eventually, GatedProvider } from '../../support/gated-provider.js';

const ADMIN = 'shutdown-admin-token';

describe('graceful shutdown', () => {
  it('finishes running work within the grace period, requeues the rest, and a restart runs it', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'companion-shutdown-'));
    try {
      const provider = new GatedProvider();
      const first = await createBackend({
        dataDir,
        adminToken: ADMIN,
        testClock: new Date('2026-03-10T14:00:00.000Z'),
        provider,
        config: { queue: { workers: 2, shutdownGraceS: 1 } },
      });
      const url = await first.listen(0);
      const admin = createCompanionClient({ baseURL: url, token: ADMIN, retries: 0 });
      const { token } = await admin.admin.createAccount({ name: 'Sig', timeZone: 'UTC', planId: 'basic' });
      const client = createCompanionClient({ baseURL: url, token, retries: 0 });
      const request = {
        tool: 'text-to-image' as const,
        modelId: 'vivid-image',
        settings: { outputs: 1 },
        workflow: true,
      };
      const quick = await client.createGeneration({ ...request, prompt: 'quick' });
      const slow = await client.createGeneration({ ...request, prompt: 'slow' });
      const waiting = await client.createGeneration({ ...request, prompt: 'waiting' });
      await provider.untilStarted(2);
      const balanceBefore = (await client.balance()).credits.total;

      // The quick job is released during the grace period; the slow one outlasts it.
      const closing = first.close();
      setTimeout(() => provider.release(quick.id), 200);
      await closing;

      const second = await createBackend({
        dataDir,
        adminToken: ADMIN,
        testClock: new Date('2026-03-10T14:00:00.000Z'),
        provider: new GatedProvider({ autoRelease: true }),
      });
      const url2 = await second.listen(0);
      const again = createCompanionClient({ baseURL: url2, token, retries: 0 });
      try {
        expect((await again.getGeneration(quick.id)).status).toBe('succeeded');
        await eventually(
          async () =>
            (await again.getGeneration(slow.id)).status === 'succeeded' &&
            (await again.getGeneration(waiting.id)).status === 'succeeded',
          10_000,
          'requeued work done',
        );
        for (const id of [quick.id, slow.id, waiting.id])
          expect((await again.getGeneration(id)).charge.refunded).toBe(false);
        // Charged once each, never refunded, never charged again.
        expect((await again.balance()).credits.total).toBe(balanceBefore);
        const entries = (await again.ledger({ limit: 500 })).items.filter((e) =>
          [quick.id, slow.id, waiting.id].includes(e.generationId ?? ''),
        );
        expect(entries.map((e) => e.kind).sort()).toEqual(['debit', 'debit', 'debit']);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
