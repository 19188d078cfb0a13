/**
 * The history grid under a scripted scroll through 100,000 items, in Debian's Chromium: the longest main-thread task
 * (PerformanceObserver 'longtask': every task over 50 ms) and the frame gaps (requestAnimationFrame), against the
 * target of no task over 50 ms.
 *
 * The page is the real HistoryView (and its store, grid, thumbnails) over a fake bridge that answers searchHistory
 * page by page from 100,000 generated items at once, so that what is measured is the renderer and not the host's
 * store. The page is built by vite into a temporary folder under node_modules/.cache (removed afterwards) and served
 * on 127.0.0.1. Two runs: a wide window (5 columns, 4.6 M px of rows: no scaling) and a narrow one (1 column, 23.2 M px:
 * the scroll-height guard scales the scroll position).
 *
 *   npx tsx test/bench/grid-scroll.ts [--screenshots]     (Node 22, as every npx here)
 *
 * Diagnostics: `--profile` prints where the main thread's JavaScript time went (CPU profile, unminified build),
 * `--trace` the time per trace event (style, layout, paint…); BENCH_CSS=<css> adds a style sheet before scrolling (to
 * try a change), BENCH_KEEP=1 keeps the built page; CHROMIUM_PATH picks another browser binary.
 *
 * `--screenshots` also saves every history-domain view (History, its detail panel, Workspaces, Analytics, Estimator)
 * in light and dark over the same fake bridge to test-results/screenshots/<view>-<theme>.png: the views' look before
 * the host's history lands (the e2e specs take the same shots against the real host).
 */
