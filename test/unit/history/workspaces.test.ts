/**
 * H1/H2: workspaces work offline. Changes show at once, wait in a queue while the account is offline, reach the backend
 * in order once it is online, and conflicts with changes made elsewhere keep both sides' items.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Workspace } from '../../../shared/api.js';
import type { CompanionClient } from '../../../shared/client.js';
import { startBackend, type TestBackend } from '../../support/backend.js';
import { GatedProvider } from '../../support/gated-provider.js';
import { createInBackend, startHarness, type Harness } from './helpers.js';

let backend: TestBackend;

beforeAll(async () => {
  backend = await startBackend({
    provider: new GatedProvider(),
    runner: { concurrency: 1 },
    config: { queue: { shutdownGraceS: 0 } },
  });
}, 60_000);
afterAll(async () => {
  await backend?.stop();
});

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Setup {
  harness: Harness;
  accountId: string;
  /** The "other device": the same account through the typed client. */
  elsewhere: CompanionClient;
  token: string;
  g: string[];
}

async function setup(): Promise<Setup> {
  const { account, token, client } = await backend.createAccount('Workspaces', 'UTC', 'basic');
  const g = await createInBackend(backend.backend, account.id, 6);
  const harness = await startHarness();
  cleanups.push(() => harness.close());
  harness.accounts.set(account.id, { baseURL: backend.url, token });
  await harness.service.requestSync(account.id);
  return { harness, accountId: account.id, elsewhere: client, token, g };
}

async function remoteWorkspaces(
  client: CompanionClient,
): Promise<Array<Pick<Workspace, 'name' | 'generationIds'> & { id: string }>> {
  const page = await client.listWorkspaces({ limit: 500 });
  return page.items.map((w) => ({ id: w.id, name: w.name, generationIds: [...w.generationIds].sort() }));
}

async function localWorkspaces(s: Setup) {
  return (await s.harness.service.handlers.listWorkspaces({ accountId: s.accountId })).map((w) => ({
    id: w.id,
    name: w.name,
    generationIds: [...w.generationIds].sort(),
  }));
}

const sorted = (ids: string[]) => [...ids].sort();

