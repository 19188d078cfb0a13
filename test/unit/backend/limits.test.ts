/**
 * Rate limits and quotas (docs/API.md: 429 rate_limited with Retry-After), each with a small window or the test clock, so
 * that a test sees the refusal and then the limit reset: failed sign-ins per address, requests per token (reads and
 * writes apart), per address without a token and on /v1/admin/*, open event streams per account, prompt enhancements,
 * uploads per day by count and by bytes, and the expiry of Idempotency-Key answers.
 */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { OperationsConfigInput } from '../../../backend/config.js';
import { openEventStream, startBackend, type TestBackend } from '../../support/backend.js';
import { engines, startBackendOn } from '../../support/engines.js';

type Limits = NonNullable<OperationsConfigInput['limits']>;
const roomy = { max: 10_000, windowS: 60 };
const limitsFor = (patch: Limits): Limits => ({
  reads: roomy,
  writes: roomy,
  anonymous: roomy,
  admin: roomy,
  failedAuth: roomy,
  enhancements: roomy,
  ...patch,
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call(t: TestBackend, method: string, path: string, token?: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${t.url}${path}`, {
    method,
    headers,
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    type: response.headers.get('content-type'),
    retryAfter: response.headers.get('retry-after'),
    body: text ? JSON.parse(text) : null,
  };
}

/** The answer is 429 problem+json rate_limited with a Retry-After of at least a second. */
function expectRateLimited(answer: Awaited<ReturnType<typeof call>>): void {
  expect([answer.status, answer.body?.code, answer.type?.split(';')[0]]).toEqual([
    429,
    'rate_limited',
    'application/problem+json',
  ]);
  expect(Number(answer.retryAfter)).toBeGreaterThanOrEqual(1);
}

async function backendWith(limits: Limits, testClock?: string): Promise<TestBackend> {
  return startBackend({ config: { limits: limitsFor(limits) }, ...(testClock ? { testClock } : {}) });
}

describe('failed sign-ins per address', () => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await backendWith({ failedAuth: { max: 3, windowS: 1 } });
  });
  afterAll(() => t?.stop());

  it('after 3 wrong tokens the address is refused, even with a right one, until the window ends', async () => {
    const { token } = await t.createAccount('Guessed', 'UTC');
    for (let i = 0; i < 3; i += 1) expect((await call(t, 'GET', '/v1/me', `cc_wrong_${i}`)).status).toBe(401);
    expectRateLimited(await call(t, 'GET', '/v1/me', 'cc_wrong_again'));
    expectRateLimited(await call(t, 'GET', '/v1/me', token));
    await sleep(1_100);
    expect((await call(t, 'GET', '/v1/me', token)).status).toBe(200);
  });
});

describe('/v1/admin/* per address', () => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await backendWith({ admin: { max: 3, windowS: 1 } });
  });
  afterAll(() => t?.stop());

  it('the 4th admin request in the window is refused; the health check never is; the window resets', async () => {
    for (let i = 0; i < 3; i += 1) expect((await call(t, 'GET', '/v1/admin/appeals', t.adminToken)).status).toBe(200);
    expectRateLimited(await call(t, 'GET', '/v1/admin/appeals', t.adminToken));
    for (let i = 0; i < 5; i += 1) expect((await call(t, 'GET', '/v1/health')).status).toBe(200);
    await sleep(1_100);
    expect((await call(t, 'GET', '/v1/admin/appeals', t.adminToken)).status).toBe(200);
  });
});

describe('per token, per address, per account', () => {
  let t: TestBackend;
  const limits: Limits = {
    reads: { max: 5, windowS: 1 },
    writes: { max: 3, windowS: 1 },
    anonymous: { max: 4, windowS: 1 },
    enhancements: { max: 2, windowS: 1 },
    eventStreamsPerAccount: 2,
    uploads: { perDay: 2, bytesPerDay: 1_000_000 },
  };
  beforeAll(async () => {
    t = await backendWith(limits, '2026-05-01T10:00:00.000Z');
  });
  afterAll(() => t?.stop());

  it('reads per token: the 6th read in the window is refused, another token is not, and the window resets', async () => {
    const [a, b] = [await t.createAccount('Reader A', 'UTC'), await t.createAccount('Reader B', 'UTC')];
    for (let i = 0; i < 5; i += 1) expect((await call(t, 'GET', '/v1/me/balance', a.token)).status).toBe(200);
    expectRateLimited(await call(t, 'GET', '/v1/me/balance', a.token));
    expect((await call(t, 'GET', '/v1/me/balance', b.token)).status).toBe(200);
    await sleep(1_100);
    expect((await call(t, 'GET', '/v1/me/balance', a.token)).status).toBe(200);
  });

  it('writes per token are counted apart from reads: the 4th write is refused while reads go on', async () => {
    const { token } = await t.createAccount('Writer', 'UTC');
    const estimate = { tool: 'text-to-image', modelId: 'spark-image', settings: { outputs: 1 } };
    for (let i = 0; i < 3; i += 1)
      expect((await call(t, 'POST', '/v1/estimates/cost', token, estimate)).status).toBe(200);
    expectRateLimited(await call(t, 'POST', '/v1/estimates/cost', token, estimate));
    expect((await call(t, 'GET', '/v1/me', token)).status).toBe(200);
    await sleep(1_100);
    expect((await call(t, 'POST', '/v1/estimates/cost', token, estimate)).status).toBe(200);
  });

  it('requests without a token are counted per address', async () => {
    await sleep(1_100);
    for (let i = 0; i < 4; i += 1) expect((await call(t, 'GET', '/v1/catalog')).status).toBe(200);
    expectRateLimited(await call(t, 'GET', '/v1/catalog'));
    await sleep(1_100);
    expect((await call(t, 'GET', '/v1/catalog')).status).toBe(200);
  });

  it('prompt enhancements per account: the 3rd in the window is refused', async () => {
    const { token } = await t.createAccount('Enhancer', 'UTC');
    const body = { tool: 'text-to-image', prompt: 'a fox' };
    for (let i = 0; i < 2; i += 1) expect((await call(t, 'POST', '/v1/prompts/enhance', token, body)).status).toBe(200);
    expectRateLimited(await call(t, 'POST', '/v1/prompts/enhance', token, body));
    await sleep(1_100);
    expect((await call(t, 'POST', '/v1/prompts/enhance', token, body)).status).toBe(200);
  });

  it('event streams per account: the 3rd open stream is refused; closing one lets the next in', async () => {
    const { token } = await t.createAccount('Watcher', 'UTC');
    const first = await openEventStream(t.url, token);
    const second = await openEventStream(t.url, token);
    const third = await fetch(`${t.url}/v1/events`, { headers: { authorization: `Bearer ${token}` } });
    expectRateLimited({
      status: third.status,
      type: third.headers.get('content-type'),
      retryAfter: third.headers.get('retry-after'),
      body: await third.json(),
    });
    first.close();
    await sleep(100);
    const again = await openEventStream(t.url, token);
    again.close();
    second.close();
  });

  it('uploads per day: the 3rd upload within 24 hours is refused with the wait, and goes through a day later', async () => {
    const { token } = await t.createAccount('Uploader', 'UTC');
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#336699' } })
      .png()
      .toBuffer();
    const upload = () =>
      fetch(`${t.url}/v1/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' },
        body: png,
      });
    for (let i = 0; i < 2; i += 1) expect((await upload()).status).toBe(201);
    const refused = await upload();
    expect([refused.status, ((await refused.json()) as { code: string }).code]).toEqual([429, 'rate_limited']);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(23 * 3600);
    await t.admin.admin.moveClock({ advanceS: 24 * 3600 + 1 });
    await sleep(1_100); // past this backend's window of 3 writes a second
    const later = await upload();
    expect([later.status, await later.text()]).toEqual([201, expect.any(String)]);
  });
});

