import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountCreated, AdminAccount, TokenIssued } from '../../../shared/api.js';
import { startBackend, type TestBackend } from '../../support/backend.js';
import { startProcess, type Exit } from '../../support/process.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

let backend: TestBackend;

beforeAll(async () => {
  backend = await startBackend({ testClock: '2026-03-01T09:00:00Z' });
});
afterAll(async () => {
  await backend?.stop();
});

interface Ran extends Exit {
  stdout: string;
  stderr: string;
}

/** Runs the admin command line against the test backend, with the URL and admin token in the environment. */
async function admin(args: string[], env: Record<string, string> = {}): Promise<Ran> {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COMPANION_')));
  const child = startProcess(process.execPath, ['--import', 'tsx', 'backend/admin-cli.ts', ...args], {
    cwd: repoRoot,
    env: { ...clean, COMPANION_URL: backend.url, COMPANION_ADMIN_TOKEN: backend.adminToken, ...env },
  });
  const exit = await child.exited(20_000);
  return { ...exit, stdout: child.stdout(), stderr: child.stderr() };
}

describe('admin command line', () => {
  it('creates an account, issues a token that works, and revokes it so that the next request is 401', async () => {
    const created = await admin(['accounts', 'create', '--name', 'Grace', '--time-zone', 'Europe/Berlin', '--json']);
    expect(created.code, created.stderr).toBe(0);
    const { account } = AccountCreated.parse(JSON.parse(created.stdout));
    expect(account).toMatchObject({ name: 'Grace', timeZone: 'Europe/Berlin' });

    const issued = await admin(['tokens', 'issue', '--account', account.id, '--json']);
    expect(issued.code, issued.stderr).toBe(0);
    const { token, tokenId } = TokenIssued.parse(JSON.parse(issued.stdout));
    await expect(backend.client(token).me()).resolves.toMatchObject({ id: account.id });

    const revoked = await admin(['tokens', 'revoke', tokenId]);
    expect(revoked.code, revoked.stderr).toBe(0);
    expect(revoked.stdout).toContain(`Token ${tokenId} revoked.`);
    await expect(backend.client(token).me()).rejects.toMatchObject({ status: 401, code: 'unauthorized' });
  }, 60_000);

  it("revokes a token named by the token itself, and leaves the account's other tokens working", async () => {
    const { account, token: first } = await backend.createAccount('Lin', 'UTC');
    const second = TokenIssued.parse(
      JSON.parse((await admin(['tokens', 'issue', '--account', account.id, '--json'])).stdout),
    );
    const revoked = await admin(['tokens', 'revoke', '--token', first]);
    expect(revoked.code, revoked.stderr).toBe(0);
    await expect(backend.client(first).me()).rejects.toMatchObject({ status: 401 });
    await expect(backend.client(second.token).me()).resolves.toMatchObject({ id: account.id });
  }, 60_000);

  it('lists accounts as a table by default and as JSON with --json', async () => {
    const { account } = await backend.createAccount('Ada Listed', 'Asia/Tokyo');
    const readable = await admin(['accounts', 'list']);
    expect(readable.code, readable.stderr).toBe(0);
    expect(readable.stdout.split('\n')[0]).toMatch(/^ID\s+NAME\s+TIME ZONE\s+PLAN\s+STATUS\s+CREATED$/);
    expect(readable.stdout).toMatch(new RegExp(`${account.id}\\s+Ada Listed\\s+Asia/Tokyo\\s+free\\s+active`));
    const listed = AdminAccount.array().parse(JSON.parse((await admin(['accounts', 'list', '--json'])).stdout));
    expect(listed.map((a) => a.id)).toContain(account.id);
  }, 60_000);

  it('grants top-up credits into the ledger and shows the balance', async () => {
    const { account, client } = await backend.createAccount('Topped', 'UTC');
    const granted = await admin([
      'topups',
      'grant',
      '--account',
      account.id,
      '--credits',
      '250',
      '--reason',
      'outage credit',
    ]);
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stdout).toMatch(/Top-up\s+250 credits/);
    expect((await client.balance()).credits.topup.amount).toBe(250);
    const ledger = await client.ledger();
    expect(ledger.items.some((e) => e.kind === 'topup' && e.amount === 250 && e.reason.includes('outage credit'))).toBe(
      true,
    );
  }, 60_000);

  it('lists an open appeal and restores unlimited access with appeals decide', async () => {
    const { account, client } = await backend.createAccount('Appealing', 'UTC', 'standard');
    await backend.admin.admin.flagAccount(account.id, { reason: 'looks scripted' });
    const appeal = await client.appeal({ message: 'I batch my work on Sundays' });

    const listed = await admin(['appeals', 'list', '--status', 'open']);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(
      new RegExp(`${appeal.id}\\s+${account.id}\\s+open\\s+\\S+\\s+I batch my work on Sundays`),
    );

    const decided = await admin([
      'appeals',
      'decide',
      appeal.id,
      '--decision',
      'restore',
      '--reason',
      'a person at work',
      '--json',
    ]);
    expect(decided.code, decided.stderr).toBe(0);
    expect(JSON.parse(decided.stdout)).toMatchObject({
      id: appeal.id,
      status: 'restored',
      decisionReason: 'a person at work',
    });
    await expect(client.me()).resolves.toMatchObject({ status: 'active' });
    expect((await admin(['appeals', 'decide', appeal.id, '--decision', 'pardon', '--reason', 'x'])).code).toBe(2);
  }, 60_000);

  it('moves the test clock', async () => {
    const moved = await admin(['clock', '--advance', '3600', '--json']);
    expect(moved.code, moved.stderr).toBe(0);
    expect(JSON.parse(moved.stdout)).toEqual({ now: '2026-03-01T10:00:00.000Z' });
    expect(backend.backend.clock.now().toISOString()).toBe('2026-03-01T10:00:00.000Z');
  }, 60_000);

  it('exits 1 with a plain message, and never prints the admin token, when the admin token is wrong', async () => {
    const wrong = 'not-the-admin-token-1234';
    const ran = await admin(['accounts', 'list'], { COMPANION_ADMIN_TOKEN: wrong });
    expect(ran.code).toBe(1);
    expect(ran.stderr.trim()).toBe(
      'companion-admin: the backend refused the admin token (401): check --admin-token or COMPANION_ADMIN_TOKEN',
    );
    expect(ran.stdout + ran.stderr).not.toContain(wrong);
    expect(ran.stdout + ran.stderr).not.toContain(backend.adminToken);
  }, 60_000);

  it('exits 2 on wrong usage, and 0 with help on every command', async () => {
    const missing = await admin(['accounts', 'create', '--time-zone', 'UTC']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('--name is required');
    expect((await admin(['accounts', 'frobnicate'])).code).toBe(2);
    for (const command of [
      ['accounts', 'create'],
      ['accounts', 'list'],
      ['tokens', 'issue'],
      ['tokens', 'revoke'],
      ['topups', 'grant'],
      ['appeals', 'list'],
      ['appeals', 'decide'],
      ['clock'],
    ]) {
      const help = await admin([...command, '--help']);
      expect(help.code, command.join(' ')).toBe(0);
      expect(help.stdout).toContain(`Usage: npm run admin -- ${command.join(' ')}`);
      expect(help.stdout).toContain('Exit codes: 0 done, 1');
    }
  }, 120_000);
});
