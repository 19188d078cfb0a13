/**
 * History (H1: records, downloads, re-runs, cancellation, deletion, workspaces, search and paging), the sync log the
 * desktop app reads (H2), the ledger's paging (C9), usage analytics (C10) and the event stream, over real HTTP with the
 * typed client and the test clock, on every storage engine. Prompts marked `[render]` are rendered by the real local
 * provider (the others as small sketch files); a prompt marked `[hold:<name>]` waits until the test releases it, and the
 * runner runs one generation at a time, so a second request stays queued behind a held one. Accounts live in
 * America/New_York (EDT, UTC-4 in May).
 */
import { createHash } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Generation, GenerationQuery, GenerationRequest, Usage } from '../../../shared/api.js';
import { Workspace } from '../../../shared/api.js';
import type { CompanionClient } from '../../../shared/client.js';
import { catchApiError } from '../../support/api-error.js';
import {
  eventOfType,
  openEventStream,
  parseServerEvent,
  type EventStream,
  type StreamEvent,
  type TestAccount,
  type TestBackend,
} from '../../support/backend.js';
import {
  allLedgerEntries,
  engines,
  entriesOf,
  ScriptedProvider,
  startBackendOn,
  waitForGeneration,
} from '../../support/engines.js';

type UsageParams = NonNullable<Parameters<CompanionClient['usage']>[0]>;

const ZONE = 'America/New_York';
const START = '2026-05-04T14:00:00Z'; // 10:00 EDT

function request(
  modelId: string,
  prompt: string,
  settings: Partial<GenerationRequest['settings']> = {},
): GenerationRequest {
  const tool: GenerationRequest['tool'] =
    modelId === 'voice-tts' ? 'text-to-speech' : modelId.includes('video') ? 'text-to-video' : 'text-to-image';
  return { tool, modelId, prompt, settings: { outputs: 1, ...settings } };
}

