import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GenerationSettings, ModelKind, ToolId } from '../../../shared/api.js';
import { writeFileAtomic } from '../../../backend/providers/atomic-write.js';
import { imageInfo, LocalProvider } from '../../../backend/providers/local.js';
import type { ProviderOutput, ProviderRequest, ProviderSource } from '../../../backend/providers/provider.js';

let folder: string;
let outputDir: string;
let generationCount: number;
const provider = new LocalProvider();

beforeEach(() => {
  folder = mkdtempSync(join(tmpdir(), 'companion-local-provider-'));
  outputDir = join(folder, 'outputs');
  mkdirSync(outputDir);
  generationCount = 0;
});

afterEach(() => {
  rmSync(folder, { recursive: true, force: true });
});

const kindOfTool: Record<ToolId, ModelKind> = {
  'text-to-image': 'image',
  'image-to-image': 'image',
  'creative-upscale': 'image',
  'text-to-video': 'video',
  'image-to-video': 'video',
  'text-to-speech': 'audio',
  'ai-music': 'audio',
};

const modelOfTool: Record<ToolId, string> = {
  'text-to-image': 'spark-image',
  'image-to-image': 'spark-image',
  'creative-upscale': 'upscale-2x',
  'text-to-video': 'motion-video',
  'image-to-video': 'motion-video',
  'text-to-speech': 'voice-tts',
  'ai-music': 'tune-music',
};

type RequestOverrides = Partial<Omit<ProviderRequest, 'settings'>> & { settings?: Partial<GenerationSettings> };

/** A request with a fresh generation id, so two calls never share output files. */
function request(tool: ToolId, overrides: RequestOverrides = {}): ProviderRequest {
  generationCount += 1;
  const { settings, ...rest } = overrides;
  return {
    generationId: `gen_test${generationCount}`,
    tool,
    modelId: modelOfTool[tool],
    kind: kindOfTool[tool],
    prompt: 'a lighthouse on a cliff at dawn',
    settings: { outputs: 1, seed: 7, ...settings },
    source: null,
    outputDir,
    signal: new AbortController().signal,
    ...rest,
  };
}

async function only(outputs: Promise<ProviderOutput[]>): Promise<ProviderOutput> {
  const all = await outputs;
  expect(all).toHaveLength(1);
  return all[0]!;
}

/** A source image on disk: a two-colour split, so crops and pans of it differ visibly. */
async function sourceImage(
  name: string,
  width: number,
  height: number,
  colours: [string, string],
): Promise<ProviderSource> {
  const half = Math.max(1, Math.floor(width / 2));
  const right = await sharp({ create: { width: width - half, height, channels: 3, background: colours[1] } })
    .png()
    .toBuffer();
  const bytes = await sharp({ create: { width, height, channels: 3, background: colours[0] } })
    .composite([{ input: right, left: half, top: 0 }])
    .jpeg()
    .toBuffer();
  const path = join(folder, name);
  writeFileSync(path, bytes);
  return { path, mime: 'image/jpeg', kind: 'image' };
}

function filesIn(dir: string): string[] {
  return readdirSync(dir).sort();
}

