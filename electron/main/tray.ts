/**
 * The tray: the selected account's balance and next reset in the tooltip, every account's line in the menu (a click
 * selects that account and opens the window), Open and Quit. The words come from the host (trayStatus); this file only
 * puts them on screen, and only when they change.
 */
import { Menu, Tray, nativeImage } from 'electron';
import type { HostSnapshot } from '../../shared/bridge.js';
import { APP_NAME, trayStatus } from '../host/display-text.js';
import { trayIconSource } from './tray-icon.js';

export interface CompanionTrayActions {
  open(): void;
  selectAccount(accountId: string): void;
  quit(): void;
}

export class CompanionTray {
  readonly #tray: Tray;
  #shown = '';

  constructor(
    options: { appPath: string; resourcesPath: string | undefined },
    private readonly actions: CompanionTrayActions,
  ) {
    const source = trayIconSource(options.appPath, options.resourcesPath);
    const image =
      'path' in source ? nativeImage.createFromPath(source.path) : nativeImage.createFromDataURL(source.dataURL);
    this.#tray = new Tray(image.resize({ width: 16, height: 16 }));
    this.#tray.setToolTip(APP_NAME);
    // Windows and Linux open on a click; macOS shows the menu.
    this.#tray.on('click', () => {
      if (process.platform !== 'darwin') actions.open();
    });
    this.update(null);
  }

  update(snapshot: HostSnapshot | null): void {
    const status = snapshot ? trayStatus(snapshot) : { tooltip: APP_NAME, accounts: [] };
    const shown = JSON.stringify(status);
    if (shown === this.#shown) return;
    this.#shown = shown;
    this.#tray.setToolTip(status.tooltip);
    this.#tray.setContextMenu(
      Menu.buildFromTemplate([
        { label: `Open ${APP_NAME}`, click: () => this.actions.open() },
        ...(status.accounts.length > 0 ? [{ type: 'separator' as const }] : []),
        ...status.accounts.map((account) => ({
          label: account.line,
          type: 'radio' as const,
          checked: account.selected,
          click: () => {
            this.actions.selectAccount(account.id);
            this.actions.open();
          },
        })),
        { type: 'separator' },
        { label: 'Quit', click: () => this.actions.quit() },
      ]),
    );
  }

  destroy(): void {
    this.#tray.destroy();
  }
}
