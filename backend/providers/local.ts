/**
 * The built-in provider: renders real, playable files on this machine with no model and no network, so the whole
 * product (queues, charges, history, downloads) works offline and in tests. Every output is a pure function of
 * (model, prompt, seed, output index) and, for the tools that take one, the source image: the same request renders
 * byte-identical files.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import sharp, { type Sharp, type SharpOptions } from 'sharp';
import type { GenerationSettings, ModelKind, ToolId } from '../../shared/api.js';
import { writeFileAtomic } from './atomic-write.js';
import type { GenerationProvider, ProviderOutput, ProviderRequest, ProviderSource } from './provider.js';
import { encodeWavMono16 } from './wav.js';

const IMAGE_SIDE = 512;
const HD_IMAGE_SIDE = 1024;
/** Scenes are drawn in JavaScript at most this large; libvips scales them up, which smooth gradients survive. */
const SCENE_DRAW_MAX_SIDE = 1024;
const UPSCALE_FACTOR = 2;
const MAX_OUTPUT_SIDE = 4096;

const VIDEO_SIDE = 256;
const HD_VIDEO_SIDE = 512;
/** Every frame is held raw in memory before encoding, so frames stay small whatever size was asked for. */
const MAX_VIDEO_SIDE = 512;
const VIDEO_DURATION_S = 5;
const VIDEO_FRAMES_PER_S = 2.4;
const MIN_VIDEO_FRAMES = 12;
const MAX_VIDEO_FRAMES = 48;
/** How far image-to-video can zoom into the source: the source is prepared at this multiple of the frame size. */
const VIDEO_SOURCE_ZOOM = 1.6;

const AUDIO_SAMPLE_RATE = 22_050;
const SPEECH_CHARACTERS_PER_S = 12;
const MIN_SPEECH_S = 1;
const MAX_SPEECH_S = 60;
const MUSIC_DURATION_S = 30;

/** Uploaded reference images larger than this per side are refused (uploads route). */
export const MAX_REFERENCE_SIDE = 8192;

const GENERATION_ID = /^[A-Za-z0-9_-]{1,200}$/;

type Rgb = readonly [number, number, number];

/** One finished file before it is written. */
interface RenderedFile {
  bytes: Buffer;
  extension: 'png' | 'webp' | 'wav';
  kind: ModelKind;
  mime: string;
  width?: number;
  height?: number;
  durationS?: number;
}

interface RenderInput {
  request: ProviderRequest;
  index: number;
  /** The bytes of `request.source`, read once per generation. */
  source: Buffer | null;
}

type Renderer = (input: RenderInput) => Promise<RenderedFile>;

const renderers: Record<ToolId, Renderer> = {
  'text-to-image': renderTextToImage,
  'image-to-image': renderImageToImage,
  'creative-upscale': renderCreativeUpscale,
  'text-to-video': renderTextToVideo,
  'image-to-video': renderImageToVideo,
  'text-to-speech': renderSpeech,
  'ai-music': renderMusic,
};

const toolsWithSource: ReadonlySet<ToolId> = new Set(['image-to-image', 'creative-upscale', 'image-to-video']);

export class LocalProvider implements GenerationProvider {
  readonly name = 'local';

  async generate(request: ProviderRequest): Promise<ProviderOutput[]> {
    request.signal.throwIfAborted();
    if (!GENERATION_ID.test(request.generationId)) {
      // The id becomes a file name: anything else could write outside outputDir.
      throw new Error(`generation id ${JSON.stringify(request.generationId)} is not usable as a file name`);
    }
    const render = renderers[request.tool];
    const source = toolsWithSource.has(request.tool) ? await readSourceImage(request.tool, request.source) : null;
    await mkdir(request.outputDir, { recursive: true });

    // A generation yields all of its outputs or none: whatever fails or is aborted removes what was already written.
    const written: string[] = [];
    try {
      const outputs: ProviderOutput[] = [];
      for (let index = 0; index < request.settings.outputs; index += 1) {
        request.signal.throwIfAborted();
        const file = await render({ request, index, source });
        request.signal.throwIfAborted();
        const path = resolve(request.outputDir, `${request.generationId}-${index}.${file.extension}`);
        written.push(path);
        await writeFileAtomic(path, file.bytes);
        outputs.push(describeOutput(path, file));
      }
      return outputs;
    } catch (error) {
      await Promise.all(written.map((path) => rm(path, { force: true })));
      throw error;
    }
  }
}

