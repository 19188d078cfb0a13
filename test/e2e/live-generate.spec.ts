/**
 * The Generate view against the real host and embedded backend: the cost preview before anything runs (C9), split
 * charges (C5), refusals with their ways out (C7, C6 pro models), live status with outputs, and refunds (C8).
 */
import { expect, test } from '@playwright/test';
import {
  fillGenerateForm,
  generateThroughUI,
  openApp,
  openView,
  screenshotBothThemes,
  startWebApp,
  type WebApp,
} from './web-app.js';

let app: WebApp;

test.beforeEach(async () => {
  // 20:00Z on Sat 7 Mar 2026 is 15:00 in New York.
  app = await startWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York', name: 'Ana' });
});
test.afterEach(async () => {
  await app.stop();
});

async function localAccountId(): Promise<string> {
  const snapshot = await app.snapshot();
  const id = snapshot.accounts[0]?.id;
  if (!id) throw new Error('the host has no account');
  return id;
}

test('C7: a free account asking for 840 credits sees the shortfall, the reset time and the upgrades, and Generate stays off', async ({
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
  await expect(refusal).toBeVisible();
  await expect(page.getByTestId('preview-cost')).toHaveText('840 credits');
  await expect(refusal.getByTestId('refusal-detail')).toContainText('You are 740 credits short.');
  await expect(refusal.getByTestId('way-out-wait')).toHaveText(
    'Free credits reset to 100 at 00:00 on Sun 8 Mar (America/New_York): not enough for this request on their own.',
  );
  await expect(refusal.getByTestId('upgrade-basic')).toContainText('Upgrade to Basic');
  await expect(refusal.getByTestId('upgrade-basic')).toContainText('1,500 credits a month');
  await expect(refusal.getByTestId('upgrade-ultra')).toBeVisible();
  // No subscription, no top-up (C4).
  await expect(refusal.getByTestId('buy-topup')).toHaveCount(0);
  await expect(page.getByTestId('generate-submit')).toBeDisabled();
  await expect(page.getByTestId('generate-disabled-reason')).toHaveText('Refused: see the ways out above.');
  await screenshotBothThemes(page, 'generate-refused');

  // The way out works from the refusal itself, after one confirmation: upgrading applies at once (A4) and the preview
  // follows.
  await refusal.getByTestId('upgrade-basic').click();
  const dialog = page.getByRole('dialog', { name: 'Subscribe to Basic?' });
  await expect(dialog).toContainText('Price: $8/month, charged now.');
  await dialog.getByRole('button', { name: 'Subscribe to Basic for $8/month' }).click();
  await expect(page.getByTestId('purchase-done')).toContainText('Now on Basic: you have 1,500 subscription credits');
  await page.getByTestId('purchase-dialog').getByRole('button', { name: 'Close' }).click();
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('preview-refusal')).toHaveCount(0);
  await expect(page.getByTestId('preview-cost')).toHaveText('840 credits');
  await expect(page.getByTestId('preview-draws')).toHaveText('100 from free credits, 740 from subscription credits');
  await expect(page.getByTestId('generate-submit')).toBeEnabled();
});

test('C5: a Basic subscriber with free credits partly spent sees the charge split between free and subscription credits', async ({
  page,
}) => {
  await app.bridge('subscribe', { accountId: await localAccountId(), planId: 'basic' });
  await openApp(page, app);
  await openView(page, 'generate');

  // Spend 6 of the 100 free credits through the form.
  await fillGenerateForm(page, { tool: 'text-to-image', model: 'spark-image', prompt: 'A red kite over green hills' });
  await expect(page.getByTestId('preview-cost')).toHaveText('6 credits');
  await expect(page.getByTestId('preview-draws')).toHaveText('6 from free credits');
  await expect(page.getByTestId('preview-lane')).toHaveText('Standard lane');
  const first = await generateThroughUI(page, {
    tool: 'text-to-image',
    model: 'spark-image',
    prompt: 'A red kite over green hills',
  });
  await expect(page.locator(`[data-generation-id="${first}"]`).getByTestId('generation-status')).toHaveText('Done', {
    timeout: 30_000,
  });

  await fillGenerateForm(page, {
    tool: 'text-to-video',
    model: 'motion-video',
    prompt: 'The kite flying away',
    durationS: 5,
  });
  await expect(page.getByTestId('preview-cost')).toHaveText('210 credits');
  await expect(page.getByTestId('preview-draws')).toHaveText('94 from free credits, 116 from subscription credits');
  await expect(page.getByTestId('generate-submit')).toBeEnabled();
  await screenshotBothThemes(page, 'generate-split');
});

