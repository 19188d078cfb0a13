/**
 * Decompression bombs: an upload's header is read before its pixels. A PNG of about half a megabyte whose header says
 * 8192 x 8192 at 16 bits per RGBA channel (512 MiB once decoded) is refused with 413 problem+json without a decode,
 * nothing is stored, and four of them at once leave the backend's memory where it was. The pixel limit is operator
 * configuration, and decodes take turns.
 */
import { createDeflate, crc32 } from 'node:zlib';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Semaphore } from '../../../backend/providers/image-guard.js';
import { startBackend, type TestAccount, type TestBackend } from '../../support/backend.js';

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A real, complete PNG of `side` x `side` 16-bit RGBA zeros, compressed row by row (never whole in memory). */
async function pngBomb(side: number): Promise<Buffer> {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(side, 0);
  header.writeUInt32BE(side, 4);
  header.set([16, 6, 0, 0, 0], 8); // 16 bits per channel, RGBA, deflate, no filter method, no interlace
  const deflate = createDeflate({ level: 9 });
  const compressed: Buffer[] = [];
  deflate.on('data', (data: Buffer) => compressed.push(data));
  const done = new Promise((resolve) => deflate.on('end', resolve));
  const row = Buffer.alloc(1 + side * 8); // filter byte 0, then the row's samples
  for (let y = 0; y < side; y += 1)
    if (!deflate.write(row)) await new Promise((resolve) => deflate.once('drain', resolve));
  deflate.end();
  await done;
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', Buffer.concat(compressed)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const upload = (t: TestBackend, token: string, bytes: Buffer) =>
  fetch(`${t.url}/v1/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' },
    body: bytes,
  });

describe('image bombs', () => {
  let t: TestBackend;
  let me: TestAccount;
  let bomb: Buffer;
  beforeAll(async () => {
    t = await startBackend();
    me = await t.createAccount('Bomber', 'UTC');
    bomb = await pngBomb(8192);
  }, 60_000);
  afterAll(() => t?.stop());

  it('the bomb is small and says 8192 x 8192 16-bit RGBA in its header', async () => {
    expect(bomb.length).toBeLessThan(1024 * 1024);
    console.log(
      `the bomb: ${bomb.length} bytes, 8192 x 8192 x 4 channels x 16 bits = ${(8192 * 8192 * 8) / 1024 ** 2} MiB decoded`,
    );
    const header = await sharp(bomb).metadata();
    expect([header.width, header.height, header.depth, header.channels]).toEqual([8192, 8192, 'ushort', 4]);
  });

  it('is refused with 413 problem+json, and nothing is stored', async () => {
    const answer = await upload(t, me.token, bomb);
    expect([answer.status, answer.headers.get('content-type')?.split(';')[0]]).toEqual([
      413,
      'application/problem+json',
    ]);
    const problem = (await answer.json()) as { code: string; detail: string };
    expect(problem.code).toBe('invalid_request');
    expect(problem.detail).toContain('8192 x 8192');
    expect(await t.backend.database.db.selectFrom('uploads').select('id').execute()).toEqual([]);
  });

  it('four at once keep the backend within 64 MB of its memory before them', async () => {
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 2);
    const answers = await Promise.all([0, 1, 2, 3].map(() => upload(t, me.token, bomb)));
    clearInterval(sampler);
    peak = Math.max(peak, process.memoryUsage().rss);
    expect(answers.map((a) => a.status)).toEqual([413, 413, 413, 413]);
    const growthMb = (peak - before) / 1024 ** 2;
    console.log(
      `four concurrent 8192x8192 16-bit PNG uploads: rss ${Math.round(before / 1024 ** 2)} MB before, peak ${Math.round(peak / 1024 ** 2)} MB (+${growthMb.toFixed(1)} MB)`,
    );
    expect(growthMb).toBeLessThan(64);
  });
});

describe('the pixel limit is operator configuration', () => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startBackend({
      config: { limits: { enabled: false, images: { maxInputPixels: 1_000, concurrentDecodes: 1 } } },
    });
  });
  afterAll(() => t?.stop());

  it('an image of 1,200 pixels is refused under a 1,000-pixel limit; one of 900 is taken', async () => {
    const { token } = await t.createAccount('Small', 'UTC');
    const picture = (width: number, height: number) =>
      sharp({ create: { width, height, channels: 3, background: '#224466' } })
        .png()
        .toBuffer();
    expect((await upload(t, token, await picture(40, 30))).status).toBe(413);
    expect((await upload(t, token, await picture(30, 30))).status).toBe(201);
  });
});

it('decodes take turns: a semaphore of 2 never runs 3 at once', async () => {
  const turns = new Semaphore(2);
  let running = 0;
  let most = 0;
  await Promise.all(
    Array.from({ length: 6 }, () =>
      turns.run(async () => {
        running += 1;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 10));
        running -= 1;
      }),
    ),
  );
  expect(most).toBe(2);
});
