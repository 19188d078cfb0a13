/**
 * Auto-update, off unless a feed is configured: COMPANION_UPDATE_URL in the environment, or the same name fixed at
 * build time (esbuild `define: { __COMPANION_UPDATE_URL__: JSON.stringify(url) }`). With a feed, electron-updater
 * checks a generic feed (the latest*.yml files electron-builder publishes) and notifies when an update is downloaded.
 *
 * electron-updater is loaded only then, with a dynamic import: nothing of it is needed to build or to run without a
 * feed, and it never loads under plain Node. This module imports no `electron` so that tests can check the setting.
 */

// The build defines this name (esbuild `define`); the underscores keep it from meeting any real identifier.
// oxlint-disable-next-line no-underscore-dangle
declare const __COMPANION_UPDATE_URL__: string | undefined;

/** The feed URL from the environment, else from the build; null (off) when neither names an http(s) URL. */
export function updateFeedURL(env: Record<string, string | undefined> = process.env): string | null {
  const buildTime = typeof __COMPANION_UPDATE_URL__ === 'string' ? __COMPANION_UPDATE_URL__ : undefined;
  const raw = env.COMPANION_UPDATE_URL?.trim() || buildTime?.trim();
  if (!raw) return null;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url.href : null;
  } catch {
    return null; // a feed address that is not a URL means no updates, as when none is set
  }
}

/** The part of electron-updater's AppUpdater used here (typed loosely: the module is loaded at run time only). */
interface Updater {
  setFeedURL(options: { provider: 'generic'; url: string }): void;
  checkForUpdatesAndNotify(): Promise<unknown>;
  on(event: 'error', listener: (error: Error) => void): unknown;
}

/** Starts checking for updates when a feed is configured and the app is packaged; returns whether it did. */
export async function startAutoUpdate(options: {
  isPackaged: boolean;
  log: (message: string) => void;
  env?: Record<string, string | undefined>;
}): Promise<boolean> {
  const url = updateFeedURL(options.env);
  if (!url) return false;
  if (!options.isPackaged) {
    options.log(`auto-update: feed ${url} configured, but updates apply to packaged builds only`);
    return false;
  }
  let updater: Updater | undefined;
  try {
    // electron-updater is CommonJS: its `autoUpdater` is a getter that Node's ESM interop may only show on `default`.
    const loaded = (await import('electron-updater')) as unknown as {
      autoUpdater?: Updater;
      default?: { autoUpdater?: Updater };
    };
    updater = loaded.autoUpdater ?? loaded.default?.autoUpdater;
  } catch (error) {
    options.log(`auto-update: electron-updater cannot be loaded (${(error as Error).message})`);
    return false;
  }
  if (!updater) return false;
  updater.on('error', (error) => options.log(`auto-update: ${error.message}`));
  updater.setFeedURL({ provider: 'generic', url });
  await updater.checkForUpdatesAndNotify().catch((error: Error) => options.log(`auto-update: ${error.message}`));
  return true;
}