import { chromium, type Page } from '@playwright/test';
import react from '@vitejs/plugin-react';
import { createReadStream, existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { cpus, loadavg } from 'node:os';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'vite';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const TOTAL = 100_000;
const TARGET_MS = 50;
const SHOTS = join(repo, 'test-results', 'screenshots');

/** The fake host: 100,000 deterministic generations, three workspaces, usage and refunds, media as SVG data URLs. */
const fakeBridgeSource = String.raw`
import catalogJson from ${JSON.stringify(join(repo, 'backend/catalog.json'))};

const TOTAL = ${TOTAL};
const START = Date.parse('2026-03-07T20:00:00.000Z');
const words = ['lighthouse', 'dusk', 'portrait', 'neon', 'forest', 'cat', 'city', 'ocean', 'mountain', 'robot', 'garden', 'storm'];
const models = catalogJson.models;
const statuses = ['succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'succeeded', 'failed', 'blocked'];

function item(i) {
  const model = models[(i * 7) % models.length];
  const status = statuses[(i * 3) % statuses.length];
  const outputs = status !== 'succeeded' ? [] : Array.from({ length: 1 + ((i * 5) % 3 === 0 ? 2 : 0) }, (_, k) => ({
    id: 'out-' + i + '-' + k,
    kind: model.kind,
    mime: model.kind === 'audio' ? 'audio/wav' : model.kind === 'video' ? 'image/webp' : 'image/png',
    bytes: 180000 + ((i * 131) % 90000),
    ...(model.kind === 'audio' ? { durationS: 30 } : { width: 1024, height: 1024 }),
    sha256: 'a'.repeat(64),
  }));
  const cost = model.price * Math.max(1, outputs.length);
  const failed = status !== 'succeeded';
  const cache = {};
  for (const o of outputs) cache[o.id] = i % 4 === 3 ? 'missing' : 'cached';
  return {
    id: 'gen-' + String(TOTAL - i).padStart(6, '0'),
    accountId: 'acc-1',
    tool: model.tool,
    modelId: model.id,
    prompt: 'A ' + words[i % words.length] + ' ' + words[(i * 5 + 3) % words.length] + ' study, number ' + (TOTAL - i) + ', soft light, 35 mm',
    settings: { outputs: Math.max(1, outputs.length), quality: i % 5 === 0 ? 'hd' : 'standard', ...(model.kind === 'video' ? { durationS: 5 } : model.kind === 'audio' ? { durationS: 30 } : { width: 1024, height: 1024 }), seed: (i * 7919) % 100000 },
    status,
    lane: 'standard',
    charge: { credits: cost, generations: 0, draws: cost > 100 ? [{ balance: 'free', amount: 100 }, { balance: 'subscription', amount: cost - 100 }] : [{ balance: 'free', amount: cost }], refunded: failed },
    outputs,
    ...(status === 'failed' ? { error: 'The provider timed out' } : status === 'blocked' ? { error: 'Blocked by moderation: the prompt names a blocked word' } : {}),
    workspaceIds: i % 9 === 0 ? ['ws-1'] : [],
    pinned: i % 11 === 0,
    cache,
    createdAt: new Date(START - i * 7 * 60_000).toISOString(),
    finishedAt: new Date(START - i * 7 * 60_000 + 42_000).toISOString(),
  };
}

const workspaces = [
  { id: 'ws-1', name: 'Spring campaign', generationIds: Array.from({ length: 40 }, (_, k) => item(k * 9).id), createdAt: '2026-02-01T10:00:00.000Z', updatedAt: '2026-03-05T10:00:00.000Z' },
  { id: 'ws-2', name: 'Album covers', generationIds: [], createdAt: '2026-02-11T10:00:00.000Z', updatedAt: '2026-02-11T10:00:00.000Z' },
  { id: 'ws-3', name: 'Storyboard: "Night shift"', generationIds: [item(1).id, item(2).id], createdAt: '2026-02-20T10:00:00.000Z', updatedAt: '2026-02-20T10:00:00.000Z' },
];

const matches = new Map();
function indexesFor(query) {
  const key = JSON.stringify([query.q, query.tool, query.modelId, query.status, query.workspaceId, query.from, query.to]);
  if (!query.q && !query.tool && !query.modelId && !query.status && !query.workspaceId && !query.from && !query.to) return null;
  let found = matches.get(key);
  if (found) return found;
  found = [];
  const ws = query.workspaceId ? workspaces.find((w) => w.id === query.workspaceId) : null;
  for (let i = 0; i < TOTAL; i += 1) {
    const it = item(i);
    if (query.q && !it.prompt.toLowerCase().includes(query.q.toLowerCase())) continue;
    if (query.tool && it.tool !== query.tool) continue;
    if (query.modelId && it.modelId !== query.modelId) continue;
    if (query.status && it.status !== query.status) continue;
    if (ws && !ws.generationIds.includes(it.id)) continue;
    if (query.from && it.createdAt < query.from) continue;
    if (query.to && it.createdAt >= query.to) continue;
    found.push(i);
  }
  matches.set(key, found);
  return found;
}

const ok = (value) => Promise.resolve({ ok: true, value });
const hues = Array.from({ length: 36 }, (_, k) => k * 10);
// PNG pictures drawn once on a canvas, as short blob: URLs like the host's media URLs: decoded off the main thread like
// its real thumbnails (an SVG would be rasterized on the main thread, a data: URL copied on every attribute write, and
// the bench would measure the fake, not the grid).
async function png(hue, size) {
  const canvas = document.createElement('canvas');
  canvas.width = size;
  canvas.height = size;
  const g = canvas.getContext('2d');
  const gradient = g.createLinearGradient(0, 0, size, size);
  gradient.addColorStop(0, 'hsl(' + hue + ' 70% 62%)');
  gradient.addColorStop(1, 'hsl(' + ((hue + 60) % 360) + ' 60% 38%)');
  g.fillStyle = gradient;
  g.fillRect(0, 0, size, size);
  g.fillStyle = 'hsl(' + ((hue + 180) % 360) + ' 80% 85%)';
  g.beginPath();
  g.arc(size * 0.35, size * 0.42, size * 0.16, 0, Math.PI * 2);
  g.fill();
  g.fillStyle = 'rgba(0,0,0,0.25)';
  g.beginPath();
  g.moveTo(0, size * 0.8);
  g.quadraticCurveTo(size * 0.3, size * 0.6, size * 0.6, size * 0.75);
  g.quadraticCurveTo(size * 0.8, size * 0.82, size, size * 0.7);
  g.lineTo(size, size);
  g.lineTo(0, size);
  g.fill();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
  return URL.createObjectURL(blob);
}
const thumbs = await Promise.all(hues.map((hue) => png(hue, 320)));
const fulls = await Promise.all(hues.map((hue) => png(hue, 1024)));
function picture(i, variant) {
  return (variant === 'thumb' ? thumbs : fulls)[i % hues.length];
}
function usage(query) {
  const rows = [];
  const factor = query.modelId ? 0.3 : query.tool ? 0.55 : 1;
  if (query.groupBy === 'day') {
    const from = query.from ? Date.parse(query.from) : START - 29 * 86_400_000;
    const to = query.to ? Date.parse(query.to) : START;
    for (let t = from, k = 0; t < to; t += 86_400_000, k += 1) {
      if (k % 7 === 5) continue;
      const count = Math.round((8 + ((k * 13) % 17)) * factor);
      rows.push({ key: new Date(t).toISOString().slice(0, 10), credits: Math.round(count * (24 + ((k * 37) % 90))), generations: 0, count });
    }
  } else {
    const keys = query.groupBy === 'tool' ? catalogJson.tools.map((t) => t.id) : models.map((m) => m.id);
    keys.forEach((key, k) => {
      if (query.tool && query.groupBy === 'tool' && key !== query.tool) return;
      if (query.modelId && query.groupBy === 'model' && key !== query.modelId) return;
      const count = Math.round((5 + ((k * 11) % 40)) * factor);
      rows.push({ key, credits: count * (6 + ((k * 53) % 200)), generations: 0, count });
    });
  }
  const totals = rows.reduce((t, r) => ({ credits: t.credits + r.credits, generations: t.generations + r.generations, count: t.count + r.count }), { credits: 0, generations: 0, count: 0 });
  return { rows, totals };
}

export const fakeBridge = {
  searchHistory(query) {
    const indexes = indexesFor(query);
    const total = indexes ? indexes.length : TOTAL;
    const offset = query.offset ?? 0;
    const limit = query.limit ?? 100;
    const items = [];
    for (let k = offset; k < Math.min(total, offset + limit); k += 1) items.push(item(indexes ? indexes[k] : k));
    return ok({ items, total });
  },
  getHistoryItem({ generationId }) {
    return ok(item(TOTAL - Number(generationId.slice(4))));
  },
  setPinned({ generationId, pinned }) {
    return ok({ ...item(TOTAL - Number(generationId.slice(4))), pinned });
  },
  rerunGeneration({ generationId }) { return ok(item(TOTAL - Number(generationId.slice(4)))); },
  downloadOutput() { return ok({ savedTo: null }); },
  makeAvailableOffline() { return ok({ queued: 12 }); },
  syncNow() { return Promise.resolve({ ok: false, error: { code: 'unavailable', message: 'fake bridge' } }); },
  listWorkspaces() { return ok(workspaces.slice()); },
  createWorkspace({ name }) { const w = { id: 'ws-' + (workspaces.length + 1), name, generationIds: [], createdAt: new Date(START).toISOString(), updatedAt: new Date(START).toISOString() }; workspaces.push(w); return ok(w); },
  renameWorkspace({ workspaceId, name }) { const w = workspaces.find((x) => x.id === workspaceId); w.name = name; return ok(w); },
  deleteWorkspace({ workspaceId }) { workspaces.splice(workspaces.findIndex((x) => x.id === workspaceId), 1); return ok({ deleted: true }); },
  addToWorkspace({ workspaceId, generationId }) { const w = workspaces.find((x) => x.id === workspaceId); w.generationIds.push(generationId); return ok(w); },
  removeFromWorkspace({ workspaceId, generationId }) { const w = workspaces.find((x) => x.id === workspaceId); w.generationIds = w.generationIds.filter((id) => id !== generationId); return ok(w); },
  getUsage(query) { return ok(usage(query)); },
  refundAudit() {
    return ok([2, 8, 9, 18].map((i) => { const it = item(i); const m = models.find((x) => x.id === it.modelId); return { generationId: it.id, at: it.createdAt, modelId: it.modelId, tool: it.tool, status: i === 9 ? 'blocked' : 'failed', error: i === 9 ? 'Blocked by moderation' : 'The provider timed out', charged: [{ balance: 'free', amount: m.price }], refunded: [{ balance: 'free', amount: i === 18 ? 0 : m.price }] }; }));
  },
  recentUseByModel() {
    return ok([
      { modelId: 'spark-image', tool: 'text-to-image', generations: 240, credits: 1440, activeDays: 18 },
      { modelId: 'vivid-image', tool: 'text-to-image', generations: 96, credits: 4608, activeDays: 12 },
      { modelId: 'tune-music', tool: 'ai-music', generations: 6, credits: 480, activeDays: 4 },
    ]);
  },
  on() { return () => {}; },
  mediaURL(_accountId, outputId, variant) { return picture(Number(outputId.split('-')[1]), variant); },
};

export const snapshot = {
  accounts: [{
    id: 'acc-1',
    label: 'Ana',
    backend: { kind: 'embedded', label: 'Built-in backend' },
    connection: { state: new URLSearchParams(location.search).get('offline') ? 'offline' : 'live', since: '2026-03-07T19:00:00.000Z', dataAsOf: '2026-03-07T19:59:00.000Z', error: null, nextRetryAt: null },
    me: {
      id: 'acc-1', name: 'Ana', timeZone: 'America/New_York', status: 'active',
      plan: catalogJson.plans.find((p) => p.id === 'standard'),
      subscription: { planId: 'standard', status: 'active', startedAt: '2026-02-10T15:00:00.000Z', anniversaryDay: 10, renewsAt: '2026-03-10T04:00:00.000Z', period: 'month' },
    },
    balance: null,
    queue: null,
    recentGenerations: [],
    sync: { state: 'syncing', done: 4200, total: 100000, lastSyncedAt: '2026-03-07T19:30:00.000Z', error: null, pendingChanges: 2 },
  }],
  selectedAccountId: 'acc-1',
  catalog: catalogJson,
  embedded: { state: 'running', error: null },
  settings: { theme: 'system', alertThresholds: [75, 90, 100], alertsEnabled: true, startAtLogin: false, closeToTray: false, cacheLimitBytes: 2147483648, dataFolder: '/tmp/companion' },
  platform: { kind: 'web', tray: false, startAtLogin: false },
  secretsEncrypted: true,
};
`;

const src = (path: string) => JSON.stringify(join(repo, 'renderer/src', path));
const mainSource = String.raw`
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import ${src('styles.css')};
import { fakeBridge, snapshot } from './fake-bridge.js';
window.companion = fakeBridge;
const params = new URLSearchParams(location.search);
document.documentElement.dataset.theme = params.get('theme') ?? 'light';
const { useHostStore } = await import(${src('store/host/store.ts')});
useHostStore.getState().receivePushedSnapshot(snapshot);
const views = {
  history: (await import(${src('views/history/HistoryView.tsx')})).HistoryView,
  workspaces: (await import(${src('views/workspaces/WorkspacesView.tsx')})).WorkspacesView,
  analytics: (await import(${src('views/analytics/AnalyticsView.tsx')})).AnalyticsView,
  estimator: (await import(${src('views/estimator/EstimatorView.tsx')})).EstimatorView,
};
const View = views[params.get('view') ?? 'history'];
createRoot(document.getElementById('root')).render(
  <StrictMode>
    <div className="app">
      <aside className="sidebar">
        <div className="brand"><span className="brand-mark" aria-hidden="true" /><span className="brand-name">Creator Companion</span></div>
      </aside>
      <div className="app-body">
        <header className="topbar"><span className="muted">Ana · fake bridge</span></header>
        <main id="main" className="app-main"><View /></main>
      </div>
    </div>
  </StrictMode>,
);
`;

async function buildPage(): Promise<{ dir: string; out: string }> {
  // Under node_modules/.cache (ignored by git) rather than the system's temp folder, so that the page's bare imports
  // (react, react-dom) resolve to the repository's packages.
  const cache = join(repo, 'node_modules', '.cache');
  mkdirSync(cache, { recursive: true });
  const dir = mkdtempSync(join(cache, 'grid-bench-'));
  writeFileSync(
    join(dir, 'index.html'),
    '<!doctype html><html lang="en"><head><meta charset="UTF-8"><title>grid bench</title><script type="module" src="./main.tsx"></script></head><body><div id="root"></div></body></html>',
  );
  writeFileSync(join(dir, 'main.tsx'), mainSource);
  writeFileSync(join(dir, 'fake-bridge.js'), fakeBridgeSource);
  const out = join(dir, 'dist');
  await build({
    root: dir,
    base: './',
    configFile: false,
    logLevel: 'warn',
    plugins: [react()],
    resolve: { dedupe: ['react', 'react-dom', 'zustand'] },
    server: { fs: { allow: [repo, dir] } },
    build: { outDir: out, emptyOutDir: true, target: 'es2023', minify: !process.argv.includes('--profile') },
  });
  return { dir, out };
}

const types: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
};

