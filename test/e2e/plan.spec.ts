/**
 * Purchases ask once (A4, C4): an upgrade from a refusal shows its summary first; Cancel buys nothing, Confirm
 * subscribes and says so. The Plan page: plan, price, renewal, a top-up through the same confirmation, cancelling at
 * the period's end with the date it stays until, and the account's time zone; usable at 360 px.
 */
import { expect, test, type Page } from '@playwright/test';
import { fillGenerateForm, openApp, openView, screenshotBothThemes, startWebApp, type WebApp } from './web-app.js';

let app: WebApp;

test.beforeEach(async () => {
  // 20:00Z on Sat 7 Mar 2026 is 15:00 in New York.
  app = await startWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York', name: 'Ana' });
});
test.afterEach(async () => {
  await app.stop();
});

async function noSidewaysScroll(page: Page): Promise<void> {
  const overflow = await page.evaluate('document.documentElement.scrollWidth - document.documentElement.clientWidth');
  expect(overflow).toBeLessThanOrEqual(0);
}

test('A4: upgrading from a refusal shows the summary first; Cancel buys nothing, Confirm subscribes and says so', async ({
  page,
}) => {
  await openApp(page, app);
  await openView(page, 'generate');
  await fillGenerateForm(page, {
    tool: 'text-to-video',
    model: 'motion-video',
    prompt: 'Waves on a beach at dawn',
    quality: 'hd',
    durationS: 10,
  });
  const refusal = page.getByTestId('preview-refusal');
  await refusal.getByTestId('upgrade-ultra').click();

  const dialog = page.getByRole('dialog', { name: 'Subscribe to Ultra?' });
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('purchase-summary')).toContainText('Price: $48/month, charged now.');
  await expect(dialog.getByTestId('purchase-summary')).toContainText('Granted now: 16,000 subscription credits');
  await expect(dialog.getByTestId('purchase-summary')).toContainText(
    'Unlimited use from now: Spark Image for 7 days, Vivid Image for 7 days, Motion Video for 3 days.',
  );
  await expect(dialog.getByTestId('purchase-summary')).toContainText(
    'Renews at 00:00 on Tue 7 Apr (America/New_York) for $48/month',
  );
  await expect(dialog.getByRole('button', { name: 'Subscribe to Ultra for $48/month' })).toBeFocused();
  await screenshotBothThemes(page, 'purchase-confirm');
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toBeHidden();
  await page.waitForTimeout(500);
  expect((await app.snapshot()).accounts[0]!.me?.plan.id).toBe('free');
  await expect(refusal).toBeVisible();

  await refusal.getByTestId('upgrade-ultra').click();
  await dialog.getByRole('button', { name: 'Subscribe to Ultra for $48/month' }).click();
  await expect(page.getByTestId('purchase-done')).toHaveText(
    'Now on Ultra: you have 16,000 subscription credits; it renews at 00:00 on Tue 7 Apr (America/New_York).',
  );
  await screenshotBothThemes(page, 'purchase-done');
  await page.getByTestId('purchase-dialog').getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('preview-refusal')).toHaveCount(0);
  // Motion Video is unlimited on Ultra for three days: the refused request now costs no credits.
  await expect(page.getByTestId('preview-unlimited')).toBeVisible();
  await expect(page.getByTestId('generate-submit')).toBeEnabled();
});

