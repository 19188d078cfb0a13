/**
 * E1/E2: the estimator's worked example and recommendation in the app, offline too (it is pure shared code).
 */
import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import {
  SHOTS,
  createAccount,
  generate,
  openView,
  signInAndSelect,
  startHistoryWebApp,
  type HistoryWebApp,
} from './history-helpers.js';

let app: HistoryWebApp;

test.beforeEach(async () => {
  app = await startHistoryWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York' });
});
test.afterEach(async () => {
  await app.stop();
});

test('E1/E2: the worked example is 62,040 credits a month, 77,550 with 25 %, and Ultimate is recommended', async ({
  page,
}) => {
  await openView(page, app, 'estimator');
  await expect(page.getByTestId('estimate-credits')).toHaveText('62,040');
  await expect(page.getByTestId('estimate-credits-buffered')).toHaveText('77,550');
  await expect(page.getByTestId('estimate-generations')).toHaveText('880');
  await expect(page.getByTestId('recommended-plan')).toHaveText('Ultimate');
  await expect(page.locator('[data-plan-id="ultra"] [data-testid="plan-topups"]')).toHaveText('59,350 credits');
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/estimator-light.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${SHOTS}/estimator-dark.png`, fullPage: true });

  // The buffer slider: 20 % makes 74,448.
  const slider = page.getByTestId('buffer-slider');
  await slider.focus();
  for (let i = 0; i < 5; i += 1) await page.keyboard.press('ArrowLeft');
  await expect(page.getByTestId('buffer-value')).toHaveText('20 %');
  await expect(page.getByTestId('estimate-credits-buffered')).toHaveText('74,448');
});

test('E2: small use is recommended the free plan, and the estimator works with the backend stopped', async ({
  page,
}) => {
  await openView(page, app, 'estimator');
  app.killBackend();
  const rows = page.getByTestId('estimator-row');
  await rows.nth(1).getByTestId('row-remove').click();
  await rows.nth(0).getByTestId('row-model').selectOption('spark-image');
  await rows.nth(0).getByTestId('row-uses').fill('5');
  // 5 x 6 x 22 = 660 credits, 825 with 25 %: the daily free credits (100 on each of 22 days) pay it.
  await expect(page.getByTestId('estimate-credits')).toHaveText('660');
  await expect(page.getByTestId('recommended-plan')).toHaveText('Free');
});

test('E2: "Start from my last 30 days" fills the rows from the account\'s own use', async ({ page }) => {
  // The host counts the last 30 days back from its own clock: the backend's test clock starts at the real time here.
  await app.stop();
  app = await startHistoryWebApp({ testClock: new Date().toISOString(), timeZone: 'America/New_York' });
  const bea = await createAccount(app, 'Bea', 'America/New_York');
  await generate(bea.client, [
    { tool: 'text-to-image', modelId: 'spark-image', prompt: 'one', settings: { outputs: 2 } },
    { tool: 'text-to-image', modelId: 'spark-image', prompt: 'two', settings: { outputs: 2 } },
    { tool: 'text-to-speech', modelId: 'voice-tts', prompt: 'three', settings: { outputs: 1, durationS: 30 } },
    // 48 credits: the same as one HD output, which an average of the cost alone would have guessed.
    { tool: 'text-to-image', modelId: 'vivid-image', prompt: 'four', settings: { outputs: 2, quality: 'standard' } },
  ]);
  await signInAndSelect(app, bea.token, 'Bea');
  await openView(page, app, 'estimator');
  await expect(async () => {
    await page.getByTestId('estimator-recent').click();
    await expect(page.getByTestId('estimator-source')).toContainText(
      'Filled from your last 30 days: 4 Generate actions on 3 models.',
      { timeout: 2_000 },
    );
  }).toPass({ timeout: 20_000 });
  await expect(page.getByTestId('estimator-row')).toHaveCount(3);
  // The settings each really ran with: the vivid image stays "Standard, 2 outputs".
  const settings = await page
    .getByTestId('estimator-row')
    .evaluateAll((rows) =>
      rows.map((row) =>
        [...row.querySelectorAll('select')].map((select) => select.selectedOptions[0]?.textContent ?? ''),
      ),
    );
  expect(settings).toContainEqual(expect.arrayContaining(['Vivid Image', 'Standard', '2 outputs']));
  // 2 uses of 2 spark outputs (12 each) + 1 voice clip (4) + 2 vivid outputs (48) = 76 credits a month.
  await expect(page.getByTestId('estimate-credits')).toHaveText('76');
});