function serve(root: string): Promise<{ server: Server; url: string }> {
  const server = createServer((req, res) => {
    const path = join(root, decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname));
    const file = existsSync(path) && statSync(path).isFile() ? path : join(root, 'index.html');
    res.writeHead(200, { 'content-type': types[extname(file)] ?? 'application/octet-stream' });
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve({ server, url: `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/` });
    }),
  );
}

type ScrollFigures = {
  longTasks: number[];
  byPhase: Array<{ name: string; longTasks: number; longest: number }>;
  frameGaps: number[];
  scale: number;
  columns: number;
  rendered: number;
};

/**
 * A flick (200 px a frame, about 12,000 px/s), a fling (600 px a frame), 60 jumps to random places (a dragged
 * scrollbar), then the end and back up at 900 px a frame; long tasks are counted per phase. Sent as text: a function would carry the helpers tsx adds to named functions, which the page does not have.
 */
const scrollScript = String.raw`(async () => {
  const grid = document.querySelector('[data-testid="history-grid"]');
  if (!grid) throw new Error('no grid');
  const tasks = [];
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) tasks.push({ at: entry.startTime, duration: entry.duration });
  });
  observer.observe({ type: 'longtask', buffered: false });
  const frameGaps = [];
  const phases = [];
  let last = performance.now();
  const frame = () => new Promise((resolve) => requestAnimationFrame((now) => { frameGaps.push(now - last); last = now; resolve(); }));
  const phase = async (name, run) => { const from = performance.now(); await run(); phases.push({ name, from, to: performance.now() }); };
  await frame();
  // Scroll positions are written, never read back between frames: reading scrollTop after the page changed forces a
  // layout that a user's wheel or drag would not.
  let y = 0;
  await phase('flick 200 px/frame', async () => { for (let i = 0; i < 300; i += 1) { y += 200; grid.scrollTop = y; await frame(); } });
  await phase('fling 600 px/frame', async () => { for (let i = 0; i < 200; i += 1) { y += 600; grid.scrollTop = y; await frame(); } });
  let seed = 42;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  const range = grid.scrollHeight - grid.clientHeight;
  await phase('60 jumps (scrollbar drag)', async () => { for (let i = 0; i < 60; i += 1) { grid.scrollTop = random() * range; await frame(); await frame(); } });
  await phase('end, then up 900 px/frame', async () => {
    y = range;
    grid.scrollTop = y;
    await frame();
    await frame();
    for (let i = 0; i < 120; i += 1) { y -= 900; grid.scrollTop = y; await frame(); }
  });
  // Let the last page loads land, then collect what the observer saw.
  await new Promise((resolve) => setTimeout(resolve, 500));
  observer.disconnect();
  const byPhase = phases.map((p) => {
    const mine = tasks.filter((t) => t.at >= p.from && t.at < p.to).map((t) => t.duration);
    return { name: p.name, longTasks: mine.length, longest: mine.length ? Math.max(...mine) : 0 };
  });
  return { longTasks: tasks.map((t) => t.duration), byPhase, frameGaps, scale: Number(grid.dataset.scale), columns: Number(grid.getAttribute('aria-colcount')), rendered: grid.querySelectorAll('[role="gridcell"]').length };
})()`;

