/** The video tools of the built-in provider: text-to-video and image-to-video, as a short animated WebP. */
import sharp from 'sharp';
import type { GenerationSettings } from '../../../shared/api.js';
import { type RenderedFile, type RenderInput, randomFor, clampByte, rawRgb, requireSource } from './render.js';
import { composeScene, drawScene } from './scene.js';

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

// ---- video: a short animated WebP ---------------------------------------------------------------------------

interface VideoPlan {
  width: number;
  height: number;
  frames: number;
  durationS: number;
  /** Per-frame delays in milliseconds; they add up to exactly durationS. */
  delays: number[];
}

export async function renderTextToVideo({ request, index }: RenderInput): Promise<RenderedFile> {
  const plan = planVideo(request.settings);
  const scene = composeScene(randomFor(request, index));
  const frames = Array.from({ length: plan.frames }, (_, frame) =>
    drawScene(scene, plan.width, plan.height, frame / plan.frames),
  );
  return animatedWebpFile(plan, frames);
}

/** A slow pan and zoom across the source, washed more and more in the prompt's scene. */
export async function renderImageToVideo({ request, index, source }: RenderInput): Promise<RenderedFile> {
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
