/**
 * The Accounts view: sign in (a wrong token refused with the host's message, a good one added and switchable), removal
 * with a confirmation that says what is deleted, and the warning about unencrypted tokens.
 */
import { expect, test } from '@playwright/test';
import { openApp, openView, screenshotBothThemes, startWebApp, type WebApp } from './web-app.js';

let app: WebApp;

test.beforeEach(async () => {
  app = await startWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York', name: 'Ana' });
});
test.afterEach(async () => {
  await app.stop();
});

test('signing in: a wrong token is refused with the message; a good one adds the account and the switcher shows it', async ({
  page,
}) => {
  await openApp(page, app);
  await openView(page, 'accounts');
  await expect(page.getByTestId('account-row')).toHaveCount(1);
  await expect(page.getByTestId('account-row').first()).toContainText('Built-in backend on this computer');
  const snapshot = await app.snapshot();
  if (!snapshot.secretsEncrypted) {
    await expect(page.getByTestId('secrets-unencrypted')).toHaveText(
      /On this system tokens are stored without encryption/,
    );
  }
  await screenshotBothThemes(page, 'accounts');

  const wrongToken = 'not-a-real-token-000000';
  await page.getByLabel('Backend address').fill(app.backendURL);
  await page.getByLabel('Token').fill(wrongToken);
  await page.getByTestId('sign-in-submit').click();
  const error = page.getByTestId('sign-in-error');
  await expect(error).toBeVisible();
  await expect(error).toContainText('Sign-in refused:');
  await expect(error).not.toContainText(wrongToken);
  await expect(page.getByTestId('account-row')).toHaveCount(1);
  await screenshotBothThemes(page, 'accounts-sign-in-refused');

  const { token } = await app.createAccount({ name: 'Bo', timeZone: 'Europe/Berlin' });
  await page.getByLabel('Token').fill(token);
  await page.getByLabel('Label (optional)').fill('Studio');
  await page.getByTestId('sign-in-submit').click();
  await expect(page.getByTestId('sign-in-done')).toBeVisible();
  await expect(page.getByLabel('Token')).toHaveValue('');
  await expect(page.getByTestId('account-row')).toHaveCount(2);
  const switcher = page.getByTestId('account-switcher');
  await expect(switcher.locator('option')).toHaveCount(2);
  await expect(switcher.locator('option').nth(1)).toHaveText(/Bo|Studio/);
  // The token is never on screen.
  await expect(page.locator('body')).not.toContainText(token);

  await switcher.selectOption({ index: 1 });
  await openView(page, 'dashboard');
  await expect(page.getByTestId('account-name')).toHaveText('Bo');
  await expect(page.getByTestId('account-timezone')).toHaveText('Europe/Berlin');
  await expect(page.getByTestId('free-resets-at')).toHaveText('Resets at 00:00 on Sun 8 Mar (Europe/Berlin)');
});

test('removing an account asks first, says its secrets and cached files go, and then it is gone', async ({ page }) => {
  const { token } = await app.createAccount({ name: 'Bo', timeZone: 'Europe/Berlin' });
  await app.bridge('signIn', { baseURL: app.backendURL, token, label: 'Bo' });
  await openApp(page, app);
  await openView(page, 'accounts');
  const bo = page.getByTestId('account-row').filter({ hasText: 'Bo' });
  await expect(bo).toHaveCount(1);

  await bo.getByTestId('remove-account').click();
  const dialog = page.getByRole('dialog', { name: 'Remove Bo?' });
  await expect(dialog).toBeVisible();
  await expect(dialog).toContainText('This deletes its token (its secrets) and its cached files');
  await screenshotBothThemes(page, 'accounts-remove');
  // Keeping it is the default (Escape or the focused button).
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(bo).toHaveCount(1);

  await bo.getByTestId('remove-account').click();
  await dialog.getByTestId('confirm-remove').click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('account-row').filter({ hasText: 'Bo' })).toHaveCount(0);
  await expect(page.getByTestId('account-switcher').locator('option')).toHaveCount(1);
});
