/**
 * The errors the backend's rules raise, each with the HTTP status and stable code it leaves the API with. Plain data:
 * every layer may throw one; http/problem-json.ts sends it.
 */
import type { ErrorCode, Problem } from '../shared/api.js';

const titles: Record<ErrorCode, string> = {
  unauthorized: 'Unauthorized',
  not_found: 'Not found',
  invalid_request: 'Invalid request',
  insufficient_credits: 'Insufficient credits',
  subscription_required: 'Subscription required',
  generation_limit_reached: 'Generation limit reached',
  fast_limit_reached: 'Fast limit reached',
  unlimited_paused: 'Unlimited access paused',
  account_suspended: 'Account suspended',
  idempotency_conflict: 'Idempotency conflict',
  rate_limited: 'Too many requests',
  not_cancellable: 'Not cancellable',
  not_implemented: 'Not implemented',
  internal_error: 'Internal error',
  not_ready: 'Not ready',
};

/** An error that leaves the API as problem+json with a stable code. */
export class ApiProblem extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    detail: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
  }

  toProblem(): Problem {
    // Validation errors always say where (docs/API.md): a 400 without details names the request as a whole.
    const errors =
      this.code === 'invalid_request' && !this.extra.errors
        ? { errors: [{ path: 'request', message: this.message }] }
        : {};
    return {
      ...errors,
      type: `https://creator-companion.dev/problems/${this.code.replace(/_/g, '-')}`,
      title: titles[this.code],
      status: this.status,
      code: this.code,
      detail: this.message,
      ...this.extra,
    };
  }
}

export const notFound = (what: string) => new ApiProblem(404, 'not_found', `${what} was not found`);
export const unauthorized = () => new ApiProblem(401, 'unauthorized', 'A valid bearer token is required');
