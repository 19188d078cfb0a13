/**
 * Damaged files in web mode: the app starts with a settings file that is not JSON and a history store that is not a
 * database, says so in plain words (both files kept aside), and goes on working: the account is live and the History
 * view opens on a fresh store instead of "The offline history is not open".
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { openApp, openView, screenshotBothThemes, startWebApp, type WebApp } from './web-app.js';

let app: WebApp;
test.beforeAll(async () => {
  app = await startWebApp({
    testClock: '2026-03-10T14:00:00.000Z',
    timeZone: 'Europe/Lisbon',
    prepareData: (dataDir) => {
      writeFileSync(join(dataDir, 'settings.json'), '{"theme": "dark", "accounts": [');
      mkdirSync(join(dataDir, 'history'), { recursive: true });
      writeFileSync(join(dataDir, 'history', 'history.sqlite'), Buffer.alloc(8192, 0x5a));
    },
  });
});
test.afterAll(() => app?.stop());

test('the user is told which files could not be read and what was kept, and the app goes on', async ({ page }) => {
  await openApp(page, app);
  const notices = page.getByTestId('file-notice');
  await expect(notices).toHaveCount(2);
  await expect(
    notices.filter({ hasText: 'Your settings file could not be read, so your settings are back to their defaults.' }),
  ).toContainText(/kept as settings\.json\.damaged-/);
  await expect(
    notices.filter({ hasText: 'The offline history could not be opened, so a new one was started' }),
  ).toContainText(/kept as history\.sqlite\.damaged-/);
  await screenshotBothThemes(page, 'damaged-files');

  await openView(page, 'history');
  await expect(page.getByText('The offline history is not open')).toHaveCount(0);

  await notices.first().getByRole('button', { name: 'Dismiss' }).click();
  await expect(notices).toHaveCount(1);
});
