/**
 * The Dashboard live from pushed snapshots: unlimited windows counting down (U1), the Fast limit and what the next
 * request would do (U4), generation counts (G5), fair use with its appeal (U7), suspension, and the pace.
 */
import { expect, test } from '@playwright/test';
import { generateThroughUI, openApp, openView, screenshotBothThemes, startWebApp, type WebApp } from './web-app.js';

let app: WebApp;

/** Generous fair-use limits: these tests send many requests quickly on purpose (U7 automation detection would trip). */
const relaxedFairUse = { fairUse: { automation: { maxRequestsPerWindow: 10_000, regularIntervalCount: 1_000 } } };

test.beforeEach(async () => {
  // 20:00Z on Sat 7 Mar 2026 is 15:00 in New York: local midnight is 05:00Z on Sun 8 Mar.
  app = await startWebApp({
    testClock: '2026-03-07T20:00:00.000Z',
    timeZone: 'America/New_York',
    name: 'Ana',
    backendConfig: relaxedFairUse,
  });
});
test.afterEach(async () => {
  await app.stop();
});

/** The local account once the host has connected it (web mode answers before the built-in backend is up). */
async function localAccount(): Promise<{ id: string; backendId: string }> {
  let found: { id: string; backendId: string } | null = null;
  await expect
    .poll(
      async () => {
        const account = (await app.snapshot()).accounts[0];
        found = account?.me ? { id: account.id, backendId: account.me.id } : null;
        return found !== null;
      },
      { timeout: 20_000, message: 'the host connects its local account' },
    )
    .toBe(true);
  return found!;
}

test('U1: every unlimited window counts down (seconds only in its last hour); at zero it says ended, and it leaves when the host drops it', async ({
  page,
}) => {
  await app.bridge('subscribe', { accountId: (await localAccount()).id, planId: 'ultra' });
  await openApp(page, app);
  const video = page.getByTestId('unlimited-window-motion-video');
  // Three local days (A1): New York moves its clocks forward on 8 Mar, so the window is 71 hours long.
  await expect(video).toContainText('Unlimited until 15:00 on Tue 10 Mar (America/New_York)');
  await expect(page.getByTestId('unlimited-window-spark-image')).toContainText(
    'Unlimited until 15:00 on Sat 14 Mar (America/New_York)',
  );
  const countdown = page.getByTestId('window-countdown-motion-video');
  // Days away: days and hours, nothing that ticks every second.
  await expect(countdown).toHaveText(/^Ends in 2 d 2[23] h$/);
  await screenshotBothThemes(page, 'dashboard-unlimited');

  // Eight seconds before the video window ends (the backend's clock; the screen counts on by itself).
  await app.moveClock({ now: '2026-03-10T18:59:52.000Z' });
  await expect(countdown).toHaveText(/^Ends in [1-8] s$/, { timeout: 10_000 });
  // In its last hour it counts to the second.
  const first = await countdown.textContent();
  await expect(countdown).not.toHaveText(first ?? '', { timeout: 3_000 });
  await expect(countdown).toHaveText('Window ended: credit pricing again', { timeout: 15_000 });
  await expect(video).toBeVisible();

  await app.moveClock({ now: '2026-03-10T19:00:05.000Z' });
  await expect(video).toHaveCount(0);
  await expect(page.getByTestId('unlimited-window-spark-image')).toBeVisible();
});

