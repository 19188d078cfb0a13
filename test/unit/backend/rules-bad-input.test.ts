/**
 * Bad input on every route that charges, records or reads account data: wrong types, out-of-range numbers, unknown ids
 * and another account's ids. Each answer must be problem+json (400 invalid_request naming the bad fields in `errors`,
 * 404 not_found, or 413/415 for an upload), and in every case nothing may be charged or written: the caller's ledger,
 * history and sync log (and the other account's, when its ids are used) are the same before and after.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Generation, LedgerEntry, SyncChange } from '../../../shared/api.js';
import type { CompanionClient } from '../../../shared/client.js';
import type { TestAccount, TestBackend } from '../../support/backend.js';
import {
  allLedgerEntries,
  engines,
  ScriptedProvider,
  startBackendOn,
  syncAll,
  waitForGeneration,
} from '../../support/engines.js';

/** The ids a case may refer to, made once per engine. */
interface Ids {
  generation: string;
  imageOutput: string;
  audioOutput: string;
  workspace: string;
  otherGeneration: string;
  otherOutput: string;
  otherWorkspace: string;
}

type AccountState = { ledger: LedgerEntry[]; sync: { changes: SyncChange[]; cursor: string }; history: Generation[] };

interface BadRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  /** A JSON body, or raw bytes sent with `contentType`. */
  json?: unknown;
  bytes?: Buffer;
  contentType?: string;
  headers?: Record<string, string>;
}

interface Expected {
  status: 400 | 404 | 413 | 415;
  code: 'invalid_request' | 'not_found';
  /** The paths `errors` must name (400 validation errors); omitted where the request could not be parsed at all. */
  errors?: string[];
}

interface Case {
  title: string;
  request: (ids: Ids) => BadRequest | Promise<BadRequest>;
  expected: Expected;
  /** Whether the case uses the other account's ids, so that account's state is compared too. */
  touchesOther?: boolean;
}

const lighthouse = { tool: 'text-to-image', modelId: 'spark-image', prompt: 'a lighthouse', settings: { outputs: 1 } };
const generate = (patch: Record<string, unknown> = {}, settings: Record<string, unknown> = {}): BadRequest => ({
  method: 'POST',
  path: '/v1/generations',
  json: { ...lighthouse, ...patch, settings: { ...lighthouse.settings, ...settings } },
});
const estimate = (patch: Record<string, unknown> = {}, settings: Record<string, unknown> = {}): BadRequest => ({
  method: 'POST',
  path: '/v1/estimates/cost',
  json: { tool: 'text-to-image', modelId: 'spark-image', ...patch, settings: { outputs: 1, ...settings } },
});
const post = (path: string, json: unknown): BadRequest => ({ method: 'POST', path, json });
const invalid = (...errors: string[]): Expected => ({ status: 400, code: 'invalid_request', errors });
const unparsable: Expected = { status: 400, code: 'invalid_request' };
const notFound: Expected = { status: 404, code: 'not_found' };

/** A small real PNG or JPEG, as a user would upload it. */
function picture(format: 'png' | 'jpeg'): Promise<Buffer> {
  return sharp({ create: { width: 40, height: 30, channels: 3, background: '#228844' } })
    .toFormat(format)
    .toBuffer();
}