function sha256Of(path: string): string {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

describe('LocalProvider text-to-image', () => {
  it('renders byte-identical PNGs for the same model, prompt, seed and index', async () => {
    const first = await only(provider.generate(request('text-to-image')));
    const second = await only(provider.generate(request('text-to-image')));
    expect(second.sha256).toBe(first.sha256);
    expect(readFileSync(second.path).equals(readFileSync(first.path))).toBe(true);
  });

  it('renders a different image for another seed', async () => {
    const seven = await only(provider.generate(request('text-to-image', { settings: { seed: 7 } })));
    const eight = await only(provider.generate(request('text-to-image', { settings: { seed: 8 } })));
    expect(eight.sha256).not.toBe(seven.sha256);
  });

  it('renders a different image for another prompt', async () => {
    const lighthouse = await only(provider.generate(request('text-to-image')));
    const forest = await only(provider.generate(request('text-to-image', { prompt: 'a pine forest in fog' })));
    expect(forest.sha256).not.toBe(lighthouse.sha256);
  });

  it('renders a different image for another model', async () => {
    const spark = await only(provider.generate(request('text-to-image')));
    const vivid = await only(provider.generate(request('text-to-image', { modelId: 'vivid-image' })));
    expect(vivid.sha256).not.toBe(spark.sha256);
  });

  it('is 512 x 512 by default and says so', async () => {
    const output = await only(provider.generate(request('text-to-image')));
    const metadata = await sharp(output.path).metadata();
    expect([metadata.format, metadata.width, metadata.height]).toEqual(['png', 512, 512]);
    expect(output).toMatchObject({ kind: 'image', mime: 'image/png', width: 512, height: 512 });
    expect(output.durationS).toBeUndefined();
  });

  it('is 1024 x 1024 at hd quality when no size is given', async () => {
    const output = await only(provider.generate(request('text-to-image', { settings: { quality: 'hd' } })));
    const metadata = await sharp(output.path).metadata();
    expect([metadata.width, metadata.height, output.width, output.height]).toEqual([1024, 1024, 1024, 1024]);
  });

  it('takes the width and height of the settings, at hd quality too', async () => {
    const output = await only(
      provider.generate(request('text-to-image', { settings: { width: 640, height: 360, quality: 'hd' } })),
    );
    const metadata = await sharp(output.path).metadata();
    expect([metadata.width, metadata.height, output.width, output.height]).toEqual([640, 360, 640, 360]);
  });

  it('writes settings.outputs distinct files named <generationId>-<index>.png', async () => {
    const generation = request('text-to-image', { settings: { outputs: 3 } });
    const outputs = await provider.generate(generation);
    const names = [0, 1, 2].map((index) => `${generation.generationId}-${index}.png`);
    expect(outputs.map((output) => output.path)).toEqual(names.map((name) => join(outputDir, name)));
    expect(new Set(outputs.map((output) => output.sha256)).size).toBe(3);
    expect(filesIn(outputDir)).toEqual(names);
  });

  it('reports an absolute path, the file size and the sha256 of the exact file bytes', async () => {
    const outputs = await provider.generate(request('text-to-image', { settings: { outputs: 2 } }));
    for (const output of outputs) {
      expect(isAbsolute(output.path)).toBe(true);
      expect(output.bytes).toBe(statSync(output.path).size);
      expect(output.sha256).toBe(sha256Of(output.path));
    }
  });

  it('leaves no .tmp- file behind', async () => {
    await provider.generate(request('text-to-image', { settings: { outputs: 4 } }));
    expect(filesIn(outputDir)).toHaveLength(4);
    expect(filesIn(outputDir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  });

  it('renders 512 x 512 in well under 100 ms once warm', async () => {
    await provider.generate(request('text-to-image'));
    const started = performance.now();
    await provider.generate(request('text-to-image', { settings: { seed: 99 } }));
    // Generous for slow CI machines; it takes about 50 ms on a laptop.
    expect(performance.now() - started).toBeLessThan(500);
  });

  it('refuses a generation id that is not a plain file name', async () => {
    await expect(provider.generate(request('text-to-image', { generationId: '../escape' }))).rejects.toThrow(
      /file name/,
    );
    expect(filesIn(folder)).toEqual(['outputs']);
  });
});

describe('LocalProvider image-to-image', () => {
  it('transforms the source: two sources give two images', async () => {
    const warm = await sourceImage('warm.jpg', 300, 200, ['#d04020', '#f0c040']);
    const cold = await sourceImage('cold.jpg', 300, 200, ['#2040d0', '#40c0f0']);
    const fromWarm = await only(provider.generate(request('image-to-image', { source: warm })));
    const fromCold = await only(provider.generate(request('image-to-image', { source: cold })));
    expect(fromCold.sha256).not.toBe(fromWarm.sha256);
    const [warmStats, coldStats] = await Promise.all([sharp(fromWarm.path).stats(), sharp(fromCold.path).stats()]);
    // Red against blue survives the prompt's lighting.
    expect(warmStats.channels[0]!.mean).toBeGreaterThan(coldStats.channels[0]!.mean);
    expect(warmStats.channels[2]!.mean).toBeLessThan(coldStats.channels[2]!.mean);
  });

  it('follows the prompt: two prompts over one source give two images', async () => {
    const source = await sourceImage('source.jpg', 300, 200, ['#808080', '#c0c0c0']);
    const dawn = await only(provider.generate(request('image-to-image', { source })));
    const night = await only(
      provider.generate(request('image-to-image', { source, prompt: 'the same cliff at midnight' })),
    );
    expect(night.sha256).not.toBe(dawn.sha256);
  });

  it('is deterministic for the same source, prompt and seed', async () => {
    const source = await sourceImage('source.jpg', 300, 200, ['#808080', '#c0c0c0']);
    const first = await only(provider.generate(request('image-to-image', { source })));
    const second = await only(provider.generate(request('image-to-image', { source })));
    expect(second.sha256).toBe(first.sha256);
  });

  it('renders at the requested size whatever the source size', async () => {
    const source = await sourceImage('source.jpg', 300, 200, ['#808080', '#c0c0c0']);
    const output = await only(
      provider.generate(request('image-to-image', { source, settings: { width: 256, height: 384 } })),
    );
    const metadata = await sharp(output.path).metadata();
    expect([metadata.format, metadata.width, metadata.height, output.width, output.height]).toEqual([
      'png',
      256,
      384,
      256,
      384,
    ]);
  });

  it('throws without a source and writes nothing', async () => {
    await expect(provider.generate(request('image-to-image'))).rejects.toThrow(/source/);
    expect(filesIn(outputDir)).toEqual([]);
  });
});

describe('LocalProvider creative-upscale', () => {
  it('doubles the width and height of the source', async () => {
    const source = await sourceImage('source.jpg', 300, 200, ['#808080', '#c0c0c0']);
    const output = await only(provider.generate(request('creative-upscale', { source })));
    const metadata = await sharp(output.path).metadata();
    expect([metadata.format, metadata.width, metadata.height, output.width, output.height]).toEqual([
      'png',
      600,
      400,
      600,
      400,
    ]);
  });

  it('stops at 4096 px on the longer side, keeping the aspect ratio', async () => {
    const source = await sourceImage('wide.jpg', 3000, 1000, ['#808080', '#c0c0c0']);
    const output = await only(provider.generate(request('creative-upscale', { source })));
    const metadata = await sharp(output.path).metadata();
    expect([metadata.width, metadata.height]).toEqual([4096, 1365]);
  });

  it('throws without a source', async () => {
    await expect(provider.generate(request('creative-upscale'))).rejects.toThrow(/source/);
  });
});

describe('LocalProvider video', () => {
  it('text-to-video is an animated WebP of 12 frames at 256 x 256 lasting 5 s', async () => {
    const output = await only(provider.generate(request('text-to-video')));
    expect(output).toMatchObject({ kind: 'video', mime: 'image/webp', width: 256, height: 256, durationS: 5 });
    expect(output.path.endsWith('.webp')).toBe(true);
    const metadata = await sharp(output.path).metadata();
    expect([metadata.format, metadata.pages, metadata.width, metadata.height]).toEqual(['webp', 12, 256, 256]);
    expect(metadata.loop).toBe(0);
    expect(metadata.delay?.reduce((sum, delay) => sum + delay, 0)).toBe(5000);
  });

  it('a 10 s video has more frames and its delays add up to 10 s', async () => {
    const output = await only(provider.generate(request('text-to-video', { settings: { durationS: 10 } })));
    const metadata = await sharp(output.path).metadata();
    expect(metadata.pages).toBe(24);
    expect(metadata.delay?.reduce((sum, delay) => sum + delay, 0)).toBe(10_000);
    expect(output.durationS).toBe(10);
  });

  it('its frames differ from one another', async () => {
    const output = await only(provider.generate(request('text-to-video')));
    const [first, sixth] = await Promise.all([0, 5].map((page) => sharp(output.path, { page }).raw().toBuffer()));
    expect(first!.equals(sixth!)).toBe(false);
  });

  it('is deterministic and follows the seed', async () => {
    const first = await only(provider.generate(request('text-to-video')));
    const again = await only(provider.generate(request('text-to-video')));
    const reseeded = await only(provider.generate(request('text-to-video', { settings: { seed: 8 } })));
    expect(again.sha256).toBe(first.sha256);
    expect(reseeded.sha256).not.toBe(first.sha256);
  });

  it('image-to-video pans over the source: an animation that depends on it', async () => {
    const warm = await sourceImage('warm.jpg', 400, 300, ['#d04020', '#f0c040']);
    const cold = await sourceImage('cold.jpg', 400, 300, ['#2040d0', '#40c0f0']);
    const fromWarm = await only(provider.generate(request('image-to-video', { source: warm })));
    const fromCold = await only(provider.generate(request('image-to-video', { source: cold })));
    expect(fromWarm).toMatchObject({ kind: 'video', mime: 'image/webp', durationS: 5 });
    expect((await sharp(fromWarm.path).metadata()).pages).toBeGreaterThan(1);
    expect(fromCold.sha256).not.toBe(fromWarm.sha256);
  });

  it('image-to-video throws without a source', async () => {
    await expect(provider.generate(request('image-to-video'))).rejects.toThrow(/source/);
  });
});

/** The fields of a canonical 44-byte PCM WAV header. */
function wavHeader(bytes: Buffer) {
  return {
    riff: bytes.toString('ascii', 0, 4),
    riffSize: bytes.readUInt32LE(4),
    wave: bytes.toString('ascii', 8, 12),
    fmt: bytes.toString('ascii', 12, 16),
    fmtSize: bytes.readUInt32LE(16),
    format: bytes.readUInt16LE(20),
    channels: bytes.readUInt16LE(22),
    sampleRate: bytes.readUInt32LE(24),
    byteRate: bytes.readUInt32LE(28),
    blockAlign: bytes.readUInt16LE(32),
    bitsPerSample: bytes.readUInt16LE(34),
    data: bytes.toString('ascii', 36, 40),
    dataSize: bytes.readUInt32LE(40),
  };
}

describe('LocalProvider audio', () => {
  it('ai-music is a 30 s 16-bit PCM mono 22,050 Hz WAV by default', async () => {
    const output = await only(provider.generate(request('ai-music')));
    expect(output).toMatchObject({ kind: 'audio', mime: 'audio/wav', durationS: 30 });
    expect(output.width).toBeUndefined();
    const bytes = readFileSync(output.path);
    const samples = 30 * 22_050;
    expect(wavHeader(bytes)).toEqual({
      riff: 'RIFF',
      riffSize: 36 + samples * 2,
      wave: 'WAVE',
      fmt: 'fmt ',
      fmtSize: 16,
      format: 1,
      channels: 1,
      sampleRate: 22_050,
      byteRate: 44_100,
      blockAlign: 2,
      bitsPerSample: 16,
      data: 'data',
      dataSize: samples * 2,
    });
    expect(bytes.length).toBe(44 + samples * 2);
  });

  it('is not silent', async () => {
    const output = await only(provider.generate(request('ai-music', { settings: { durationS: 2 } })));
    const bytes = readFileSync(output.path);
    let loudest = 0;
    for (let offset = 44; offset < bytes.length; offset += 2)
      loudest = Math.max(loudest, Math.abs(bytes.readInt16LE(offset)));
    expect(loudest).toBeGreaterThan(3000);
  });

  it('honours settings.durationS', async () => {
    const output = await only(provider.generate(request('ai-music', { settings: { durationS: 7 } })));
    expect(output.durationS).toBe(7);
    expect(wavHeader(readFileSync(output.path)).dataSize).toBe(7 * 22_050 * 2);
  });

  it('text-to-speech lasts about 1 s per 12 characters of prompt', async () => {
    const prompt = 'welcome back to the studio, friends'; // 35 characters
    const output = await only(provider.generate(request('text-to-speech', { prompt })));
    expect(output.durationS).toBe(3);
    expect(wavHeader(readFileSync(output.path)).dataSize).toBe(3 * 22_050 * 2);
  });

  it('text-to-speech lasts at least 1 s and at most 60 s', async () => {
    const short = await only(provider.generate(request('text-to-speech', { prompt: 'hi' })));
    const long = await only(provider.generate(request('text-to-speech', { prompt: 'word '.repeat(400) })));
    expect([short.durationS, long.durationS]).toEqual([1, 60]);
  });

  it('is deterministic and follows the prompt and the seed', async () => {
    const first = await only(provider.generate(request('text-to-speech')));
    const again = await only(provider.generate(request('text-to-speech')));
    const reseeded = await only(provider.generate(request('text-to-speech', { settings: { seed: 8 } })));
    const reworded = await only(
      provider.generate(request('text-to-speech', { prompt: 'a lighthouse on a hill at dusk' })),
    );
    expect(again.sha256).toBe(first.sha256);
    expect(reseeded.sha256).not.toBe(first.sha256);
    expect(reworded.sha256).not.toBe(first.sha256);
  });
});

describe('LocalProvider cancellation', () => {
  it('throws the reason and writes nothing when the signal is already aborted', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by the user');
    controller.abort(reason);
    await expect(provider.generate(request('text-to-image', { signal: controller.signal }))).rejects.toBe(reason);
    expect(filesIn(outputDir)).toEqual([]);
  });

  it('throws an AbortError when aborted without a reason', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(provider.generate(request('ai-music', { signal: controller.signal }))).rejects.toMatchObject({
      name: 'AbortError',
    });
  });

  it('stops between outputs and removes the outputs already written', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by the user');
    const { signal } = controller;
    // Abort as soon as the first finished output is visible, i.e. between the first and the second output.
    signal.throwIfAborted = () => {
      if (!signal.aborted && filesIn(outputDir).some((name) => name.endsWith('.png'))) controller.abort(reason);
      AbortSignal.prototype.throwIfAborted.call(signal);
    };
    await expect(provider.generate(request('text-to-image', { signal, settings: { outputs: 4 } }))).rejects.toBe(
      reason,
    );
    expect(filesIn(outputDir)).toEqual([]);
  });
});

