/**
 * The renderer's only way out: `window.companion`, defined by the preload in Electron and by the web shim in a browser.
 */
import type { CompanionBridge } from '../../../shared/bridge.js';

declare global {
  interface Window {
    companion: CompanionBridge;
  }
}

/** The bridge, read at call time so that the web shim installed at start-up is the one used. */
export function companion(): CompanionBridge {
  return window.companion;
}