async function readSourceImage(tool: ToolId, source: ProviderSource | null): Promise<Buffer> {
  if (source === null) throw new Error(`${tool} needs a source image`);
  if (source.kind === 'audio') throw new Error(`${tool} needs an image source, not audio`);
  // Read the bytes ourselves rather than handing sharp the path: libvips caches file loads by name.
  return readFile(source.path);
}

function describeOutput(path: string, file: RenderedFile): ProviderOutput {
  const output: ProviderOutput = {
    path,
    kind: file.kind,
    mime: file.mime,
    bytes: file.bytes.length,
    sha256: createHash('sha256').update(file.bytes).digest('hex'),
  };
  if (file.width !== undefined) output.width = file.width;
  if (file.height !== undefined) output.height = file.height;
  if (file.durationS !== undefined) output.durationS = file.durationS;
  return output;
}

/**
 * Validates an uploaded reference image by decoding all of it: a PNG, JPEG or WebP no larger than
 * MAX_REFERENCE_SIDE per side, or null. Width and height are as displayed (EXIF orientation applied).
 */
export async function imageInfo(
  bytes: Buffer,
  limitInputPixels?: number,
): Promise<{ mime: 'image/png' | 'image/jpeg' | 'image/webp'; width: number; height: number } | null> {
  try {
    const image = sharp(bytes, limitInputPixels === undefined ? {} : { limitInputPixels });
    const metadata = await image.metadata();
    const mime = referenceMimes[metadata.format];
    if (mime === undefined) return null;
    const { width, height } = metadata.autoOrient;
    if (width > MAX_REFERENCE_SIDE || height > MAX_REFERENCE_SIDE) return null;
    // The header alone says nothing of the pixels: a truncated or corrupt body only fails when decoded.
    await image.stats();
    return { mime, width, height };
  } catch {
    return null;
  }
}

const referenceMimes: Partial<Record<string, 'image/png' | 'image/jpeg' | 'image/webp'>> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  webp: 'image/webp',
};

// ---- images --------------------------------------------------------------------------------------------------

async function renderTextToImage({ request, index }: RenderInput): Promise<RenderedFile> {
  const { width, height } = imageSize(request.settings);
  const scene = composeScene(randomFor(request, index));
  return pngFile(sharp(await drawSceneAt(scene, width, height), rawRgb(width, height)));
}

/** The source, cropped to the output size, colour-shifted and softened by the seed, lit by the prompt's scene. */
async function renderImageToImage({ request, index, source }: RenderInput): Promise<RenderedFile> {
  const { width, height } = imageSize(request.settings);
  const random = randomFor(request, index);
  const scene = composeScene(random);
  const lighting = await drawSceneAt(scene, width, height);
  const image = sharp(requireSource(source), { autoOrient: true })
    .resize(width, height, { fit: 'cover', position: 'attention' })
    .flatten({ background: '#ffffff' })
    .modulate({
      hue: random.integer(0, 60) - 30 + 360,
      saturation: random.between(0.75, 1.35),
      brightness: random.between(0.9, 1.1),
    })
    .blur(random.between(0.3, 1.8))
    .composite([{ input: lighting, raw: { width, height, channels: 3 }, blend: 'soft-light' }])
    .removeAlpha();
  return pngFile(image);
}

/** The source at twice its size (at most MAX_OUTPUT_SIDE per side), then sharpened to bring back edges. */
async function renderCreativeUpscale({ request, index, source }: RenderInput): Promise<RenderedFile> {
  const random = randomFor(request, index);
  const bytes = requireSource(source);
  const { autoOrient } = await sharp(bytes).metadata();
  const factor = Math.min(UPSCALE_FACTOR, MAX_OUTPUT_SIDE / autoOrient.width, MAX_OUTPUT_SIDE / autoOrient.height);
  const width = Math.max(1, Math.round(autoOrient.width * factor));
  const height = Math.max(1, Math.round(autoOrient.height * factor));
  const image = sharp(bytes, { autoOrient: true })
    .resize(width, height, { fit: 'fill', kernel: 'lanczos3' })
    .sharpen({ sigma: random.between(0.6, 1.4) });
  return pngFile(image);
}

function imageSize(settings: GenerationSettings): { width: number; height: number } {
  const side = settings.quality === 'hd' ? HD_IMAGE_SIDE : IMAGE_SIDE;
  return { width: settings.width ?? side, height: settings.height ?? side };
}

