/**
 * Every view of the navigation, in a realistic scene (a subscribed account with some history): screenshots at 1280 and
 * 420 px wide in both themes, and no sideways scroll of the page at 360, 420 and 1280 px. The views are read from the
 * navigation itself, so a view added later is covered without touching this file.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { SCREENSHOTS, openApp, openView, startWebApp, type WebApp } from './web-app.js';
import { seedScene } from './scene.js';

let app: WebApp;

test.beforeAll(async () => {
  // The scene's three days end at 20:00Z on Fri 4 Dec 2026, 15:00 in New York.
  app = await startWebApp({ testClock: '2026-12-02T20:00:00.000Z', timeZone: 'America/New_York', name: 'Ana' });
  await seedScene(app);
});
test.afterAll(async () => {
  await app.stop();
});

/** The ids of the views the navigation lists, in its order ("dashboard", "generate", ...). */
async function navViews(page: Page): Promise<string[]> {
  const ids = await page
    .locator('nav[aria-label="Main"] [data-testid^="nav-"]')
    .evaluateAll((links) => links.map((link) => link.getAttribute('data-testid') ?? ''));
  return ids.map((id) => id.replace(/^nav-/, ''));
}

/** Opens a view through the navigation (at narrow widths the navigation may first need opening). */
async function goTo(page: Page, view: string): Promise<void> {
  await openView(page, view);
  await expect(page.locator('#main [data-testid="loading"]')).toHaveCount(0);
  // Pictures, charts and fetched figures settle.
  await page.waitForLoadState('networkidle').catch(() => undefined);
  await page.waitForTimeout(400);
}

/**
 * The page's horizontal overflow in px (0 when nothing scrolls sideways) and, when there is some, the elements that
 * reach past the window's right edge (outside any container that scrolls by itself), to say what to fix.
 */
async function sidewaysOverflow(page: Page): Promise<{ px: number; culprits: string[] }> {
  // Runs in the page (a string: the test code is compiled without the DOM's types).
  return page.evaluate(`(() => {
    const px = document.documentElement.scrollWidth - window.innerWidth;
    if (px <= 0) return { px, culprits: [] };
    const past = (element) => element.getBoundingClientRect().right > window.innerWidth + 1;
    const scrollsItself = (element) => {
      for (let at = element.parentElement; at !== null && at !== document.body; at = at.parentElement) {
        const overflowX = getComputedStyle(at).overflowX;
        if (overflowX === 'auto' || overflowX === 'scroll' || overflowX === 'hidden') return true;
      }
      return false;
    };
    const culprits = [...document.querySelectorAll('body *')]
      .filter((element) => past(element) && !scrollsItself(element))
      .filter((element) => ![...element.children].some((child) => past(child) && !scrollsItself(child)))
      .slice(0, 5)
      .map((element) => element.tagName.toLowerCase() + '.' + [...element.classList].join('.') + ' (' + Math.round(element.getBoundingClientRect().right) + ' px)');
    return { px, culprits };
  })()`);
}

test('every view: no sideways scroll at 360, 420 and 1280 px, with screenshots at 1280 and 420 in both themes', async ({
  page,
}) => {
  test.setTimeout(240_000);
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await openApp(page, app);
  const views = await navViews(page);
  expect(views.length).toBeGreaterThanOrEqual(9);

  const overflowing: string[] = [];
  for (const width of [1280, 420, 360]) {
    await page.setViewportSize({ width, height: 800 });
    for (const view of views) {
      await goTo(page, view);
      const overflow = await sidewaysOverflow(page);
      if (overflow.px > 0)
        overflowing.push(`${view} at ${width} px: ${overflow.px} px too wide: ${overflow.culprits.join(', ')}`);
      if (width === 360) continue;
      for (const theme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: theme });
        await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
        await page.evaluate('window.scrollTo(0, 0)');
        await page.screenshot({ path: `${SCREENSHOTS}/${view}-${width}-${theme}.png`, fullPage: true });
      }
      await page.emulateMedia({ colorScheme: 'light' });
    }
  }
  expect(overflowing).toEqual([]);
});

