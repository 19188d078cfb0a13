/**
 * Web mode's access secret: a page opened with a secret from an earlier launch, or from an address that lost its
 * secret (a bookmark), says so in words and points to the new address; a first visit without one says that.
 */
import { expect, test } from '@playwright/test';
import { openApp, screenshotBothThemes, startWebApp, type WebApp } from './web-app.js';

let app: WebApp;

test.beforeEach(async () => {
  app = await startWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York', name: 'Ana' });
});
test.afterEach(async () => {
  await app.stop();
});

test('a secret from an earlier launch, a bookmark without one, and a first visit without one are told apart', async ({
  browser,
  page,
}) => {
  const origin = new URL(app.openURL).origin;

  // A first visit to the bare address, in a browser that never opened the app.
  await page.goto(`${origin}/`);
  const panel = page.getByTestId('bridge-unavailable');
  await expect(panel.getByRole('heading')).toHaveText('This address has no access secret');
  await expect(page.getByTestId('bridge-error')).toContainText('This page was opened without its access secret');

  // The app opened properly once; later a bookmark (the address without its secret) is opened in a new tab.
  // (a new tab: changing only the fragment of an open page loads nothing)
  await openApp(await page.context().newPage(), app);
  const bookmark = await page.context().newPage();
  await bookmark.goto(`${origin}/`);
  await expect(bookmark.getByTestId('bridge-unavailable').getByRole('heading')).toHaveText(
    'This address has no access secret',
  );
  await expect(bookmark.getByTestId('bridge-error')).toContainText(
    'a bookmark or a copied address keeps only its first part',
  );
  await expect(bookmark.getByTestId('bridge-error')).toContainText(
    'Open the full address printed by “npm run web” this time',
  );

  // An old address, with the secret of an earlier launch.
  const old = await browser.newPage();
  await old.goto(`${origin}/#secret=secret-of-yesterdays-launch`);
  await expect(old.getByTestId('bridge-unavailable').getByRole('heading')).toHaveText(
    'This address is from an earlier launch',
  );
  await expect(old.getByTestId('bridge-error')).toContainText('from an earlier launch of Creator Companion');
  await expect(old.getByTestId('bridge-error')).toContainText('Open the new address it printed');
  await expect(old.getByRole('button', { name: 'Try again' })).toHaveCount(0);
  await screenshotBothThemes(old, 'web-stale-secret');
  await old.close();
});
