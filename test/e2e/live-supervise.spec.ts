/**
 * The built-in backend is supervised: killed from outside, the host says in plain words that it stopped and is being
 * restarted, starts it again on the same port with the same data, and the dashboard is live again without a reload.
 */
import { expect, test } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import {
  fillGenerateForm,
  openApp,
  openView,
  SCREENSHOTS,
  screenshotBothThemes,
  startWebApp,
  type WebApp,
} from './web-app.js';

let app: WebApp;

test.beforeEach(async () => {
  app = await startWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York', name: 'Ana' });
});
test.afterEach(async () => {
  await app.stop();
});

test('a killed built-in backend is restarted: the dashboard says so in words, then is live with balances again', async ({
  page,
}) => {
  await openApp(page, app);
  const free = page.getByTestId('balance-free');
  await expect(free).toHaveText(/\d/);
  const before = await free.textContent();

  app.killBackend();

  // The restart takes about a second: waitFor follows the page as it changes, so the short message is seen.
  const error = page.getByTestId('connection-error');
  await error
    .filter({ hasText: 'The built-in backend stopped; restarting it (attempt 1)…' })
    .waitFor({ timeout: 10_000 });
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: `${SCREENSHOTS}/dashboard-backend-restarting-light.png` });
  await expect(page.getByTestId('connection-status')).toContainText('Offline');
  // Never a raw error code as the main message: a technical detail sits behind "Technical details" at most.
  expect(await page.getByTestId('connection-status').textContent()).not.toMatch(/ECONN|127\.0\.0\.1/);
  expect(await error.textContent()).not.toMatch(/ECONN|127\.0\.0\.1/);

  // Back without a reload: live, the balances filled, the message gone.
  await expect(page.getByTestId('shell-connection')).toHaveText(/Live/, { timeout: 20_000 });
  // Live is said once, in the top bar: the dashboard's connection panel shows only while the backend is not live.
  await expect(page.getByTestId('connection-status')).toHaveCount(0);
  await expect(error).toHaveCount(0);
  await expect(free).toHaveText(before ?? '');

  // Same port and the same data: the admin API at the address printed at launch answers, and knows the account.
  const snapshot = await app.snapshot();
  expect(snapshot.embedded).toMatchObject({ state: 'running', lastExit: { words: 'its process was killed' } });
  const me = snapshot.accounts[0]?.me;
  expect(me?.name).toBe('Ana');
  await app.moveClock({ advanceS: 1 });
});

test('while the built-in backend is down, Generate says why in words; "Retry now" restarts it at once', async ({
  page,
}) => {
  await app.stop();
  // A long first wait: the backend stays down until the person asks.
  app = await startWebApp({
    testClock: '2026-03-07T20:00:00.000Z',
    timeZone: 'America/New_York',
    name: 'Ana',
    backendRestartDelayMs: 600_000,
  });
  await openApp(page, app);
  app.killBackend();
  await expect(page.getByTestId('connection-error')).toHaveText(
    'The built-in backend stopped; restarting it (attempt 1)…',
    { timeout: 15_000 },
  );
  await expect(page.getByTestId('retry-countdown')).toHaveText('Next automatic retry in 10 minutes');
  await page.setViewportSize({ width: 420, height: 900 });
  await screenshotBothThemes(page, 'dashboard-backend-down-420');
  await page.setViewportSize({ width: 1280, height: 800 });

  await openView(page, 'generate');
  await fillGenerateForm(page, { tool: 'text-to-image', model: 'spark-image', prompt: 'a neon koi fish' });
  const previewError = page.getByTestId('preview-error');
  await expect(previewError).toHaveText(
    'Couldn’t work out the price, so Generate is off. The built-in backend stopped and is being restarted. The price is asked again as soon as the backend answers.',
    { timeout: 15_000 },
  );
  await expect(page.getByTestId('generate-submit')).toBeDisabled();
  await screenshotBothThemes(page, 'generate-backend-down');

  await openView(page, 'dashboard');
  await page.getByTestId('retry-now').click();
  await expect(page.getByTestId('shell-connection')).toHaveText(/Live/, { timeout: 20_000 });
  await expect(page.getByTestId('balance-free')).toHaveText('100');
  await openView(page, 'generate');
  await expect(page.getByTestId('preview-cost')).toHaveText(/credits?$/, { timeout: 15_000 });
  await expect(page.getByTestId('generate-submit')).toBeEnabled();
});
