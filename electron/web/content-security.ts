/**
 * The content security policies of the two shells, and the media scheme, in a module with no imports: the web server,
 * Electron main and the (sandboxed, bundled) preload all read it.
 */

/** Electron's scheme for cached outputs: `companion-media://media/<accountId>/<outputId>/<thumb|full>`. */
export const MEDIA_SCHEME = 'companion-media';

const BASE_POLICY = {
  'default-src': "'self'",
  'script-src': "'self'",
  'style-src': "'self'",
  'img-src': "'self' data: blob:",
  'media-src': "'self' blob:",
  'connect-src': "'self'",
  'object-src': "'none'",
  'base-uri': "'none'",
  'frame-ancestors': "'none'",
  'form-action': "'none'",
};
type Directive = keyof typeof BASE_POLICY;

const policy = (extra: Partial<Record<Directive, string>> = {}) =>
  (Object.entries(BASE_POLICY) as Array<[Directive, string]>)
    .map(([name, value]) => `${name} ${value}${extra[name] ? ` ${extra[name]}` : ''}`)
    .join('; ');

/** Web mode: media are same-origin (`/media/...`). */
export const CONTENT_SECURITY_POLICY = policy();
/** Electron: the renderer also loads cached outputs from the `companion-media:` protocol. */
export const ELECTRON_CONTENT_SECURITY_POLICY = policy({
  'img-src': `${MEDIA_SCHEME}:`,
  'media-src': `${MEDIA_SCHEME}:`,
});