async function pngFile(image: Sharp): Promise<RenderedFile> {
  // Adaptive filtering and level 3: much smaller gradients at little cost (docs/PERFORMANCE.md#the-local-provider).
  const { data, info } = await image
    .png({ compressionLevel: 3, adaptiveFiltering: true })
    .toBuffer({ resolveWithObject: true });
  return { bytes: data, extension: 'png', kind: 'image', mime: 'image/png', width: info.width, height: info.height };
}

function requireSource(source: Buffer | null): Buffer {
  if (source === null) throw new Error('this tool needs a source image');
  return source;
}

function rawRgb(width: number, height: number, pageHeight?: number): SharpOptions {
  return { raw: { width, height, channels: 3, ...(pageHeight === undefined ? {} : { pageHeight }) } };
}

// ---- scenes: what a prompt "looks like" ---------------------------------------------------------------------

interface Glow {
  /** Centre in the unit square, and how far it orbits over one loop of a video. */
  x: number;
  y: number;
  orbitX: number;
  orbitY: number;
  phase: number;
  /** Radius as a fraction of the shorter side. */
  radius: number;
  strength: number;
  colour: Rgb;
}

interface Scene {
  /** Top-left, top-right, bottom-left, bottom-right. */
  corners: readonly [Rgb, Rgb, Rgb, Rgb];
  glows: readonly Glow[];
  ripple: { angle: number; frequency: number; amplitude: number; phase: number };
}

function composeScene(random: SeededRandom): Scene {
  const baseHue = random.between(0, 360);
  const paletteColour = (lightness: number): Rgb =>
    hslToRgb(baseHue + random.between(-70, 70), random.between(0.45, 0.9), lightness);
  const corners = [
    paletteColour(random.between(0.25, 0.6)),
    paletteColour(random.between(0.25, 0.6)),
    paletteColour(random.between(0.25, 0.6)),
    paletteColour(random.between(0.25, 0.6)),
  ] as const;
  const glows = Array.from({ length: random.integer(3, 7) }, () => ({
    x: random.between(0.1, 0.9),
    y: random.between(0.1, 0.9),
    orbitX: random.between(0.03, 0.15),
    orbitY: random.between(0.03, 0.15),
    phase: random.next(),
    radius: random.between(0.12, 0.45),
    strength: random.between(0.5, 0.95),
    colour: hslToRgb(baseHue + 180 + random.between(-90, 90), random.between(0.5, 1), random.between(0.45, 0.8)),
  }));
  const ripple = {
    angle: random.between(0, Math.PI),
    frequency: random.between(1.5, 6),
    amplitude: random.between(0.04, 0.12),
    phase: random.next(),
  };
  return { corners, glows, ripple };
}

/** The scene as raw RGB at exactly width x height, drawn small and scaled by libvips when the output is large. */
async function drawSceneAt(scene: Scene, width: number, height: number): Promise<Buffer> {
  const scale = Math.min(1, SCENE_DRAW_MAX_SIDE / Math.max(width, height));
  if (scale === 1) return drawScene(scene, width, height, 0);
  const drawWidth = Math.max(1, Math.round(width * scale));
  const drawHeight = Math.max(1, Math.round(height * scale));
  return sharp(drawScene(scene, drawWidth, drawHeight, 0), rawRgb(drawWidth, drawHeight))
    .resize(width, height, { fit: 'fill', kernel: 'cubic' })
    .raw()
    .toBuffer();
}

/** Raw RGB pixels of the scene at `time` in [0, 1): one loop of a video, glows orbiting back to where they began. */
function drawScene(scene: Scene, width: number, height: number, time: number): Buffer {
  // Layers are blended in floating point and rounded once at the end, so layer order alone decides the picture.
  const canvas = new Float32Array(width * height * 3);
  paintGradient(canvas, scene, width, height, time);
  const shorter = Math.min(width, height);
  for (const glow of scene.glows) {
    const turn = 2 * Math.PI * (time + glow.phase);
    paintGlow(canvas, width, height, {
      x: (glow.x + glow.orbitX * Math.sin(turn)) * width,
      y: (glow.y + glow.orbitY * Math.cos(turn)) * height,
      radius: glow.radius * shorter,
      strength: glow.strength,
      colour: glow.colour,
    });
  }
  const pixels = Buffer.alloc(canvas.length);
  for (let i = 0; i < canvas.length; i += 1) pixels[i] = clampByte(canvas[i]!);
  return pixels;
}

