/**
 * H2: the output cache. Outputs rendered by a real backend (the built-in local provider) are downloaded, verified by
 * sha256, thumbnailed, served offline, repaired when broken, resumed with Range after a restart, and evicted least
 * recently viewed first without touching pinned generations or generations in a workspace.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Generation, Output } from '../../../shared/api.js';
import { cacheFilePath } from '../../../electron/host/history/output-cache.js';
import { startBackend, type TestBackend } from '../../support/backend.js';
import { waitForGeneration } from '../../support/engines.js';
import { eventually } from '../../support/gated-provider.js';
import { startHarness, startProxy, type Harness, type RecordingProxy } from './helpers.js';

const sha256 = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');

let backend: TestBackend;
let accountId: string;
let token: string;
let images: Generation[];
let video: Generation;
let audio: Generation;

beforeAll(async () => {
  backend = await startBackend();
  const created = await backend.createAccount('Cache', 'UTC', 'basic');
  accountId = created.account.id;
  token = created.token;
  const { client } = created;
  await client.buyTopup({ credits: 5_000 });
  const requests = [
    ...[
      'a red fox in the snow',
      'a lighthouse at dusk',
      'a bowl of ramen',
      'two koi in a pond',
      'a paper boat',
      'a desert road',
    ].map((prompt) => ({
      tool: 'text-to-image' as const,
      modelId: 'spark-image',
      prompt,
      settings: { outputs: 1 },
    })),
    {
      tool: 'text-to-video' as const,
      modelId: 'motion-video',
      prompt: 'waves rolling onto a beach',
      settings: { outputs: 1, durationS: 5 },
    },
    {
      tool: 'text-to-speech' as const,
      modelId: 'voice-tts',
      prompt: 'Hello from the offline cache.',
      settings: { outputs: 1 },
    },
  ];
  const started = [];
  for (const request of requests) started.push(await client.createGeneration(request));
  const finished = [];
  for (const generation of started)
    finished.push(await waitForGeneration(client, generation.id, ['succeeded'], 60_000));
  images = finished.slice(0, 6);
  video = finished[6]!;
  audio = finished[7]!;
}, 120_000);

afterAll(async () => {
  await backend?.stop();
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function syncedHarness(): Promise<{ harness: Harness; proxy: RecordingProxy }> {
  const proxy = await startProxy(backend.url);
  cleanups.push(() => proxy.close());
  const harness = await startHarness();
  cleanups.push(() => harness.close());
  harness.accounts.set(accountId, { baseURL: proxy.url, token });
  await harness.service.requestSync(accountId);
  expect(harness.service.syncState(accountId)).toMatchObject({ state: 'idle', error: null });
  return { harness, proxy };
}

const downloads = (proxy: RecordingProxy, output: Output) =>
  proxy.requests.filter((r) => r.path === `/v1/outputs/${output.id}`);
const only = (generation: Generation) => generation.outputs[0]!;
const cacheState = async (harness: Harness, generation: Generation) =>
  (await harness.service.handlers.getHistoryItem({ accountId, generationId: generation.id })).cache[
    only(generation).id
  ];

describe('H2 output cache', () => {
  it('H2: an output opened is downloaded once, verified by sha256 and then served from the cache, also offline', async () => {
    const { harness, proxy } = await syncedHarness();
    const output = only(images[0]!);
    expect(await cacheState(harness, images[0]!)).toBe('missing');

    const opened = await harness.service.openMedia(accountId, output.id, 'full');
    expect(opened).toEqual({
      path: cacheFilePath(harness.service.cacheDir, accountId, output.id, 'image/png'),
      mime: 'image/png',
    });
    expect(sha256(readFileSync(opened!.path))).toBe(output.sha256);
    expect(await cacheState(harness, images[0]!)).toBe('cached');

    harness.online.set(accountId, false);
    expect(await harness.service.openMedia(accountId, output.id, 'full')).toEqual(opened);
    expect(downloads(proxy, output)).toHaveLength(1);
    // Not cached and offline: nothing to serve, nothing fetched.
    expect(await harness.service.openMedia(accountId, only(images[1]!).id, 'full')).toBeNull();
    expect(downloads(proxy, only(images[1]!))).toHaveLength(0);
  });

  it('H2: thumbnails are made locally: 256 px WebP of an image, the first frame of a video, none for audio', async () => {
    const { harness } = await syncedHarness();
    const imageThumb = await harness.service.openMedia(accountId, only(images[0]!).id, 'thumb');
    expect(imageThumb?.mime).toBe('image/webp');
    const imageMeta = await sharp(imageThumb!.path).metadata();
    expect([imageMeta.format, Math.max(imageMeta.width!, imageMeta.height!)]).toEqual(['webp', 256]);

    const videoOutput = only(video);
    expect(videoOutput.mime).toBe('image/webp');
    const videoThumb = await harness.service.openMedia(accountId, videoOutput.id, 'thumb');
    const videoMeta = await sharp(videoThumb!.path, { pages: -1 }).metadata();
    expect(videoMeta.pages ?? 1).toBe(1);
    expect(Math.max(videoMeta.width!, videoMeta.height!)).toBeLessThanOrEqual(256);
    const full = await sharp(cacheFilePath(harness.service.cacheDir, accountId, videoOutput.id, 'image/webp'), {
      pages: -1,
    }).metadata();
    expect(full.pages).toBeGreaterThan(1);
    // The first frame, scaled: compare against sharp's own reading of page 0 at the same size.
    const firstFrame = await sharp(cacheFilePath(harness.service.cacheDir, accountId, videoOutput.id, 'image/webp'), {
      pages: 1,
    })
      .resize(8, 8, { fit: 'fill' })
      .removeAlpha()
      .raw()
      .toBuffer();
    const fromThumb = await sharp(videoThumb!.path).resize(8, 8, { fit: 'fill' }).removeAlpha().raw().toBuffer();
    const difference =
      firstFrame.reduce((sum, value, i) => sum + Math.abs(value - fromThumb[i]!), 0) / firstFrame.length;
    expect(difference).toBeLessThan(12);

    expect(await harness.service.openMedia(accountId, only(audio).id, 'thumb')).toBeNull();
    const wav = await harness.service.openMedia(accountId, only(audio).id, 'full');
    expect(wav?.mime).toBe('audio/wav');
    expect(sha256(readFileSync(wav!.path))).toBe(only(audio).sha256);
  });

  it('H2: a truncated cache file is detected and fetched again before it is served', async () => {
    const { harness, proxy } = await syncedHarness();
    const output = only(images[1]!);
    const opened = await harness.service.openMedia(accountId, output.id, 'full');
    truncateSync(opened!.path, Math.floor(output.bytes / 3));

    const again = await harness.service.openMedia(accountId, output.id, 'full');
    expect(again).toEqual(opened);
    expect(sha256(readFileSync(again!.path))).toBe(output.sha256);
    expect(downloads(proxy, output)).toHaveLength(2);
  });

  it('H2: a cache file changed in place (same size, other bytes) is caught by its hash and fetched again', async () => {
    const { harness, proxy } = await syncedHarness();
    const output = only(images[2]!);
    const opened = await harness.service.openMedia(accountId, output.id, 'full');
    const bytes = readFileSync(opened!.path);
    bytes.fill(0x41, 100, 200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    writeFileSync(opened!.path, bytes);
    expect(readFileSync(opened!.path)).toHaveLength(output.bytes);

    const again = await harness.service.openMedia(accountId, output.id, 'full');
    expect(sha256(readFileSync(again!.path))).toBe(output.sha256);
    expect(downloads(proxy, output)).toHaveLength(2);
    // Unchanged since it was verified: served without hashing or fetching.
    await harness.service.openMedia(accountId, output.id, 'full');
    expect(downloads(proxy, output)).toHaveLength(2);
  });

  it('H2: a download cut off before a restart continues from its .part file with a Range request (If-Range = the ETag)', async () => {
    const { harness, proxy } = await syncedHarness();
    const output = only(video);
    // Queued while offline: nothing is fetched yet.
    harness.online.set(accountId, false);
    expect(
      await harness.service.handlers.makeAvailableOffline({ accountId, query: { tool: 'text-to-video' } }),
    ).toEqual({ queued: 1 });
    expect(await cacheState(harness, video)).toBe('downloading');
    await harness.service.stop();

    // What a download killed half way leaves behind.
    const full = Buffer.from(
      await (
        await fetch(`${backend.url}/v1/outputs/${output.id}`, { headers: { authorization: `Bearer ${token}` } })
      ).arrayBuffer(),
    );
    const part = `${cacheFilePath(harness.service.cacheDir, accountId, output.id, output.mime)}.part`;
    const kept = Math.floor(full.length * 0.4);
    await mkdir(dirname(part), { recursive: true });
    writeFileSync(part, full.subarray(0, kept));

    harness.online.set(accountId, true);
    await harness.restart();
    await eventually(async () => (await cacheState(harness, video)) === 'cached', 15_000, 'the resumed download');
    const [resumed, ...others] = downloads(proxy, output);
    expect(others).toHaveLength(0);
    expect(resumed!.headers.range).toBe(`bytes=${kept}-`);
    expect(resumed!.headers['if-range']).toBe(`"${output.sha256}"`);
    expect([resumed!.status, resumed!.bytes]).toEqual([206, full.length - kept]);
    const served = await harness.service.openMedia(accountId, output.id, 'full');
    expect(sha256(readFileSync(served!.path))).toBe(output.sha256);
    expect(existsSync(part)).toBe(false);
  });

  it('H2: over the size limit the least recently viewed go first; pinned generations and workspace items stay', async () => {
    const { harness, proxy } = await syncedHarness();
    const [a, b, c, , e, f] = images as [Generation, Generation, Generation, Generation, Generation, Generation];
    for (const generation of images) await harness.service.openMedia(accountId, only(generation).id, 'thumb');
    const sizes = new Map(
      harness.service.store
        .all<{ output_id: string; size: number }>(
          'SELECT output_id, bytes + thumb_bytes AS size FROM cache_entries WHERE account_id = ?',
          accountId,
        )
        .map((r) => [r.output_id, r.size]),
    );
    const size = (generation: Generation) => sizes.get(only(generation).id)!;

    await harness.service.handlers.setPinned({ accountId, generationId: a.id, pinned: true });
    harness.online.set(accountId, false);
    const workspace = await harness.service.handlers.createWorkspace({ accountId, name: 'Keep' });
    await harness.service.handlers.addToWorkspace({ accountId, workspaceId: workspace.id, generationId: b.id });
    harness.online.set(accountId, true);
    // Viewed in this order: a and b the longest ago, but protected.
    for (const generation of images) await harness.service.openMedia(accountId, only(generation).id, 'full');

    harness.limit.bytes = size(a) + size(b) + size(e) + size(f);
    await harness.service.cacheLimitChanged();
    const states = async () => Promise.all(images.map((g) => cacheState(harness, g)));
    expect(await states()).toEqual(['cached', 'cached', 'missing', 'missing', 'cached', 'cached']);
    expect(existsSync(cacheFilePath(harness.service.cacheDir, accountId, only(c).id, 'image/png'))).toBe(false);

    // Viewing c again fetches it, and the least recently viewed unprotected file (e) makes room.
    await harness.service.openMedia(accountId, only(c).id, 'full');
    expect(downloads(proxy, only(c))).toHaveLength(2);
    expect(await states()).toEqual(['cached', 'cached', 'cached', 'missing', 'missing', 'cached']);
    expect(
      harness.service.store.get<{ n: number }>(
        "SELECT sum(bytes + thumb_bytes) AS n FROM cache_entries WHERE state = 'cached'",
      )!.n,
    ).toBeLessThanOrEqual(harness.limit.bytes);

    // Unpinned, a is evictable like any other.
    harness.limit.bytes = size(b) + size(c) + size(f);
    await harness.service.handlers.setPinned({ accountId, generationId: a.id, pinned: false });
    await eventually(async () => (await cacheState(harness, a)) === 'missing', 5_000, 'eviction of the unpinned a');
    expect(await states()).toEqual(['missing', 'cached', 'cached', 'missing', 'missing', 'cached']);
  });

  it('H2: making a workspace available offline queues its downloads (bounded concurrency) and reports how many', async () => {
    const { harness } = await syncedHarness();
    await harness.service.openMedia(accountId, only(images[0]!).id, 'full');
    const workspace = await harness.service.handlers.createWorkspace({ accountId, name: 'Trip' });
    for (const generation of [images[0]!, images[3]!, images[4]!, audio]) {
      await harness.service.handlers.addToWorkspace({
        accountId,
        workspaceId: workspace.id,
        generationId: generation.id,
      });
    }
    const { queued } = await harness.service.handlers.makeAvailableOffline({ accountId, workspaceId: workspace.id });
    // images[0] was cached already.
    expect(queued).toBe(3);
    for (const generation of [images[3]!, images[4]!, audio]) {
      await eventually(
        async () => (await cacheState(harness, generation)) === 'cached',
        15_000,
        `download of ${generation.id}`,
      );
    }
    // Offline now: every file of the workspace is served from disk.
    harness.online.set(accountId, false);
    for (const generation of [images[0]!, images[3]!, images[4]!, audio]) {
      const opened = await harness.service.openMedia(accountId, only(generation).id, 'full');
      expect(sha256(readFileSync(opened!.path))).toBe(only(generation).sha256);
    }
    expect(await harness.service.handlers.makeAvailableOffline({ accountId, workspaceId: workspace.id })).toEqual({
      queued: 0,
    });
  });
});