/**
 * The main-thread work of one scroll step measured on its own: move the scroll position, deliver the scroll event at
 * once (the virtualizer renders synchronously in it), then force style and layout; paint and raster are left out.
 * Each sample is a few milliseconds long, so a busy machine disturbs few of them: the median says what the grid costs.
 */
const stepScript = String.raw`(async () => {
  const grid = document.querySelector('[data-testid="history-grid"]');
  const samples = { step: [], jump: [] };
  const measure = (kind, top) => {
    const started = performance.now();
    grid.scrollTop = top;
    grid.dispatchEvent(new Event('scroll'));
    void grid.offsetHeight;
    samples[kind].push(performance.now() - started);
  };
  const frame = () => new Promise((resolve) => requestAnimationFrame(() => resolve()));
  let y = 0;
  for (let i = 0; i < 300; i += 1) {
    y += 280; // ROW_HEIGHT in gridMath.ts (this runs in the page).
    measure('step', y);
    await frame();
  }
  let seed = 7;
  const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
  for (let i = 0; i < 100; i += 1) { measure('jump', random() * (grid.scrollHeight - grid.clientHeight)); await frame(); await frame(); }
  return samples;
})()`;

async function scriptedScroll(page: Page): Promise<ScrollFigures> {
  return (await page.evaluate(scrollScript)) as ScrollFigures;
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
}

