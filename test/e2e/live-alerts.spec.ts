/**
 * Alerts: the host pushes each one once; the app shows it as a toast (and, in web mode, as a browser notification
 * when allowed), and never shows the same alert again, even after a reload.
 */
import { expect, test } from '@playwright/test';
import { generateThroughUI, openApp, openView, screenshotBothThemes, startWebApp, type WebApp } from './web-app.js';

let app: WebApp;

test.beforeEach(async () => {
  app = await startWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York', name: 'Ana' });
});
test.afterEach(async () => {
  await app.stop();
});

test('a threshold alert fires once: spending past 75 % of the free credits shows one toast, not again after a reload', async ({
  page,
}) => {
  // The browser's notifications, recorded (web mode shows them when allowed).
  await page.addInitScript(() => {
    const shown: string[] = [];
    (globalThis as unknown as { shownNotifications: string[] }).shownNotifications = shown;
    class RecordingNotification {
      static permission = 'granted';
      static requestPermission = async () => 'granted';
      constructor(title: string) {
        shown.push(title);
      }
    }
    (globalThis as unknown as { Notification: unknown }).Notification = RecordingNotification;
  });
  await openApp(page, app);
  await openView(page, 'generate');
  // 3 x 24 + 6 = 78 of the 100 free credits: past 75 %, not yet 90 %.
  for (let index = 0; index < 3; index += 1) {
    await generateThroughUI(page, {
      tool: 'text-to-image',
      model: 'spark-image',
      prompt: `Stars ${index}`,
      outputs: 4,
    });
  }
  await generateThroughUI(page, { tool: 'text-to-image', model: 'spark-image', prompt: 'One more star', outputs: 1 });

  const threshold = page.locator('[data-testid="toast"][data-alert-id^="threshold:"]');
  await expect(threshold).toHaveCount(1, { timeout: 20_000 });
  await expect(threshold).toContainText('75%');
  await expect
    .poll(() => page.evaluate(() => (globalThis as unknown as { shownNotifications: string[] }).shownNotifications))
    .toContainEqual(expect.stringContaining('75%'));
  await screenshotBothThemes(page, 'alerts-toast');
  await page.waitForTimeout(1_500);
  await expect(threshold).toHaveCount(1);

  await page.reload();
  await expect(page.getByTestId('shell-connection')).toHaveText(/Live/);
  await page.waitForTimeout(2_000);
  await expect(page.locator('[data-testid="toast"][data-alert-id^="threshold:"]')).toHaveCount(0);
});

test('the toast can be dismissed with the keyboard', async ({ page }) => {
  await openApp(page, app);
  await openView(page, 'generate');
  await generateThroughUI(page, { tool: 'text-to-image', model: 'spark-image', prompt: 'A quick sketch' });
  const toast = page.getByTestId('toast').first();
  await expect(toast).toBeVisible({ timeout: 30_000 });
  await toast.getByRole('button', { name: /Dismiss alert/ }).focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('toast')).toHaveCount(0);
});
