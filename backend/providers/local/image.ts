/** The image tools of the built-in provider: text-to-image, image-to-image and creative upscale, as PNG. */
import sharp, { type Sharp } from 'sharp';
import type { GenerationSettings } from '../../../shared/api.js';
import { type RenderedFile, type RenderInput, randomFor, rawRgb, requireSource } from './render.js';
import { composeScene, drawSceneAt } from './scene.js';

const IMAGE_SIDE = 512;
const HD_IMAGE_SIDE = 1024;
const UPSCALE_FACTOR = 2;
const MAX_OUTPUT_SIDE = 4096;

// ---- images --------------------------------------------------------------------------------------------------

export async function renderTextToImage({ request, index }: RenderInput): Promise<RenderedFile> {
  const { width, height } = imageSize(request.settings);
  const scene = composeScene(randomFor(request, index));
  return pngFile(sharp(await drawSceneAt(scene, width, height), rawRgb(width, height)));
}

/** The source, cropped to the output size, colour-shifted and softened by the seed, lit by the prompt's scene. */
export async function renderImageToImage({ request, index, source }: RenderInput): Promise<RenderedFile> {
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
export async function renderCreativeUpscale({ request, index, source }: RenderInput): Promise<RenderedFile> {
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
