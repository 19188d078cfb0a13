/**
 * The app shell: every view from the navigation, by mouse and by keyboard only, with the account switcher and the
 * connection always in sight; and a screenshot of every view in light and dark.
 */
import { expect, test } from '@playwright/test';
import { generateThroughUI, openApp, openView, screenshotBothThemes, startWebApp, type WebApp } from './web-app.js';

let app: WebApp;

const views = [
  { id: 'dashboard', heading: /^Ana$/ },
  { id: 'generate', heading: /^Generate$/ },
  { id: 'queue', heading: /^Queue$/ },
  { id: 'history', heading: /History/i },
  { id: 'workspaces', heading: /Workspaces/i },
  { id: 'analytics', heading: /Analytics|Usage/i },
  { id: 'estimator', heading: /estimator/i },
  { id: 'accounts', heading: /^Accounts$/ },
  { id: 'settings', heading: /^Settings$/ },
  { id: 'plan', heading: /^Plan$/ },
] as const;

test.beforeEach(async () => {
  app = await startWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York', name: 'Ana' });
});
test.afterEach(async () => {
  await app.stop();
});

test('keyboard only: Alt+digit and "g then letter" open every view, focus lands on its heading', async ({ page }) => {
  await openApp(page, app);
  for (const [index, view] of views.entries()) {
    await page.keyboard.press(`Alt+${(index + 1) % 10}`);
    await expect(page.getByTestId(`nav-${view.id}`)).toHaveAttribute('aria-current', 'page');
    await expect(page.getByRole('heading', { level: 1 }).first()).toBeFocused();
    await expect(page.getByTestId('account-switcher')).toBeVisible();
    await expect(page.getByTestId('shell-connection')).toHaveText(/Live/);
  }
  await page.keyboard.press('g');
  await page.keyboard.press('n');
  await expect(page.getByTestId('nav-generate')).toHaveAttribute('aria-current', 'page');
  // Typing in a field is typing, not a shortcut.
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).focus();
  await page.keyboard.type('gs');
  await expect(page.getByTestId('nav-generate')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByRole('textbox', { name: 'Prompt', exact: true })).toHaveValue('gs');

  // Tab reaches the navigation and Enter opens a view.
  await page.getByTestId('nav-settings').focus();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('heading', { level: 1, name: 'Settings' })).toBeFocused();
});

test('screenshots: every view in light and dark, with some work done', async ({ page }) => {
  await openApp(page, app);
  await openView(page, 'generate');
  const id = await generateThroughUI(page, {
    tool: 'text-to-image',
    model: 'spark-image',
    prompt: 'A lighthouse at dusk, watercolor',
    outputs: 2,
  });
  await expect(page.locator(`[data-generation-id="${id}"]`).getByTestId('generation-status')).toHaveText('Done', {
    timeout: 30_000,
  });
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('The same lighthouse at night');
  for (const view of views) {
    await openView(page, view.id);
    await expect(page.getByRole('heading', { level: 1 }).first()).toHaveText(view.heading);
    // Let the view's own loading settle (the pace, the cost preview, the history query).
    await page.waitForTimeout(800);
    await screenshotBothThemes(page, view.id);
  }
});