/** A raw HTTP call, for routes the typed client does not offer (PATCH and DELETE of workspaces, DELETE of a generation). */
async function raw(t: TestBackend, token: string, method: string, path: string, body?: unknown) {
  const response = await fetch(new URL(path, t.url), {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  return {
    status: response.status,
    contentType: response.headers.get('content-type'),
    body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
  };
}

/** GET /v1/outputs/:id with optional headers; the body as bytes. */
async function download(t: TestBackend, token: string, outputId: string, headers: Record<string, string> = {}) {
  const response = await fetch(new URL(`/v1/outputs/${outputId}`, t.url), {
    headers: { Authorization: `Bearer ${token}`, ...headers },
  });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

describe.each(engines)('history, sync, usage and events on %s', (engine) => {
  let t: TestBackend;
  const provider = new ScriptedProvider();
  const streams: EventStream[] = [];

  beforeAll(async () => {
    t = await startBackendOn(engine, { testClock: START, provider, runner: { concurrency: 1 } });
  });

  afterEach(async () => {
    provider.releaseAll();
    await Promise.all(streams.splice(0).map((stream) => stream.close()));
  });

  afterAll(async () => {
    await t.stop();
  });

  const newYorker = (planId?: string) => t.createAccount('Ada', ZONE, planId);

  async function finished(client: CompanionClient, body: GenerationRequest): Promise<Generation> {
    return waitForGeneration(client, (await client.createGeneration(body)).id);
  }

  /** A generation that stays running until `provider.release(name)`; with one runner slot, later ones stay queued. */
  async function heldGeneration(client: CompanionClient, name: string): Promise<Generation> {
    const held = await client.createGeneration(request('spark-image', `[hold:${name}] a held fox`));
    return waitForGeneration(client, held.id, ['running']);
  }

  describe('H1 the record of a generation', () => {
    it('H1: a finished generation records tool, model, prompt, settings, status, cost and draws, outputs and times', async () => {
      const { client } = await newYorker();
      const generation = await finished(
        client,
        request('spark-image', '[render] a red fox in the snow', { outputs: 2, seed: 7, width: 320, height: 256 }),
      );
      expect(generation).toMatchObject({
        tool: 'text-to-image',
        modelId: 'spark-image',
        prompt: '[render] a red fox in the snow',
        settings: { outputs: 2, seed: 7, width: 320, height: 256 },
        status: 'succeeded',
        lane: 'standard',
        charge: { credits: 12, generations: 0, draws: [{ balance: 'free', amount: 12 }], refunded: false },
        workspaceIds: [],
        createdAt: '2026-05-04T14:00:00.000Z',
        startedAt: '2026-05-04T14:00:00.000Z',
        finishedAt: '2026-05-04T14:00:00.000Z',
      });
      expect(generation.outputs.map((o) => [o.kind, o.mime, o.width, o.height])).toEqual([
        ['image', 'image/png', 320, 256],
        ['image', 'image/png', 320, 256],
      ]);
    });

    it('H1: another account’s generation answers 404 not_found, never its data', async () => {
      const owner = await newYorker();
      const generation = await owner.client.createGeneration(request('spark-image', 'a private fox'));
      const error = await catchApiError((await newYorker()).client.getGeneration(generation.id));
      expect([error.status, error.code, JSON.stringify(error.problem)]).toEqual([
        404,
        'not_found',
        expect.not.stringContaining('private fox'),
      ]);
    });

    it('H1: an output downloads with its Content-Type and an ETag that is the sha256 of the bytes received', async () => {
      const { client, token } = await newYorker();
      const [output] = (await finished(client, request('spark-image', '[render] a fox at dusk'))).outputs;
      const answer = await download(t, token, output?.id as string);
      const sha256 = createHash('sha256').update(answer.bytes).digest('hex');
      expect([
        answer.status,
        answer.headers.get('content-type'),
        answer.headers.get('etag'),
        answer.bytes.length,
      ]).toEqual([200, 'image/png', `"${sha256}"`, output?.bytes]);
      expect(sha256).toBe(output?.sha256);
    });

    it('H1: Range: bytes=0-9 answers 206 with exactly those 10 bytes and their Content-Range', async () => {
      const { client, token } = await newYorker();
      const [output] = (await finished(client, request('spark-image', '[render] a fox at noon'))).outputs;
      const whole = await download(t, token, output?.id as string);
      const part = await download(t, token, output?.id as string, { Range: 'bytes=0-9' });
      expect([part.status, part.headers.get('content-range'), part.bytes]).toEqual([
        206,
        `bytes 0-9/${whole.bytes.length}`,
        whole.bytes.subarray(0, 10),
      ]);
    });

    it('H1: If-None-Match with the ETag answers 304 Not Modified with no body', async () => {
      const { client, token } = await newYorker();
      const [output] = (await finished(client, request('spark-image', '[render] a fox at night'))).outputs;
      const answer = await download(t, token, output?.id as string, { 'If-None-Match': `"${output?.sha256}"` });
      expect([answer.status, answer.bytes.length]).toEqual([304, 0]);
    });

    it('H1: another account’s output answers 404 not_found', async () => {
      const { client } = await newYorker();
      const [output] = (await finished(client, request('spark-image', 'a fox of mine'))).outputs;
      const answer = await download(t, (await newYorker()).token, output?.id as string);
      expect([answer.status, answer.headers.get('content-type')]).toEqual([
        404,
        expect.stringMatching(/^application\/problem\+json/),
      ]);
    });

    it('H1: re-running makes a new generation with the same request, charged again', async () => {
      const { client } = await newYorker();
      const first = await finished(client, request('vivid-image', 'a fox in the rain', { seed: 3 }));
      const again = await client.rerunGeneration(first.id);
      expect(again.id).not.toBe(first.id);
      expect([again.tool, again.modelId, again.prompt, again.settings]).toEqual([
        first.tool,
        first.modelId,
        first.prompt,
        first.settings,
      ]);
      const ledger = await allLedgerEntries(client);
      expect([entriesOf(ledger, first.id), entriesOf(ledger, again.id)]).toEqual([
        [['debit', 'free', -24]],
        [['debit', 'free', -24]],
      ]);
      expect((await waitForGeneration(client, again.id)).status).toBe('succeeded');
      expect((await client.balance()).credits.free.amount).toBe(52);
    });

    it('H1: a queued generation can be cancelled: it ends cancelled and is refunded in full', async () => {
      const { client, token } = await newYorker();
      await heldGeneration(client, 'cancel-queued');
      const queued = await client.createGeneration(request('vivid-image', 'a fox that waits'));
      expect((await client.getGeneration(queued.id)).status).toBe('queued');
      const answer = await raw(t, token, 'POST', `/v1/generations/${queued.id}/cancel`);
      expect([
        answer.status,
        answer.body?.status,
        (answer.body?.charge as Generation['charge'] | undefined)?.refunded,
      ]).toEqual([200, 'cancelled', true]);
      expect(entriesOf(await allLedgerEntries(client), queued.id)).toEqual([
        ['debit', 'free', -24],
        ['refund', 'free', 24],
      ]);
      expect((await client.balance()).credits.free.amount).toBe(94);
    });

    it('H1: the typed client cancels a queued generation (its POST carries no body)', async () => {
      const { client } = await newYorker();
      await heldGeneration(client, 'cancel-client');
      const queued = await client.createGeneration(request('spark-image', 'a fox the client cancels'));
      expect((await client.cancelGeneration(queued.id)).status).toBe('cancelled');
    });

    it('H1: a running or finished generation cannot be cancelled: 409 not_cancellable, nothing refunded', async () => {
      const { client, token } = await newYorker();
      const running = await heldGeneration(client, 'cancel-running');
      expect((await raw(t, token, 'POST', `/v1/generations/${running.id}/cancel`)).body).toMatchObject({
        status: 409,
        code: 'not_cancellable',
      });
      provider.release('cancel-running');
      const done = await waitForGeneration(client, running.id);
      expect((await raw(t, token, 'POST', `/v1/generations/${done.id}/cancel`)).body).toMatchObject({
        status: 409,
        code: 'not_cancellable',
      });
      expect(entriesOf(await allLedgerEntries(client), running.id)).toEqual([['debit', 'free', -6]]);
    });

    it('H1: deleting a finished generation (204) takes it out of history; reading it then answers 404', async () => {
      const { client, token } = await newYorker();
      const keep = await finished(client, request('spark-image', 'a fox to keep'));
      const gone = await finished(client, request('spark-image', 'a fox to forget'));
      expect((await raw(t, token, 'DELETE', `/v1/generations/${gone.id}`)).status).toBe(204);
      expect((await client.listGenerations()).items.map((g) => g.id)).toEqual([keep.id]);
      expect((await catchApiError(client.getGeneration(gone.id))).status).toBe(404);
    });

    it('H1: a running generation cannot be deleted: 409', async () => {
      const { client, token } = await newYorker();
      const running = await heldGeneration(client, 'delete-running');
      expect((await raw(t, token, 'DELETE', `/v1/generations/${running.id}`)).body).toMatchObject({
        status: 409,
        code: 'not_cancellable',
      });
      expect((await client.getGeneration(running.id)).status).toBe('running');
    });
  });

  describe('H1 history paging', () => {
    it('H1: paging with a cursor visits every generation once, newest first, with no duplicates or gaps', async () => {
      const { client } = await newYorker();
      for (let i = 0; i < 7; i += 1) await client.createGeneration(request('spark-image', `fox number ${i}`)); // all at one instant
      const all = (await client.listGenerations({ limit: 500 })).items.map((g) => g.id);
      const pages: string[][] = [];
      let cursor: string | undefined;
      do {
        const page = await client.listGenerations({ limit: 3, ...(cursor ? { cursor } : {}) });
        pages.push(page.items.map((g) => g.id));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      expect(pages.map((p) => p.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual(all);
      expect(new Set(all).size).toBe(7);
    });
  });

  describe('H1 workspaces', () => {
    async function workspaceWith(client: CompanionClient, name: string, generationIds: string[]) {
      const workspace = await client.createWorkspace({ name });
      for (const id of generationIds) await client.addWorkspaceItem(workspace.id, id);
      return workspace;
    }

    it('H1: a generation saved to a named workspace carries its id, and the workspace lists it', async () => {
      const { client } = await newYorker();
      const generation = await client.createGeneration(request('spark-image', 'a fox for the album'));
      const workspace = await workspaceWith(client, 'Foxes', [generation.id]);
      expect((await client.listWorkspaces()).items).toEqual([
        expect.objectContaining({ id: workspace.id, name: 'Foxes', generationIds: [generation.id] }),
      ]);
      expect((await client.getGeneration(generation.id)).workspaceIds).toEqual([workspace.id]);
    });

    it('H1: saving the same generation twice keeps it once', async () => {
      const { client } = await newYorker();
      const generation = await client.createGeneration(request('spark-image', 'a fox saved twice'));
      const workspace = await workspaceWith(client, 'Twice', [generation.id, generation.id]);
      expect((await client.listWorkspaces()).items.find((w) => w.id === workspace.id)?.generationIds).toEqual([
        generation.id,
      ]);
    });

    it('H1: renaming a workspace (PATCH) keeps its generations', async () => {
      const { client, token } = await newYorker();
      const generation = await client.createGeneration(request('spark-image', 'a fox renamed'));
      const workspace = await workspaceWith(client, 'Drafts', [generation.id]);
      const answer = await raw(t, token, 'PATCH', `/v1/workspaces/${workspace.id}`, { name: 'Finals' });
      expect([answer.status, Workspace.parse(answer.body)]).toEqual([
        200,
        expect.objectContaining({ id: workspace.id, name: 'Finals', generationIds: [generation.id] }),
      ]);
    });

    it('H1: removing an item takes the generation out of the workspace, not out of history', async () => {
      const { client } = await newYorker();
      const generation = await client.createGeneration(request('spark-image', 'a fox set aside'));
      const workspace = await workspaceWith(client, 'Maybe', [generation.id]);
      expect((await client.removeWorkspaceItem(workspace.id, generation.id)).generationIds).toEqual([]);
      expect((await client.getGeneration(generation.id)).workspaceIds).toEqual([]);
    });

    it('H1: deleting a workspace (204) removes it from the list; its generations stay in history', async () => {
      const { client, token } = await newYorker();
      const generation = await client.createGeneration(request('spark-image', 'a fox that stays'));
      const workspace = await workspaceWith(client, 'Old', [generation.id]);
      expect((await raw(t, token, 'DELETE', `/v1/workspaces/${workspace.id}`)).status).toBe(204);
      expect((await client.listWorkspaces()).items).toEqual([]);
      expect((await client.getGeneration(generation.id)).workspaceIds).toEqual([]);
    });
  });

  describe('H2 sync: every generation, workspace and balance change after a cursor', () => {
    /** An account with a finished generation, a renamed workspace holding it, and a charged balance. */
    async function busyAccount(): Promise<TestAccount & { generation: Generation; workspaceId: string }> {
      const account = await newYorker();
      const generation = await finished(account.client, request('spark-image', 'a fox to sync'));
      const workspace = await account.client.createWorkspace({ name: 'Sync me' });
      await account.client.addWorkspaceItem(workspace.id, generation.id);
      await raw(t, account.token, 'PATCH', `/v1/workspaces/${workspace.id}`, { name: 'Synced' });
      return { ...account, generation: await account.client.getGeneration(generation.id), workspaceId: workspace.id };
    }

    it('H2: each entity appears once, at its latest state', async () => {
      const { client, generation, workspaceId } = await busyAccount();
      const { changes } = await client.sync();
      expect(changes.map((c) => `${c.kind}:${c.op}`).sort()).toEqual([
        'balance:upsert',
        'generation:upsert',
        'workspace:upsert',
      ]);
      expect(changes.find((c) => c.kind === 'generation')).toEqual({
        kind: 'generation',
        id: generation.id,
        op: 'upsert',
        data: generation,
      });
      expect(changes.find((c) => c.kind === 'workspace')?.data).toMatchObject({
        id: workspaceId,
        name: 'Synced',
        generationIds: [generation.id],
      });
      expect(changes.find((c) => c.kind === 'balance')?.data).toEqual(await client.balance());
    });

    it('H2: paging with the returned cursor visits every entity exactly once', async () => {
      const { client } = await busyAccount();
      await client.createWorkspace({ name: 'Second' });
      const whole = await client.sync();
      const seen: string[] = [];
      let cursor: string | undefined;
      let pages = 0;
      for (;;) {
        const page = await client.sync(cursor, 1);
        seen.push(...page.changes.map((c) => `${c.kind}:${c.id}`));
        cursor = page.cursor;
        pages += 1;
        if (!page.more) break;
      }
      expect(seen).toEqual(whole.changes.map((c) => `${c.kind}:${c.id}`));
      expect([pages, new Set(seen).size]).toEqual([4, 4]);
      expect(cursor).toBe(whole.cursor);
    });

    it('H2: a second sync from the last cursor returns nothing new', async () => {
      const { client } = await busyAccount();
      const first = await client.sync();
      expect(await client.sync(first.cursor)).toEqual({ changes: [], cursor: first.cursor, more: false });
    });

    it('H2: after a change, exactly that entity comes back', async () => {
      const { client, token, workspaceId } = await busyAccount();
      const { cursor } = await client.sync();
      await raw(t, token, 'PATCH', `/v1/workspaces/${workspaceId}`, { name: 'Renamed again' });
      const next = await client.sync(cursor);
      expect(next.changes).toEqual([
        { kind: 'workspace', id: workspaceId, op: 'upsert', data: expect.objectContaining({ name: 'Renamed again' }) },
      ]);
    });

    it('H2: deletions come back with op delete and no data', async () => {
      const { client, token, generation, workspaceId } = await busyAccount();
      const { cursor } = await client.sync();
      await raw(t, token, 'DELETE', `/v1/generations/${generation.id}`);
      await raw(t, token, 'DELETE', `/v1/workspaces/${workspaceId}`);
      const next = await client.sync(cursor);
      expect(next.changes.map((c) => [c.kind, c.id, c.op, c.data])).toEqual([
        ['generation', generation.id, 'delete', null],
        ['workspace', workspaceId, 'delete', null],
      ]);
    });
  });

  describe('C9 the ledger', () => {
    it('C9: the ledger pages newest first with a cursor, without duplicates or gaps', async () => {
      const { client } = await newYorker('basic');
      await client.buyTopup({ credits: 50 });
      for (let i = 0; i < 3; i += 1) await client.createGeneration(request('vivid-image', `fox ${i}`, { outputs: 2 }));
      const all = await allLedgerEntries(client);
      const paged = await allLedgerEntries(client, 2);
      expect(paged).toEqual(all);
      expect(all).toHaveLength(7);
      expect(all.map((e) => e.kind)).toEqual(['debit', 'debit', 'debit', 'debit', 'topup', 'grant', 'grant']);
    });
  });

  describe('events', () => {
    const statusOf = (event: StreamEvent) => {
      const parsed = parseServerEvent(event);
      return parsed.type === 'generation' ? parsed.data.status : null;
    };
    /** The first matching event received so far, or the next one to arrive. */
    const received = (stream: EventStream, predicate: (event: StreamEvent) => boolean) => {
      const found = stream.events.find(predicate);
      return found ? Promise.resolve(found) : stream.next(predicate);
    };
    const freeOf = (event: StreamEvent) => {
      const parsed = parseServerEvent(event);
      return parsed.type === 'balance' ? parsed.data.credits.free.amount : null;
    };

    it('a generation pushes a generation event as its status changes, ending succeeded, and a balance event for its charge', async () => {
      const { client, token } = await newYorker();
      const stream = await openEventStream(t.url, token);
      streams.push(stream);
      const first = await stream.next(eventOfType('balance'));
      const generation = await client.createGeneration(request('spark-image', 'a fox on air'));
      const forIt = (e: StreamEvent) => e.event === 'generation' && (e.data as Generation).id === generation.id;
      const lifecycle = ['queued', 'running', 'succeeded'];
      const statuses: string[] = [];
      while (statuses.at(-1) !== 'succeeded') statuses.push(statusOf(await stream.next(forIt)) as string);
      // Each event carries the generation as it is when published, so a quick change may show a later status twice.
      expect(statuses.map((s) => lifecycle.indexOf(s))).toEqual([...statuses.map((s) => lifecycle.indexOf(s))].sort());
      expect(statuses.length).toBeGreaterThanOrEqual(2);
      expect(freeOf(await received(stream, eventOfType('balance', Number(first.id))))).toBe(94);
    });

    it('a blocked generation pushes its final status and the refunded balance', async () => {
      const { client, token } = await newYorker();
      const stream = await openEventStream(t.url, token);
      streams.push(stream);
      await stream.next(eventOfType('balance'));
      const generation = await client.createGeneration(request('vivid-image', 'gore'));
      await stream.next(
        (e) => e.event === 'generation' && (e.data as Generation).id === generation.id && statusOf(e) === 'blocked',
      );
      expect(freeOf(await received(stream, (e) => e.event === 'balance' && freeOf(e) === 100))).toBe(100);
    });
  });
});

/** Search and usage need generations made at chosen instants: a backend of their own, so each clock move is quick. */
describe.each(engines)('history search and usage over time on %s', (engine) => {
  let t: TestBackend;

  beforeAll(async () => {
    t = await startBackendOn(engine, { testClock: START, provider: new ScriptedProvider() });
  });

  afterAll(async () => {
    await t.stop();
  });

  const newYorker = (planId?: string) => t.createAccount('Ada', ZONE, planId);

  async function finished(client: CompanionClient, body: GenerationRequest): Promise<Generation> {
    return waitForGeneration(client, (await client.createGeneration(body)).id);
  }

  describe('H1 history search (generations made 10 minutes apart from 11:00 EDT)', () => {
    let owner: TestAccount;
    const ids: Record<string, string> = {};
    let workspaceId = '';

    beforeAll(async () => {
      owner = await newYorker('basic');
      const made: Array<[string, string, GenerationRequest]> = [
        ['redFox', '2026-05-04T15:00:00Z', request('spark-image', 'Red FOX in the snow')],
        ['speech', '2026-05-04T15:10:00Z', request('voice-tts', 'a fox says hello')],
        ['whale', '2026-05-04T15:20:00Z', request('vivid-image', 'a blue whale')],
        ['blocked', '2026-05-04T15:30:00Z', request('spark-image', 'gore fox')],
        ['video', '2026-05-04T15:40:00Z', request('motion-video', 'a fox running')],
      ];
      for (const [name, at, body] of made) {
        await t.admin.admin.moveClock({ now: at });
        ids[name] = (await finished(owner.client, body)).id;
      }
      workspaceId = (await owner.client.createWorkspace({ name: 'Picks' })).id;
      for (const name of ['whale', 'redFox']) await owner.client.addWorkspaceItem(workspaceId, ids[name] as string);
    });

    it.each<[string, () => GenerationQuery, string[]]>([
      ['no filter lists all, newest first', () => ({}), ['video', 'blocked', 'whale', 'speech', 'redFox']],
      ['tool=text-to-image', () => ({ tool: 'text-to-image' }), ['blocked', 'whale', 'redFox']],
      ['modelId=spark-image', () => ({ modelId: 'spark-image' }), ['blocked', 'redFox']],
      ['status=blocked', () => ({ status: 'blocked' }), ['blocked']],
      [
        'q=FOX matches the prompt text, whatever the case',
        () => ({ q: 'FOX' }),
        ['video', 'blocked', 'speech', 'redFox'],
      ],
      [
        'from 11:10 (inclusive) to 11:30 (exclusive)',
        () => ({ from: '2026-05-04T15:10:00Z', to: '2026-05-04T15:30:00Z' }),
        ['whale', 'speech'],
      ],
      ['workspaceId', () => ({ workspaceId }), ['whale', 'redFox']],
      ['tool and q together', () => ({ tool: 'text-to-image', q: 'fox' }), ['blocked', 'redFox']],
    ])('H1: history filter %s', async (_title, query, expected) => {
      const page = await owner.client.listGenerations(query());
      expect(page.items.map((g) => Object.keys(ids).find((name) => ids[name] === g.id))).toEqual(expected);
    });
  });

  describe('C10 usage analytics (New York; generations around local midnight of 2026-05-05)', () => {
    let credits: CompanionClient;
    let generations: CompanionClient;

    beforeAll(async () => {
      credits = (await newYorker('basic')).client;
      generations = (await newYorker('core')).client;
      const made: Array<[string, CompanionClient, GenerationRequest]> = [
        ['2026-05-06T03:30:00Z', credits, request('spark-image', 'late fox')], // 23:30 EDT on the 5th: 6
        ['2026-05-06T03:30:00Z', credits, request('vivid-image', 'late whale')], // 24
        ['2026-05-06T03:30:00Z', generations, request('spark-image', 'late fox')],
        ['2026-05-06T04:30:00Z', credits, request('voice-tts', 'early words', { durationS: 60 })], // 00:30 EDT on the 6th: 8
        ['2026-05-06T04:30:00Z', credits, request('vivid-image', 'gore at dawn', { outputs: 2 })], // 48, blocked and refunded
        ['2026-05-06T04:30:00Z', generations, request('spark-image', 'gore at dawn')],
        ['2026-05-06T15:00:00Z', credits, request('motion-video', 'a fox at eleven')], // 210
        ['2026-05-06T15:00:00Z', generations, request('voice-tts', 'eleven o’clock')],
      ];
      for (const [at, client, body] of made) {
        await t.admin.admin.moveClock({ now: at });
        await finished(client, body);
      }
    });

    it.each<[string, UsageParams, Usage]>([
      [
        'by local day: 23:30 EDT counts on the 5th, 00:30 EDT on the 6th; refunded work counts 1 but 0 credits',
        { groupBy: 'day' },
        {
          rows: [
            { key: '2026-05-05', credits: 30, generations: 0, count: 2 },
            { key: '2026-05-06', credits: 218, generations: 0, count: 3 },
          ],
          totals: { credits: 248, generations: 0, count: 5 },
        },
      ],
      [
        'by tool',
        { groupBy: 'tool' },
        {
          rows: [
            { key: 'text-to-image', credits: 30, generations: 0, count: 3 },
            { key: 'text-to-speech', credits: 8, generations: 0, count: 1 },
            { key: 'text-to-video', credits: 210, generations: 0, count: 1 },
          ],
          totals: { credits: 248, generations: 0, count: 5 },
        },
      ],
      [
        'by model',
        { groupBy: 'model' },
        {
          rows: [
            { key: 'motion-video', credits: 210, generations: 0, count: 1 },
            { key: 'spark-image', credits: 6, generations: 0, count: 1 },
            { key: 'vivid-image', credits: 24, generations: 0, count: 2 },
            { key: 'voice-tts', credits: 8, generations: 0, count: 1 },
          ],
          totals: { credits: 248, generations: 0, count: 5 },
        },
      ],
      [
        'filtered by tool, by day',
        { groupBy: 'day', tool: 'text-to-image' },
        {
          rows: [
            { key: '2026-05-05', credits: 30, generations: 0, count: 2 },
            { key: '2026-05-06', credits: 0, generations: 0, count: 1 },
          ],
          totals: { credits: 30, generations: 0, count: 3 },
        },
      ],
      [
        'filtered by model, by tool',
        { groupBy: 'tool', modelId: 'vivid-image' },
        {
          rows: [{ key: 'text-to-image', credits: 24, generations: 0, count: 2 }],
          totals: { credits: 24, generations: 0, count: 2 },
        },
      ],
      [
        'from local midnight of the 6th (04:00Z) to 12:00 EDT',
        { groupBy: 'day', from: '2026-05-06T04:00:00Z', to: '2026-05-06T16:00:00Z' },
        {
          rows: [{ key: '2026-05-06', credits: 218, generations: 0, count: 3 }],
          totals: { credits: 218, generations: 0, count: 3 },
        },
      ],
    ])('C10: usage %s', async (_title, query, expected) => {
      expect(await credits.usage(query)).toEqual(expected);
    });

    it('C10: the credits in usage are what the ledger charged net of refunds', async () => {
      const ledger = await allLedgerEntries(credits);
      const charged = -ledger
        .filter((e) => e.kind === 'debit' || e.kind === 'refund')
        .reduce((sum, e) => sum + e.amount, 0);
      expect((await credits.usage()).totals.credits).toBe(charged);
    });

    it('C10: on a generation-billed plan usage counts generations, the blocked one requested but not counted', async () => {
      expect(await generations.usage({ groupBy: 'day' })).toEqual({
        rows: [
          { key: '2026-05-05', credits: 0, generations: 1, count: 1 },
          { key: '2026-05-06', credits: 0, generations: 1, count: 2 },
        ],
        totals: { credits: 0, generations: 2, count: 3 },
      });
    });
  });
});