/** The four-corner gradient, lit by a travelling ripple of light. */
function paintGradient(canvas: Float32Array, scene: Scene, width: number, height: number, time: number): void {
  const [topLeft, topRight, bottomLeft, bottomRight] = scene.corners;
  const { ripple } = scene;
  // sin(a + b) = sin a cos b + cos a sin b: the ripple costs one sine per row and column instead of one per pixel.
  const along = 2 * Math.PI * ripple.frequency;
  const columnSin = new Float64Array(width);
  const columnCos = new Float64Array(width);
  for (let x = 0; x < width; x += 1) {
    const angle = (along * Math.cos(ripple.angle) * (x + 0.5)) / width;
    columnSin[x] = Math.sin(angle);
    columnCos[x] = Math.cos(angle);
  }
  for (let y = 0; y < height; y += 1) {
    const v = (y + 0.5) / height;
    const rowAngle = along * Math.sin(ripple.angle) * v + 2 * Math.PI * (ripple.phase + time);
    const rowSin = Math.sin(rowAngle);
    const rowCos = Math.cos(rowAngle);
    const leftR = topLeft[0] + (bottomLeft[0] - topLeft[0]) * v;
    const leftG = topLeft[1] + (bottomLeft[1] - topLeft[1]) * v;
    const leftB = topLeft[2] + (bottomLeft[2] - topLeft[2]) * v;
    const spanR = topRight[0] + (bottomRight[0] - topRight[0]) * v - leftR;
    const spanG = topRight[1] + (bottomRight[1] - topRight[1]) * v - leftG;
    const spanB = topRight[2] + (bottomRight[2] - topRight[2]) * v - leftB;
    let offset = y * width * 3;
    for (let x = 0; x < width; x += 1) {
      const u = (x + 0.5) / width;
      const light = 1 + ripple.amplitude * (columnSin[x]! * rowCos + columnCos[x]! * rowSin);
      canvas[offset] = (leftR + spanR * u) * light;
      canvas[offset + 1] = (leftG + spanG * u) * light;
      canvas[offset + 2] = (leftB + spanB * u) * light;
      offset += 3;
    }
  }
}

interface PlacedGlow {
  x: number;
  y: number;
  radius: number;
  strength: number;
  colour: Rgb;
}

/** A soft disc of colour (smoothstep falloff), painted only inside its bounding box. */
function paintGlow(canvas: Float32Array, width: number, height: number, glow: PlacedGlow): void {
  const [red, green, blue] = glow.colour;
  const left = Math.max(0, Math.floor(glow.x - glow.radius));
  const right = Math.min(width, Math.ceil(glow.x + glow.radius));
  const top = Math.max(0, Math.floor(glow.y - glow.radius));
  const bottom = Math.min(height, Math.ceil(glow.y + glow.radius));
  const radiusSquared = glow.radius * glow.radius;
  for (let y = top; y < bottom; y += 1) {
    const dy = y + 0.5 - glow.y;
    for (let x = left; x < right; x += 1) {
      const dx = x + 0.5 - glow.x;
      const distanceSquared = dx * dx + dy * dy;
      if (distanceSquared >= radiusSquared) continue;
      const edge = 1 - Math.sqrt(distanceSquared / radiusSquared);
      const weight = glow.strength * edge * edge * (3 - 2 * edge);
      const offset = (y * width + x) * 3;
      canvas[offset] = canvas[offset]! + (red - canvas[offset]!) * weight;
      canvas[offset + 1] = canvas[offset + 1]! + (green - canvas[offset + 1]!) * weight;
      canvas[offset + 2] = canvas[offset + 2]! + (blue - canvas[offset + 2]!) * weight;
    }
  }
}

// ---- video: a short animated WebP ---------------------------------------------------------------------------

interface VideoPlan {
  width: number;
  height: number;
  frames: number;
  durationS: number;
  /** Per-frame delays in milliseconds; they add up to exactly durationS. */
  delays: number[];
}

async function renderTextToVideo({ request, index }: RenderInput): Promise<RenderedFile> {
  const plan = planVideo(request.settings);
  const scene = composeScene(randomFor(request, index));
  const frames = Array.from({ length: plan.frames }, (_, frame) =>
    drawScene(scene, plan.width, plan.height, frame / plan.frames),
  );
  return animatedWebpFile(plan, frames);
}

