/**
 * Alerts never cover controls and leave when their fact stops being true: several alerts at once leave the navigation
 * clickable, at most three are shown with the rest counted, Escape dismisses the focused one, and "Today's free credits
 * are used up" goes away once the account's midnight has passed and the balance is 100 again.
 */
import { expect, test, type Page } from '@playwright/test';
import type { GenerationRequest } from '../../shared/api.js';
import { openApp, openView, screenshotBothThemes, startWebApp, type WebApp } from './web-app.js';

let app: WebApp;

test.beforeEach(async () => {
  // 15:00 in New York; its midnight is 05:00Z the next day.
  app = await startWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York', name: 'Ana' });
});
test.afterEach(async () => {
  await app.stop();
});

/** Spends free credits through the host (the scene, not the behaviour under test) and waits for the balance. */
async function spend(
  accountId: string,
  freeAfter: number,
  modelId: string,
  tool: GenerationRequest['tool'],
  outputs = 1,
): Promise<void> {
  await app.bridge('createGeneration', {
    accountId,
    request: { tool, modelId, prompt: `spend down to ${freeAfter}`, settings: { outputs } },
  });
  await expect
    .poll(async () => (await app.snapshot()).accounts[0]?.balance?.credits.free.amount, { timeout: 15_000 })
    .toBe(freeAfter);
}

const thresholdToasts = (page: Page) => page.locator('[data-testid="toast"][data-alert-id^="threshold:"]');

test('several alerts leave the navigation clickable; the used-up alert leaves after local midnight', async ({
  page,
}) => {
  const accountId = (await app.snapshot()).accounts[0]!.id;
  await openApp(page, app);
  await openView(page, 'dashboard');

  // 75 %, 90 % and 100 % of today's free credits, one step at a time: three warnings, plus "result ready" toasts.
  await spend(accountId, 28, 'vivid-image', 'text-to-image', 3);
  await spend(accountId, 22, 'spark-image', 'text-to-image');
  await expect(thresholdToasts(page)).toHaveCount(1, { timeout: 15_000 });
  await spend(accountId, 16, 'spark-image', 'text-to-image');
  await spend(accountId, 10, 'spark-image', 'text-to-image');
  await expect(thresholdToasts(page)).toHaveCount(2, { timeout: 15_000 });
  await spend(accountId, 4, 'spark-image', 'text-to-image');
  await spend(accountId, 0, 'voice-tts', 'text-to-speech');
  await expect(page.getByTestId('toasts')).toContainText("Today's free credits are used up", { timeout: 15_000 });
  await expect(page.getByTestId('toasts')).toContainText(/they reset at 00:00 on Sun 8 Mar\./);
  await expect(page.getByTestId('toast')).toHaveCount(3);
  await expect(page.getByTestId('toasts-dismiss-all')).toBeVisible();
  await screenshotBothThemes(page, 'alerts-stacked');

  // Nothing lies over the navigation: a person's click on Settings reaches it.
  const nav = await page.getByRole('navigation', { name: 'Main' }).boundingBox();
  const toasts = await page.getByTestId('toasts').boundingBox();
  expect(
    nav &&
      toasts &&
      (toasts.x >= nav.x + nav.width || toasts.y >= nav.y + nav.height || nav.x >= toasts.x + toasts.width),
  ).toBeTruthy();
  await page.getByTestId('nav-settings').click();
  await expect(page.getByTestId('nav-settings')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeVisible();
  await page.getByTestId('nav-generate').click();
  await expect(page.getByTestId('nav-generate')).toHaveAttribute('aria-current', 'page');

  // Narrow, the alerts stay in the flow and inside the width (no sideways scroll), the navigation still clickable.
  const wide = page.viewportSize()!;
  await page.setViewportSize({ width: 420, height: 900 });
  await screenshotBothThemes(page, 'alerts-stacked-420');
  expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(420);
  await openView(page, 'queue');
  await page.setViewportSize(wide);

  // Past the account's midnight the free credits are 100 again: the alerts about today's use are no longer true.
  await openView(page, 'dashboard');
  await app.moveClock({ now: '2026-03-08T06:00:00.000Z' });
  await expect(page.getByTestId('balance-free')).toHaveText('100', { timeout: 15_000 });
  await expect(thresholdToasts(page)).toHaveCount(0, { timeout: 5_000 });
  await expect(page.getByTestId('toasts')).not.toContainText('free credits');
});

test('at most three alerts are shown, the rest counted; Escape dismisses the focused one', async ({ page }) => {
  const accountId = (await app.snapshot()).accounts[0]!.id;
  await openApp(page, app);
  // Alerts that stay until dismissed: failed generations (the word is refused by moderation, and refunded).
  for (let index = 0; index < 5; index += 1) {
    await app.bridge('createGeneration', {
      accountId,
      request: {
        tool: 'text-to-image',
        modelId: 'spark-image',
        prompt: `gore number ${index}`,
        settings: { outputs: 1 },
      },
    });
  }
  await expect(page.getByTestId('toasts-more')).toHaveText(/^and \d more$/, { timeout: 20_000 });
  await expect(page.getByTestId('toast')).toHaveCount(3);
  await expect(page.getByTestId('toasts-dismiss-all')).toHaveText(/^Dismiss all \d alerts$/);
  const first = page.getByTestId('toast').first();
  const id = await first.getAttribute('data-alert-id');
  await first.getByRole('button', { name: /Dismiss alert/ }).focus();
  await page.keyboard.press('Escape');
  await expect(page.locator(`[data-testid="toast"][data-alert-id="${id}"]`)).toHaveCount(0);
  await page.getByTestId('toasts-dismiss-all').click();
  await expect(page.getByTestId('toast')).toHaveCount(0);
});
