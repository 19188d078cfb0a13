import { ApiError } from '../../shared/errors.js';

/**
 * Awaits a call that must fail with an ApiError and returns that error, so a test can assert its code, status and
 * problem fields one by one. Fails with a readable message when the call succeeds or throws something else.
 */
export async function catchApiError(call: Promise<unknown>): Promise<ApiError> {
  let result: unknown;
  try {
    result = await call;
  } catch (error) {
    if (error instanceof ApiError) return error;
    throw new Error(`Expected an ApiError, got ${String(error)}`, { cause: error });
  }
  throw new Error(`Expected an ApiError, but the call succeeded with ${JSON.stringify(result)}`);
}
