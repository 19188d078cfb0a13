import { describe, expect, it } from 'vitest';
import type { Catalog } from '../../../shared/api.js';
import catalogJson from '../../../backend/catalog.json';
import { durationsFor, modelsForTool } from '../../../renderer/src/store/generate/slices/draft/action.js';
import { initialDraftState } from '../../../renderer/src/store/generate/slices/draft/initialState.js';
import {
  costRequestOf,
  generationRequestOf,
  parseSeed,
} from '../../../renderer/src/store/generate/slices/draft/selectors.js';
import { topupFor } from '../../../renderer/src/views/generate/topup.js';

const catalog = catalogJson as unknown as Catalog;
const draft = { ...initialDraftState.draft, modelId: 'spark-image', prompt: 'A fox' };

describe('the Generate form: what it asks the price of', () => {
  it('sends tool, model and settings; the prompt only with Generate', () => {
    expect(costRequestOf(draft, catalog)).toEqual({
      ok: true,
      request: { tool: 'text-to-image', modelId: 'spark-image', settings: { outputs: 1, quality: 'standard' } },
    });
    expect(generationRequestOf(draft, catalog)?.prompt).toBe('A fox');
    expect(generationRequestOf({ ...draft, prompt: '   ' }, catalog)).toBeNull();
  });

  it('adds the duration for video and audio, the seed, and U2 workflow', () => {
    const video = {
      ...draft,
      tool: 'text-to-video' as const,
      modelId: 'motion-video',
      durationS: 10,
      quality: 'hd' as const,
      seed: '42',
      workflow: true,
    };
    expect(costRequestOf(video, catalog)).toEqual({
      ok: true,
      request: {
        tool: 'text-to-video',
        modelId: 'motion-video',
        settings: { outputs: 1, quality: 'hd', durationS: 10, seed: 42 },
        workflow: true,
      },
    });
  });

  it('waits for a source image where the tool needs one, and for a valid seed', () => {
    const upscale = { ...draft, tool: 'creative-upscale' as const, modelId: 'upscale-2x' };
    expect(costRequestOf(upscale, catalog)).toEqual({ ok: false, problem: 'no-source' });
    expect(costRequestOf({ ...upscale, sourceId: 'out_1' }, catalog)).toMatchObject({
      ok: true,
      request: { settings: { sourceId: 'out_1' } },
    });
    expect(costRequestOf({ ...draft, seed: '-3' }, catalog)).toEqual({ ok: false, problem: 'bad-seed' });
    expect(parseSeed('')).toEqual({ ok: true, seed: undefined });
    expect(parseSeed(String(2 ** 31 + 1)).ok).toBe(false);
  });

  it('offers the models of the tool and the durations of the model kind', () => {
    expect(modelsForTool(catalog, 'text-to-video').map((model) => model.id)).toEqual([
      'motion-video',
      'motion-pro-video',
    ]);
    expect(durationsFor({ kind: 'audio' }, catalog)).toEqual([30, 60, 120]);
    expect(durationsFor({ kind: 'video' }, catalog)).toEqual([5, 10]);
    expect(durationsFor({ kind: 'image' }, catalog)).toEqual([]);
  });

  it('C7: a top-up way out is the shortfall rounded up to 100 credits', () => {
    expect(topupFor(740)).toBe(800);
    expect(topupFor(6080)).toBe(6100);
    expect(topupFor(100)).toBe(100);
    expect(topupFor(1)).toBe(100);
  });
});