test('U4: Fast use counts down to local midnight; past the limit the next request is Relaxed or refused', async ({
  page,
}) => {
  const account = await localAccount();
  await app.bridge('subscribe', { accountId: account.id, planId: 'ultra' });
  await openApp(page, app);
  await expect(page.getByTestId('fast-used')).toHaveText('0 / 50');
  await expect(page.getByTestId('fast-usage')).toContainText('Resets at 00:00 on Sun 8 Mar (America/New_York)');
  await expect(page.getByTestId('fast-countdown')).toHaveText(/in (8 h 59 min|9 h 0 min)$/);

  // One through the form: unlimited, Fast lane, no credits.
  await openView(page, 'generate');
  await generateThroughUI(page, { tool: 'text-to-image', model: 'spark-image', prompt: 'A fox in the snow' });
  await openView(page, 'dashboard');
  await expect(page.getByTestId('fast-used')).toHaveText('1 / 50');
  await expect(page.getByTestId('fast-limit-badge')).toHaveCount(0);

  // The other 49 of today's Fast generations (a person would take a while; the setup sends them at once).
  for (let index = 0; index < 49; index += 1) {
    await app.bridge('createGeneration', {
      accountId: account.id,
      request: {
        tool: 'text-to-image',
        modelId: 'spark-image',
        prompt: `Fox number ${index}`,
        settings: { outputs: 1 },
      },
    });
  }
  await expect(page.getByTestId('fast-used')).toHaveText('50 / 50', { timeout: 20_000 });
  await expect(page.getByTestId('fast-limit-badge')).toContainText('Fast limit reached.');
  await expect(page.getByTestId('window-next-spark-image')).toHaveText('Next request: Relaxed queue');
  await expect(page.getByTestId('window-next-vivid-image')).toHaveText(
    'Next request refused until 00:00 on Sun 8 Mar (America/New_York)',
  );
  await screenshotBothThemes(page, 'dashboard-fast-limit');

  await openView(page, 'generate');
  await page.getByRole('combobox', { name: 'Model', exact: true }).selectOption('vivid-image');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('A fox at night');
  const refusal = page.getByTestId('preview-refusal');
  await expect(refusal).toContainText('Today’s Fast generations are used up');
  await expect(refusal.getByTestId('way-out-wait')).toContainText(
    'Wait until local midnight: unlimited use is Fast again at 00:00 on Sun 8 Mar (America/New_York)',
  );
  await page.getByRole('combobox', { name: 'Model', exact: true }).selectOption('spark-image');
  await expect(page.getByTestId('preview-lane')).toHaveText('Relaxed lane: slower, with no daily limit');
  await expect(page.getByTestId('preview-cost')).toHaveText('Unlimited — no credits');
});

test('G5: a generation-billed account shows used / limit and the refresh date in its own zone', async ({ page }) => {
  const { token } = await app.createAccount({ name: 'Bo', timeZone: 'Europe/Berlin', planId: 'plus' });
  const snapshot = await app.bridge('signIn', { baseURL: app.backendURL, token, label: 'Bo' });
  const bo = snapshot.accounts.find((account) => account.id !== snapshot.accounts[0]?.id) ?? snapshot.accounts[1];
  await openApp(page, app);
  await page.getByTestId('account-switcher').selectOption(bo!.id);
  await expect(page.getByTestId('account-name')).toHaveText('Bo');
  await expect(page.getByTestId('balance-generations')).toHaveText('0 / 100');
  await expect(page.getByTestId('generations-resets-at')).toHaveText(
    /^Refreshes at 00:00 on \w{3} \d{1,2} \w{3} \(Europe\/Berlin\)$/,
  );
  await expect(page.getByTestId('pace-runout')).toContainText(
    'Nothing spent in the last 7 days: your 100 generations are not running down.',
  );
  await screenshotBothThemes(page, 'dashboard-generations');
});

