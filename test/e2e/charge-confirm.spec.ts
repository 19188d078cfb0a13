/**
 * C9: a re-run charges at today's price, so it shows that price first and asks once. The scene: a Spark Image made
 * free inside a Standard plan's unlimited window, then the clock moved past the window's end; re-running it now costs
 * 6 credits. Cancel charges nothing; Confirm charges once.
 */
import { expect, test, type Page } from '@playwright/test';
import { openApp, openView, screenshotBothThemes, startWebApp, type WebApp } from './web-app.js';

let app: WebApp;

test.beforeEach(async () => {
  // 20:00Z on Sat 7 Mar 2026 is 15:00 in New York.
  app = await startWebApp({ testClock: '2026-03-07T20:00:00.000Z', timeZone: 'America/New_York', name: 'Ana' });
});
test.afterEach(async () => {
  await app.stop();
});

async function balances(): Promise<{ free: number; subscription: number; topup: number }> {
  const balance = (await app.snapshot()).accounts[0]?.balance;
  if (!balance) throw new Error('no balance yet');
  return {
    free: balance.credits.free.amount,
    subscription: balance.credits.subscription.amount,
    topup: balance.credits.topup.amount,
  };
}

async function openDetail(page: Page, prompt: string): Promise<void> {
  await openView(page, 'history');
  await page.getByTestId('history-search').fill(prompt);
  await expect(page.getByTestId('history-cell')).toHaveCount(1, { timeout: 20_000 });
  await page.getByTestId('history-cell').click();
  await expect(page.getByTestId('history-detail')).toBeVisible();
}

test('C9: re-running a generation made free in an ended unlimited window shows 6 credits and the draws, and asks once', async ({
  page,
}) => {
  const accountId = (await app.snapshot()).accounts[0]!.id;
  await app.bridge('subscribe', { accountId, planId: 'standard' });
  const made = await app.bridge('createGeneration', {
    accountId,
    request: {
      tool: 'text-to-image',
      modelId: 'spark-image',
      prompt: 'A paper boat on a pond',
      settings: { outputs: 1 },
    },
  });
  expect(made.unlimited).toBe(true);
  await expect
    .poll(async () => (await app.snapshot()).accounts[0]!.recentGenerations.find((g) => g.id === made.id)?.status, {
      timeout: 30_000,
    })
    .toBe('succeeded');
  // Eight days on, the seven-day window has ended: the same request costs credits again.
  await app.moveClock({ advanceS: 8 * 86_400 });

  await openApp(page, app);
  await expect.poll(async () => (await balances()).free).toBe(100);
  await openDetail(page, 'paper boat');
  await expect(page.getByTestId('history-detail')).toContainText('Charged for this run');
  await expect(page.getByTestId('detail-cost')).toContainText('Free (unlimited window)');

  // Cancel: nothing runs, nothing is charged.
  const before = await balances();
  await page.getByTestId('detail-rerun').click();
  const confirm = page.getByRole('dialog', { name: 'Re-run this generation?' });
  await expect(confirm).toBeVisible();
  await expect(confirm.getByTestId('rerun-cost')).toHaveText('6 credits');
  await expect(confirm.getByTestId('rerun-draws')).toHaveText('6 from free credits');
  await expect(confirm.getByTestId('rerun-lane')).toHaveText('Standard lane');
  await expect(confirm).toContainText('Charged for the first run');
  await expect(confirm).toContainText('Free (unlimited window)');
  const confirmButton = confirm.getByRole('button', { name: 'Re-run for 6 credits' });
  await expect(confirmButton).toBeFocused();
  await screenshotBothThemes(page, 'rerun-confirm');
  await confirm.getByRole('button', { name: 'Cancel' }).click();
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId('history-detail')).toBeVisible();

  // Esc cancels too, and leaves the detail open.
  await page.getByTestId('detail-rerun').click();
  await expect(confirmButton).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId('history-detail')).toBeVisible();
  await page.waitForTimeout(500);
  expect(await balances()).toEqual(before);

  // Confirm: charged once, at the price shown.
  await page.getByTestId('detail-rerun').click();
  await confirmButton.click();
  await expect(confirm).toBeHidden();
  await expect(page.getByTestId('detail-outcome')).toContainText(
    'Re-run started with the same settings, charged 6 credits',
  );
  await expect.poll(async () => (await balances()).free).toBe(before.free - 6);
  await page.waitForTimeout(500);
  expect(await balances()).toEqual({ ...before, free: before.free - 6 });
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('history-count')).toHaveText('2 matching generations', { timeout: 20_000 });
});

test('C7: a re-run the balances cannot pay shows the refusal, offers no confirm, and leads to the Plan page', async ({
  page,
}) => {
  const accountId = (await app.snapshot()).accounts[0]!.id;
  // 2 HD Vivid Images: 96 of the 100 free credits; the same again cannot be paid today.
  const made = await app.bridge('createGeneration', {
    accountId,
    request: {
      tool: 'text-to-image',
      modelId: 'vivid-image',
      prompt: 'Two lanterns in the fog',
      settings: { outputs: 2, quality: 'hd' },
    },
  });
  await expect
    .poll(async () => (await app.snapshot()).accounts[0]!.recentGenerations.find((g) => g.id === made.id)?.status, {
      timeout: 30_000,
    })
    .toBe('succeeded');

  await openApp(page, app);
  await openDetail(page, 'lanterns');
  await page.getByTestId('detail-rerun').click();
  const confirm = page.getByRole('dialog', { name: 'Re-run this generation?' });
  await expect(confirm.getByTestId('rerun-cost')).toHaveText('96 credits');
  await expect(confirm.getByTestId('rerun-refusal')).toContainText('Not enough credits');
  await expect(confirm.getByTestId('rerun-refusal')).toContainText(
    'You are 92 credits short. This costs 96 credits; 4 are available. Nothing will be charged.',
  );
  await expect(confirm.getByRole('button', { name: /^Re-run for/ })).toHaveCount(0);
  await expect(confirm.getByRole('button', { name: 'Cancel' })).toBeFocused();
  await confirm.getByRole('button', { name: 'Top up or change plan' }).click();
  await expect(page.getByTestId('nav-plan')).toHaveAttribute('aria-current', 'page');
  await expect(page.getByTestId('plan-name')).toHaveText('Free');
  expect((await balances()).free).toBe(4);
});
