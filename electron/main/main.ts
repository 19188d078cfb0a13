/**
 * Electron main: a thin shell around the host services. It makes the window (context isolation, sandbox, no Node in
 * the renderer, strict CSP, no navigation or pop-ups), wires the bridge to IPC with sender and payload checks, runs the
 * embedded backend in a utilityProcess, serves cached outputs on the `companion-media:` protocol, keeps a tray with
 * the balances, turns host alerts into system notifications, and keeps one instance of the app.
 */
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Notification,
  protocol,
  safeStorage,
  session,
  shell,
  utilityProcess,
  type IpcMainInvokeEvent,
} from 'electron';
import { copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { bridgeMethodNames, ipcChannel, ipcEventChannel, type Alert, type HostSnapshot } from '../../shared/bridge.js';
import { dispatchBridgeCall } from '../host/bridge-dispatch.js';
import { CompanionHost, type SaveOutput } from '../host/companion-host.js';
import type { BackendLauncher } from '../host/embedded-backend.js';
import { createMediaFetchHandler } from '../host/media-file.js';
import type { SecretCipher } from '../host/secrets.js';
import { ELECTRON_CONTENT_SECURITY_POLICY, MEDIA_SCHEME } from '../web/content-security.js';
import { startAutoUpdate } from './auto-update.js';
import { isSafeExternalURL } from './external-links.js';
import { CompanionTray } from './tray.js';

const distDir = fileURLToPath(new URL('..', import.meta.url));
const rendererIndex = join(distDir, 'renderer', 'index.html');
const rendererURL = pathToFileURL(rendererIndex).href;

// Before the app is ready: `companion-media://media/<account>/<output>/<thumb|full>` behaves like https for the page
// (fetch, streaming, secure context), so <img> and <video> load cached outputs from it.
protocol.registerSchemesAsPrivileged([
  { scheme: MEDIA_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, stream: true } },
]);

if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  void main();
}

const utilityLauncher: BackendLauncher = (args, env) => {
  const child = utilityProcess.fork(join(distDir, 'backend', 'cli.mjs'), args, {
    stdio: 'pipe',
    serviceName: 'Companion backend',
    env: { ...process.env, ...env },
  });
  return {
    stdout: child.stdout,
    stderr: child.stderr,
    kill: () => child.kill(),
    once: (event, listener) => child.once(event, listener),
  };
};

/**
 * safeStorage as the host's cipher. On Linux without a keyring Electron falls back to a fixed key ("basic_text"),
 * which is no protection: that counts as no encryption, so the UI warns.
 */
const keychainCipher: SecretCipher = {
  isEncryptionAvailable: () =>
    safeStorage.isEncryptionAvailable() &&
    !(process.platform === 'linux' && safeStorage.getSelectedStorageBackend() === 'basic_text'),
  encryptString: (plain) => safeStorage.encryptString(plain),
  decryptString: (encrypted) => safeStorage.decryptString(encrypted),
};

