/**
 * U7's decisions, pure: the operator's thresholds (U6), and whether what an account did looks like automation or
 * credential sharing, with the reason a pause gives. policy/fair-use.ts records what it observes and acts on these.
 */
import { z } from 'zod';

// ---- configuration (U6: operator configuration, validated at start-up) --------------------------------------------
const positive = z.number().positive();
const count = z.number().int().positive();
export const FairUseConfig = z.strictObject({
  automation: z.strictObject({
    /** More than `maxRequestsPerWindow` unlimited requests within `windowS` seconds is automation. */
    windowS: positive,
    maxRequestsPerWindow: count,
    /** How many consecutive requests (so one interval fewer) are checked for an inhumanly regular rhythm. */
    regularIntervalCount: z.number().int().min(3),
    /** Intervals whose coefficient of variation (standard deviation / mean) is below this are inhumanly regular. */
    maxIntervalCv: z.number().nonnegative(),
  }),
  sharing: z.strictObject({
    /** More than `maxDistinctClients` different clients within `windowS` seconds is credential sharing. */
    windowS: positive,
    maxDistinctClients: count,
    /** More than this many open event streams at once is credential sharing. */
    maxConcurrentStreams: count,
  }),
});
export type FairUseConfig = z.infer<typeof FairUseConfig>;
export interface FairUseConfigInput {
  automation?: Partial<FairUseConfig['automation']>;
  sharing?: Partial<FairUseConfig['sharing']>;
}

export const DEFAULT_FAIR_USE_CONFIG: FairUseConfig = {
  automation: { windowS: 60, maxRequestsPerWindow: 30, regularIntervalCount: 20, maxIntervalCv: 0.03 },
  sharing: { windowS: 3600, maxDistinctClients: 3, maxConcurrentStreams: 3 },
};

/** The defaults with the operator's overrides, or a clear error naming what is wrong. */
export function parseFairUseConfig(input: FairUseConfigInput = {}): FairUseConfig {
  const merged = {
    automation: { ...DEFAULT_FAIR_USE_CONFIG.automation, ...input.automation },
    sharing: { ...DEFAULT_FAIR_USE_CONFIG.sharing, ...input.sharing },
  };
  const parsed = FairUseConfig.safeParse(merged);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .map((i) => `${['fairUse', ...i.path.map(String)].join('.')}: ${i.message}`)
      .join('; ');
    throw new Error(`Invalid fair-use configuration: ${issues}`);
  }
  return parsed.data;
}

/** "60 s", "5 min", "1 h": how a window reads in a pause reason. */
export function formatSpan(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600} h`;
  if (seconds % 60 === 0 && seconds > 60) return `${seconds / 60} min`;
  return `${seconds} s`;
}

/**
 * U7 automation, from the account's recent unlimited-request times (epoch ms, oldest first, the newest being the request
 * now): the reason to pause, or null. Intervals of zero (a test clock standing still between requests) say nothing
 * about a rhythm, so a rhythm needs a mean interval above zero; the rate check still counts such requests.
 */
export function automationSuspicion(times: readonly number[], config: FairUseConfig['automation']): string | null {
  const now = times.at(-1);
  if (now === undefined) return null;
  const inWindow = times.filter((t) => t >= now - config.windowS * 1000).length;
  if (inWindow > config.maxRequestsPerWindow)
    return `Automation suspected: ${inWindow} requests in ${formatSpan(config.windowS)}`;

  const n = config.regularIntervalCount;
  if (times.length < n) return null;
  const last = times.slice(-n);
  const intervals = last.slice(1).map((t, i) => t - last[i]!);
  const mean = intervals.reduce((sum, x) => sum + x, 0) / intervals.length;
  if (mean <= 0) return null;
  const variance = intervals.reduce((sum, x) => sum + (x - mean) ** 2, 0) / intervals.length;
  const cv = Math.sqrt(variance) / mean;
  if (cv >= config.maxIntervalCv) return null;
  // Truncated, so the reason never shows a value at or above the threshold it fell below.
  return `Automation suspected: ${n} requests at near-identical intervals (cv ${(Math.floor(cv * 100) / 100).toFixed(2)})`;
}

/** U7 credential sharing: more different clients within the window than the operator allows. */
export function clientSharingSuspicion(distinctClients: number, config: FairUseConfig['sharing']): string | null {
  if (distinctClients <= config.maxDistinctClients) return null;
  return `Credential sharing suspected: ${distinctClients} different clients within ${formatSpan(config.windowS)}`;
}

/** U7 credential sharing: more of the account's event streams open at once than the operator allows. */
export function streamSharingSuspicion(openStreams: number, config: FairUseConfig['sharing']): string | null {
  return openStreams <= config.maxConcurrentStreams
    ? null
    : `Credential sharing suspected: ${openStreams} sessions at once`;
}

/** Which client a request came from, for the sharing check: the app's installation id, else address and user agent. */
export function clientKey(request: { headers: Record<string, unknown>; ip: string }): string {
  const installation = request.headers['x-companion-client'];
  if (typeof installation === 'string' && installation.length > 0) return `app:${installation.slice(0, 100)}`;
  return `${request.ip}|${String(request.headers['user-agent'] ?? '').slice(0, 200)}`;
}
