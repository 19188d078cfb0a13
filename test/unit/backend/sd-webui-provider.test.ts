import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { GenerationSettings, ModelKind, ToolId } from '../../../shared/api.js';
import { TransientProviderError, type ProviderRequest } from '../../../backend/providers/provider.js';
import { SdWebUiProvider, type SdWebUiProviderOptions } from '../../../backend/providers/sd-webui.js';
import { startFakeSdWebUi, TXT2IMG_PATH, type FakeSdWebUi } from '../../support/fake-sd-webui.js';

const PROMPT = 'a lighthouse on a cliff at dawn';

let folder: string;
let outputDir: string;
let fake: FakeSdWebUi;
let generationCount: number;

beforeEach(async () => {
  folder = mkdtempSync(join(tmpdir(), 'companion-sd-webui-'));
  outputDir = join(folder, 'outputs');
  mkdirSync(outputDir);
  fake = await startFakeSdWebUi();
  generationCount = 0;
});

afterEach(async () => {
  try {
    // Whatever happened, an interrupted atomic write must not leave its temp file behind.
    expect(readdirSync(outputDir).filter((name) => name.includes('.tmp-'))).toEqual([]);
  } finally {
    await fake.close();
    rmSync(folder, { recursive: true, force: true });
  }
});

function provider(options: Partial<SdWebUiProviderOptions> = {}): SdWebUiProvider {
  return new SdWebUiProvider({ baseURL: fake.url, timeoutMs: 10_000, ...options });
}

type RequestOverrides = Partial<Omit<ProviderRequest, 'settings'>> & { settings?: Partial<GenerationSettings> };

/** A text-to-image request with a fresh generation id, so two calls never share output files. */
function request(overrides: RequestOverrides = {}): ProviderRequest {
  generationCount += 1;
  const { settings, ...rest } = overrides;
  return {
    generationId: `gen_sd${generationCount}`,
    tool: 'text-to-image',
    modelId: 'spark-image',
    kind: 'image',
    prompt: PROMPT,
    settings: { outputs: 1, seed: 7, ...settings },
    source: null,
    outputDir,
    signal: new AbortController().signal,
    ...rest,
  };
}

