import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestBackend } from '../../support/backend.js';
import { engines, startBackendOn } from '../../support/engines.js';

describe.each(engines)('admin routes for accounts and tokens (%s)', (engine) => {
  let backend: TestBackend;

  beforeAll(async () => {
    backend = await startBackendOn(engine, { testClock: '2026-03-01T09:00:00Z' });
  });
  afterAll(async () => {
    await backend?.stop();
  });

  it('GET /v1/admin/accounts pages through every account, oldest first', async () => {
    const made: string[] = [];
    for (const name of ['One', 'Two', 'Three']) made.push((await backend.createAccount(name, 'UTC')).account.id);
    const first = await backend.admin.admin.listAccounts({ limit: 2 });
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const rest = await backend.admin.admin.listAccounts({ limit: 2, cursor: first.nextCursor as string });
    const ids = [...first.items, ...rest.items].map((a) => a.id);
    expect(ids).toEqual(expect.arrayContaining(made));
    expect(new Set(ids).size).toBe(ids.length);
    expect(rest.nextCursor).toBeNull();
    await backend.admin.admin.moveClock({ advanceS: 60 });
    const later = await backend.createAccount('Later', 'UTC');
    const all = await backend.admin.admin.listAccounts();
    expect(all.items.at(-1)).toMatchObject({ id: later.account.id, createdAt: '2026-03-01T09:01:00.000Z' });
    expect([...first.items, ...rest.items].find((a) => a.id === made[0])).toMatchObject({
      name: 'One',
      timeZone: 'UTC',
      planId: 'free',
      status: 'active',
      createdAt: '2026-03-01T09:00:00.000Z',
    });
  });

  it('refuses an account token on the admin routes (401)', async () => {
    const { client, account } = await backend.createAccount('Eve', 'UTC');
    await expect(client.admin.listAccounts()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
    await expect(client.admin.issueToken(account.id)).rejects.toMatchObject({ status: 401 });
  });

  it('issues a second token that works alongside the first; revoking one leaves the other', async () => {
    const { account, token } = await backend.createAccount('Tess', 'UTC');
    const issued = await backend.admin.admin.issueToken(account.id);
    expect(issued.token).not.toBe(token);
    await expect(backend.client(issued.token).me()).resolves.toMatchObject({ id: account.id });
    await expect(backend.admin.admin.revokeToken(issued.tokenId)).resolves.toEqual({
      tokenId: issued.tokenId,
      revoked: true,
    });
    await expect(backend.client(issued.token).me()).rejects.toMatchObject({ status: 401 });
    await expect(backend.client(token).me()).resolves.toMatchObject({ id: account.id });
    await expect(backend.admin.admin.revokeToken(issued.tokenId)).rejects.toMatchObject({
      status: 404,
      code: 'not_found',
    });
  });

  it('answers 404 for a token of an unknown account and 400 for a malformed token id', async () => {
    await expect(backend.admin.admin.issueToken('acc_missing')).rejects.toMatchObject({ status: 404 });
    await expect(backend.admin.admin.revokeToken('%%%%')).rejects.toMatchObject({
      status: 400,
      code: 'invalid_request',
    });
  });

  it('grants top-up credits with a ledger entry, and refuses zero credits', async () => {
    const { account, client } = await backend.createAccount('Gia', 'UTC');
    const balance = await backend.admin.admin.grantTopup(account.id, { credits: 40 });
    expect(balance.credits.topup.amount).toBe(40);
    expect(balance.credits.total).toBe(balance.credits.free.amount + 40);
    const entry = (await client.ledger()).items.find((e) => e.kind === 'topup');
    expect(entry).toMatchObject({ balance: 'topup', amount: 40, after: 40 });
    await expect(backend.admin.admin.grantTopup(account.id, { credits: 0 })).rejects.toMatchObject({ status: 400 });
  });
});
