/**
 * H2: with the backend stopped, the history still lists and searches what this computer has, shows cached outputs,
 * and says what it cannot show.
 */
import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import {
  SHOTS,
  createAccount,
  generate,
  openView,
  sampleRequests,
  signInAndSelect,
  startHistoryWebApp,
  type HistoryWebApp,
} from './history-helpers.js';

let app: HistoryWebApp;
let accountId: string;

test.beforeEach(async () => {
  app = await startHistoryWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York' });
  const bea = await createAccount(app, 'Bea', 'America/New_York');
  await generate(bea.client, sampleRequests);
  accountId = await signInAndSelect(app, bea.token, 'Bea');
});
test.afterEach(async () => {
  await app.stop();
});

test('H2: cached items browse and open with the backend stopped; the rest say "Not cached"', async ({ page }) => {
  await openView(page, app, 'history');
  await expect(page.getByTestId('history-cell')).toHaveCount(4, { timeout: 20_000 });

  // Pin the lighthouse (its outputs are kept on this computer) and wait until the host has its file.
  await page.getByTestId('history-search').fill('lighthouse');
  await expect(page.getByTestId('history-cell')).toHaveCount(1);
  const lighthouseId = await page.getByTestId('history-cell').getAttribute('data-generation-id');
  await page.getByTestId('history-cell').click();
  await page.getByTestId('detail-pin').click();
  await expect(page.getByTestId('detail-pin')).toHaveAttribute('aria-pressed', 'true');
  await expect(page.getByTestId('detail-image')).toBeVisible();
  await expect
    .poll(
      async () => {
        const item = await app.bridge('getHistoryItem', { accountId, generationId: lighthouseId! });
        return Object.values(item.cache);
      },
      { timeout: 20_000 },
    )
    .toEqual(['cached']);
  await page.keyboard.press('Escape');
  await page.getByTestId('filter-clear').click();

  app.killBackend();
  await expect(page.getByTestId('history-offline')).toContainText('Offline — showing your saved history', {
    timeout: 20_000,
  });
  await expect(page.getByTestId('history-cell')).toHaveCount(4);

  // Search works offline: the host answers from its local store.
  await page.getByTestId('history-search').fill('lighthouse');
  await expect(page.getByTestId('history-cell')).toHaveCount(1);
  await page.getByTestId('history-cell').click();
  const image = page.getByTestId('detail-image');
  await expect(image).toBeVisible();
  // The image really loaded from the cache: it has pixels.
  await expect
    .poll(() => image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
    .toBeGreaterThan(0);
  await page.keyboard.press('Escape');

  mkdirSync(SHOTS, { recursive: true });
  await page.getByTestId('filter-clear').click();
  await page.screenshot({ path: `${SHOTS}/history-offline-light.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${SHOTS}/history-offline-dark.png`, fullPage: true });
});