test('C7/C4: a subscriber short of credits can buy the shortfall as a top-up, rounded up to 100', async ({ page }) => {
  await app.bridge('subscribe', { accountId: await localAccountId(), planId: 'basic' });
  await openApp(page, app);
  await openView(page, 'generate');
  // 4 x Motion Pro Video, HD, 10 s: 480 x 2 x 2 x 4 = 7,680 credits; 1,600 available.
  await fillGenerateForm(page, {
    tool: 'text-to-video',
    model: 'motion-pro-video',
    prompt: 'A city at night',
    outputs: 4,
    quality: 'hd',
    durationS: 10,
  });
  const refusal = page.getByTestId('preview-refusal');
  await expect(refusal.getByTestId('refusal-detail')).toContainText('You are 6,080 credits short.');
  await expect(refusal.getByTestId('buy-topup')).toHaveText('Buy a top-up of 6,100 credits…');
  await refusal.getByTestId('buy-topup').click();
  const dialog = page.getByRole('dialog', { name: 'Buy 6,100 top-up credits?' });
  await expect(dialog).toContainText('Top-up credits never expire');
  await dialog.getByRole('button', { name: 'Buy 6,100 credits' }).click();
  await expect(page.getByTestId('purchase-done')).toHaveText(
    'Added 6,100 top-up credits. Your top-up balance is now 6,100 credits.',
  );
  await page.keyboard.press('Escape');
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('preview-draws')).toHaveText(
    '100 from free credits, 1,500 from subscription credits, 6,080 from top-up credits',
  );
  await expect(page.getByTestId('generate-submit')).toBeEnabled();
});

test('C6: a pro model without a subscription is refused with the plans that allow it', async ({ page }) => {
  await openApp(page, app);
  await openView(page, 'generate');
  await expect(
    page.getByRole('combobox', { name: 'Model', exact: true }).locator('option', { hasText: 'Vivid Pro Image — Pro' }),
  ).toHaveCount(1);
  await fillGenerateForm(page, { tool: 'text-to-image', model: 'vivid-pro-image', prompt: 'A portrait' });
  const refusal = page.getByTestId('preview-refusal');
  await expect(refusal).toContainText('This needs a subscription');
  await expect(refusal.getByTestId('upgrade-basic')).toBeVisible();
  await expect(page.getByTestId('generate-submit')).toBeDisabled();
});

test('after Generate: live status, then the outputs from the media cache; enhancing a prompt is free', async ({
  page,
}) => {
  await openApp(page, app);
  await openView(page, 'generate');
  await expect(page.getByTestId('recent-empty')).toBeVisible();
  // What the list holds, said honestly: this account's generations since the app started, made here or elsewhere.
  await expect(page.getByRole('heading', { level: 2, name: 'Since the app started' })).toBeVisible();
  await expect(page.getByText('This session', { exact: true })).toHaveCount(0);
  await screenshotBothThemes(page, 'generate-empty');

  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('a lighthouse');
  await page.getByTestId('gen-enhance').click();
  await expect(page.getByRole('textbox', { name: 'Prompt', exact: true })).not.toHaveValue('a lighthouse');
  await expect(page.getByRole('textbox', { name: 'Prompt', exact: true })).toHaveValue(/lighthouse/);
  await expect(page.getByTestId('balance-free')).toHaveCount(0);

  const id = await generateThroughUI(page, {
    tool: 'text-to-image',
    model: 'spark-image',
    prompt: 'A lighthouse at dusk, watercolor',
    outputs: 2,
  });
  const card = page.locator(`[data-generation-id="${id}"]`);
  await expect(card.getByTestId('generation-status')).toHaveText('Done', { timeout: 30_000 });
  await expect(card).toContainText('Charged 12 credits: 12 from free credits');
  await expect(card.getByTestId('generation-output')).toHaveCount(2);
  const image = card.getByTestId('generation-output').first().locator('img');
  await expect(image).toHaveAttribute('src', /^\/media\/.+\/thumb\?secret=/);
  await expect
    .poll(() => image.evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth), { timeout: 15_000 })
    .toBeGreaterThan(0);
  await screenshotBothThemes(page, 'generate');
});