describe('upload bytes per day', () => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await backendWith({ uploads: { perDay: 100, bytesPerDay: 16_000 } }, '2026-05-01T10:00:00.000Z');
  });
  afterAll(() => t?.stop());

  it('an upload that would take the day over its bytes is refused; a day later it goes through', async () => {
    const { token } = await t.createAccount('Bytes', 'UTC');
    // Noise does not compress: about 7 KB, so two fit in the day's 16,000 bytes and a third does not.
    const noise = await sharp(randomBytes(48 * 48 * 3), { raw: { width: 48, height: 48, channels: 3 } })
      .png()
      .toBuffer();
    expect(noise.length).toBeGreaterThan(5_400);
    expect(noise.length).toBeLessThan(8_000);
    const upload = () =>
      fetch(`${t.url}/v1/uploads`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png' },
        body: noise,
      });
    for (let i = 0; i < 2; i += 1) expect((await upload()).status).toBe(201);
    const refused = await upload();
    expect([refused.status, refused.headers.get('content-type')?.split(';')[0]]).toEqual([
      429,
      'application/problem+json',
    ]);
    await t.admin.admin.moveClock({ advanceS: 24 * 3600 + 1 });
    expect((await upload()).status).toBe(201);
  });
});

describe.each(engines)('Idempotency-Key answers expire on %s', (engine) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startBackendOn(engine, { config: { limits: { enabled: false, idempotencyTtlS: 1 } } });
  });
  afterAll(() => t?.stop());

  it('within the time a key replays its answer; after it the key is new, and the expired answers are deleted', async () => {
    const { client } = await t.createAccount('Keys', 'UTC');
    const first = await client.createWorkspace({ name: 'Moodboard' }, 'ws-key-1');
    const replay = await client.createWorkspace({ name: 'Moodboard' }, 'ws-key-1');
    expect(replay.id).toBe(first.id);
    await sleep(1_100);
    const later = await client.createWorkspace({ name: 'Moodboard' }, 'ws-key-1');
    expect(later.id).not.toBe(first.id);
    await sleep(1_100);
    await client.createWorkspace({ name: 'Other' }, 'ws-key-2');
    const keys = await t.backend.database.db.selectFrom('idempotency_keys').select('key').execute();
    expect(keys.map((k) => k.key)).toEqual(['ws-key-2']);
  });
});