describe('writeFileAtomic', () => {
  it('writes the bytes under the final name and nothing else', async () => {
    const path = join(outputDir, 'file.bin');
    await writeFileAtomic(path, Buffer.from('complete'));
    expect(readFileSync(path, 'utf8')).toBe('complete');
    expect(filesIn(outputDir)).toEqual(['file.bin']);
  });

  it('replaces an existing file whole', async () => {
    const path = join(outputDir, 'file.bin');
    writeFileSync(path, 'old contents that are longer');
    await writeFileAtomic(path, Buffer.from('new'));
    expect(readFileSync(path, 'utf8')).toBe('new');
  });

  it('removes its temp file when the rename fails', async () => {
    // A folder cannot be replaced by a file, so the final rename fails after the temp file was written.
    const path = join(outputDir, 'taken');
    mkdirSync(path);
    await expect(writeFileAtomic(path, Buffer.from('bytes'))).rejects.toThrow();
    expect(filesIn(outputDir)).toEqual(['taken']);
  });
});

describe('imageInfo (upload validation)', () => {
  const picture = () => sharp({ create: { width: 40, height: 30, channels: 3, background: '#336699' } });

  it('accepts a PNG', async () => {
    await expect(imageInfo(await picture().png().toBuffer())).resolves.toEqual({
      mime: 'image/png',
      width: 40,
      height: 30,
    });
  });

  it('accepts a JPEG', async () => {
    await expect(imageInfo(await picture().jpeg().toBuffer())).resolves.toEqual({
      mime: 'image/jpeg',
      width: 40,
      height: 30,
    });
  });

  it('accepts a WebP', async () => {
    await expect(imageInfo(await picture().webp().toBuffer())).resolves.toEqual({
      mime: 'image/webp',
      width: 40,
      height: 30,
    });
  });

  it('reports the size as displayed when EXIF rotates a JPEG', async () => {
    const rotated = await picture().jpeg().withMetadata({ orientation: 6 }).toBuffer();
    await expect(imageInfo(rotated)).resolves.toEqual({ mime: 'image/jpeg', width: 30, height: 40 });
  });

  it('rejects random bytes', async () => {
    const random = createHash('sha512').update('not an image').digest();
    await expect(imageInfo(Buffer.concat([random, random, random]))).resolves.toBeNull();
  });

  it('rejects a truncated PNG whose header is intact', async () => {
    const noisy = await sharp({
      create: {
        width: 256,
        height: 256,
        channels: 3,
        background: '#000000',
        noise: { type: 'gaussian', mean: 128, sigma: 60 },
      },
    })
      .png()
      .toBuffer();
    const truncated = noisy.subarray(0, Math.floor(noisy.length / 2));
    expect((await sharp(truncated).metadata()).width).toBe(256);
    await expect(imageInfo(truncated)).resolves.toBeNull();
  });

  it('rejects a GIF, which is an image but not an accepted reference format', async () => {
    await expect(imageInfo(await picture().gif().toBuffer())).resolves.toBeNull();
  });

  it('rejects an image wider than 8192 px', async () => {
    const wide = await sharp({ create: { width: 8193, height: 2, channels: 3, background: '#000000' } })
      .png()
      .toBuffer();
    await expect(imageInfo(wide)).resolves.toBeNull();
  });

  it('accepts an image exactly 8192 px wide', async () => {
    const widest = await sharp({ create: { width: 8192, height: 2, channels: 3, background: '#000000' } })
      .png()
      .toBuffer();
    await expect(imageInfo(widest)).resolves.toEqual({ mime: 'image/png', width: 8192, height: 2 });
  });
});
