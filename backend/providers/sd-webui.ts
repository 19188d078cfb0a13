/**
 * A remote provider for a Stable-Diffusion-WebUI-compatible (AUTOMATIC1111) API: text-to-image over
 * `POST /sdapi/v1/txt2img`. It sorts failures for the worker pool: a service that is down, slow or busy is a
 * TransientProviderError (worth retrying); a service that refuses the request or answers nonsense is a final Error
 * (the generation fails and is refunded). Error messages describe the service's behaviour and never quote the prompt.
 */
import { createHash } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import { mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import type { GenerationSettings } from '../../shared/api.js';
import { writeFileAtomic } from './atomic-write.js';
import {
  TransientProviderError,
  type GenerationProvider,
  type ProviderOutput,
  type ProviderRequest,
} from './provider.js';

const IMAGE_SIDE = 512;
const HD_IMAGE_SIDE = 1024;
/** AUTOMATIC1111's own default for txt2img. */
const DEFAULT_STEPS = 20;
/** Below the runner's default of 120 s, so a slow service is a retryable timeout here before the runner gives up. */
const DEFAULT_TIMEOUT_MS = 100_000;
const CFG_SCALE = 7;
const SAMPLER_NAME = 'Euler a';
/** AUTOMATIC1111 draws a random seed for -1. */
const RANDOM_SEED = -1;

const GENERATION_ID = /^[A-Za-z0-9_-]{1,200}$/;
/** Some compatible servers answer data URLs instead of bare base64. */
const DATA_URL_PREFIX = /^data:image\/[a-z0-9.+-]+;base64,/i;

export interface SdWebUiProviderOptions {
  /** The service's root, e.g. `http://127.0.0.1:7860`. */
  baseURL: string;
  /** How long one txt2img exchange (request to last byte of the answer) may take. */
  timeoutMs?: number;
  /** Sampling steps per image. */
  steps?: number;
  /** The fetch to use; the global one unless a test or a proxy supplies another. */
  fetch?: typeof globalThis.fetch;
}

/** The body of `POST /sdapi/v1/txt2img`, in the service's own field names. */
export interface Txt2ImgRequest {
  prompt: string;
  negative_prompt: string;
  seed: number;
  width: number;
  height: number;
  batch_size: number;
  n_iter: number;
  steps: number;
  cfg_scale: number;
  sampler_name: string;
}

/**
 * The part of the answer this provider uses. The service also sends `parameters` (the request echoed) and `info` (a
 * JSON string); neither is needed and compatible servers differ in them, so they are not required.
 */
const Txt2ImgAnswer = z.object({
  images: z.array(z.string().min(1)).nullish(),
});

/** One decoded image, checked to be a PNG, not yet written. */
interface CheckedImage {
  bytes: Buffer;
  width: number;
  height: number;
}

export class SdWebUiProvider implements GenerationProvider {
  readonly name = 'sd-webui';
  readonly #endpoint: string;
  readonly #timeoutMs: number;
  readonly #steps: number;
  readonly #fetch: typeof globalThis.fetch;

  constructor(options: SdWebUiProviderOptions) {
    // A misconfigured URL is an operator's mistake found at start-up, not a failed generation later.
    const base = new URL(options.baseURL);
    if (base.protocol !== 'http:' && base.protocol !== 'https:') {
      throw new Error(`The image service URL must be http or https, not ${base.protocol}`);
    }
    this.#endpoint = new URL('sdapi/v1/txt2img', base.href.endsWith('/') ? base.href : `${base.href}/`).href;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#steps = options.steps ?? DEFAULT_STEPS;
    this.#fetch = options.fetch ?? globalThis.fetch;
  }

  async generate(request: ProviderRequest): Promise<ProviderOutput[]> {
    request.signal.throwIfAborted();
    if (request.kind !== 'image' || request.tool !== 'text-to-image') {
      throw new Error(`The sd-webui provider does not support ${request.tool}`);
    }
    if (!GENERATION_ID.test(request.generationId)) {
      // The id becomes a file name: anything else could write outside outputDir.
      throw new Error(`generation id ${JSON.stringify(request.generationId)} is not usable as a file name`);
    }

    const answer = await this.#txt2img(txt2ImgRequest(request, this.#steps), request.signal);
    const images = await checkImages(answer, request.settings.outputs);
    request.signal.throwIfAborted();
    return writeImages(request, images);
  }

  /** One txt2img exchange: the parsed JSON answer, or an error classified as transient or final. */
  async #txt2img(body: Txt2ImgRequest, callerSignal: AbortSignal): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.#timeoutMs);
    const signal = AbortSignal.any([callerSignal, timeout]);
    const failure = (error: unknown, whileDoing: 'connect' | 'read'): unknown => {
      // The caller's own abort (a cancel, the runner's deadline) is theirs to interpret: its reason goes back as is.
      if (callerSignal.aborted) return callerSignal.reason;
      if (timeout.aborted) {
        return new TransientProviderError(`The image service did not answer within ${this.#timeoutMs} ms`, {
          cause: error,
        });
      }
      return whileDoing === 'connect'
        ? new TransientProviderError(`The image service could not be reached${errorCode(error)}`, { cause: error })
        : new TransientProviderError(`The image service's answer was cut off${errorCode(error)}`, { cause: error });
    };

    let response: Response;
    try {
      response = await this.#fetch(this.#endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json' },
        body: JSON.stringify(body),
        signal,
      });
    } catch (error) {
      throw failure(error, 'connect');
    }

    let text: string;
    try {
      text = await response.text();
    } catch (error) {
      throw failure(error, 'read');
    }

    if (!response.ok) throw statusError(response);
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new Error('The image service sent an answer that is not JSON');
    }
  }
}