test('C8: a generation blocked by moderation says so and shows its refund', async ({ page }) => {
  await openApp(page, app);
  await openView(page, 'generate');
  const id = await generateThroughUI(page, { tool: 'text-to-image', model: 'spark-image', prompt: 'a gore scene' });
  const card = page.locator(`[data-generation-id="${id}"]`);
  await expect(card.getByTestId('generation-status')).toHaveText('Blocked', { timeout: 30_000 });
  await expect(card).toContainText('Blocked by moderation.');
  await expect(card.getByTestId('generation-refund')).toHaveText('Refunded: 6 credits');
  await openView(page, 'dashboard');
  await expect(page.getByTestId('balance-free')).toHaveText('100');
});

test('G6: at the monthly generation limit the request is refused with the refresh date and the upgrades', async ({
  page,
}) => {
  const { token } = await app.createAccount({ name: 'Cy', timeZone: 'Europe/Berlin', planId: 'core' });
  const snapshot = await app.bridge('signIn', { baseURL: app.backendURL, token, label: 'Cy' });
  const cy = snapshot.accounts.find((account) => account.backend.kind === 'remote');
  await app.bridge('selectAccount', { accountId: cy!.id });
  // The 10 generations of Core (G1), used up.
  for (let index = 0; index < 10; index += 1) {
    await app.bridge('createGeneration', {
      accountId: cy!.id,
      request: { tool: 'text-to-speech', modelId: 'voice-tts', prompt: `Line ${index}`, settings: { outputs: 1 } },
    });
  }
  await openApp(page, app);
  await expect(page.getByTestId('account-name')).toHaveText('Cy');
  await expect(page.getByTestId('balance-generations')).toHaveText('10 / 10');
  await openView(page, 'generate');
  await fillGenerateForm(page, { tool: 'text-to-image', model: 'spark-image', prompt: 'One more' });
  const refusal = page.getByTestId('preview-refusal');
  await expect(refusal).toContainText('Generation limit reached');
  await expect(refusal.getByTestId('way-out-wait')).toHaveText(
    /^Wait: your generations refresh at 00:00 on \w{3} \d{1,2} \w{3} \(Europe\/Berlin\)\.$/,
  );
  await expect(refusal.getByTestId('upgrade-plus')).toContainText('100 generations a month');
  await expect(refusal.getByTestId('upgrade-ultimate')).toContainText('unlimited generations');
  await expect(page.getByTestId('generate-submit')).toBeDisabled();
  await screenshotBothThemes(page, 'generate-generation-limit');

  await refusal.getByTestId('upgrade-plus').click();
  const dialog = page.getByRole('dialog', { name: 'Switch to Plus?' });
  await expect(dialog).toContainText('Granted now: 100 generations a month');
  await dialog.getByRole('button', { name: 'Switch to Plus for $10/month' }).click();
  await expect(page.getByTestId('purchase-done')).toContainText('Now on Plus: you have 100 generations a month');
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('preview-cost')).toHaveText('1 generation');
  await expect(page.getByTestId('preview-draws')).toHaveText('1 from this period’s generations');
});
