/**
 * The preload: exposes `window.companion` (the bridge interface of shared/bridge.ts) as named methods, one per bridge
 * method, and event subscriptions. Nothing else: no ipcRenderer, no raw channels.
 */
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { bridgeEventNames, bridgeMethodNames, ipcChannel, ipcEventChannel, type BridgeEventName } from '../../shared/bridge.js';

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

contextBridge.exposeInMainWorld('companion', api);
