/** Settings: every change is kept by the host (a reload shows it), web mode explains what it cannot do. */
import { expect, test } from '@playwright/test';
import { openApp, openView, screenshotBothThemes, startWebApp, type WebApp } from './web-app.js';

let app: WebApp;

test.beforeEach(async () => {
  app = await startWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York', name: 'Ana' });
});
test.afterEach(async () => {
  await app.stop();
});

test('settings persist: thresholds, alerts on/off, cache size and theme survive a reload', async ({ page }) => {
  await openApp(page, app);
  await openView(page, 'settings');
  const chips = page.getByTestId('settings-thresholds').getByTestId('threshold-value');
  await expect(chips).toHaveText(['75 %', '90 %', '100 %']);
  await screenshotBothThemes(page, 'settings');

  await page.getByRole('button', { name: 'Remove the 90 % threshold' }).click();
  await expect(chips).toHaveText(['75 %', '100 %']);
  await page.getByLabel('Add a threshold').fill('50');
  await page.getByTestId('settings-threshold-add').click();
  await expect(chips).toHaveText(['50 %', '75 %', '100 %']);
  await page.getByLabel('Add a threshold').fill('150');
  await page.getByTestId('settings-threshold-add').click();
  await expect(page.getByRole('alert')).toHaveText('A threshold is a whole percent from 1 to 100.');

  await page.getByTestId('settings-alerts-enabled').uncheck();
  await expect(page.getByTestId('settings-saved')).toBeVisible();
  await page.getByLabel('Output cache limit').fill('5');
  await page.getByTestId('settings-cache-save').click();
  await expect(page.getByText('Now 5 GiB.')).toBeVisible();
  await page.getByTestId('settings-theme-dark').check();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');

  await page.reload();
  await expect(page.getByTestId('shell-connection')).toHaveText(/Live/);
  await openView(page, 'settings');
  await expect(chips).toHaveText(['50 %', '75 %', '100 %']);
  await expect(page.getByTestId('settings-alerts-enabled')).not.toBeChecked();
  await expect(page.getByLabel('Output cache limit')).toHaveValue('5');
  await expect(page.getByTestId('settings-theme-dark')).toBeChecked();
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('web mode: start at login and the tray are off with the reason; the data folder, shortcuts and notifications are shown', async ({
  page,
}) => {
  await openApp(page, app);
  await openView(page, 'settings');
  await expect(page.getByTestId('settings-start-at-login')).toBeDisabled();
  await expect(page.getByText('Not available in web mode: the browser cannot start the app.')).toBeVisible();
  await expect(page.getByTestId('settings-close-to-tray')).toBeDisabled();
  await expect(page.getByTestId('settings-data-folder')).not.toBeEmpty();
  await expect(page.getByTestId('shortcut-list')).toContainText('Alt+9');
  await expect(page.getByTestId('browser-notifications')).toBeVisible();
  await expect(page.getByRole('button', { name: 'Allow desktop notifications' })).toBeVisible();
  await page.getByTestId('settings-accounts-link').click();
  await expect(page.getByRole('heading', { level: 1, name: 'Accounts' })).toBeVisible();
});
