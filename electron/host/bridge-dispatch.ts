/**
 * One place where a bridge call from the renderer is checked and run, for Electron IPC and the web-mode server alike:
 * the method must be on the list, the payload must match its schema, and any failure returns as a typed BridgeError.
 * A backend refusal keeps its stable code (`apiCode`) and its problem+json (`problem`: shortfall, resetsAt, the ways
 * out), so the renderer can show what the backend said (C7, G6, U4).
 */
import {
  bridgeMethods,
  type BridgeError,
  type BridgeHandlers,
  type BridgeMethodName,
  type BridgeResult,
} from '../../shared/bridge.js';
import { isApiError, type ApiError } from '../../shared/errors.js';

export class BridgeFailure extends Error {
  constructor(
    readonly code: BridgeError['code'],
    message: string,
    readonly details: Pick<BridgeError, 'apiCode' | 'problem'> = {},
  ) {
    super(message);
  }
}

export function isBridgeMethod(name: string): name is BridgeMethodName {
  return Object.hasOwn(bridgeMethods, name);
}

/**
 * The renderer is never told a backend's address (docs/ARCHITECTURE.md): a URL in a message (the client's "Cannot reach
 * http://...") becomes its host, which the account view shows anyway.
 */
export function withoutURLs(message: string): string {
  return message.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>]+/gi, (url) => {
    try {
      return new URL(url.replace(/[.,;:)]+$/, '')).host || 'the backend';
    } catch {
      return 'the backend'; // not a URL after all: named generically
    }
  });
}

/** How a backend answer maps onto the bridge's few codes; the precise one stays in `apiCode`. */
export function bridgeErrorOf(error: ApiError): BridgeError {
  const code: BridgeError['code'] =
    error.code === 'network_error'
      ? 'unavailable'
      : error.code === 'not_found'
        ? 'not_found'
        : error.code === 'invalid_request'
          ? 'invalid_request'
          : 'backend_error';
  return {
    code,
    message: withoutURLs(error.message),
    apiCode: error.code,
    ...(error.problem ? { problem: { ...error.problem } } : {}),
  };
}

export async function dispatchBridgeCall(
  handlers: BridgeHandlers,
  method: string,
  payload: unknown,
): Promise<BridgeResult<unknown>> {
  if (!isBridgeMethod(method))
    return { ok: false, error: { code: 'not_found', message: `Unknown bridge method ${method}` } };
  const parsed = bridgeMethods[method].input.safeParse(payload ?? {});
  if (!parsed.success) {
    return {
      ok: false,
      error: {
        code: 'invalid_request',
        message: parsed.error.issues.map((i) => `${i.path.join('.') || 'input'}: ${i.message}`).join('; '),
      },
    };
  }
  try {
    const handler = handlers[method] as (input: unknown) => Promise<unknown>;
    return { ok: true, value: await handler(parsed.data) };
  } catch (error) {
    if (error instanceof BridgeFailure)
      return { ok: false, error: { code: error.code, message: error.message, ...error.details } };
    if (isApiError(error)) return { ok: false, error: bridgeErrorOf(error) };
    return { ok: false, error: { code: 'internal_error', message: (error as Error).message } };
  }
}
