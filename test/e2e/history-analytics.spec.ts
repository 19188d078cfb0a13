/**
 * C10: usage by day, tool and model with filters, the chart and its table, and the CSV export.
 */
import { expect, test } from '@playwright/test';
import { mkdirSync, readFileSync } from 'node:fs';
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

test('C10: grouping by tool, then filtering one tool, changes the chart, the table and the CSV', async ({ page }) => {
  await openView(page, app, 'analytics');
  // 6 + 24 + 4 credits; the blocked one was refunded and counts as a request only.
  await expect(page.getByTestId('total-credits')).toHaveText('34', { timeout: 20_000 });
  await expect(page.getByTestId('total-requests')).toHaveText('4');
  // A credit plan spends no plan generations: no figure, series or column of zeros for them.
  await expect(page.getByTestId('usage-totals')).not.toContainText('Plan generations used');
  await expect(page.getByTestId('series')).not.toContainText('Generations');

  await page.getByRole('radio', { name: 'Tool', exact: true }).check();
  await expect(page.getByTestId('usage-row')).toHaveCount(2);
  await expect(page.getByTestId('usage-chart')).toHaveAttribute('data-bars', '2');
  await expect(page.locator('[data-testid="usage-row"][data-key="text-to-image"]')).toContainText('30');
  await expect(page.getByTestId('usage-table').locator('thead th')).toHaveText(['Tool', 'Credits', 'Requests']);

  const all = page.waitForEvent('download');
  await page.getByTestId('usage-csv').click();
  const allCsv = readFileSync((await (await all).path())!, 'utf8');
  expect(allCsv).toBe(
    'Tool id,Tool,Credits,Generations,Requests\r\ntext-to-image,Text to image,30,0,3\r\ntext-to-speech,Text to speech,4,0,1\r\nTotal,,34,0,4\r\n',
  );

  await page.getByTestId('analytics-tool').selectOption('text-to-speech');
  await expect(page.getByTestId('usage-row')).toHaveCount(1);
  await expect(page.getByTestId('usage-chart')).toHaveAttribute('data-bars', '1');
  await expect(page.getByTestId('usage-chart')).toHaveAttribute('aria-label', /4 in all/);
  const one = page.waitForEvent('download');
  await page.getByTestId('usage-csv').click();
  const oneCsv = readFileSync((await (await one).path())!, 'utf8');
  expect(oneCsv).toBe(
    'Tool id,Tool,Credits,Generations,Requests\r\ntext-to-speech,Text to speech,4,0,1\r\nTotal,,4,0,1\r\n',
  );

  // C8: the blocked generation is in the refund audit, with what it was charged and what came back.
  await page.getByTestId('analytics-tool').selectOption('');
  await expect(page.getByTestId('refund-row')).toHaveCount(1);
  const cells = page.getByTestId('refund-row').locator('td');
  await expect(cells.nth(2)).toContainText('Blocked by moderation');
  await expect(cells.nth(3)).toHaveText('6 free');
  await expect(cells.nth(4)).toHaveText('6 free');
  await expect(cells.nth(5)).toHaveText('0');

  await page.getByRole('radio', { name: 'Day', exact: true }).check();
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/analytics-light.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${SHOTS}/analytics-dark.png`, fullPage: true });
});
