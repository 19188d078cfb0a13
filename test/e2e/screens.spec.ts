/**
 * Every view of the navigation, in a realistic scene (a subscribed account with some history): screenshots at 1280 and
 * 420 px wide in both themes, and no sideways scroll of the page at 360, 420 and 1280 px. The views are read from the
 * navigation itself, so a view added later is covered without touching this file.
 */
import { expect, test, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { SCREENSHOTS, openApp, startWebApp, type WebApp } from './web-app.js';
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
  const ids = await page.locator('nav[aria-label="Main"] [data-testid^="nav-"]').evaluateAll((links) => links.map((link) => link.getAttribute('data-testid') ?? ''));
  return ids.map((id) => id.replace(/^nav-/, ''));
}

/** Opens a view through the navigation (at narrow widths the navigation may first need opening). */
async function goTo(page: Page, view: string): Promise<void> {
  const link = page.getByTestId(`nav-${view}`);
  if (!(await link.isVisible())) await page.getByRole('button', { name: /menu/i }).click();
  await link.click();
  await expect(link).toHaveAttribute('aria-current', 'page');
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

test('every view: no sideways scroll at 360, 420 and 1280 px, with screenshots at 1280 and 420 in both themes', async ({ page }) => {
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
      if (overflow.px > 0) overflowing.push(`${view} at ${width} px: ${overflow.px} px too wide: ${overflow.culprits.join(', ')}`);
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