function txt2ImgRequest(request: ProviderRequest, steps: number): Txt2ImgRequest {
  const { settings } = request;
  const { width, height } = imageSize(settings);
  return {
    prompt: request.prompt,
    negative_prompt: '',
    seed: settings.seed ?? RANDOM_SEED,
    width,
    height,
    batch_size: settings.outputs,
    n_iter: 1,
    steps,
    cfg_scale: CFG_SCALE,
    sampler_name: SAMPLER_NAME,
  };
}

function imageSize(settings: GenerationSettings): { width: number; height: number } {
  const side = settings.quality === 'hd' ? HD_IMAGE_SIDE : IMAGE_SIDE;
  return { width: settings.width ?? side, height: settings.height ?? side };
}

/** Busy (429) and server-side (5xx) answers are worth another try; any other refusal would be refused again. */
function statusError(response: Response): Error {
  const reason = response.statusText || STATUS_CODES[response.status] || 'unknown status';
  const message = `The image service answered ${response.status} ${reason}`;
  // The body is not quoted: validation errors from the service can echo the request, prompt included.
  return response.status === 429 || response.status >= 500 ? new TransientProviderError(message) : new Error(message);
}

async function checkImages(answer: unknown, outputs: number): Promise<CheckedImage[]> {
  const parsed = Txt2ImgAnswer.safeParse(answer);
  if (!parsed.success) {
    const where = parsed.error.issues[0]?.path.join('.') || 'the top level';
    throw new Error(`The image service sent an answer in an unexpected shape (at ${where})`);
  }
  const images = parsed.data.images ?? [];
  if (images.length === 0) throw new Error('The image service sent an answer without images');
  if (images.length !== outputs) {
    throw new Error(`The image service sent ${images.length} images where ${outputs} were asked for`);
  }
  // Every image is checked before one is reported, so the error always names the first bad image in the answer.
  const checked = await Promise.allSettled(images.map((encoded, index) => checkPng(encoded, index)));
  return checked.map((result) => {
    if (result.status === 'rejected') throw result.reason;
    return result.value;
  });
}

async function checkPng(encoded: string, index: number): Promise<CheckedImage> {
  const bytes = Buffer.from(encoded.replace(DATA_URL_PREFIX, ''), 'base64');
  const notPng = new Error(`The image service sent an image (number ${index + 1}) that is not a PNG`);
  try {
    const image = sharp(bytes);
    const { format, width, height } = await image.metadata();
    if (format !== 'png') throw notPng;
    // The header alone says nothing of the pixels: a truncated or corrupt body only fails when decoded.
    await image.stats();
    return { bytes, width, height };
  } catch (error) {
    throw error === notPng ? notPng : new Error(notPng.message, { cause: error });
  }
}

/** A generation yields all of its outputs or none: a failure partway removes what was already written. */
async function writeImages(request: ProviderRequest, images: readonly CheckedImage[]): Promise<ProviderOutput[]> {
  await mkdir(request.outputDir, { recursive: true });
  const written: string[] = [];
  try {
    const outputs: ProviderOutput[] = [];
    for (const [index, image] of images.entries()) {
      request.signal.throwIfAborted();
      const path = resolve(request.outputDir, `${request.generationId}-${index}.png`);
      // writeFileAtomic leaves nothing under `path` when it fails, so only finished files need removing.
      await writeFileAtomic(path, image.bytes);
      written.push(path);
      outputs.push({
        path,
        kind: 'image',
        mime: 'image/png',
        bytes: image.bytes.length,
        width: image.width,
        height: image.height,
        sha256: createHash('sha256').update(image.bytes).digest('hex'),
      });
    }
    return outputs;
  } catch (error) {
    await Promise.allSettled(written.map((path) => rm(path, { force: true })));
    throw error;
  }
}

/** The system error code behind a failed fetch (` (ECONNREFUSED)`), which undici keeps in `cause`. */
function errorCode(error: unknown): string {
  let current: unknown = error;
  for (let depth = 0; depth < 4 && current instanceof Error; depth += 1) {
    const code = (current as Error & { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z_]+$/.test(code)) return ` (${code})`;
    current = current.cause;
  }
  return '';
}
