/** A backend's address as the user gives it and as the app names it. */
import { BridgeFailure } from './bridge-dispatch.js';

/** The backend's address as kept: http(s), no query, fragment or trailing slash. */
export function normalizeBaseURL(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // Not a failure of the host: the address the user typed is answered as invalid.
    throw new BridgeFailure('invalid_request', 'The backend address is not a URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new BridgeFailure('invalid_request', 'The backend address must start with http:// or https://');
  if (url.username || url.password)
    throw new BridgeFailure('invalid_request', 'Put the token in the token field, not in the address');
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** How the app names a backend: its host, or "Unknown backend". */
export function hostLabel(url: string | null): string {
  if (!url) return 'Unknown backend';
  try {
    return new URL(url).host;
  } catch {
    return 'Unknown backend'; // a stored address that is not a URL is shown as unknown, not an error
  }
}
