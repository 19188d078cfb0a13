/** Page cursors: base64url JSON of a page's last key, made here and checked here, for every list of the API. */
import { ApiProblem } from './problem.js';
import { UNSTORABLE } from './stored-text.js';

export function encodeCursor(parts: ReadonlyArray<string | number>): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/**
 * A page cursor made by this backend: base64url JSON of parts of the given kinds (strings of at most 200 characters,
 * whole numbers at least 0). Anything else is 400 invalid_request, on either engine.
 */
export function decodeCursorOf<K extends ReadonlyArray<'string' | 'integer'>>(
  cursor: string,
  kinds: K,
): { [I in keyof K]: K[I] extends 'string' ? string : number } {
  const refuse = () =>
    new ApiProblem(400, 'invalid_request', 'query.cursor: not a cursor this backend gave out', {
      errors: [{ path: 'query.cursor', message: 'not a cursor this backend gave out' }],
    });
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw refuse();
  }
  if (!Array.isArray(parts) || parts.length !== kinds.length) throw refuse();
  const fits = parts.every((part, index) =>
    kinds[index] === 'string'
      ? typeof part === 'string' && part.length <= 200 && !UNSTORABLE.test(part)
      : Number.isSafeInteger(part) && (part as number) >= 0,
  );
  if (!fits) throw refuse();
  return parts as { [I in keyof K]: K[I] extends 'string' ? string : number };
}
