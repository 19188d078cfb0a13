/**
 * A realistic scene for screenshots and layout tests: the local account on the Ultra plan with a few days of history
 * (images, a video, a speech clip, a moderation block, a workspace), made through the bridge the way the app would.
 */
import type { GenerationRequest } from '../../shared/api.js';
import type { WebApp } from './web-app.js';

const FINAL = new Set(['succeeded', 'failed', 'blocked', 'cancelled']);

/** Each day's requests, oldest day first; the clock moves one day between them. */
export const sceneDays: GenerationRequest[][] = [
  [
    {
      tool: 'text-to-image',
      modelId: 'vivid-pro-image',
      prompt: 'a neon koi fish circling a moonlit pond, ink wash style with gold leaf',
      settings: { outputs: 2 },
    },
    {
      tool: 'text-to-video',
      modelId: 'motion-pro-video',
      prompt: 'a paper boat drifting down a rainy street at night',
      settings: { outputs: 1, durationS: 10 },
    },
  ],
  [
    {
      tool: 'text-to-speech',
      modelId: 'voice-tts',
      prompt: 'A calm voice reading tomorrow’s weather for the coast',
      settings: { outputs: 1, durationS: 30 },
    },
    {
      tool: 'text-to-image',
      modelId: 'vivid-pro-image',
      prompt: 'a lighthouse at dusk, oil painting, warm light on the waves',
      settings: { outputs: 1, quality: 'hd' },
    },
  ],
  [
    { tool: 'text-to-image', modelId: 'spark-image', prompt: 'a gore scene', settings: { outputs: 1 } },
    {
      tool: 'ai-music',
      modelId: 'tune-music',
      prompt: 'lo-fi beat with soft piano for studying',
      settings: { outputs: 1, durationS: 30 },
    },
    {
      tool: 'text-to-video',
      modelId: 'motion-video',
      prompt: 'a fox running through fresh snow in slow motion',
      settings: { outputs: 1, durationS: 5 },
    },
  ],
];

/** The local account's id in the app, once the host has connected it (a moment after start-up). */
async function localAccountId(app: WebApp): Promise<string> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const account = (await app.snapshot()).accounts[0];
    if (account?.me) return account.id;
    if (Date.now() > deadline) throw new Error('the host has no connected account');
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

async function waitFinished(app: WebApp, accountId: string, generationId: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    // The host's history learns of a new generation a moment after it is made.
    const item = await app.bridge('getHistoryItem', { accountId, generationId }).catch(() => null);
    if (item !== null && FINAL.has(item.status)) return;
    if (Date.now() > deadline)
      throw new Error(`generation ${generationId} did not finish: ${item?.status ?? 'not in the history'}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Subscribes the local account to Ultra and makes `sceneDays` on as many days: the first on the clock's day, then the
 * clock moves a day forward before each of the others (the app should start `days.length - 1` days before the scene).
 */
export async function seedScene(app: WebApp, days = sceneDays): Promise<string> {
  const accountId = await localAccountId(app);
  await app.bridge('subscribe', { accountId, planId: 'ultra' });
  for (const [index, requests] of days.entries()) {
    if (index > 0) await app.moveClock({ advanceS: 86_400 });
    for (const request of requests) {
      const created = await app.bridge('createGeneration', { accountId, request });
      await waitFinished(app, accountId, created.id);
    }
  }
  const workspace = await app.bridge('createWorkspace', { accountId, name: 'Koi series' });
  const generationId = (await app.bridge('searchHistory', { accountId, limit: 1 })).items[0]?.id;
  if (generationId) await app.bridge('addToWorkspace', { accountId, workspaceId: workspace.id, generationId });
  return accountId;
}
