/**
 * Secrets at rest: a token issued with an Idempotency-Key is never stored in plain text (the stored answer names the
 * account instead; a replay gets a fresh token for the same account), and the SQLite database, its folder and its
 * -wal/-shm files are the owner's alone.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../../../backend/storage/database.js';
import type { TestBackend } from '../../support/backend.js';
import { engines, startBackendOn } from '../../support/engines.js';

/** Every row of every table of the database, as text. */
async function everyRowAsText(t: TestBackend): Promise<string> {
  const { db, engine } = t.backend.database;
  const tables =
    engine === 'sqlite'
      ? (await sql<{ name: string }>`SELECT name FROM sqlite_master WHERE type = 'table'`.execute(db)).rows.map(
          (r) => r.name,
        )
      : (
          await sql<{
            name: string;
          }>`SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema()`.execute(db)
        ).rows.map((r) => r.name);
  expect(tables).toContain('idempotency_keys');
  const parts: string[] = [];
  for (const table of tables) {
    const rows = (await sql`SELECT * FROM ${sql.table(table)}`.execute(db)).rows;
    parts.push(`${table}: ${JSON.stringify(rows)}`);
  }
  return parts.join('\n');
}

describe.each(engines)('secrets at rest on %s', (engine) => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startBackendOn(engine);
  });
  afterAll(() => t?.stop());

  const createWithKey = (key: string) =>
    fetch(`${t.url}/v1/admin/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}`, 'content-type': 'application/json', 'idempotency-key': key },
      body: JSON.stringify({ name: 'Keyed', timeZone: 'Europe/Paris' }),
    });

  it('an account made with an Idempotency-Key leaves no token in any table, and a replay gets a working token for the same account', async () => {
    const first = await createWithKey('create-keyed-1');
    expect(first.status).toBe(201);
    const made = (await first.json()) as { account: { id: string }; token: string };
    const replay = await createWithKey('create-keyed-1');
    expect(replay.status).toBe(201);
    const again = (await replay.json()) as { account: { id: string }; token: string };
    expect(again.account.id).toBe(made.account.id);
    expect(again.token).not.toBe(made.token);
    for (const token of [made.token, again.token]) expect((await t.client(token).me()).id).toBe(made.account.id);

    const everything = await everyRowAsText(t);
    expect(everything).toContain('create-keyed-1');
    expect(everything).toContain(made.account.id);
    for (const token of [made.token, again.token, t.adminToken]) expect(everything).not.toContain(token);
  });
});

describe('POST /v1/admin/accounts/:id/tokens', () => {
  let t: TestBackend;
  beforeAll(async () => {
    t = await startBackendOn('sqlite');
  });
  afterAll(() => t?.stop());

  it('gives an existing account a new token that works beside the old one; unknown ids are 404, account tokens 401', async () => {
    const first = await t.createAccount('Lost token', 'Europe/Paris');
    const issued = await t.admin.admin.issueToken(first.account.id);
    expect(issued.accountId).toBe(first.account.id);
    expect(issued.token).not.toBe(first.token);
    for (const token of [first.token, issued.token]) expect((await t.client(token).me()).id).toBe(first.account.id);
    const unknown = await fetch(`${t.url}/v1/admin/accounts/acc_unknown/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.adminToken}` },
    });
    expect([unknown.status, ((await unknown.json()) as { code: string }).code]).toEqual([404, 'not_found']);
    const asAccount = await fetch(`${t.url}/v1/admin/accounts/${first.account.id}/tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${first.token}` },
    });
    expect(asAccount.status).toBe(401);
  });
});

describe('the SQLite database files', () => {
  const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

  it('are made mode 600 in a folder of mode 700, and files an older build left wider are narrowed', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'companion-modes-'));
    try {
      const fresh = join(parent, 'fresh');
      const old = join(parent, 'old');
      mkdirSync(old, { mode: 0o755 });
      chmodSync(old, 0o755);
      writeFileSync(join(old, 'companion.sqlite'), '', { mode: 0o644 });
      for (const dataDir of [fresh, old]) {
        const database = await openDatabase({ dataDir });
        await database.db
          .insertInto('idempotency_keys')
          .values({
            account_id: 'a',
            key: 'k',
            route: 'r',
            request_hash: 'h',
            status: 200,
            response: '{}',
            created_at: new Date().toISOString(),
          })
          .execute();
        try {
          expect(`${dataDir}: ${mode(dataDir)}`).toBe(`${dataDir}: 700`);
          for (const name of ['companion.sqlite', 'companion.sqlite-wal', 'companion.sqlite-shm']) {
            const file = join(dataDir, name);
            expect(`${file}: ${mode(file)}`).toBe(`${file}: 600`);
          }
        } finally {
          await database.close();
        }
      }
    } finally {
      rmSync(parent, { recursive: true, force: true });
    }
  });
});
