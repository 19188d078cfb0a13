/**
 * The parts of a web-mode request that a client controls and that can fail to decode: a bad percent escape in a path
 * (`%zz`), a URL that does not parse, a body that is not UTF-8. Each is a 400 for the server to answer, never a throw.
 */

/** The decoded path part, or null when it holds a bad escape or a NUL. */
export function decodePathPart(text: string): string | null {
  try {
    const decoded = decodeURIComponent(text);
    return decoded.includes('\0') ? null : decoded;
  } catch {
    return null; // a bad escape is the request's fault: answered 400, nothing to log
  }
}

/** The request's URL against the server's origin, or null when it does not parse. */
export function parseRequestUrl(raw: string | undefined, origin: string): URL | null {
  try {
    return new URL(raw ?? '/', origin);
  } catch {
    return null; // a URL that does not parse is the request's fault: answered 400
  }
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** The body as text, or null when it is not valid UTF-8. */
export function utf8OrNull(bytes: Buffer): string | null {
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null; // not UTF-8 is the request's fault: answered 400
  }
}
