/**
 * A generation provider turns one validated request into output files. The runner (and later the worker pool) calls it;
 * it knows nothing of credits, queues or accounts.
 */
import type { GenerationSettings, ModelKind, ToolId } from '../../shared/api.js';

export interface ProviderSource {
  /** Absolute path of the source image (an upload or an earlier output of the same account). */
  path: string;
  mime: string;
  kind: ModelKind;
}

export interface ProviderRequest {
  generationId: string;
  tool: ToolId;
  modelId: string;
  kind: ModelKind;
  prompt: string;
  settings: GenerationSettings;
  source: ProviderSource | null;
  /** Where to write outputs; the provider writes each file atomically (temp file + rename). */
  outputDir: string;
  signal: AbortSignal;
}

export interface ProviderOutput {
  /** Absolute path of the finished file inside outputDir. */
  path: string;
  kind: ModelKind;
  mime: string;
  bytes: number;
  width?: number;
  height?: number;
  durationS?: number;
  sha256: string;
}

/** A failure worth retrying (timeouts, 5xx of a remote provider) as opposed to a final one. */
export class TransientProviderError extends Error {}

export interface GenerationProvider {
  readonly name: string;
  generate(request: ProviderRequest): Promise<ProviderOutput[]>;
}