test('Generate at 1280x800: the cost preview and the Generate button are on screen without scrolling; narrow, they stack', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openApp(page, app);
  await goTo(page, 'generate');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('a neon koi fish');
  await expect(page.getByTestId('preview-cost')).toBeVisible();
  await expect(page.getByTestId('generate-submit')).toBeEnabled();
  for (const testId of ['cost-preview', 'generate-submit']) {
    const box = await page.getByTestId(testId).boundingBox();
    expect(box, testId).not.toBeNull();
    expect(box!.y + box!.height, `${testId} ends at y ${box!.y + box!.height}`).toBeLessThan(800);
  }
  await expect.poll(() => page.evaluate('window.scrollY')).toBe(0);

  await page.setViewportSize({ width: 420, height: 800 });
  const prompt = await page.getByRole('textbox', { name: 'Prompt', exact: true }).boundingBox();
  const preview = await page.getByTestId('cost-preview').boundingBox();
  expect(preview!.y).toBeGreaterThan(prompt!.y + prompt!.height);
  expect(preview!.x + preview!.width).toBeLessThanOrEqual(420);
});

test('History cards show the prompt, the model and time, the whole cost, and mark video and audio', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openApp(page, app);
  await goTo(page, 'history');
  const video = page.getByTestId('history-cell').filter({ hasText: 'a fox running through fresh snow' });
  await expect(video.locator('.history-cell-prompt')).toHaveText('a fox running through fresh snow in slow motion');
  await expect(video).toHaveAttribute('title', 'a fox running through fresh snow in slow motion');
  await expect(video).toHaveAccessibleName(
    /Motion Video, Text to video, Video · 5 s, “a fox running through fresh snow in slow motion”/,
  );
  await expect(video.getByTestId('history-cell-kind')).toHaveText('Video · 5 s');
  await expect(video.getByTestId('history-cell-cost')).toHaveText('Free · unlimited');
  await expect(video.locator('.history-cell-meta')).toHaveText('Fri 4 Dec 15:00');

  const music = page.getByTestId('history-cell').filter({ hasText: 'lo-fi beat' });
  await expect(music.getByTestId('history-cell-kind')).toHaveText('Audio · 30 s');
  await expect(music.getByTestId('history-cell-cost')).toHaveText('40 credits');
  const still = page.getByTestId('history-cell').filter({ hasText: 'a lighthouse at dusk' });
  await expect(still.getByTestId('history-cell-kind')).toHaveCount(0);
  await expect(still.getByTestId('history-cell-cost')).toHaveText('120 credits');

  // Nothing on a card is cut short but the prompt's ellipsis and a long model name, and it all fits in the card.
  for (const cell of await page.getByTestId('history-cell').all()) {
    const fits = await cell.evaluate((element) => {
      const cost = element.querySelector('.history-cell-cost')!;
      return {
        cut: cost.scrollWidth > cost.clientWidth,
        inside: cost.getBoundingClientRect().bottom <= element.getBoundingClientRect().bottom,
      };
    });
    expect(fits).toEqual({ cut: false, inside: true });
  }
});

test('Pace: at a pace the free credits and the allocation cover, it never runs out, and the expiry says how much is unused', async ({
  page,
}) => {
  await openApp(page, app);
  await expect(page.getByTestId('pace-per-day')).toHaveText('177.7');
  await expect(page.getByTestId('pace-runout')).toHaveText(
    'At this pace you never run out: each day’s 100 free credits and each month’s 16,000 credits cover it.',
  );
  await expect(page.getByTestId('pace-expiring')).toHaveText(
    /^About 1[23],\d{3} subscription credits will expire unused at renewal, at 00:00 on Sat 2 Jan 2027 \(America\/New_York\): unused ones do not roll over\.$/,
  );
  await expect(page.getByTestId('pace')).not.toContainText('run out around');
});

