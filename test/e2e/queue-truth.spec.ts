/**
 * The Queue view tells the backend's truth: once a generation finishes, its lane says 0 running within seconds (not
 * the last figure the account heard while it had work queued), the copy reads as a sentence, and with the backend
 * gone the view says it is offline and how old its figures are.
 */
import { expect, test } from '@playwright/test';
import { generateThroughUI, openApp, openView, screenshotBothThemes, startWebApp, type WebApp } from './web-app.js';

let app: WebApp;

test.beforeEach(async () => {
  app = await startWebApp({
    testClock: '2026-03-07T20:00:00.000Z',
    timeZone: 'America/New_York',
    backendConfig: { queue: { workers: 1, systemConcurrency: 1 } },
  });
});
test.afterEach(async () => {
  await app.stop();
});

test('after a generation finishes the Queue says 0 running within seconds; offline it shows the banner with the data’s age', async ({
  page,
}) => {
  const snapshot = await app.snapshot();
  await app.bridge('subscribe', { accountId: snapshot.accounts[0]!.id, planId: 'ultra' });
  await openApp(page, app);
  await openView(page, 'queue');
  await expect(page.getByTestId('lane-standard')).toContainText(/New work starts (now|in about \d+ (s|min))Paid/);
  await expect(page.getByTestId('lane-system')).toContainText(/Next job starts (now|in about \d+ (s|min))Everyone/);
  await expect(page.getByTestId('queue-lanes')).not.toContainText('starts starting');

  // Two charged HD videos take the built-in provider several seconds each: the second waits behind the first.
  await openView(page, 'generate');
  const video = {
    tool: 'text-to-video',
    model: 'motion-video',
    outputs: 2,
    quality: 'hd',
    durationS: 10,
    workflow: true,
  } as const;
  await generateThroughUI(page, { ...video, prompt: 'Waves at dusk' });
  const second = await generateThroughUI(page, { ...video, prompt: 'Waves at dawn' });
  await openView(page, 'queue');
  const row = page.locator(`[data-testid="queue-job"][data-generation-id="${second}"]`);
  await expect(row).toBeVisible();
  await expect(page.getByTestId('lane-standard-running')).toHaveText('1 running');

  // The last job leaves "Your jobs" when its end is heard; the lanes agree within seconds (before, they kept
  // "1 running": the backend sent no more queue events to an account without work).
  await expect(row).toHaveCount(0, { timeout: 60_000 });
  await expect(page.getByTestId('lane-standard-running')).toHaveText('0 running', { timeout: 3_000 });
  await expect(page.getByTestId('lane-system')).toContainText('0 waiting · 0 running');
  await expect(page.getByTestId('queue-empty')).toBeVisible();
  await expect(page.getByTestId('connection-status')).toHaveCount(0);

  app.killBackend();
  await expect(page.getByTestId('connection-status')).toContainText('Offline', { timeout: 15_000 });
  await expect(page.getByTestId('data-age')).toContainText(/data from (less than a minute|\d+ (second|minute)s?) ago/);
  await expect(page.getByRole('heading', { level: 1, name: 'Queue' })).toBeVisible();
  await screenshotBothThemes(page, 'queue-offline');
});
