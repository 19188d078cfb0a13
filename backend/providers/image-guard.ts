/**
 * Uploaded images are checked before they are decoded: the header is read first (sharp's metadata reads no pixels), an
 * image of more than `maxInputPixels` is refused with 413 without a decode, the decode itself is held to the same limit
 * (sharp's `limitInputPixels`), and at most `concurrentDecodes` decodes run at once, the others waiting their turn. A
 * PNG of half a megabyte can say 8192 x 8192 at 16 bits per channel, 512 MiB once decoded: four of those at once took
 * the backend past 2 GB.
 */
import sharp, { type Metadata } from 'sharp';
import { ApiProblem } from '../problem.js';
import { imageInfo } from './local.js';

/** A counting semaphore: `run` waits for one of `size` turns. */
export class Semaphore {
  #free: number;
  readonly #waiting: Array<() => void> = [];

  constructor(size: number) {
    this.#free = size;
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.#free > 0) this.#free -= 1;
    else await new Promise<void>((resolve) => this.#waiting.push(resolve));
    try {
      return await work();
    } finally {
      const next = this.#waiting.shift();
      if (next) next();
      else this.#free += 1;
    }
  }
}

/** The image's header (no pixels decoded), or null when the bytes are no image sharp knows; sharp throws on an empty buffer. */
async function headerOf(bytes: Buffer): Promise<Metadata | null> {
  try {
    return await sharp(bytes).metadata();
  } catch {
    return null;
  }
}

export interface ImageLimits {
  maxInputPixels: number;
  concurrentDecodes: number;
}

export type CheckedImage = NonNullable<Awaited<ReturnType<typeof imageInfo>>>;

export class ImageGuard {
  readonly #decodes: Semaphore;

  constructor(private readonly limits: ImageLimits) {
    this.#decodes = new Semaphore(limits.concurrentDecodes);
  }

  /** The image's type and size, once its header is within the limit and its pixels decode; a 4xx otherwise. */
  async check(bytes: Buffer, declared: string): Promise<CheckedImage> {
    const header = await headerOf(bytes);
    if (header?.width && header.height && header.width * header.height > this.limits.maxInputPixels) {
      const megapixels = (header.width * header.height) / 1e6;
      throw new ApiProblem(
        413,
        'invalid_request',
        `The image is ${header.width} x ${header.height} pixels (${megapixels.toFixed(1)} megapixels), more than the ${this.limits.maxInputPixels / 1e6} megapixels allowed`,
        {
          errors: [{ path: 'body', message: `more than ${this.limits.maxInputPixels} pixels` }],
        },
      );
    }
    const info = await this.#decodes.run(() => imageInfo(bytes, this.limits.maxInputPixels));
    if (!info || info.mime !== declared) {
      throw new ApiProblem(
        400,
        'invalid_request',
        info ? `The bytes are ${info.mime}, not ${declared}` : 'The bytes are not a readable PNG, JPEG or WebP image',
      );
    }
    return info;
  }
}