/** A slow pan and zoom across the source, washed more and more in the prompt's scene. */
async function renderImageToVideo({ request, index, source }: RenderInput): Promise<RenderedFile> {
  const plan = planVideo(request.settings);
  const random = randomFor(request, index);
  const scene = composeScene(random);
  const baseWidth = Math.round(plan.width * VIDEO_SOURCE_ZOOM);
  const baseHeight = Math.round(plan.height * VIDEO_SOURCE_ZOOM);
  const base = await sharp(requireSource(source), { autoOrient: true })
    .resize(baseWidth, baseHeight, { fit: 'cover', position: 'attention' })
    .flatten({ background: '#ffffff' })
    .removeAlpha()
    // sampleWindow reads exactly three 8-bit channels, whatever the source was (grey, 16-bit, CMYK).
    .toColourspace('srgb')
    .raw()
    .toBuffer();

  const zoomIn = random.next() < 0.5;
  const from = { x: random.next(), y: random.next() };
  const to = { x: random.next(), y: random.next() };
  const frames = Array.from({ length: plan.frames }, (_, frame) => {
    const progress = plan.frames === 1 ? 0 : frame / (plan.frames - 1);
    const eased = progress * progress * (3 - 2 * progress);
    const zoom = 1 + (VIDEO_SOURCE_ZOOM - 1) * (zoomIn ? eased : 1 - eased);
    const windowWidth = baseWidth / zoom;
    const windowHeight = baseHeight / zoom;
    const left = (baseWidth - windowWidth) * (from.x + (to.x - from.x) * eased);
    const top = (baseHeight - windowHeight) * (from.y + (to.y - from.y) * eased);
    const window = { left, top, width: windowWidth, height: windowHeight };
    const pixels = sampleWindow(base, baseWidth, baseHeight, window, plan);
    const wash = drawScene(scene, plan.width, plan.height, frame / plan.frames);
    return mixPixels(pixels, wash, 0.1 + 0.2 * eased);
  });
  return animatedWebpFile(plan, frames);
}

function planVideo(settings: GenerationSettings): VideoPlan {
  const side = settings.quality === 'hd' ? HD_VIDEO_SIDE : VIDEO_SIDE;
  const asked = { width: settings.width ?? side, height: settings.height ?? side };
  const scale = Math.min(1, MAX_VIDEO_SIDE / Math.max(asked.width, asked.height));
  const width = Math.max(1, Math.round(asked.width * scale));
  const height = Math.max(1, Math.round(asked.height * scale));
  const durationS = settings.durationS ?? VIDEO_DURATION_S;
  const frames = Math.min(MAX_VIDEO_FRAMES, Math.max(MIN_VIDEO_FRAMES, Math.round(durationS * VIDEO_FRAMES_PER_S)));
  // Spread the remainder over the first frames so the delays sum to the duration to the millisecond.
  const totalMs = durationS * 1000;
  const delays = Array.from(
    { length: frames },
    (_, frame) => Math.floor(totalMs / frames) + (frame < totalMs % frames ? 1 : 0),
  );
  return { width, height, frames, durationS, delays };
}

async function animatedWebpFile(plan: VideoPlan, frames: Buffer[]): Promise<RenderedFile> {
  // sharp reads stacked frames as one tall raw image; `pageHeight` on the raw input splits it into pages.
  const bytes = await sharp(Buffer.concat(frames), rawRgb(plan.width, plan.height * plan.frames, plan.height))
    // `delay` must be a full array: a single number is stored on the first frame only.
    .webp({ delay: plan.delays, loop: 0, quality: 80, effort: 2 })
    .toBuffer();
  return {
    bytes,
    extension: 'webp',
    kind: 'video',
    mime: 'image/webp',
    width: plan.width,
    height: plan.height,
    durationS: plan.durationS,
  };
}