test('the Plan page: subscribe yearly, top up, cancel at period end, change the time zone', async ({ page }) => {
  await openApp(page, app);
  await openView(page, 'plan');
  await expect(page.getByRole('heading', { level: 1, name: 'Plan' })).toBeVisible();
  await expect(page.getByTestId('plan-name')).toHaveText('Free');
  await expect(page.getByTestId('plan-status')).toHaveText('No subscription: the Free plan');
  await expect(page.getByTestId('plan-topup-needs-subscription')).toBeVisible();

  // Subscribe to the yearly plan through the confirmation.
  await page.getByTestId('plan-choose-ultra-yearly').click();
  const dialog = page.getByRole('dialog', { name: 'Subscribe to Ultra (yearly)?' });
  await expect(dialog.getByTestId('purchase-summary')).toContainText('Price: $480/year, charged now.');
  await expect(dialog.getByTestId('purchase-summary')).toContainText(
    'Renews at 00:00 on Sun 7 Mar 2027 (America/New_York) for $480/year',
  );
  await dialog.getByRole('button', { name: 'Subscribe to Ultra (yearly) for $480/year' }).click();
  await expect(page.getByTestId('purchase-done')).toContainText(
    'Now on Ultra (yearly): you have 16,000 subscription credits',
  );
  await page.getByTestId('purchase-dialog').getByRole('button', { name: 'Close' }).click();

  await expect(page.getByTestId('plan-name')).toHaveText('Ultra (yearly)');
  await expect(page.getByTestId('plan-price')).toHaveText('$480/year');
  await expect(page.getByTestId('plan-renews')).toHaveText('00:00 on Sun 7 Mar 2027 (America/New_York)');
  await expect(page.getByTestId('plan-allocation')).toHaveText('16,000 credits a month');
  await expect(page.getByTestId('plan-windows')).toContainText(
    'Motion Video: until 15:00 on Tue 10 Mar (America/New_York)',
  );
  await expect(page.getByTestId('plan-option-ultra-yearly')).toContainText('Your plan');

  // A top-up before a big batch: Cancel buys nothing, Confirm adds the credits.
  await expect(page.getByTestId('plan-topup-balance')).toHaveText('0');
  await page.getByRole('spinbutton', { name: 'Credits' }).fill('300');
  await page.getByTestId('plan-topup-buy').click();
  const topup = page.getByRole('dialog', { name: 'Buy 300 top-up credits?' });
  await expect(topup).toContainText('Top-up credits never expire');
  await topup.getByRole('button', { name: 'Cancel' }).click();
  await expect(topup).toBeHidden();
  await expect(page.getByTestId('plan-topup-balance')).toHaveText('0');
  await page.getByTestId('plan-topup-buy').click();
  await topup.getByRole('button', { name: 'Buy 300 credits' }).click();
  await expect(page.getByTestId('purchase-done')).toHaveText(
    'Added 300 top-up credits. Your top-up balance is now 300 credits.',
  );
  await expect(page.getByRole('dialog', { name: 'Top-up bought' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Close' })).toBeFocused();
  await page.getByTestId('purchase-dialog').getByRole('button', { name: 'Close' }).click();
  await expect(page.getByTestId('plan-topup-balance')).toHaveText('300');
  await screenshotBothThemes(page, 'plan');

  // The dashboard shows the price and the renewal, and links here.
  await openView(page, 'dashboard');
  await expect(page.getByTestId('account-plan-terms')).toHaveText(
    '$480/year · renews Sun 7 Mar 2027 (America/New_York)',
  );
  await page.getByTestId('account-manage-plan').click();
  await expect(page.getByTestId('nav-plan')).toHaveAttribute('aria-current', 'page');

  // Cancel at period end: what stays until when, asked once.
  await page.getByTestId('plan-cancel').click();
  const cancel = page.getByRole('dialog', { name: 'Cancel Ultra (yearly) at the end of the period?' });
  await expect(cancel).toContainText('stay until 00:00 on Sun 7 Mar 2027 (America/New_York); it does not renew.');
  await expect(cancel).toContainText('Top-up credits stay.');
  await screenshotBothThemes(page, 'plan-cancel-confirm');
  await cancel.getByRole('button', { name: 'Cancel at period end' }).click();
  await expect(page.getByTestId('purchase-done')).toHaveText(
    'Cancelled: your plan stays until 00:00 on Sun 7 Mar 2027 (America/New_York).',
  );
  await page.keyboard.press('Escape');
  await expect(cancel).toBeHidden();
  await expect(page.getByTestId('plan-cancelled')).toHaveText(
    'Cancelled: your plan stays until 00:00 on Sun 7 Mar 2027 (America/New_York).',
  );
  await expect(page.getByTestId('plan-cancel')).toHaveCount(0);

  // The time zone: the new zone shows on the dashboard.
  await page.getByTestId('plan-zone-select').selectOption('Europe/London');
  await page.getByTestId('plan-zone-save').click();
  await expect(page.getByTestId('plan-zone-outcome')).toHaveText('Time zone is now Europe/London.');
  await expect(page.getByTestId('plan-zone')).toHaveText('Europe/London');
  await openView(page, 'dashboard');
  await expect(page.getByTestId('account-timezone')).toHaveText('Europe/London');
  expect((await app.snapshot()).accounts[0]!.balance?.credits.free.resetsAt).toBe('2026-03-08T00:00:00.000Z');
});

test('the Plan page at 360 px: no sideways scroll, and the confirmation fits', async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 800 });
  const accountId = (await app.snapshot()).accounts[0]!.id;
  await app.bridge('subscribe', { accountId, planId: 'standard' });
  await openApp(page, app);
  await openView(page, 'plan');
  await expect(page.getByTestId('plan-name')).toHaveText('Standard');
  await noSidewaysScroll(page);
  await screenshotBothThemes(page, 'plan-360');
  await page.getByTestId('plan-choose-ultra-yearly').click();
  const dialog = page.getByRole('dialog', { name: 'Switch to Ultra (yearly)?' });
  await expect(dialog).toContainText(
    'Your Standard plan ends now and today becomes your anniversary day. Its 5,000 unused subscription credits end now.',
  );
  await noSidewaysScroll(page);
  for (const part of [
    dialog,
    dialog.getByRole('button', { name: 'Switch to Ultra (yearly) for $480/year' }),
    dialog.getByRole('button', { name: 'Cancel' }),
  ]) {
    const box = await part.boundingBox();
    expect(box!.x).toBeGreaterThanOrEqual(0);
    expect(box!.x + box!.width).toBeLessThanOrEqual(360);
  }
  await screenshotBothThemes(page, 'purchase-confirm-360');
});
