/** Links leave the app only to the system browser, and only when they are plain https (or mailto) addresses. */
export function isSafeExternalURL(raw: string): boolean {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return false; // not a URL: the link is simply not opened
  }
  if (url.protocol === 'mailto:') return true;
  return url.protocol === 'https:' && !url.username && !url.password && url.hostname.includes('.');
}
