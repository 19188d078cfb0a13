/**
 * The walking skeleton end to end: Chromium -> web-mode bridge -> host services -> embedded backend -> SQLite, and
 * pushed events all the way back to the screen.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { startWebApp, type WebApp } from './web-app.js';

const SHOTS = 'test-results/screenshots';
let app: WebApp;

test.beforeEach(async () => {
  // 20:00Z on Sat 7 Mar 2026 is 15:00 in New York, the day before the spring-forward change.
  app = await startWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York', name: 'Ana' });
});
test.afterEach(async () => {
  await app.stop();
});

async function openDashboard(page: Page, colorScheme: 'light' | 'dark' = 'light') {
  await page.emulateMedia({ colorScheme });
  await page.goto(app.openURL);
  // "Live" is said once, in the top bar; the dashboard's connection panel appears only when the link is not live.
  await expect(page.getByTestId('shell-connection')).toHaveText(/Live/, { timeout: 20_000 });
  await expect(page.getByTestId('connection-status')).toHaveCount(0);
}

test("C2/A1: the dashboard shows 100 free credits and the reset time in the account's zone", async ({ page }) => {
  await openDashboard(page);
  await expect(page.getByTestId('balance-free')).toHaveText('100');
  await expect(page.getByTestId('balance-subscription')).toHaveText('0');
  await expect(page.getByTestId('balance-topup')).toHaveText('0');
  await expect(page.getByTestId('balance-total')).toHaveText('100');
  await expect(page.getByTestId('account-timezone')).toContainText('America/New_York');
  // Local midnight in New York, not in UTC or in the browser's zone.
  await expect(page.getByTestId('free-resets-at')).toHaveText('Resets at 00:00 on Sun 8 Mar (America/New_York)');
  // The secret left the address bar once the page had it.
  expect(new URL(page.url()).hash).toBe('');
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/dashboard-light.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: `${SHOTS}/dashboard-dark.png`, fullPage: true });
});

test('A1: moving the test clock past local midnight changes the screen without a reload', async ({ page }) => {
  await openDashboard(page);
  await expect(page.getByTestId('free-resets-at')).toHaveText('Resets at 00:00 on Sun 8 Mar (America/New_York)');
  let reloaded = false;
  page.on('framenavigated', () => (reloaded = true));
  await app.moveClock({ now: '2026-03-08T12:00:00.000Z' });
  await expect(page.getByTestId('free-resets-at')).toHaveText('Resets at 00:00 on Mon 9 Mar (America/New_York)');
  await expect(page.getByTestId('balance-free')).toHaveText('100');
  expect(reloaded).toBe(false);
});

test('stopping the backend shows "Offline" with the age of the data, and keeps the last numbers', async ({ page }) => {
  // Kept down for the test: the host would otherwise restart it within a second (live-supervise.spec.ts).
  await app.stop();
  app = await startWebApp({
    testClock: '2026-03-07T20:00:00.000Z',
    timeZone: 'America/New_York',
    name: 'Ana',
    backendRestartDelayMs: 600_000,
  });
  await openDashboard(page, 'dark');
  await expect(page.getByTestId('balance-free')).toHaveText('100');
  app.killBackend();
  await expect(page.getByTestId('connection-status')).toContainText('Offline', { timeout: 15_000 });
  await expect(page.getByTestId('data-age')).toContainText(/data from (less than a minute|\d+ (second|minute)s?) ago/);
  await expect(page.getByTestId('balance-free')).toHaveText('100');
  await page.screenshot({ path: `${SHOTS}/dashboard-offline-dark.png`, fullPage: true });
  await page.emulateMedia({ colorScheme: 'light' });
  await page.screenshot({ path: `${SHOTS}/dashboard-offline-light.png`, fullPage: true });
});

test('the theme control switches between light and dark and is kept by the host', async ({ page }) => {
  await openDashboard(page, 'light');
  await page.getByTestId('theme-select').selectOption('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(page.getByTestId('theme-select')).toHaveValue('dark');
  await expect(page.locator('html')).toHaveAttribute('data-theme', 'dark');
});

test('the bridge refuses calls without the per-launch secret', async ({ request }) => {
  const origin = new URL(app.openURL).origin;
  const refused = await request.post(`${origin}/bridge/getSnapshot`, { data: {} });
  expect(refused.status()).toBe(401);
  const secret = new URL(app.openURL).hash.replace('#secret=', '');
  const allowed = await request.post(`${origin}/bridge/getSnapshot`, {
    data: {},
    headers: { 'x-companion-secret': secret },
  });
  expect(allowed.status()).toBe(200);
  expect((await allowed.json()).ok).toBe(true);
  const events = await request.get(`${origin}/bridge/events?secret=wrong`);
  expect(events.status()).toBe(401);
});
