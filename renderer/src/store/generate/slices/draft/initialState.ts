import type { ToolId } from '../../../../../../shared/api.js';

export type Quality = 'standard' | 'hd';

/** What the Generate form holds, as the user typed it (the seed stays text until it is valid). */
export type GenerateDraft = {
  tool: ToolId;
  /** '' until the catalog is known and a model is picked for the tool. */
  modelId: string;
  prompt: string;
  outputs: number;
  quality: Quality;
  /** Seconds, for video and audio models; null for images. */
  durationS: number | null;
  seed: string;
  /** U2: part of a workflow, always charged even inside an unlimited window. */
  workflow: boolean;
  /** The source image (an earlier output) for tools that need one. */
  sourceId: string | null;
};

export type DraftState = { draft: GenerateDraft };

export const initialDraftState: DraftState = {
  draft: {
    tool: 'text-to-image',
    modelId: '',
    prompt: '',
    outputs: 1,
    quality: 'standard',
    durationS: null,
    seed: '',
    workflow: false,
    sourceId: null,
  },
};