const cases: Case[] = [
  // POST /v1/generations: settings
  {
    title: 'generation with outputs 0',
    request: () => generate({}, { outputs: 0 }),
    expected: invalid('body.settings.outputs'),
  },
  {
    title: 'generation with outputs 5',
    request: () => generate({}, { outputs: 5 }),
    expected: invalid('body.settings.outputs'),
  },
  {
    title: 'generation with outputs -1',
    request: () => generate({}, { outputs: -1 }),
    expected: invalid('body.settings.outputs'),
  },
  {
    title: 'generation with outputs 1e9',
    request: () => generate({}, { outputs: 1e9 }),
    expected: invalid('body.settings.outputs'),
  },
  {
    title: 'generation with outputs 1.5',
    request: () => generate({}, { outputs: 1.5 }),
    expected: invalid('body.settings.outputs'),
  },
  {
    title: 'generation with outputs "2" (a string)',
    request: () => generate({}, { outputs: '2' }),
    expected: invalid('body.settings.outputs'),
  },
  {
    title: 'generation with outputs null',
    request: () => generate({}, { outputs: null }),
    expected: invalid('body.settings.outputs'),
  },
  {
    title: 'generation with quality "ultra"',
    request: () => generate({}, { quality: 'ultra' }),
    expected: invalid('body.settings.quality'),
  },
  {
    title: 'generation with width 99999',
    request: () => generate({}, { width: 99_999 }),
    expected: invalid('body.settings.width'),
  },
  {
    title: 'generation with height 10',
    request: () => generate({}, { height: 10 }),
    expected: invalid('body.settings.height'),
  },
  {
    title: 'generation with seed -1',
    request: () => generate({}, { seed: -1 }),
    expected: invalid('body.settings.seed'),
  },
  {
    title: 'video with durationS 7',
    request: () => generate({ tool: 'text-to-video', modelId: 'motion-video' }, { durationS: 7 }),
    expected: invalid('body.settings.durationS'),
  },
  {
    title: 'video with durationS 1e9',
    request: () => generate({ tool: 'text-to-video', modelId: 'motion-video' }, { durationS: 1e9 }),
    expected: invalid('body.settings.durationS'),
  },
  {
    title: 'video with durationS -5',
    request: () => generate({ tool: 'text-to-video', modelId: 'motion-video' }, { durationS: -5 }),
    expected: invalid('body.settings.durationS'),
  },
  {
    title: 'speech with durationS 45',
    request: () => generate({ tool: 'text-to-speech', modelId: 'voice-tts' }, { durationS: 45 }),
    expected: invalid('body.settings.durationS'),
  },
  {
    title: 'image with durationS 5',
    request: () => generate({}, { durationS: 5 }),
    expected: invalid('body.settings.durationS'),
  },
  // POST /v1/generations: the request itself
  {
    title: 'generation without settings',
    request: () => post('/v1/generations', { tool: 'text-to-image', modelId: 'spark-image', prompt: 'x' }),
    expected: invalid('body.settings'),
  },
  { title: 'generation with prompt 42', request: () => generate({ prompt: 42 }), expected: invalid('body.prompt') },
  {
    title: 'generation with an empty prompt',
    request: () => generate({ prompt: '' }),
    expected: invalid('body.prompt'),
  },
  {
    title: 'generation with a 4,001-character prompt',
    request: () => generate({ prompt: 'x'.repeat(4001) }),
    expected: invalid('body.prompt'),
  },
  {
    title: 'generation with tool "text-to-3d"',
    request: () => generate({ tool: 'text-to-3d' }),
    expected: invalid('body.tool'),
  },
  {
    title: 'generation with workflow "yes"',
    request: () => generate({ workflow: 'yes' }),
    expected: invalid('body.workflow'),
  },
  {
    title: 'generation with an unknown modelId',
    request: () => generate({ modelId: 'dream-image' }),
    expected: invalid('body.modelId'),
  },
  {
    title: 'generation with a model that lacks the tool',
    request: () => generate({ tool: 'text-to-video' }),
    expected: invalid('body.tool'),
  },
  { title: 'generation with an array body', request: () => post('/v1/generations', []), expected: invalid('body') },
  {
    title: 'generation with malformed JSON',
    request: () => ({
      method: 'POST',
      path: '/v1/generations',
      bytes: Buffer.from('{"tool":'),
      contentType: 'application/json',
    }),
    expected: unparsable,
  },
  {
    title: 'generation with a 201-character Idempotency-Key',
    request: () => ({ ...generate(), headers: { 'Idempotency-Key': 'k'.repeat(201) } }),
    expected: unparsable,
  },
  // POST /v1/generations: sources
  {
    title: 'image-to-image without sourceId',
    request: () => generate({ tool: 'image-to-image' }),
    expected: invalid('body.settings.sourceId'),
  },
  {
    title: 'image-to-image with an unknown sourceId',
    request: () => generate({ tool: 'image-to-image' }, { sourceId: 'upl_unknown' }),
    expected: notFound,
  },
  {
    title: 'image-to-video with an audio output as the source',
    request: (ids) => generate({ tool: 'image-to-video', modelId: 'motion-video' }, { sourceId: ids.audioOutput }),
    expected: notFound,
  },
  {
    title: 'image-to-image with another account’s output as the source',
    request: (ids) => generate({ tool: 'image-to-image' }, { sourceId: ids.otherOutput }),
    expected: notFound,
    touchesOther: true,
  },
  // POST /v1/estimates/cost
  {
    title: 'estimate with outputs 0',
    request: () => estimate({}, { outputs: 0 }),
    expected: invalid('body.settings.outputs'),
  },
  {
    title: 'estimate of a video with durationS 7',
    request: () => estimate({ tool: 'text-to-video', modelId: 'motion-video' }, { durationS: 7 }),
    expected: invalid('body.settings.durationS'),
  },
  {
    title: 'estimate with an unknown modelId',
    request: () => estimate({ modelId: 'dream-image' }),
    expected: invalid('body.modelId'),
  },
  {
    title: 'estimate with width 99999',
    request: () => estimate({}, { width: 99_999 }),
    expected: invalid('body.settings.width'),
  },
  {
    title: 'estimate of creative-upscale without sourceId',
    request: () => estimate({ tool: 'creative-upscale', modelId: 'upscale-2x' }),
    expected: invalid('body.settings.sourceId'),
  },
  // POST /v1/me/topups and /v1/me/subscription
  {
    title: 'top-up of -5 credits',
    request: () => post('/v1/me/topups', { credits: -5 }),
    expected: invalid('body.credits'),
  },
  {
    title: 'top-up of 0 credits',
    request: () => post('/v1/me/topups', { credits: 0 }),
    expected: invalid('body.credits'),
  },
  {
    title: 'top-up of 1.5 credits',
    request: () => post('/v1/me/topups', { credits: 1.5 }),
    expected: invalid('body.credits'),
  },
  {
    title: 'top-up of 1e12 credits',
    request: () => post('/v1/me/topups', { credits: 1e12 }),
    expected: invalid('body.credits'),
  },
  {
    title: 'top-up of "100" credits (a string)',
    request: () => post('/v1/me/topups', { credits: '100' }),
    expected: invalid('body.credits'),
  },
  { title: 'top-up without credits', request: () => post('/v1/me/topups', {}), expected: invalid('body.credits') },
  {
    title: 'subscription to the unknown plan "platinum"',
    request: () => post('/v1/me/subscription', { planId: 'platinum' }),
    expected: invalid('body.planId'),
  },
  {
    title: 'subscription to "free"',
    request: () => post('/v1/me/subscription', { planId: 'free' }),
    expected: invalid('body.planId'),
  },
  {
    title: 'subscription with planId 42',
    request: () => post('/v1/me/subscription', { planId: 42 }),
    expected: invalid('body.planId'),
  },
  {
    title: 'subscription with an empty planId',
    request: () => post('/v1/me/subscription', { planId: '' }),
    expected: invalid('body.planId'),
  },
  // POST /v1/prompts/enhance
  {
    title: 'enhance with an empty prompt',
    request: () => post('/v1/prompts/enhance', { prompt: '' }),
    expected: invalid('body.prompt'),
  },
  {
    title: 'enhance with tool "bogus"',
    request: () => post('/v1/prompts/enhance', { prompt: 'a fox', tool: 'bogus' }),
    expected: invalid('body.tool'),
  },
  // generations by id
  {
    title: 'GET an unknown generation',
    request: () => ({ method: 'GET', path: '/v1/generations/gen_unknown' }),
    expected: notFound,
  },
  {
    title: 'GET another account’s generation',
    request: (ids) => ({ method: 'GET', path: `/v1/generations/${ids.otherGeneration}` }),
    expected: notFound,
    touchesOther: true,
  },
  {
    title: 'GET a generation with an unknown 150-character id',
    request: () => ({ method: 'GET', path: `/v1/generations/gen_${'g'.repeat(146)}` }),
    expected: notFound,
  },
  {
    title: 'GET a generation with a 201-character id',
    request: () => ({ method: 'GET', path: `/v1/generations/${'g'.repeat(201)}` }),
    expected: invalid('params.id'),
  },
  {
    title: 're-run an unknown generation',
    request: () => post('/v1/generations/gen_unknown/rerun', {}),
    expected: notFound,
  },
  {
    title: 're-run another account’s generation',
    request: (ids) => post(`/v1/generations/${ids.otherGeneration}/rerun`, {}),
    expected: notFound,
    touchesOther: true,
  },
  {
    title: 'cancel an unknown generation',
    request: () => ({ method: 'POST', path: '/v1/generations/gen_unknown/cancel' }),
    expected: notFound,
  },
  {
    title: 'cancel another account’s generation',
    request: (ids) => ({ method: 'POST', path: `/v1/generations/${ids.otherGeneration}/cancel` }),
    expected: notFound,
    touchesOther: true,
  },
  {
    title: 'DELETE an unknown generation',
    request: () => ({ method: 'DELETE', path: '/v1/generations/gen_unknown' }),
    expected: notFound,
  },
  {
    title: 'DELETE another account’s generation',
    request: (ids) => ({ method: 'DELETE', path: `/v1/generations/${ids.otherGeneration}` }),
    expected: notFound,
    touchesOther: true,
  },
  // outputs
  {
    title: 'GET an unknown output',
    request: () => ({ method: 'GET', path: '/v1/outputs/out_unknown' }),
    expected: notFound,
  },
  {
    title: 'GET another account’s output',
    request: (ids) => ({ method: 'GET', path: `/v1/outputs/${ids.otherOutput}` }),
    expected: notFound,
    touchesOther: true,
  },
  // workspaces
  {
    title: 'workspace with an empty name',
    request: () => post('/v1/workspaces', { name: '' }),
    expected: invalid('body.name'),
  },
  {
    title: 'workspace with a blank name',
    request: () => post('/v1/workspaces', { name: '   ' }),
    expected: invalid('body.name'),
  },
  {
    title: 'workspace with a 201-character name',
    request: () => post('/v1/workspaces', { name: 'w'.repeat(201) }),
    expected: invalid('body.name'),
  },
  {
    title: 'workspace with name 5',
    request: () => post('/v1/workspaces', { name: 5 }),
    expected: invalid('body.name'),
  },
  {
    title: 'rename an unknown workspace',
    request: () => ({ method: 'PATCH', path: '/v1/workspaces/wsp_unknown', json: { name: 'New' } }),
    expected: notFound,
  },
  {
    title: 'rename another account’s workspace',
    request: (ids) => ({ method: 'PATCH', path: `/v1/workspaces/${ids.otherWorkspace}`, json: { name: 'Mine now' } }),
    expected: notFound,
    touchesOther: true,
  },
  {
    title: 'rename a workspace to an empty name',
    request: (ids) => ({ method: 'PATCH', path: `/v1/workspaces/${ids.workspace}`, json: { name: '' } }),
    expected: invalid('body.name'),
  },
  {
    title: 'rename a workspace to 42',
    request: (ids) => ({ method: 'PATCH', path: `/v1/workspaces/${ids.workspace}`, json: { name: 42 } }),
    expected: invalid('body.name'),
  },
  {
    title: 'DELETE an unknown workspace',
    request: () => ({ method: 'DELETE', path: '/v1/workspaces/wsp_unknown' }),
    expected: notFound,
  },
  {
    title: 'DELETE another account’s workspace',
    request: (ids) => ({ method: 'DELETE', path: `/v1/workspaces/${ids.otherWorkspace}` }),
    expected: notFound,
    touchesOther: true,
  },
  {
    title: 'add to an unknown workspace',
    request: (ids) => post('/v1/workspaces/wsp_unknown/items', { generationId: ids.generation }),
    expected: notFound,
  },
  {
    title: 'add to another account’s workspace',
    request: (ids) => post(`/v1/workspaces/${ids.otherWorkspace}/items`, { generationId: ids.generation }),
    expected: notFound,
    touchesOther: true,
  },
  {
    title: 'add another account’s generation to a workspace',
    request: (ids) => post(`/v1/workspaces/${ids.workspace}/items`, { generationId: ids.otherGeneration }),
    expected: notFound,
    touchesOther: true,
  },
  {
    title: 'add an unknown generation to a workspace',
    request: (ids) => post(`/v1/workspaces/${ids.workspace}/items`, { generationId: 'gen_unknown' }),
    expected: notFound,
  },
  {
    title: 'add to a workspace without generationId',
    request: (ids) => post(`/v1/workspaces/${ids.workspace}/items`, {}),
    expected: invalid('body.generationId'),
  },
  {
    title: 'remove another account’s generation from a workspace',
    request: (ids) => ({ method: 'DELETE', path: `/v1/workspaces/${ids.workspace}/items/${ids.otherGeneration}` }),
    expected: notFound,
    touchesOther: true,
  },
  {
    title: 'remove from another account’s workspace',
    request: (ids) => ({ method: 'DELETE', path: `/v1/workspaces/${ids.otherWorkspace}/items/${ids.otherGeneration}` }),
    expected: notFound,
    touchesOther: true,
  },
  // list and log queries
  {
    title: 'history with limit=0',
    request: () => ({ method: 'GET', path: '/v1/generations?limit=0' }),
    expected: invalid('query.limit'),
  },
  {
    title: 'history with limit=501',
    request: () => ({ method: 'GET', path: '/v1/generations?limit=501' }),
    expected: invalid('query.limit'),
  },
  {
    title: 'history with limit=abc',
    request: () => ({ method: 'GET', path: '/v1/generations?limit=abc' }),
    expected: invalid('query.limit'),
  },
  {
    title: 'history with status=bogus',
    request: () => ({ method: 'GET', path: '/v1/generations?status=bogus' }),
    expected: invalid('query.status'),
  },
  {
    title: 'history with tool=bogus',
    request: () => ({ method: 'GET', path: '/v1/generations?tool=bogus' }),
    expected: invalid('query.tool'),
  },
  {
    title: 'history with from=yesterday',
    request: () => ({ method: 'GET', path: '/v1/generations?from=yesterday' }),
    expected: invalid('query.from'),
  },
  {
    title: 'history with a cursor it never gave out',
    request: () => ({ method: 'GET', path: '/v1/generations?cursor=garbage' }),
    expected: invalid('query.cursor'),
  },
  {
    title: 'ledger with limit=-1',
    request: () => ({ method: 'GET', path: '/v1/ledger?limit=-1' }),
    expected: invalid('query.limit'),
  },
  {
    title: 'ledger with a cursor it never gave out',
    request: () => ({ method: 'GET', path: '/v1/ledger?cursor=garbage' }),
    expected: invalid('query.cursor'),
  },
  {
    title: 'usage with groupBy=week',
    request: () => ({ method: 'GET', path: '/v1/usage?groupBy=week' }),
    expected: invalid('query.groupBy'),
  },
  {
    title: 'usage with from=notadate',
    request: () => ({ method: 'GET', path: '/v1/usage?from=notadate' }),
    expected: invalid('query.from'),
  },
  {
    title: 'usage with tool=bogus',
    request: () => ({ method: 'GET', path: '/v1/usage?tool=bogus' }),
    expected: invalid('query.tool'),
  },
  {
    title: 'sync with since=-1',
    request: () => ({ method: 'GET', path: '/v1/sync?since=-1' }),
    expected: invalid('query.since'),
  },
  {
    title: 'sync with since=abc',
    request: () => ({ method: 'GET', path: '/v1/sync?since=abc' }),
    expected: invalid('query.since'),
  },
  {
    title: 'sync with limit=0',
    request: () => ({ method: 'GET', path: '/v1/sync?limit=0' }),
    expected: invalid('query.limit'),
  },
  // uploads
  {
    title: 'upload over 20 MiB',
    request: () => {
      const bytes = Buffer.alloc(20 * 1024 * 1024 + 1, 7);
      bytes.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]); // a PNG signature, then junk
      return { method: 'POST', path: '/v1/uploads', bytes, contentType: 'image/png' };
    },
    expected: { status: 413, code: 'invalid_request' },
  },
  {
    title: 'upload of text declared image/png',
    request: () => ({
      method: 'POST',
      path: '/v1/uploads',
      bytes: Buffer.from('hello, not an image'),
      contentType: 'image/png',
    }),
    expected: unparsable,
  },
  {
    title: 'upload of an empty body declared image/png',
    request: () => ({ method: 'POST', path: '/v1/uploads', bytes: Buffer.alloc(0), contentType: 'image/png' }),
    expected: unparsable,
  },
  {
    title: 'upload of a JPEG declared image/png',
    request: async () => ({
      method: 'POST',
      path: '/v1/uploads',
      bytes: await picture('jpeg'),
      contentType: 'image/png',
    }),
    expected: unparsable,
  },
  {
    title: 'upload of a PNG declared image/gif',
    request: async () => ({
      method: 'POST',
      path: '/v1/uploads',
      bytes: await picture('png'),
      contentType: 'image/gif',
    }),
    expected: { status: 415, code: 'invalid_request' },
  },
];

