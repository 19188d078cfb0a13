/**
 * One place where a bridge call from the renderer is checked and run, for Electron IPC and the web-mode server alike:
 * the method must be on the list, the payload must match its schema, and any failure returns as a typed BridgeError.
 */
import { bridgeMethods, type BridgeError, type BridgeHandlers, type BridgeMethodName, type BridgeResult } from '../../shared/bridge.js';
import { isApiError } from '../../shared/errors.js';

export class BridgeFailure extends Error {
  constructor(
    readonly code: BridgeError['code'],
    message: string,
  ) {
    super(message);
  }
}

export function isBridgeMethod(name: string): name is BridgeMethodName {
  return Object.hasOwn(bridgeMethods, name);
}

export async function dispatchBridgeCall(handlers: BridgeHandlers, method: string, payload: unknown): Promise<BridgeResult<unknown>> {
  if (!isBridgeMethod(method)) return { ok: false, error: { code: 'not_found', message: `Unknown bridge method ${method}` } };
  const parsed = bridgeMethods[method].input.safeParse(payload ?? {});
  if (!parsed.success) {
    return { ok: false, error: { code: 'invalid_request', message: parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; ') } };
  }
  try {
    const handler = handlers[method] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
    if (error instanceof BridgeFailure) return { ok: false, error: { code: error.code, message: error.message } };
    if (isApiError(error)) {
      return { ok: false, error: { code: error.code === 'network_error' ? 'unavailable' : 'backend_error', message: error.message, apiCode: error.code } };
    }
    return { ok: false, error: { code: 'internal_error', message: (error as Error).message } };
  }
}
