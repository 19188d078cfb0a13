/** What the built-in provider's renderers share: the file they make, their input, raw pixels and the deterministic randomness. */
import type { SharpOptions } from 'sharp';
import { createHash } from 'node:crypto';
import type { ModelKind } from '../../../shared/api.js';
import type { ProviderRequest } from '../provider.js';

export type Rgb = readonly [number, number, number];

/** One finished file before it is written. */
export interface RenderedFile {
  bytes: Buffer;
  extension: 'png' | 'webp' | 'wav';
  kind: ModelKind;
  mime: string;
  width?: number;
  height?: number;
  durationS?: number;
}

export interface RenderInput {
  request: ProviderRequest;
  index: number;
  /** The bytes of `request.source`, read once per generation. */
  source: Buffer | null;
}

export type Renderer = (input: RenderInput) => Promise<RenderedFile>;

// ---- determinism ---------------------------------------------------------------------------------------------

/** The random stream of one output: everything that may vary between outputs is drawn from it, in a fixed order. */
export function randomFor(request: ProviderRequest, index: number): SeededRandom {
  // A request without a seed is seed 0, so the same request renders the same files.
  return SeededRandom.from(['local', request.modelId, request.prompt, request.settings.seed ?? 0, index]);
}

/** sfc32 seeded from SHA-256: fast, and the same numbers on every platform. */
export class SeededRandom {
  private constructor(
    private a: number,
    private b: number,
    private c: number,
    private d: number,
  ) {}

  static from(parts: readonly (string | number)[]): SeededRandom {
    const digest = createHash('sha256').update(JSON.stringify(parts)).digest();
    const [a, b, c, d] = [0, 4, 8, 12].map((offset) => digest.readUInt32LE(offset)) as [number, number, number, number];
    return new SeededRandom(a, b, c, d);
  }

  /** A number in [0, 1). */
  next(): number {
    let t = (this.a + this.b) | 0;
    this.a = this.b ^ (this.b >>> 9);
    this.b = (this.c + (this.c << 3)) | 0;
    this.c = (this.c << 21) | (this.c >>> 11);
    this.d = (this.d + 1) | 0;
    t = (t + this.d) | 0;
    this.c = (this.c + t) | 0;
    return (t >>> 0) / 4_294_967_296;
  }

  between(min: number, max: number): number {
    return min + (max - min) * this.next();
  }

  /** An integer in [min, max], both included. */
  integer(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
}

export function hslToRgb(hueDegrees: number, saturation: number, lightness: number): Rgb {
  const hue = (((hueDegrees % 360) + 360) % 360) / 360;
  const q = lightness < 0.5 ? lightness * (1 + saturation) : lightness + saturation - lightness * saturation;
  const p = 2 * lightness - q;
  const channel = (offset: number): number => {
    let t = hue + offset;
    if (t < 0) t += 1;
    if (t > 1) t -= 1;
    if (t < 1 / 6) return p + (q - p) * 6 * t;
    if (t < 1 / 2) return q;
    if (t < 2 / 3) return p + (q - p) * (2 / 3 - t) * 6;
    return p;
  };
  return [channel(1 / 3) * 255, channel(0) * 255, channel(-1 / 3) * 255];
}

export function clampByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}

export function requireSource(source: Buffer | null): Buffer {
  if (source === null) throw new Error('this tool needs a source image');
  return source;
}

export function rawRgb(width: number, height: number, pageHeight?: number): SharpOptions {
  return { raw: { width, height, channels: 3, ...(pageHeight === undefined ? {} : { pageHeight }) } };
}