describe.each(engines)('bad input on %s', (engine) => {
  let t: TestBackend;
  let me: TestAccount;
  let other: TestAccount;
  let ids: Ids;

  beforeAll(async () => {
    t = await startBackendOn(engine, { testClock: '2026-03-10T09:00:00Z', provider: new ScriptedProvider() });
    me = await t.createAccount('Ada', 'Europe/Berlin', 'basic');
    other = await t.createAccount('Mallory', 'Asia/Tokyo');
    const image = await waitForGeneration(
      me.client,
      (await me.client.createGeneration({ ...lighthouse, tool: 'text-to-image' })).id,
    );
    const audio = await waitForGeneration(
      me.client,
      (
        await me.client.createGeneration({
          tool: 'text-to-speech',
          modelId: 'voice-tts',
          prompt: 'hello',
          settings: { outputs: 1 },
        })
      ).id,
    );
    const theirs = await waitForGeneration(
      other.client,
      (await other.client.createGeneration({ ...lighthouse, tool: 'text-to-image' })).id,
    );
    ids = {
      generation: image.id,
      imageOutput: image.outputs[0]?.id as string,
      audioOutput: audio.outputs[0]?.id as string,
      workspace: (await me.client.createWorkspace({ name: 'Mine' })).id,
      otherGeneration: theirs.id,
      otherOutput: theirs.outputs[0]?.id as string,
      otherWorkspace: (await other.client.createWorkspace({ name: 'Theirs' })).id,
    };
  });

  afterAll(async () => {
    await t.stop();
  });

  /** The state each account was last seen in (see the cases below). */
  const baseline: { me?: AccountState; other?: AccountState } = {};

  /** Everything a bad request must leave as it was. */
  async function state(client: CompanionClient): Promise<AccountState> {
    return {
      ledger: await allLedgerEntries(client),
      sync: await syncAll(client),
      history: (await client.listGenerations({ limit: 500 })).items,
    };
  }

  async function send(request: BadRequest) {
    const headers: Record<string, string> = { Authorization: `Bearer ${me.token}`, ...request.headers };
    let body: Buffer | string | undefined;
    if (request.json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(request.json);
    } else if (request.bytes !== undefined) {
      headers['Content-Type'] = request.contentType ?? 'application/octet-stream';
      body = request.bytes;
    }
    const response = await fetch(new URL(request.path, t.url), {
      method: request.method,
      headers,
      ...(body === undefined ? {} : { body }),
    });
    return {
      status: response.status,
      contentType: response.headers.get('content-type'),
      problem: (await response.json()) as {
        status: number;
        code: string;
        errors?: Array<{ path: string; message: string }>;
      },
    };
  }

  it.each(cases.map((c) => [c.title, c] as const))('%s', async (_title, testCase) => {
    const request = await testCase.request(ids);
    // Every case leaves both accounts as they were, so each one's "before" is the state the previous one left.
    const before = {
      me: (baseline.me ??= await state(me.client)),
      other: testCase.touchesOther ? (baseline.other ??= await state(other.client)) : null,
    };
    const answer = await send(request);
    expect([answer.status, answer.contentType, answer.problem.status, answer.problem.code]).toEqual([
      testCase.expected.status,
      expect.stringMatching(/^application\/problem\+json/),
      testCase.expected.status,
      testCase.expected.code,
    ]);
    const after = { me: await state(me.client), other: testCase.touchesOther ? await state(other.client) : null };
    baseline.me = after.me;
    if (after.other) baseline.other = after.other;
    if (testCase.expected.errors) expect(answer.problem.errors?.map((e) => e.path)).toEqual(testCase.expected.errors);
    expect(after).toEqual(before);
  });

  it('image-to-image with another account’s upload as the source answers 404, and nothing is charged', async () => {
    const upload = await other.client.uploadReference(await picture('png'), 'image/png');
    const before = { me: await state(me.client), other: await state(other.client) };
    const answer = await send(generate({ tool: 'image-to-image' }, { sourceId: upload.id }));
    expect([answer.status, answer.problem.code]).toEqual([404, 'not_found']);
    expect({ me: await state(me.client), other: await state(other.client) }).toEqual(before);
  });
});
