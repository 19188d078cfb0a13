/**
 * Electron main: a thin shell around the host services. It makes the window (context isolation, sandbox, no Node in
 * the renderer, strict CSP, no navigation or pop-ups), wires the bridge to IPC with sender and payload checks, runs the
 * embedded backend in a utilityProcess and keeps one instance of the app.
 */
import { app, BrowserWindow, ipcMain, safeStorage, session, shell, utilityProcess, type IpcMainInvokeEvent } from 'electron';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bridgeMethodNames, ipcChannel, ipcEventChannel } from '../../shared/bridge.js';
import { dispatchBridgeCall } from '../host/bridge-dispatch.js';
import { CompanionHost } from '../host/companion-host.js';
import type { BackendLauncher } from '../host/embedded-backend.js';
import { CONTENT_SECURITY_POLICY } from '../web/server.js';
import { isSafeExternalURL } from './external-links.js';

const distDir = fileURLToPath(new URL('..', import.meta.url));
const rendererIndex = join(distDir, 'renderer', 'index.html');
const rendererURL = pathToFileURL(rendererIndex).href;

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void main();
}

const utilityLauncher: BackendLauncher = (args) => {
  const child = utilityProcess.fork(join(distDir, 'backend', 'cli.mjs'), args, { stdio: 'pipe', serviceName: 'Companion backend' });
  return {
    stdout: child.stdout,
    stderr: child.stderr,
    kill: () => child.kill(),
    once: (event, listener) => child.once(event, listener),
  };
};

async function main(): Promise<void> {
  await app.whenReady();
  const host = new CompanionHost({
    dataDir: app.getPath('userData'),
    launchBackend: utilityLauncher,
    cipher: safeStorage,
    embeddedTestClock: process.env.COMPANION_TEST_CLOCK,
  });

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CONTENT_SECURITY_POLICY] } });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) => callback(permission === 'notifications'));

  for (const method of bridgeMethodNames) {
    ipcMain.handle(ipcChannel(method), (event: IpcMainInvokeEvent, payload: unknown) => {
      if (!isOwnFrame(event)) return { ok: false, error: { code: 'invalid_request', message: 'Calls are accepted from the app window only' } };
      return dispatchBridgeCall(host.handlers, method, payload);
    });
  }

  let window: BrowserWindow | null = null;
  const createWindow = () => {
    window = new BrowserWindow({
      width: 1200,
      height: 820,
      minWidth: 720,
      minHeight: 520,
      title: 'Creator Companion',
      show: false,
      webPreferences: {
        preload: join(distDir, 'electron', 'preload.cjs'),
        contextIsolation: true,
        sandbox: true,
        nodeIntegration: false,
        webSecurity: true,
        spellcheck: false,
      },
    });
    window.once('ready-to-show', () => window?.show());
    window.webContents.setWindowOpenHandler(({ url }) => {
      if (isSafeExternalURL(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    window.webContents.on('will-navigate', (event, url) => {
      if (url !== rendererURL) event.preventDefault();
    });
    window.on('closed', () => {
      window = null;
    });
    void window.loadFile(rendererIndex);
  };

  host.on('snapshot', (snapshot) => window?.webContents.send(ipcEventChannel('snapshot'), snapshot));
  app.on('second-instance', () => {
    if (!window) return createWindow();
    if (window.isMinimized()) window.restore();
    window.focus();
  });
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });
  app.on('activate', () => {
    if (!window) createWindow();
  });
  app.on('before-quit', () => void host.stop());

  createWindow();
  await host.start();
}

/** Only the app's own top frame, loaded from the packaged renderer, may call the bridge (VS Code's validatedIpcMain). */
function isOwnFrame(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return !!frame && frame === event.sender.mainFrame && frame.url.split('#')[0] === rendererURL;
}