/** The error a generation failed with, checked to be of the expected class and to keep the prompt to itself. */
async function failure(outputs: Promise<unknown>, transient: boolean): Promise<Error> {
  const error = await outputs.then(
    () => expect.unreachable('the generation should have failed'),
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(Error);
  expect(error instanceof TransientProviderError).toBe(transient);
  expect((error as Error).message).not.toContain(PROMPT);
  return error as Error;
}

function filesInOutputDir(): string[] {
  return readdirSync(outputDir).sort();
}

async function waitForRequests(count: number): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (fake.requests.length < count) {
    if (Date.now() > deadline)
      throw new Error(`the fake service received ${fake.requests.length} requests, not ${count}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('sd-webui provider: the txt2img request', () => {
  it('posts the prompt, seed, size and one batch of `outputs` images as JSON', async () => {
    await provider({ steps: 12 }).generate(request({ settings: { outputs: 3, seed: 42, width: 640, height: 384 } }));

    expect(fake.requests).toEqual([
      {
        method: 'POST',
        path: TXT2IMG_PATH,
        contentType: 'application/json',
        body: {
          prompt: PROMPT,
          negative_prompt: '',
          seed: 42,
          width: 640,
          height: 384,
          batch_size: 3,
          n_iter: 1,
          steps: 12,
          cfg_scale: 7,
          sampler_name: 'Euler a',
        },
      },
    ]);
  });

  it('asks for a random seed (-1), 512 x 512 and 20 steps when nothing is set', async () => {
    await provider().generate(request({ settings: { outputs: 1, seed: undefined } }));

    expect(fake.requests[0]?.body).toMatchObject({ seed: -1, width: 512, height: 512, steps: 20, batch_size: 1 });
  });

  it('asks for 1024 x 1024 at hd quality', async () => {
    const [output] = await provider().generate(request({ settings: { outputs: 1, quality: 'hd' } }));

    expect(fake.requests[0]?.body).toMatchObject({ width: 1024, height: 1024 });
    expect(output).toMatchObject({ width: 1024, height: 1024 });
  });

  it('keeps a base URL path prefix in front of /sdapi/v1/txt2img', async () => {
    const fetched: string[] = [];
    const recordingFetch: typeof fetch = async (input, init) => {
      fetched.push(String(input));
      return fetch(`${fake.url}${TXT2IMG_PATH}`, init);
    };

    await provider({ baseURL: 'http://images.example/sd/', fetch: recordingFetch }).generate(request());

    expect(fetched).toEqual(['http://images.example/sd/sdapi/v1/txt2img']);
  });
});

describe('sd-webui provider: the outputs', () => {
  it('writes `outputs` PNG files whose sha256, size and dimensions match what it reports', async () => {
    const generation = request({ settings: { outputs: 3, width: 320, height: 192 } });
    const outputs = await provider().generate(generation);

    expect(outputs.map((output) => output.path)).toEqual(
      [0, 1, 2].map((index) => join(outputDir, `${generation.generationId}-${index}.png`)),
    );
    expect(filesInOutputDir()).toEqual([0, 1, 2].map((index) => `${generation.generationId}-${index}.png`));
    for (const output of outputs) {
      const bytes = readFileSync(output.path);
      const metadata = await sharp(bytes).metadata();
      expect(metadata).toMatchObject({ format: 'png', width: 320, height: 192 });
      expect(output).toEqual({
        path: output.path,
        kind: 'image',
        mime: 'image/png',
        bytes: bytes.length,
        width: 320,
        height: 192,
        sha256: createHash('sha256').update(bytes).digest('hex'),
      });
    }
    expect(new Set(outputs.map((output) => output.sha256)).size).toBe(3);
  });

  it('creates the output folder when it does not exist yet', async () => {
    const nested = join(outputDir, 'account_1');

    const [output] = await provider().generate(request({ outputDir: nested }));

    expect(readdirSync(nested)).toEqual([`gen_sd1-0.png`]);
    expect(output?.path).toBe(join(nested, 'gen_sd1-0.png'));
  });

  it('removes the files already written when a later one cannot be written', async () => {
    const generation = request({ settings: { outputs: 3 } });
    // A folder squatting on the second output's name makes its rename fail after the first file is in place.
    mkdirSync(join(outputDir, `${generation.generationId}-1.png`));

    await failure(provider().generate(generation), false);

    expect(filesInOutputDir()).toEqual([`${generation.generationId}-1.png`]);
  });

  it('refuses a generation id that is not usable as a file name, before calling the service', async () => {
    await failure(provider().generate(request({ generationId: '../escape' })), false);

    expect(fake.requests).toEqual([]);
  });
});

describe('sd-webui provider: transient failures (the worker pool retries them)', () => {
  it('a 503 is a TransientProviderError that names the status, and the next try succeeds', async () => {
    fake.failNext(1, 503);
    const generation = request();

    const error = await failure(provider().generate(generation), true);

    expect(error.message).toBe('The image service answered 503 Service Unavailable');
    expect(filesInOutputDir()).toEqual([]);
    await expect(provider().generate(generation)).resolves.toHaveLength(1);
    expect(fake.requests).toHaveLength(2);
  });

  it('a 429 (busy) is a TransientProviderError', async () => {
    fake.failNext(1, 429);

    const error = await failure(provider().generate(request()), true);

    expect(error.message).toBe('The image service answered 429 Too Many Requests');
  });

  it('a timeout (the service answers later than timeoutMs) is a TransientProviderError and leaves no files', async () => {
    fake.delayMs = 5_000;
    const started = performance.now();

    const error = await failure(provider({ timeoutMs: 200 }).generate(request({ settings: { outputs: 2 } })), true);

    expect(error.message).toBe('The image service did not answer within 200 ms');
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(filesInOutputDir()).toEqual([]);
  });

  it('an unreachable service (a closed port) is a TransientProviderError', async () => {
    const closed = await startFakeSdWebUi();
    await closed.close();

    const error = await failure(provider({ baseURL: closed.url }).generate(request()), true);

    expect(error.message).toBe('The image service could not be reached (ECONNREFUSED)');
    expect(filesInOutputDir()).toEqual([]);
  });
});

describe('sd-webui provider: final failures (the generation fails and is refunded)', () => {
  it('a 400 is a final Error that names the status', async () => {
    fake.failNext(1, 400);

    const error = await failure(provider().generate(request()), false);

    expect(error.message).toBe('The image service answered 400 Bad Request');
    expect(filesInOutputDir()).toEqual([]);
  });

  it('an answer that is not JSON is a final Error and leaves no files', async () => {
    fake.garbage = true;

    const error = await failure(provider().generate(request({ settings: { outputs: 2 } })), false);

    expect(error.message).toBe('The image service sent an answer that is not JSON');
    expect(filesInOutputDir()).toEqual([]);
  });

  it('the wrong number of images is a final Error and leaves no files', async () => {
    fake.wrongCount = true;

    const error = await failure(provider().generate(request({ settings: { outputs: 2 } })), false);

    expect(error.message).toBe('The image service sent 3 images where 2 were asked for');
    expect(filesInOutputDir()).toEqual([]);
  });

  it('images that are not PNGs are a final Error and leave no files', async () => {
    fake.imageFormat = 'jpeg';

    const error = await failure(provider().generate(request({ settings: { outputs: 2 } })), false);

    expect(error.message).toBe('The image service sent an image (number 1) that is not a PNG');
    expect(filesInOutputDir()).toEqual([]);
  });

  it.each([
    ['no images at all', { images: [], parameters: {}, info: '{}' }, 'The image service sent an answer without images'],
    ['null images', { images: null, parameters: {}, info: '{}' }, 'The image service sent an answer without images'],
    [
      'an empty image string',
      { images: [''], parameters: {}, info: '{}' },
      'The image service sent an answer in an unexpected shape (at images.0)',
    ],
    ['a JSON array', [1, 2], 'The image service sent an answer in an unexpected shape (at the top level)'],
    [
      'bytes that are no image',
      { images: ['aGVsbG8='] },
      'The image service sent an image (number 1) that is not a PNG',
    ],
  ])('an answer with %s is a final Error', async (_, answer, message) => {
    const answering: typeof fetch = async () => Response.json(answer);

    const error = await failure(provider({ fetch: answering }).generate(request()), false);

    expect(error.message).toBe(message);
    expect(filesInOutputDir()).toEqual([]);
  });

  it.each<[ToolId, ModelKind]>([
    ['image-to-image', 'image'],
    ['creative-upscale', 'image'],
    ['text-to-video', 'video'],
    ['image-to-video', 'video'],
    ['text-to-speech', 'audio'],
    ['ai-music', 'audio'],
  ])('rejects %s without calling the service', async (tool, kind) => {
    const error = await failure(provider().generate(request({ tool, kind })), false);

    expect(error.message).toBe(`The sd-webui provider does not support ${tool}`);
    expect(fake.requests).toEqual([]);
  });
});

describe('sd-webui provider: cancellation', () => {
  it('an aborted signal stops a request in flight with the abort reason and leaves no files', async () => {
    fake.delayMs = 5_000;
    const controller = new AbortController();
    const reason = new Error('cancelled by the user');
    const started = performance.now();

    const generating = provider().generate(request({ settings: { outputs: 2 }, signal: controller.signal }));
    await waitForRequests(1);
    controller.abort(reason);

    await expect(generating).rejects.toBe(reason);
    expect(performance.now() - started).toBeLessThan(3_000);
    expect(filesInOutputDir()).toEqual([]);
  });

  it('a signal aborted before the call sends nothing', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled while queued');
    controller.abort(reason);

    await expect(provider().generate(request({ signal: controller.signal }))).rejects.toBe(reason);
    expect(fake.requests).toEqual([]);
  });
});