interface CropWindow {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** Bilinear resampling of a sub-pixel window of `base`, so a slow pan glides instead of stepping a pixel at a time. */
function sampleWindow(
  base: Buffer,
  baseWidth: number,
  baseHeight: number,
  window: CropWindow,
  size: { width: number; height: number },
): Buffer {
  const pixels = Buffer.alloc(size.width * size.height * 3);
  const columns = samplingPositions(window.left, window.width / size.width, size.width, baseWidth);
  const rows = samplingPositions(window.top, window.height / size.height, size.height, baseHeight);
  let offset = 0;
  for (let y = 0; y < size.height; y += 1) {
    const row0 = rows.near[y]! * baseWidth * 3;
    const row1 = rows.far[y]! * baseWidth * 3;
    const fy = rows.fraction[y]!;
    for (let x = 0; x < size.width; x += 1) {
      const column0 = columns.near[x]! * 3;
      const column1 = columns.far[x]! * 3;
      const fx = columns.fraction[x]!;
      for (let channel = 0; channel < 3; channel += 1) {
        const a = base[row0 + column0 + channel]!;
        const b = base[row0 + column1 + channel]!;
        const c = base[row1 + column0 + channel]!;
        const d = base[row1 + column1 + channel]!;
        const upper = a + (b - a) * fx;
        const lower = c + (d - c) * fx;
        pixels[offset + channel] = clampByte(upper + (lower - upper) * fy);
      }
      offset += 3;
    }
  }
  return pixels;
}

/** For each output pixel along one axis: the two source pixels around its centre and how far it lies between them. */
function samplingPositions(start: number, step: number, count: number, limit: number) {
  const near = new Int32Array(count);
  const far = new Int32Array(count);
  const fraction = new Float64Array(count);
  for (let i = 0; i < count; i += 1) {
    const position = Math.min(limit - 1, Math.max(0, start + (i + 0.5) * step - 0.5));
    near[i] = Math.floor(position);
    far[i] = Math.min(limit - 1, near[i]! + 1);
    fraction[i] = position - near[i]!;
  }
  return { near, far, fraction };
}

function mixPixels(under: Buffer, over: Buffer, amount: number): Buffer {
  const mixed = Buffer.alloc(under.length);
  for (let i = 0; i < under.length; i += 1) {
    mixed[i] = clampByte(under[i]! + (over[i]! - under[i]!) * amount);
  }
  return mixed;
}

// ---- audio ---------------------------------------------------------------------------------------------------

/** A voice-like hum: one syllable per three letters, words in the order of the prompt, pitch drifting like speech. */
async function renderSpeech({ request, index }: RenderInput): Promise<RenderedFile> {
  const random = randomFor(request, index);
  const characters = [...request.prompt.trim()].length;
  const durationS =
    request.settings.durationS ??
    Math.min(MAX_SPEECH_S, Math.max(MIN_SPEECH_S, Math.ceil(characters / SPEECH_CHARACTERS_PER_S)));
  const samples = new Float32Array(durationS * AUDIO_SAMPLE_RATE);

  const words = request.prompt.split(/\s+/).filter((word) => word.length > 0);
  const spoken = words.length > 0 ? words : ['hm'];
  const totalWeight = spoken.reduce((sum, word) => sum + [...word].length + 1, 0);
  const voicePitch = random.between(95, 220);
  let startS = 0;
  for (const word of spoken) {
    const letters = [...word].length;
    const slotS = (durationS * (letters + 1)) / totalWeight;
    const syllables = Math.max(1, Math.round(letters / 3));
    const syllableS = (slotS * letters) / (letters + 1) / syllables;
    for (let syllable = 0; syllable < syllables; syllable += 1) {
      addTone(samples, {
        startS: startS + syllable * syllableS,
        lengthS: syllableS * 0.85,
        frequency: voicePitch * 2 ** (random.between(-3, 4) / 12),
        amplitude: 0.35,
        harmonics: [1, 0.5, 0.3, 0.15],
        envelope: 'voice',
      });
    }
    startS += slotS;
  }
  return wavFile(samples, durationS);
}

/** A pentatonic melody over a bass line, tempo and key chosen by the prompt and seed. */
async function renderMusic({ request, index }: RenderInput): Promise<RenderedFile> {
  const random = randomFor(request, index);
  const durationS = request.settings.durationS ?? MUSIC_DURATION_S;
  const samples = new Float32Array(durationS * AUDIO_SAMPLE_RATE);

  const beatS = 60 / random.integer(84, 132);
  const rootMidi = random.integer(57, 69);
  const scale = random.next() < 0.5 ? [0, 2, 4, 7, 9] : [0, 3, 5, 7, 10];
  const noteFrequency = (degree: number): number => {
    const octave = Math.floor(degree / scale.length);
    const step = scale[((degree % scale.length) + scale.length) % scale.length]!;
    return 440 * 2 ** ((rootMidi + 12 * octave + step - 69) / 12);
  };

  let degree = random.integer(0, 4);
  for (let beat = 0; beat * beatS < durationS; ) {
    const lengthBeats = random.pick([0.5, 1, 1, 2]);
    if (random.next() > 0.15) {
      addTone(samples, {
        startS: beat * beatS,
        lengthS: lengthBeats * beatS,
        frequency: noteFrequency(degree),
        amplitude: 0.3,
        harmonics: [1, 0.35, 0.12],
        envelope: 'pluck',
      });
    }
    degree = Math.max(-2, Math.min(9, degree + random.integer(-2, 2)));
    beat += lengthBeats;
  }

  const barS = 4 * beatS;
  for (let bar = 0; bar * barS < durationS; bar += 1) {
    addTone(samples, {
      startS: bar * barS,
      lengthS: barS,
      frequency: noteFrequency(random.pick([0, 0, 3, 4])) / 4,
      amplitude: 0.25,
      harmonics: [1, 0.2],
      envelope: 'pluck',
    });
  }
  fadeEdges(samples, 0.02, 0.5);
  return wavFile(samples, durationS);
}

interface Tone {
  startS: number;
  lengthS: number;
  frequency: number;
  amplitude: number;
  /** Relative amplitude of the fundamental and each overtone. */
  harmonics: readonly number[];
  /** 'pluck' strikes and decays; 'voice' swells and falls with a slight vibrato. */
  envelope: 'pluck' | 'voice';
}

function addTone(samples: Float32Array, tone: Tone): void {
  const start = Math.round(tone.startS * AUDIO_SAMPLE_RATE);
  const length = Math.round(tone.lengthS * AUDIO_SAMPLE_RATE);
  const end = Math.min(samples.length, start + length);
  const attack = Math.min(length / 4, 0.01 * AUDIO_SAMPLE_RATE);
  for (let i = start; i < end; i += 1) {
    const n = i - start;
    const t = n / AUDIO_SAMPLE_RATE;
    let gain: number;
    let frequency = tone.frequency;
    if (tone.envelope === 'pluck') {
      // A short linear attack avoids a click; the tail reaches silence at the note's end.
      gain = Math.min(1, n / attack) * Math.exp((-4 * n) / length) * (1 - n / length);
    } else {
      gain = Math.sin((Math.PI * n) / length);
      frequency *= 1 + 0.01 * Math.sin(2 * Math.PI * 5.5 * t);
    }
    let value = 0;
    for (let harmonic = 0; harmonic < tone.harmonics.length; harmonic += 1) {
      value += tone.harmonics[harmonic]! * Math.sin(2 * Math.PI * frequency * (harmonic + 1) * t);
    }
    samples[i] = samples[i]! + tone.amplitude * gain * value;
  }
}

function fadeEdges(samples: Float32Array, fadeInS: number, fadeOutS: number): void {
  const fadeIn = Math.min(samples.length, Math.round(fadeInS * AUDIO_SAMPLE_RATE));
  const fadeOut = Math.min(samples.length, Math.round(fadeOutS * AUDIO_SAMPLE_RATE));
  for (let i = 0; i < fadeIn; i += 1) samples[i] = samples[i]! * (i / fadeIn);
  for (let i = 0; i < fadeOut; i += 1) {
    const at = samples.length - 1 - i;
    samples[at] = samples[at]! * (i / fadeOut);
  }
}

function wavFile(samples: Float32Array, durationS: number): RenderedFile {
  return {
    bytes: encodeWavMono16(samples, AUDIO_SAMPLE_RATE),
    extension: 'wav',
    kind: 'audio',
    mime: 'audio/wav',
    durationS,
  };
}

// ---- determinism ---------------------------------------------------------------------------------------------

/** The random stream of one output: everything that may vary between outputs is drawn from it, in a fixed order. */
function randomFor(request: ProviderRequest, index: number): SeededRandom {
  // A request without a seed is seed 0, so the same request renders the same files.
  return SeededRandom.from(['local', request.modelId, request.prompt, request.settings.seed ?? 0, index]);
}

/** sfc32 seeded from SHA-256: fast, and the same numbers on every platform. */
class SeededRandom {
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

function hslToRgb(hueDegrees: number, saturation: number, lightness: number): Rgb {
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

function clampByte(value: number): number {
  return value <= 0 ? 0 : value >= 255 ? 255 : Math.round(value);
}
