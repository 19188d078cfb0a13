/**
 * The preload: exposes `window.companion` (the bridge interface of shared/bridge.ts) as named methods, one per bridge
 * method, event subscriptions, and `mediaURL` (a `companion-media:` URL, served by main from the output cache).
 * Nothing else: no ipcRenderer, no raw channels.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import {
  bridgeEventNames,
  bridgeMethodNames,
  ipcChannel,
  ipcEventChannel,
  mediaPath,
  type BridgeEventName,
} from '../../shared/bridge.js';
import { MEDIA_SCHEME } from '../web/content-security.js';

const api: Record<string, unknown> = {};
for (const method of bridgeMethodNames) {
  api[method] = (input: unknown) => ipcRenderer.invoke(ipcChannel(method), input);
}
api.on = (event: BridgeEventName, listener: (payload: unknown) => void) => {
  if (!bridgeEventNames.includes(event)) throw new Error(`Unknown event ${String(event)}`);
  const wrapped = (_event: IpcRendererEvent, payload: unknown) => listener(payload);
  ipcRenderer.on(ipcEventChannel(event), wrapped);
  return () => ipcRenderer.removeListener(ipcEventChannel(event), wrapped);
};
api.mediaURL = (accountId: string, outputId: string, variant: 'thumb' | 'full') => {
  if (variant !== 'thumb' && variant !== 'full') throw new Error(`Unknown media variant ${String(variant)}`);
  return `${MEDIA_SCHEME}://media/${mediaPath(String(accountId), String(outputId), variant)}`;
};

contextBridge.exposeInMainWorld('companion', api);
