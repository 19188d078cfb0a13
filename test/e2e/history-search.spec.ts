/**
 * H1: the history of an account, searched and filtered, in the real app (web mode, host, embedded backend).
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

test.beforeEach(async () => {
  app = await startHistoryWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York' });
  const bea = await createAccount(app, 'Bea', 'America/New_York');
  await generate(bea.client, sampleRequests);
  await signInAndSelect(app, bea.token, 'Bea');
});
test.afterEach(async () => {
  await app.stop();
});

test('H1: every generation is listed; the prompt search and the filters narrow the grid', async ({ page }) => {
  await openView(page, app, 'history');
  await expect(page.getByTestId('history-count')).toHaveText('4 generations', { timeout: 20_000 });
  await expect(page.getByTestId('history-cell')).toHaveCount(4);

  await page.getByTestId('history-search').fill('lighthouse');
  await expect(page.getByTestId('history-count')).toHaveText('1 matching generation');
  await expect(page.getByTestId('history-cell')).toHaveCount(1);
  await expect(page.getByTestId('history-cell')).toHaveAttribute('aria-label', /Spark Image.*lighthouse/);

  await page.getByTestId('filter-clear').click();
  await expect(page.getByTestId('history-count')).toHaveText('4 generations');
  await page.getByTestId('filter-tool').selectOption('text-to-speech');
  await expect(page.getByTestId('history-cell')).toHaveCount(1);
  await expect(page.getByTestId('history-cell')).toHaveAttribute('aria-label', /Voice TTS/);

  await page.getByTestId('filter-tool').selectOption('');
  await page.getByTestId('filter-status').selectOption('blocked');
  await expect(page.getByTestId('history-cell')).toHaveCount(1);
  await expect(page.getByTestId('history-cell')).toHaveAttribute('aria-label', /Blocked by moderation/);

  await page.getByTestId('filter-status').selectOption('');
  await page.getByTestId('filter-model').selectOption('vivid-image');
  await expect(page.getByTestId('history-cell')).toHaveCount(1);

  // Dates are local days in the account's zone: 20:00Z on 7 Mar is 15:00 on 7 Mar in New York.
  await page.getByTestId('filter-model').selectOption('');
  await page.getByTestId('filter-from').fill('2026-03-08');
  await expect(page.getByTestId('history-empty')).toBeVisible();
  await page.getByTestId('filter-from').fill('2026-03-07');
  await page.getByTestId('filter-to').fill('2026-03-07');
  await expect(page.getByTestId('history-count')).toHaveText('4 matching generations');
});

test('H1: the detail panel opens from the keyboard, shows cost and balances, and Esc gives focus back to the grid', async ({
  page,
}) => {
  await openView(page, app, 'history');
  await expect(page.getByTestId('history-cell')).toHaveCount(4, { timeout: 20_000 });
  await page.getByTestId('history-search').fill('neon');
  await expect(page.getByTestId('history-cell')).toHaveCount(1);
  await page.getByTestId('history-grid').focus();
  await page.keyboard.press('Enter');
  const detail = page.getByTestId('history-detail');
  await expect(detail).toBeVisible();
  await expect(page.getByTestId('detail-prompt')).toHaveText('neon city street in the rain');
  await expect(page.getByTestId('detail-cost')).toContainText('24 credits');
  await expect(page.getByTestId('detail-cost')).toContainText('24 free');
  await expect(page.getByTestId('detail-cost-per-output')).toHaveText('24 credits per image');
  await expect(page.getByTestId('detail-close')).toBeFocused();
  await expect(page.getByTestId('detail-image')).toBeVisible();
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/history-detail-light.png` });
  await page.keyboard.press('Escape');
  await expect(detail).toBeHidden();
  await expect(page.getByTestId('history-grid')).toBeFocused();
});

test('H1: re-running a generation charges it again and it joins the history', async ({ page }) => {
  await openView(page, app, 'history');
  await expect(page.getByTestId('history-cell')).toHaveCount(4, { timeout: 20_000 });
  await page.getByTestId('history-search').fill('lighthouse');
  await expect(page.getByTestId('history-cell')).toHaveCount(1);
  await page.getByTestId('history-cell').click();
  await page.getByTestId('detail-rerun').click();
  const confirm = page.getByRole('dialog', { name: 'Re-run this generation?' });
  await confirm.getByRole('button', { name: /^Re-run for \d+ credits?$/ }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId('detail-outcome')).toContainText('Re-run started');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('history-count')).toHaveText('2 matching generations', { timeout: 20_000 });
});

test('screenshots: the history in light and dark', async ({ page }) => {
  mkdirSync(SHOTS, { recursive: true });
  for (const theme of ['light', 'dark'] as const) {
    await openView(page, app, 'history', theme);
    await expect(page.getByTestId('history-cell')).toHaveCount(4, { timeout: 20_000 });
    await page.screenshot({ path: `${SHOTS}/history-${theme}.png`, fullPage: true });
  }
});