test('U7: a fair-use pause shows its reason; the appeal goes from the form to open, then restored', async ({
  page,
}) => {
  const account = await localAccount();
  await app.bridge('subscribe', { accountId: account.id, planId: 'standard' });
  await app.admin.flagAccount(account.backendId, {
    reason: 'Requests every 2.000 s for an hour (automation suspected)',
  });
  await openApp(page, app);
  await expect(page.getByTestId('fair-use-reason')).toHaveText(
    'Reason: Requests every 2.000 s for an hour (automation suspected)',
  );
  await expect(page.getByTestId('window-next-spark-image')).toHaveText('Paused for fair-use review');

  // On Generate, an unlimited request is refused with its ways out; paying with credits (a workflow, U2) still works.
  await openView(page, 'generate');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('A fox');
  const refusal = page.getByTestId('preview-refusal');
  await expect(refusal).toContainText('Unlimited access is paused');
  await refusal.getByRole('button', { name: 'Charge it as part of a workflow' }).click();
  await expect(page.getByRole('checkbox', { name: 'Part of a workflow (always charged)' })).toBeChecked();
  await expect(page.getByTestId('preview-cost')).toHaveText('6 credits');
  await expect(page.getByTestId('generate-submit')).toBeEnabled();
  await openView(page, 'dashboard');

  await expect(page.getByTestId('appeal-submit')).toBeDisabled();
  await page.getByLabel('Your appeal (one per pause)').fill('I make every image by hand for my own cooking videos.');
  await screenshotBothThemes(page, 'dashboard-fair-use');
  await page.getByTestId('appeal-submit').click();
  await expect(page.getByTestId('appeal-state')).toContainText('Appeal open.');
  await expect(page.getByTestId('appeal-message')).toHaveCount(0);

  const appeals = await app.admin.listAppeals();
  const appeal = appeals.items.find((item) => item.accountId === account.backendId);
  await app.admin.decideAppeal(appeal!.id, { decision: 'restore', reason: 'Hand-made work, no violation' });
  await expect(page.getByTestId('appeal-state')).toContainText('Appeal accepted.');
  await expect(page.getByTestId('fair-use-reason')).toHaveCount(0);
  await expect(page.getByTestId('account-status')).toHaveCount(0);
});

test('U7: a second upheld violation suspends the account, and the app says so plainly', async ({ page }) => {
  const account = await localAccount();
  for (const [reason, message] of [
    ['Shared login from three cities', 'It was me on a trip.'],
    ['Shared login again', 'It was me on another trip.'],
  ] as const) {
    await app.admin.flagAccount(account.backendId, { reason });
    await app.bridge('appeal', { accountId: account.id, message });
    const appeals = await app.admin.listAppeals();
    const open = appeals.items.find((item) => item.accountId === account.backendId && item.status === 'open');
    await app.admin.decideAppeal(open!.id, { decision: 'uphold', reason: 'Confirmed from the access log' });
  }
  await openApp(page, app);
  await expect(page.getByTestId('account-status')).toContainText('This account is suspended.');
  await screenshotBothThemes(page, 'dashboard-suspended');
  await openView(page, 'generate');
  await page.getByRole('textbox', { name: 'Prompt', exact: true }).fill('Anything');
  await expect(page.getByTestId('generate-submit')).toBeDisabled();
  await expect(page.getByTestId('generate-disabled-reason')).toHaveText('This account is suspended.');
});

test('pace: spending per day over 7 local days, when the balances run out, and subscription credits left to expire', async ({
  page,
}) => {
  await openApp(page, app);
  await expect(page.getByTestId('pace-runout')).toHaveText(
    'Nothing spent in the last 7 days: your 100 credits are not running down.',
  );
  await openView(page, 'generate');
  const id = await generateThroughUI(page, {
    tool: 'text-to-image',
    model: 'spark-image',
    prompt: 'A paper boat',
    outputs: 2,
  });
  await expect(page.locator(`[data-generation-id="${id}"]`).getByTestId('generation-status')).toHaveText('Done', {
    timeout: 30_000,
  });
  await openView(page, 'dashboard');
  // 12 credits today over 7 days: 1.7 a day, which the 100 free credits of each day cover (C2): nothing runs out.
  await expect(page.getByTestId('pace-per-day')).toHaveText('1.7');
  await expect(page.getByTestId('pace')).toContainText('Sat 7 Mar');
  await expect(page.getByTestId('pace-runout')).toHaveText(
    'At this pace you never run out: each day’s 100 free credits cover it.',
  );

  // Subscribing changes the balances: the pace follows without a reload. Free credits are spent first (C5), so at
  // 1.7 a day all 1,500 subscription credits are still there when they expire on 7 Apr.
  await app.bridge('subscribe', { accountId: (await localAccount()).id, planId: 'basic' });
  await expect(page.getByTestId('pace-expiring')).toHaveText(
    'About 1,500 subscription credits will expire unused at renewal, at 00:00 on Tue 7 Apr (America/New_York): unused ones do not roll over.',
  );
  await expect(page.getByTestId('pace-runout')).toHaveText(
    'At this pace you never run out: each day’s 100 free credits and each month’s 1,500 credits cover it.',
  );
  await screenshotBothThemes(page, 'dashboard-pace');
});