async function main(): Promise<void> {
  await app.whenReady();
  let window: BrowserWindow | null = null;
  let tray: CompanionTray | null = null;
  let quitting = false;

  const saveOutput: SaveOutput = async (file) => {
    const options = { defaultPath: join(app.getPath('downloads'), file.suggestedName) };
    const answer = window ? await dialog.showSaveDialog(window, options) : await dialog.showSaveDialog(options);
    if (answer.canceled || !answer.filePath) return null;
    await copyFile(file.path, answer.filePath);
    return answer.filePath;
  };

  const host = new CompanionHost({
    dataDir: app.getPath('userData'),
    launchBackend: utilityLauncher,
    cipher: keychainCipher,
    // Login items exist on macOS and Windows only.
    platform: {
      kind: 'electron',
      tray: true,
      startAtLogin: process.platform === 'darwin' || process.platform === 'win32',
    },
    saveOutput,
    embeddedTestClock: process.env.COMPANION_TEST_CLOCK,
  });

  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({
      responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [ELECTRON_CONTENT_SECURITY_POLICY] },
    });
  });
  session.defaultSession.setPermissionRequestHandler((_contents, permission, callback) =>
    callback(permission === 'notifications'),
  );
  protocol.handle(
    MEDIA_SCHEME,
    createMediaFetchHandler(host.history, { 'content-security-policy': ELECTRON_CONTENT_SECURITY_POLICY }),
  );

  for (const method of bridgeMethodNames) {
    ipcMain.handle(ipcChannel(method), (event: IpcMainInvokeEvent, payload: unknown) => {
      if (!isOwnFrame(event))
        return {
          ok: false,
          error: { code: 'invalid_request', message: 'Calls are accepted from the app window only' },
        };
      return dispatchBridgeCall(host.handlers, method, payload);
    });
  }

  const createWindow = () => {
    const created = new BrowserWindow({
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
    window = created;
    created.once('ready-to-show', () => created.show());
    created.webContents.setWindowOpenHandler(({ url }) => {
      if (isSafeExternalURL(url)) void shell.openExternal(url);
      return { action: 'deny' };
    });
    created.webContents.on('will-navigate', (event, url) => {
      if (url !== rendererURL) event.preventDefault();
    });
    // Closing the window keeps the app in the tray (Quit is in the tray menu), unless the user turned that off.
    created.on('close', (event) => {
      if (!quitting && tray && host.settings.get('closeToTray')) {
        event.preventDefault();
        created.hide();
      }
    });
    created.on('closed', () => {
      if (window === created) window = null;
    });
    void created.loadFile(rendererIndex);
  };

  const showWindow = () => {
    if (!window) return createWindow();
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  };

  tray = new CompanionTray(
    { appPath: app.getAppPath(), resourcesPath: process.resourcesPath },
    {
      open: showWindow,
      selectAccount: (accountId) => void dispatchBridgeCall(host.handlers, 'selectAccount', { accountId }),
      quit: () => app.quit(),
    },
  );

  // Start at login (macOS, Windows): follows the setting, asked of the system once and then on changes only.
  let loginItem: boolean | null = null;
  const applyStartAtLogin = (snapshot: HostSnapshot) => {
    if (!snapshot.platform.startAtLogin) return;
    const wanted = snapshot.settings.startAtLogin;
    loginItem ??= app.getLoginItemSettings().openAtLogin;
    if (loginItem === wanted) return;
    app.setLoginItemSettings({ openAtLogin: wanted });
    loginItem = wanted;
  };

  // Shown notifications are kept until closed: one collected too early loses its click handler.
  const notifications = new Set<Notification>();
  const notify = (alert: Alert) => {
    if (!Notification.isSupported()) return;
    const notification = new Notification({ title: alert.title, body: alert.body });
    notifications.add(notification);
    notification.on('click', () => {
      notifications.delete(notification);
      showWindow();
    });
    notification.on('close', () => notifications.delete(notification));
    notification.show();
  };

  host.on('snapshot', (snapshot) => {
    window?.webContents.send(ipcEventChannel('snapshot'), snapshot);
    tray?.update(snapshot);
    applyStartAtLogin(snapshot);
  });
  host.on('alert', (alert) => {
    window?.webContents.send(ipcEventChannel('alert'), alert);
    notify(alert);
  });

  app.on('second-instance', showWindow);
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-attach-webview', (event) => event.preventDefault());
  });
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin' && !(tray && host.settings.get('closeToTray'))) app.quit();
  });
  app.on('activate', showWindow);

  // Quitting waits for the host to stop: the embedded backend drains and the history closes its store.
  let stopped = false;
  let stopping = false;
  app.on('before-quit', (event) => {
    quitting = true;
    if (stopped) return;
    event.preventDefault();
    if (stopping) return;
    stopping = true;
    void host
      .stop()
      .catch((error: unknown) => host.log.warn('host-stop', error, 'The host did not stop cleanly; quitting anyway'))
      .finally(() => {
        stopped = true;
        tray?.destroy();
        tray = null;
        app.quit();
      });
  });

  createWindow();
  await host.start();
  void startAutoUpdate({ isPackaged: app.isPackaged, log: (message) => console.log(message) });
}

/** Only the app's own top frame, loaded from the packaged renderer, may call the bridge (VS Code's validatedIpcMain). */
function isOwnFrame(event: IpcMainInvokeEvent): boolean {
  const frame = event.senderFrame;
  return !!frame && frame === event.sender.mainFrame && frame.url.split('#')[0] === rendererURL;
}
