/**
 * What the two shells add around the host, checked under plain Node: web mode's media route and its event stream
 * (snapshots and alerts), the `companion-media:` handler Electron registers, the content security policies, the tray's
 * words and the auto-update setting.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createParser } from 'eventsource-parser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Balance, Me } from '../../../shared/api.js';
import { mediaPath, type Alert, type HostSnapshot } from '../../../shared/bridge.js';
import { trayStatus } from '../../../electron/host/display-text.js';
import { createMediaFetchHandler, type MediaSource } from '../../../electron/host/media-file.js';
import { updateFeedURL } from '../../../electron/main/auto-update.js';
import {
  CONTENT_SECURITY_POLICY,
  ELECTRON_CONTENT_SECURITY_POLICY,
  startWebServer,
  type WebServer,
} from '../../../electron/web/server.js';
import { startBackend } from '../../support/backend.js';
import { isLive, removeDir, startTestHost, tempDir, waitForSnapshot } from './harness.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010806000000', 'hex');

function mediaFolder(): { dir: string; file: string } {
  const dir = tempDir('companion-media-');
  const file = join(dir, 'out_1.png');
  writeFileSync(file, PNG);
  return { dir, file };
}

describe('web mode', () => {
  const cleanups: Array<() => Promise<void> | void> = [];
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  async function webApp() {
    const backend = await startBackend({ testClock: '2026-03-10T14:00:00.000Z' });
    const account = await backend.createAccount('Ana', 'UTC', 'free');
    const test = await startTestHost();
    const rendererDir = tempDir('companion-renderer-');
    mkdirSync(rendererDir, { recursive: true });
    writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>app</title>');
    const web: WebServer = await startWebServer({ host: test.host, rendererDir, secret: 'web-secret-0123456789' });
    const media = mediaFolder();
    cleanups.push(() => removeDir(test.dataDir));
    cleanups.push(() => removeDir(rendererDir));
    cleanups.push(() => removeDir(media.dir));
    cleanups.push(() => test.stop());
    cleanups.push(() => web.close());
    cleanups.push(() => backend.stop());
    const accountId = (await test.ok<HostSnapshot>('signIn', { baseURL: backend.url, token: account.token }))
      .selectedAccountId!;
    await waitForSnapshot(test.host, isLive(accountId));
    return { test, web, accountId, media };
  }

  it('serves GET /media/<account>/<output>/<variant>?secret= from the history cache, with its mime, private caching and the CSP', async () => {
    const { test, web, accountId, media } = await webApp();
    const openMedia = vi
      .spyOn(test.host.history, 'openMedia')
      .mockImplementation(async (_account, outputId) =>
        outputId === 'out_1' ? { path: media.file, mime: 'image/png' } : null,
      );
    const url = (outputId: string, variant: 'thumb' | 'full' = 'thumb', secret = web.secret) =>
      `${web.url}/media/${mediaPath(accountId, outputId, variant)}?secret=${secret}`;

    const ok = await fetch(url('out_1'));
    expect(ok.status).toBe(200);
    expect(Buffer.from(await ok.arrayBuffer())).toEqual(PNG);
    expect(ok.headers.get('content-type')).toBe('image/png');
    expect(ok.headers.get('cache-control')).toBe('private');
    expect(ok.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(ok.headers.get('x-content-type-options')).toBe('nosniff');
    expect(openMedia).toHaveBeenCalledWith(accountId, 'out_1', 'thumb');

    const range = await fetch(url('out_1', 'full'), { headers: { range: 'bytes=0-7' } });
    expect([range.status, range.headers.get('content-range')]).toEqual([206, `bytes 0-7/${PNG.length}`]);
    expect(Buffer.from(await range.arrayBuffer())).toEqual(PNG.subarray(0, 8));

    expect((await fetch(url('out_2'))).status).toBe(404);
    expect((await fetch(url('out_1', 'thumb', 'wrong-secret'))).status).toBe(401);
    expect((await fetch(`${web.url}/media/${mediaPath(accountId, 'out_1', 'thumb')}`)).status).toBe(401);
    expect(
      (await fetch(`${web.url}/media/${encodeURIComponent(accountId)}/out_1/huge?secret=${web.secret}`)).status,
    ).toBe(404);
    expect((await fetch(`${web.url}/media/${encodeURIComponent(accountId)}/out_1?secret=${web.secret}`)).status).toBe(
      404,
    );
  });

  it('streams alerts on /bridge/events like snapshots', async () => {
    const { web, accountId } = await webApp();
    const abort = new AbortController();
    cleanups.push(() => abort.abort());
    const response = await fetch(`${web.url}/bridge/events?secret=${web.secret}`, { signal: abort.signal });
    expect(response.status).toBe(200);
    const alerts: Alert[] = [];
    let snapshots = 0;
    const parser = createParser({
      onEvent: (event) => {
        if (event.event === 'alert') alerts.push(JSON.parse(event.data) as Alert);
        if (event.event === 'snapshot') snapshots += 1;
      },
    });
    void (async () => {
      const decoder = new TextDecoder();
      try {
        for await (const chunk of response.body!) parser.feed(decoder.decode(chunk as Uint8Array, { stream: true }));
      } catch {
        // aborted at the end of the test
      }
    })();
    const call = await fetch(`${web.url}/bridge/createGeneration`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-companion-secret': web.secret },
      body: JSON.stringify({
        accountId,
        request: { tool: 'text-to-image', modelId: 'spark-image', prompt: 'a fox', settings: { outputs: 1 } },
      }),
    });
    const created = (await call.json()) as { ok: boolean; value: { id: string } };
    expect(created.ok).toBe(true);
    const deadline = Date.now() + 15_000;
    while (!alerts.some((a) => a.kind === 'generation-finished') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 25));
    expect(alerts).toEqual([
      expect.objectContaining({
        id: `generation:${accountId}:${created.value.id}:succeeded`,
        kind: 'generation-finished',
        accountId,
      }),
    ]);
    expect(snapshots).toBeGreaterThan(0);
  });
});

describe('the companion-media: protocol handler (Electron) and the policies', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) removeDir(dir);
  });

  it('answers companion-media://media/<account>/<output>/<variant> from the cache, ranges included; anything else is 404', async () => {
    const media = mediaFolder();
    dirs.push(media.dir);
    const calls: string[] = [];
    const source: MediaSource = {
      openMedia: async (accountId, outputId, variant) => {
        calls.push(`${accountId}|${outputId}|${variant}`);
        if (outputId === 'boom') throw new Error('the backend is unreachable');
        return outputId === 'out_1' ? { path: media.file, mime: 'image/png' } : null;
      },
    };
    const handle = createMediaFetchHandler(source, { 'content-security-policy': ELECTRON_CONTENT_SECURITY_POLICY });
    const url = (accountId: string, outputId: string, variant: 'thumb' | 'full') =>
      `companion-media://media/${mediaPath(accountId, outputId, variant)}`;

    const ok = await handle(new Request(url('local-acc/1', 'out_1', 'full')));
    expect(ok.status).toBe(200);
    expect(ok.headers.get('content-type')).toBe('image/png');
    expect(ok.headers.get('cache-control')).toBe('private');
    expect(Buffer.from(await ok.arrayBuffer())).toEqual(PNG);
    expect(calls).toEqual(['local-acc/1|out_1|full']);

    const partial = await handle(new Request(url('a', 'out_1', 'thumb'), { headers: { range: 'bytes=8-' } }));
    expect([partial.status, partial.headers.get('content-range')]).toEqual([
      206,
      `bytes 8-${PNG.length - 1}/${PNG.length}`,
    ]);
    expect(Buffer.from(await partial.arrayBuffer())).toEqual(PNG.subarray(8));
    expect((await handle(new Request(url('a', 'out_1', 'thumb'), { headers: { range: 'bytes=999-' } }))).status).toBe(
      416,
    );

    expect((await handle(new Request(url('a', 'missing', 'thumb')))).status).toBe(404);
    expect((await handle(new Request(url('a', 'boom', 'thumb')))).status).toBe(503);
    expect((await handle(new Request('companion-media://other/a/out_1/thumb'))).status).toBe(404);
    expect((await handle(new Request('companion-media://media/a/out_1/original'))).status).toBe(404);
    expect((await handle(new Request(url('a', 'out_1', 'thumb'), { method: 'POST', body: 'x' }))).status).toBe(405);
  });

  it('the Electron policy lets the page load companion-media: images and media; the web one does not need to', () => {
    expect(ELECTRON_CONTENT_SECURITY_POLICY).toContain("img-src 'self' data: blob: companion-media:");
    expect(ELECTRON_CONTENT_SECURITY_POLICY).toContain("media-src 'self' blob: companion-media:");
    expect(CONTENT_SECURITY_POLICY).not.toContain('companion-media');
    expect(CONTENT_SECURITY_POLICY).toContain("default-src 'self'");
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
  });
});

describe('tray words and the auto-update setting', () => {
  const me = (timeZone: string, planId = 'standard'): Me =>
    ({
      id: 'acc_1',
      name: 'Ana',
      timeZone,
      status: 'active',
      plan: { id: planId },
      subscription: { planId },
    }) as unknown as Me;
  const balance = (patch: Partial<Balance> = {}): Balance => ({
    asOf: '2026-03-10T14:00:00.000Z',
    credits: {
      free: { amount: 34, resetsAt: '2026-03-10T23:00:00.000Z' },
      subscription: { amount: 1200, expiresAt: null },
      topup: { amount: 0 },
      total: 1234,
    },
    generations: null,
    fast: { used: 0, limit: 0, resetsAt: '2026-03-10T23:00:00.000Z' },
    unlimited: [],
    ...patch,
  });
  const snapshot = (
    accounts: Array<{ id: string; label: string; me: Me | null; balance: Balance | null; state?: 'live' | 'offline' }>,
    selected: string,
  ): HostSnapshot =>
    ({
      accounts: accounts.map((a) => ({ ...a, connection: { state: a.state ?? 'live' } })),
      selectedAccountId: selected,
    }) as unknown as HostSnapshot;

  it('the tooltip has the selected account total and its next free-credit reset in its own time zone; the menu a line per account', () => {
    const status = trayStatus(
      snapshot(
        [
          { id: 'a', label: 'Ana', me: me('Europe/Berlin'), balance: balance() },
          {
            id: 'b',
            label: 'Studio',
            me: me('UTC', 'plus'),
            balance: balance({ generations: { used: 63, limit: 100, resetsAt: '2026-04-10T00:00:00.000Z' } }),
            state: 'offline',
          },
          { id: 'c', label: 'New', me: null, balance: null },
        ],
        'a',
      ),
    );
    expect(status.tooltip).toBe('Creator Companion — 1,234 credits · free credits reset 00:00');
    expect(status.accounts).toEqual([
      { id: 'a', line: 'Ana: 1,234 credits · free credits reset 00:00', selected: true },
      { id: 'b', line: 'Studio: 37 of 100 generations left · resets 10 Apr (offline)', selected: false },
      { id: 'c', line: 'New: connecting…', selected: false },
    ]);
    expect(trayStatus(snapshot([], 'none')).tooltip).toBe('Creator Companion');
  });

  it('auto-update is configured only by COMPANION_UPDATE_URL (an http(s) URL)', () => {
    expect(updateFeedURL({})).toBeNull();
    expect(updateFeedURL({ COMPANION_UPDATE_URL: '' })).toBeNull();
    expect(updateFeedURL({ COMPANION_UPDATE_URL: 'not a url' })).toBeNull();
    expect(updateFeedURL({ COMPANION_UPDATE_URL: 'file:///etc/passwd' })).toBeNull();
    expect(updateFeedURL({ COMPANION_UPDATE_URL: 'https://updates.creator-companion.dev/stable/' })).toBe(
      'https://updates.creator-companion.dev/stable/',
    );
  });
});
