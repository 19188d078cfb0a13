/**
 * The built-in provider: renders real, playable files on this machine with no model and no network, so the whole
 * product (queues, charges, history, downloads) works offline and in tests. Every output is a pure function of
 * (model, prompt, seed, output index) and, for the tools that take one, the source image: the same request renders
 * byte-identical files.
 */
import { createHash } from 'node:crypto';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import sharp from 'sharp';
import type { ToolId } from '../../shared/api.js';
import { writeFileAtomic } from './atomic-write.js';
import type { GenerationProvider, ProviderOutput, ProviderRequest, ProviderSource } from './provider.js';
import { type RenderedFile, type Renderer } from './local/render.js';
import { renderTextToImage, renderImageToImage, renderCreativeUpscale } from './local/image.js';
import { renderTextToVideo, renderImageToVideo } from './local/video.js';
import { renderSpeech, renderMusic } from './local/audio.js';

/** Uploaded reference images larger than this per side are refused (uploads route). */
export const MAX_REFERENCE_SIDE = 8192;

const GENERATION_ID = /^[A-Za-z0-9_-]{1,200}$/;

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