type ProfileNode = {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
};

/** `--profile`: where the main thread spent its time during the scroll, by function (self time, top 15). */
async function profiled<T>(page: Page, run: () => Promise<T>): Promise<T> {
  if (process.argv.includes('--trace')) return traced(page, run);
  if (!process.argv.includes('--profile')) return run();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Profiler.enable');
  await cdp.send('Profiler.setSamplingInterval', { interval: 200 });
  await cdp.send('Profiler.start');
  const result = await run();
  const { profile } = (await cdp.send('Profiler.stop')) as unknown as {
    profile: { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[] };
  };
  const byNode = new Map<number, number>();
  profile.samples.forEach((id, i) => byNode.set(id, (byNode.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const byName = new Map<string, number>();
  for (const node of profile.nodes) {
    const frame = node.callFrame;
    const name = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').pop()}:${frame.lineNumber + 1}`;
    byName.set(name, (byName.get(name) ?? 0) + (byNode.get(node.id) ?? 0));
  }
  for (const [name, micros] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}`);
  return result;
}

type TraceEvent = { name: string; ph: string; dur?: number; tid: number; pid: number; args?: { name?: string } };

/** `--trace`: the main thread's time during the scroll by trace event (style, layout, paint, script…), top 15. */
async function traced<T>(page: Page, run: () => Promise<T>): Promise<T> {
  const cdp = await page.context().newCDPSession(page);
  const events: TraceEvent[] = [];
  cdp.on('Tracing.dataCollected', (data) => events.push(...(data.value as unknown as TraceEvent[])));
  const done = new Promise<void>((resolve) => cdp.once('Tracing.tracingComplete', () => resolve()));
  await cdp.send('Tracing.start', {
    categories: 'devtools.timeline,disabled-by-default-devtools.timeline',
    transferMode: 'ReportEvents',
  });
  const result = await run();
  await cdp.send('Tracing.end');
  await done;
  const main = events.find((e) => e.name === 'thread_name' && e.args?.name === 'CrRendererMain');
  const byName = new Map<string, number>();
  for (const e of events) {
    if (!main || e.tid !== main.tid || e.pid !== main.pid || e.ph !== 'X' || e.dur === undefined) continue;
    byName.set(e.name, (byName.get(e.name) ?? 0) + e.dur);
  }
  for (const [name, micros] of [...byName].sort((a, b) => b[1] - a[1]).slice(0, 15))
    console.log(`  ${(micros / 1000).toFixed(0).padStart(6)} ms  ${name}`);
  return result;
}

async function measure(page: Page, url: string, width: number): Promise<void> {
  await page.setViewportSize({ width, height: 900 });
  await page.goto(`${url}?view=history`);
  await page.getByTestId('history-cell').first().waitFor();
  if (process.env.BENCH_CSS) await page.addStyleTag({ content: process.env.BENCH_CSS });
  const figures = await profiled(page, () => scriptedScroll(page));
  const steps = (await page.evaluate(stepScript)) as { step: number[]; jump: number[] };
  const reachedEnd = await page.evaluate(String.raw`(() => {
    const grid = document.querySelector('[data-testid="history-grid"]');
    grid.scrollTop = grid.scrollHeight;
    return grid.scrollTop + grid.clientHeight >= grid.scrollHeight - 1;
  })()`);
  const longest = figures.longTasks.length === 0 ? 0 : Math.max(...figures.longTasks);
  console.log(
    `width ${width} px: ${figures.columns} columns, scale ${figures.scale.toFixed(3)}, ${figures.rendered} cells in the DOM at the end; ` +
      `long tasks: ${figures.longTasks.length}${figures.longTasks.length ? ` (longest ${longest.toFixed(0)} ms)` : ' (none over 50 ms)'}; ` +
      `frame gap p50 ${percentile(figures.frameGaps, 50).toFixed(1)} ms, p95 ${percentile(figures.frameGaps, 95).toFixed(1)} ms, max ${Math.max(...figures.frameGaps).toFixed(1)} ms over ${figures.frameGaps.length} frames; ` +
      `scrolled to the end: ${reachedEnd}`,
  );
  for (const [kind, samples] of [
    ['a row down (280 px)', steps.step],
    ['a jump (new screen, new pages)', steps.jump],
  ] as const) {
    console.log(
      `  synchronous work of ${kind}: p50 ${percentile(samples, 50).toFixed(1)} ms, p95 ${percentile(samples, 95).toFixed(1)} ms, max ${Math.max(...samples).toFixed(1)} ms`,
    );
  }
  for (const phase of figures.byPhase) {
    console.log(
      `  ${phase.name}: ${phase.longTasks} long tasks${phase.longTasks ? `, longest ${phase.longest.toFixed(0)} ms` : ''}`,
    );
  }
  console.log(`  target: longest main-thread task <= ${TARGET_MS} ms: ${longest <= TARGET_MS ? 'met' : 'NOT met'}`);
}

async function screenshots(page: Page, url: string): Promise<void> {
  mkdirSync(SHOTS, { recursive: true });
  await page.setViewportSize({ width: 1280, height: 900 });
  for (const theme of ['light', 'dark'] as const) {
    await page.emulateMedia({ colorScheme: theme });
    for (const view of ['history', 'workspaces', 'analytics', 'estimator'] as const) {
      await page.goto(`${url}?view=${view}&theme=${theme}`);
      await page.getByTestId(`${view}-view`).waitFor();
      if (view === 'history') await page.getByTestId('history-cell').first().waitFor();
      if (view === 'workspaces') {
        await page.getByTestId('workspace-open').first().click();
        await page.getByTestId('history-cell').first().waitFor();
      }
      if (view === 'analytics') await page.getByTestId('usage-table').waitFor();
      await page.waitForTimeout(300);
      await page.screenshot({ path: join(SHOTS, `${view}-${theme}.png`), fullPage: true });
      if (view === 'history') {
        await page.getByTestId('history-cell').nth(3).click();
        await page.getByTestId('detail-prompt').waitFor();
        await page.waitForTimeout(200);
        await page.screenshot({ path: join(SHOTS, `history-detail-${theme}.png`) });
        await page.keyboard.press('Escape');
        await page.goto(`${url}?view=history&theme=${theme}&offline=1`);
        await page.getByTestId('history-cell').first().waitFor();
        await page.waitForTimeout(200);
        await page.screenshot({ path: join(SHOTS, `history-offline-${theme}.png`) });
      }
    }
  }
  console.log(`screenshots in ${SHOTS}`);
}

const { dir, out } = await buildPage();
const { server, url } = await serve(out);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking'],
});
try {
  const page = await browser.newPage();
  page.on('pageerror', (error) => console.error(`page error: ${error.message}`));
  console.log(
    `history grid, ${TOTAL.toLocaleString('en-US')} items, fake bridge, Chromium ${browser.version()}, ${cpus().length} cores, load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}`,
  );
  await measure(page, url, 1280);
  await measure(page, url, 420);
  if (process.argv.includes('--screenshots')) await screenshots(page, url);
} finally {
  await browser.close();
  server.close();
  if (!process.env.BENCH_KEEP) rmSync(dir, { recursive: true, force: true });
}