test('Units: prices with their currency, sizes in KiB, picked days written as the app writes days', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openApp(page, app);
  await goTo(page, 'estimator');
  // The worked example (30 images and 10 videos a day) is what the estimator starts from.
  await expect(page.getByTestId('estimator-example')).toBeDisabled();
  await expect(page.getByTestId('recommendation-reason')).toContainText('at $30/month.');
  await expect(page.getByTestId('plan-row').filter({ hasText: 'Ultra (yearly)' })).toContainText(
    '$40/month ($480/year)',
  );
  await expect(page.getByTestId('plan-row').filter({ hasText: 'Basic' })).toContainText('$8/month');
  await expect(page.getByTestId('estimator-view')).not.toContainText(
    /\d a month\b(?! you plan)|\b\d+ a (quarter|year)\b/,
  );

  for (const view of ['generate', 'history']) {
    await goTo(page, view);
    if (view === 'history') await page.getByTestId('history-cell').filter({ hasText: 'a lighthouse at dusk' }).click();
    await expect(page.locator('body')).toContainText(/\d KiB/);
    await expect(page.locator('body')).not.toContainText(/\d (KB|MB|GB)\b/);
  }
  await page.keyboard.press('Escape');

  const from = page.getByTestId('filter-from');
  await expect(page.getByTestId('filter-from-shown')).toHaveText('Any day');
  await from.fill('2026-12-03');
  await from.blur();
  await expect(page.getByTestId('filter-from-shown')).toHaveText('Thu 3 Dec');
  await expect(page.getByTestId('filter-from-shown')).toBeVisible();
  await expect(page.getByTestId('history-count')).toHaveText('5 matching generations');
  await from.focus();
  await expect(page.getByTestId('filter-from-shown')).toBeHidden();
  await from.fill('');

  // Analytics starts with the last 30 local days, today included.
  await goTo(page, 'analytics');
  await expect(page.getByTestId('analytics-from-shown')).toHaveText('Thu 5 Nov');
  await expect(page.getByTestId('analytics-to-shown')).toHaveText('Fri 4 Dec');
});

test('The built-in demo generator says what it is: on Generate, beside its outputs, on history cards and details', async ({
  page,
}) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await openApp(page, app);
  await goTo(page, 'generate');
  await expect(page.getByTestId('generate-demo-note')).toHaveText(
    'Demo Built-in demo generator: it makes placeholder images, audio and video so you can try the app. Connect a real backend for real outputs.',
  );
  await expect(
    page.getByTestId('generation-card').filter({ hasText: 'a neon koi fish' }).getByTestId('generation-demo-note'),
  ).toContainText('built-in demo generator');
  await goTo(page, 'history');
  const koi = page.getByTestId('history-cell').filter({ hasText: 'a neon koi fish' });
  await expect(koi.getByTestId('history-cell-demo')).toHaveText('Demo');
  await expect(koi).toHaveAccessibleName(/placeholder from the built-in demo generator/);
  // A blocked request has no output, so nothing to call a placeholder.
  await expect(
    page.getByTestId('history-cell').filter({ hasText: 'a gore scene' }).getByTestId('history-cell-demo'),
  ).toHaveCount(0);
  await koi.click();
  await expect(page.getByTestId('detail-demo-note')).toContainText(
    'Placeholder outputs from the built-in demo generator, not a real model.',
  );

  // The detail fits a narrow window too.
  await page.setViewportSize({ width: 360, height: 800 });
  const dialog = await page.getByRole('dialog').boundingBox();
  expect(dialog!.x).toBeGreaterThanOrEqual(0);
  expect(dialog!.x + dialog!.width).toBeLessThanOrEqual(360);
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await page.screenshot({ path: `${SCREENSHOTS}/history-detail-360-${theme}.png` });
  }
  expect((await sidewaysOverflow(page)).px).toBeLessThanOrEqual(0);
});

test('At 420 px the navigation folds behind a Menu button that opens, navigates and closes with Esc', async ({
  page,
}) => {
  await page.setViewportSize({ width: 420, height: 800 });
  await openApp(page, app);
  const menu = page.getByRole('button', { name: /^Menu/ });
  await expect(menu).toHaveAttribute('aria-expanded', 'false');
  await expect(page.getByTestId('nav-history')).toBeHidden();
  await menu.click();
  await expect(menu).toHaveAttribute('aria-expanded', 'true');
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    await page.screenshot({ path: `${SCREENSHOTS}/navigation-menu-420-${theme}.png` });
  }
  await page.getByTestId('nav-history').click();
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('History');
  await expect(page.getByTestId('nav-history')).toBeHidden();
  await expect(menu).toHaveText('Menu · History');

  await menu.click();
  await page.getByTestId('nav-queue').focus();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('nav-queue')).toBeHidden();
  await expect(menu).toBeFocused();
});
