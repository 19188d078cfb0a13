/**
 * The Queue view (U3, U5, U8): the account's jobs per lane with position and estimate, the lanes' depth, and Cancel.
 *
 * How the queue is made reliable: the embedded backend is started with the operator configuration (U6) of one worker
 * and a system-wide concurrency of 1 (COMPANION_CONFIG, passed through startWebApp's `backendConfig`), and six HD
 * 10-second videos of two outputs each are queued; each takes the local provider a few seconds, so positions change
 * visibly while the test watches.
 */
import { expect, test } from '@playwright/test';
import { generateThroughUI, openApp, openView, screenshotBothThemes, startWebApp, type WebApp } from './web-app.js';

let app: WebApp;

test.beforeEach(async () => {
  app = await startWebApp({
    testClock: '2026-03-07T20:00:00.000Z',
    timeZone: 'America/New_York',
    name: 'Ana',
    backendConfig: {
      queue: { workers: 1, systemConcurrency: 1 },
      fairUse: { automation: { maxRequestsPerWindow: 10_000, regularIntervalCount: 1_000 } },
    },
  });
});
test.afterEach(async () => {
  await app.stop();
});

test('U8: queued jobs show their position and estimate, move up as work finishes, and can be cancelled', async ({
  page,
}) => {
  const snapshot = await app.snapshot();
  await app.bridge('subscribe', { accountId: snapshot.accounts[0]!.id, planId: 'ultra' });
  await openApp(page, app);
  await openView(page, 'queue');
  await expect(page.getByTestId('queue-empty')).toHaveText('Nothing of yours is waiting or running.');
  await screenshotBothThemes(page, 'queue-empty');

  // Six charged videos (a workflow is always charged, U2), one after another from the form.
  await openView(page, 'generate');
  const ids: string[] = [];
  for (let index = 1; index <= 6; index += 1) {
    ids.push(
      await generateThroughUI(page, {
        tool: 'text-to-video',
        model: 'motion-video',
        prompt: `Waves, take ${index}`,
        outputs: 2,
        quality: 'hd',
        durationS: 10,
        workflow: true,
      }),
    );
  }
  const [, , , , fifth, sixth] = ids as [string, string, string, string, string, string];

  await page.keyboard.press('Alt+3');
  await expect(page.getByRole('heading', { level: 1, name: 'Queue' })).toBeVisible();
  await expect(page.getByTestId('lane-standard')).toBeVisible();
  await expect(page.getByTestId('lane-system')).toContainText('running');
  const fifthRow = page.locator(`[data-testid="queue-job"][data-generation-id="${fifth}"]`);
  await expect(fifthRow.getByTestId('queue-job-position')).toHaveText(/^#[2-6]$/, { timeout: 10_000 });
  await expect(fifthRow.getByTestId('queue-job-eta')).toHaveText(/^about \d+ s$/);
  await screenshotBothThemes(page, 'queue');
  const firstSeen = Number((await fifthRow.getByTestId('queue-job-position').textContent())?.slice(1));

  // Cancel the last one while it waits: it leaves the queue and its credits come back (C8).
  const sixthRow = page.locator(`[data-testid="queue-job"][data-generation-id="${sixth}"]`);
  // By keyboard (alerts about finished videos may float over the table's right edge).
  await sixthRow.getByTestId('cancel-generation').focus();
  await page.keyboard.press('Enter');
  await expect(sixthRow).toHaveCount(0);

  // The fifth moves up as the ones before it finish or leave.
  await expect
    .poll(
      async () =>
        Number(
          (
            await fifthRow
              .getByTestId('queue-job-position')
              .textContent()
              .catch(() => '#0')
          )?.slice(1) || 0,
        ),
      { timeout: 30_000 },
    )
    .toBeLessThan(firstSeen);
  await expect(page.getByTestId('queue-empty')).toBeVisible({ timeout: 60_000 });

  await openView(page, 'generate');
  const cancelled = page.locator(`[data-generation-id="${sixth}"]`);
  await expect(cancelled.getByTestId('generation-status')).toHaveText('Cancelled');
  await expect(cancelled.getByTestId('generation-refund')).toContainText('Refunded: 1,680 credits');
  await expect(page.locator(`[data-generation-id="${fifth}"]`).getByTestId('generation-status')).toHaveText('Done', {
    timeout: 30_000,
  });
});