async function renameElsewhere(s: Setup, id: string, name: string): Promise<void> {
  const response = await fetch(`${backend.url}/v1/workspaces/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${s.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name }),
  });
  expect(response.status).toBe(200);
}

async function deleteElsewhere(s: Setup, id: string): Promise<void> {
  const response = await fetch(`${backend.url}/v1/workspaces/${id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${s.token}` },
  });
  expect(response.status).toBe(204);
}

describe('H1/H2 workspaces offline', () => {
  it('H2: changes made offline show at once, are queued, and reach the backend in order once online; the offline id maps to the backend id', async () => {
    const s = await setup();
    const { harness, accountId, g } = s;
    const h = harness.service.handlers;
    harness.online.set(accountId, false);

    const made = await h.createWorkspace({ accountId, name: 'Moodboard' });
    expect(made.id).toMatch(/^local_/);
    await h.addToWorkspace({ accountId, workspaceId: made.id, generationId: g[0]! });
    await h.addToWorkspace({ accountId, workspaceId: made.id, generationId: g[1]! });
    await h.renameWorkspace({ accountId, workspaceId: made.id, name: 'Mood board' });
    await h.removeFromWorkspace({ accountId, workspaceId: made.id, generationId: g[1]! });
    await h.addToWorkspace({ accountId, workspaceId: made.id, generationId: g[2]! });

    expect(await localWorkspaces(s)).toEqual([
      { id: made.id, name: 'Mood board', generationIds: sorted([g[0]!, g[2]!]) },
    ]);
    expect((await h.getHistoryItem({ accountId, generationId: g[0]! })).workspaceIds).toEqual([made.id]);
    expect(harness.service.search({ accountId, workspaceId: made.id }, 0, 10).total).toBe(2);
    // The create and two adds (adding and removing g1 cancelled out; the rename rides on the create).
    expect(harness.service.syncState(accountId)!.pendingChanges).toBe(3);
    expect(await remoteWorkspaces(s.elsewhere)).toEqual([]);

    // A sync while offline pulls but sends nothing.
    await harness.service.requestSync(accountId);
    expect(harness.service.syncState(accountId)!.pendingChanges).toBe(3);
    expect(await remoteWorkspaces(s.elsewhere)).toEqual([]);

    harness.online.set(accountId, true);
    await harness.service.requestSync(accountId);
    const remote = await remoteWorkspaces(s.elsewhere);
    expect(remote).toEqual([
      { id: expect.stringMatching(/^wsp_/), name: 'Mood board', generationIds: sorted([g[0]!, g[2]!]) },
    ]);
    expect(await localWorkspaces(s)).toEqual(remote);
    expect(harness.service.syncState(accountId)).toMatchObject({ state: 'idle', pendingChanges: 0 });

    // The id handed out offline still works.
    await h.addToWorkspace({ accountId, workspaceId: made.id, generationId: g[3]! });
    expect(harness.service.search({ accountId, workspaceId: made.id }, 0, 10).total).toBe(3);
    await harness.service.requestSync(accountId);
    expect((await remoteWorkspaces(s.elsewhere))[0]!.generationIds).toEqual(sorted([g[0]!, g[2]!, g[3]!]));
  });

  it("H2: an item added offline to a workspace renamed and added to elsewhere: both sides' items are kept, the rename too", async () => {
    const s = await setup();
    const { harness, accountId, g } = s;
    const shared = await s.elsewhere.createWorkspace({ name: 'Shared' });
    await s.elsewhere.addWorkspaceItem(shared.id, g[0]!);
    await harness.service.requestSync(accountId);

    harness.online.set(accountId, false);
    await harness.service.handlers.addToWorkspace({ accountId, workspaceId: shared.id, generationId: g[1]! });
    await renameElsewhere(s, shared.id, 'Shared (renamed elsewhere)');
    await s.elsewhere.addWorkspaceItem(shared.id, g[2]!);
    // A pull while offline shows the other side's changes and keeps ours on top.
    await harness.service.requestSync(accountId);
    expect(await localWorkspaces(s)).toEqual([
      { id: shared.id, name: 'Shared (renamed elsewhere)', generationIds: sorted([g[0]!, g[1]!, g[2]!]) },
    ]);

    harness.online.set(accountId, true);
    await harness.service.requestSync(accountId);
    const expected = [
      { id: shared.id, name: 'Shared (renamed elsewhere)', generationIds: sorted([g[0]!, g[1]!, g[2]!]) },
    ];
    expect(await remoteWorkspaces(s.elsewhere)).toEqual(expected);
    expect(await localWorkspaces(s)).toEqual(expected);
  });

  it('H2: an item removed offline but removed and added again elsewhere stays; a removal nobody else touched goes through', async () => {
    const s = await setup();
    const { harness, accountId, g } = s;
    const shared = await s.elsewhere.createWorkspace({ name: 'Picks' });
    await s.elsewhere.addWorkspaceItem(shared.id, g[0]!);
    await s.elsewhere.addWorkspaceItem(shared.id, g[1]!);
    await harness.service.requestSync(accountId);

    harness.online.set(accountId, false);
    await harness.service.handlers.removeFromWorkspace({ accountId, workspaceId: shared.id, generationId: g[0]! });
    await harness.service.handlers.removeFromWorkspace({ accountId, workspaceId: shared.id, generationId: g[1]! });
    expect((await localWorkspaces(s))[0]!.generationIds).toEqual([]);
    await s.elsewhere.removeWorkspaceItem(shared.id, g[0]!);
    await s.elsewhere.addWorkspaceItem(shared.id, g[0]!);

    harness.online.set(accountId, true);
    await harness.service.requestSync(accountId);
    expect(await remoteWorkspaces(s.elsewhere)).toEqual([{ id: shared.id, name: 'Picks', generationIds: [g[0]!] }]);
    expect(await localWorkspaces(s)).toEqual([{ id: shared.id, name: 'Picks', generationIds: [g[0]!] }]);
    expect(harness.service.syncState(accountId)!.pendingChanges).toBe(0);
  });

  it('H2: a workspace deleted elsewhere while items were added to it offline comes back with those items; one deleted offline is deleted on the backend', async () => {
    const s = await setup();
    const { harness, accountId, g } = s;
    const trip = await s.elsewhere.createWorkspace({ name: 'Trip' });
    await s.elsewhere.addWorkspaceItem(trip.id, g[0]!);
    const old = await s.elsewhere.createWorkspace({ name: 'Old' });
    await s.elsewhere.addWorkspaceItem(old.id, g[3]!);
    await harness.service.requestSync(accountId);

    harness.online.set(accountId, false);
    await harness.service.handlers.addToWorkspace({ accountId, workspaceId: trip.id, generationId: g[1]! });
    expect(await harness.service.handlers.deleteWorkspace({ accountId, workspaceId: old.id })).toEqual({
      deleted: true,
    });
    await deleteElsewhere(s, trip.id);

    harness.online.set(accountId, true);
    await harness.service.requestSync(accountId);
    const remote = await remoteWorkspaces(s.elsewhere);
    expect(remote).toEqual([{ id: expect.not.stringMatching(trip.id), name: 'Trip', generationIds: [g[1]!] }]);
    expect(await localWorkspaces(s)).toEqual(remote);
    // The old id leads to the new workspace.
    expect(
      (await harness.service.handlers.addToWorkspace({ accountId, workspaceId: trip.id, generationId: g[2]! })).id,
    ).toBe(remote[0]!.id);
  });

  it('H1: unknown workspaces and generations are refused as not_found', async () => {
    const s = await setup();
    const h = s.harness.service.handlers;
    await expect(
      h.addToWorkspace({ accountId: s.accountId, workspaceId: 'wsp_nope', generationId: s.g[0]! }),
    ).rejects.toMatchObject({ code: 'not_found' });
    const made = await h.createWorkspace({ accountId: s.accountId, name: 'Real' });
    await expect(
      h.addToWorkspace({ accountId: s.accountId, workspaceId: made.id, generationId: 'gen_nope' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    await expect(
      h.renameWorkspace({ accountId: s.accountId, workspaceId: 'wsp_nope', name: 'x' }),
    ).rejects.toMatchObject({ code: 'not_found' });
    expect(await h.deleteWorkspace({ accountId: s.accountId, workspaceId: 'wsp_nope' })).toEqual({ deleted: false });
  });
});
