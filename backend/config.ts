/**
 * Operator configuration (U6): speeds, concurrency, limits and fair-use thresholds are data, changed without code.
 * Defaults below; a JSON file (--config / COMPANION_CONFIG) overrides any part; it is validated at start.
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { LimitsConfig } from './http/limits.js';

export const OperationsConfig = z.object({
  queue: z
    .object({
      /** Generations this process runs at once. */
      workers: z.number().int().min(1).max(256).default(4),
      /** U8: generations running at once across every backend process on the database. */
      systemConcurrency: z.number().int().min(1).max(10_000).default(8),
      /** U5: slots Relaxed work always gets when it waits (never starved), and at most takes (Fast never waits behind it). */
      relaxedMinSlots: z.number().int().min(1).default(1),
      relaxedMaxSlots: z.number().int().min(1).default(1),
      /** Slower by design: Relaxed work waits at least this long before it starts. */
      relaxedDelayS: z.number().min(0).default(0),
      jobTimeoutS: z.number().positive().default(120),
      /** Retries of transient provider failures within one attempt. */
      transientRetries: z.number().int().min(0).max(10).default(2),
      /** Attempts (a crash or a stale worker requeues) before a job fails for good and is refunded. */
      maxAttempts: z.number().int().min(1).max(20).default(3),
      heartbeatS: z.number().positive().default(5),
      /** A running job whose worker has not beaten for this long belongs to a dead process. */
      staleAfterS: z.number().positive().default(30),
      shutdownGraceS: z.number().min(0).default(10),
      /** U8: an account that started more than `threshold` generations within `windowS` has its work delayed by `delayS`. */
      slowdown: z
        .object({
          windowS: z.number().positive().default(600),
          threshold: z.number().int().positive().default(120),
          delayS: z.number().min(0).default(30),
        })
        .prefault({}),
    })
    .prefault({}),
  fairUse: z
    .object({
      automation: z
        .object({
          windowS: z.number().positive().default(60),
          maxRequestsPerWindow: z.number().int().positive().default(30),
          regularIntervalCount: z.number().int().min(3).default(20),
          maxIntervalCv: z.number().min(0).default(0.03),
        })
        .prefault({}),
      sharing: z
        .object({
          windowS: z.number().positive().default(3600),
          maxDistinctClients: z.number().int().positive().default(3),
          maxConcurrentStreams: z.number().int().positive().default(3),
        })
        .prefault({}),
    })
    .prefault({}),
  /** Rate limits and quotas: see backend/limits.ts. */
  limits: LimitsConfig,
});
export type OperationsConfig = z.infer<typeof OperationsConfig>;
export type OperationsConfigInput = z.input<typeof OperationsConfig>;

export function parseOperationsConfig(input: unknown, source = 'configuration'): OperationsConfig {
  const parsed = OperationsConfig.safeParse(input ?? {});
  if (!parsed.success) {
    throw new Error(
      `The ${source} is invalid: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
    );
  }
  return parsed.data;
}

export function loadOperationsConfig(path: string | undefined): OperationsConfig {
  if (!path) return parseOperationsConfig({});
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`Cannot read the configuration ${path}: ${(error as Error).message}`, { cause: error });
  }
  return parseOperationsConfig(raw, `configuration ${path}`);
}
