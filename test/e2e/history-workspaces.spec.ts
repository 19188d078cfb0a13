/**
 * H1/H2: workspaces in the app, and a change made while the backend is down that reaches it once it is back.
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
  type CompanionClient,
  type HistoryWebApp,
} from './history-helpers.js';

let app: HistoryWebApp;
let bea: { id: string; token: string; client: CompanionClient };

test.beforeEach(async () => {
  app = await startHistoryWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York' });
  bea = await createAccount(app, 'Bea', 'America/New_York');
  await generate(bea.client, sampleRequests);
  await signInAndSelect(app, bea.token, 'Bea');
});
test.afterEach(async () => {
  await app.stop();
});

test('H1: create, rename, fill and empty a workspace', async ({ page }) => {
  await openView(page, app, 'workspaces');
  await page.getByTestId('workspace-name').fill('Spring campaign');
  await page.getByTestId('workspace-create').click();
  await expect(page.getByTestId('workspace-outcome')).toHaveText('Created “Spring campaign”.');
  await expect(page.getByTestId('open-workspace')).toContainText('Spring campaign');
  await expect(page.getByTestId('history-empty')).toBeVisible();

  await page.getByTestId('workspace-rename').click();
  await page.getByTestId('workspace-rename-input').fill('Spring picks');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('workspace-row')).toContainText('Spring picks');

  await page.getByTestId('nav-history').click();
  await expect(page.getByTestId('history-cell')).toHaveCount(4, { timeout: 20_000 });
  await page.getByTestId('history-search').fill('neon');
  await expect(page.getByTestId('history-cell')).toHaveCount(1);
  await page.getByTestId('history-cell').click();
  await page.getByTestId('detail-workspace-select').selectOption({ label: 'Spring picks' });
  await page.getByTestId('detail-add-to-workspace').click();
  await expect(page.getByTestId('detail-outcome')).toHaveText('Added to “Spring picks”.');
  // In every workspace there is: the control names them instead of saying "every".
  await expect(page.getByTestId('detail-in-workspaces')).toHaveText('Already in Spring picks.');
  await page.keyboard.press('Escape');

  await page.getByTestId('nav-workspaces').click();
  await page.getByTestId('workspace-open').first().click();
  await expect(page.getByTestId('history-cell')).toHaveCount(1);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/workspaces-light.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${SHOTS}/workspaces-dark.png`, fullPage: true });

  await page.getByTestId('history-cell').click();
  await page.getByTestId('detail-remove-from-workspace').click();
  await expect(page.getByTestId('detail-outcome')).toHaveText('Removed from “Spring picks”.');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('history-empty')).toBeVisible();

  await page.getByTestId('workspace-delete').click();
  await page.getByTestId('workspace-delete-confirm').click();
  await expect(page.getByTestId('workspaces-empty')).toBeVisible();
});

test('H2: a workspace change made offline is queued and reaches the backend after it comes back', async ({ page }) => {
  await openView(page, app, 'workspaces');
  await page.getByTestId('workspace-name').fill('Offline picks');
  await page.getByTestId('workspace-create').click();
  await expect(page.getByTestId('workspace-outcome')).toHaveText('Created “Offline picks”.');
  // Sent to the backend before it goes away.
  await expect
    .poll(async () => (await bea.client.listWorkspaces()).items.map((w) => w.name), { timeout: 20_000 })
    .toEqual(['Offline picks']);
  await page.getByTestId('nav-history').click();
  await expect(page.getByTestId('history-cell')).toHaveCount(4, { timeout: 20_000 });

  app.killBackend();
  await expect(page.getByTestId('history-offline')).toBeVisible({ timeout: 20_000 });
  await page.getByTestId('history-search').fill('lighthouse');
  await expect(page.getByTestId('history-cell')).toHaveCount(1);
  const generationId = await page.getByTestId('history-cell').getAttribute('data-generation-id');
  await page.getByTestId('history-cell').click();
  await page.getByTestId('detail-workspace-select').selectOption({ label: 'Offline picks' });
  await page.getByTestId('detail-add-to-workspace').click();
  await expect(page.getByTestId('detail-outcome')).toContainText('saved offline');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('pending-changes')).toHaveText(
    '1 change made offline will be sent when the connection returns',
  );

  await app.restartBackend();
  await expect(page.getByTestId('pending-changes')).toBeHidden({ timeout: 30_000 });
  const onServer = await bea.client.listWorkspaces();
  expect(onServer.items.map((w) => [w.name, w.generationIds])).toEqual([['Offline picks', [generationId]]]);
});
