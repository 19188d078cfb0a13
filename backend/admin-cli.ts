/**
 * The operator's command line over the admin API (docs/OPERATING.md "First account"):
 * `npm run admin -- <group> <action> [options]`, a readable table by default and `--json` for scripts.
 * The backend's URL and the admin token come from --url / COMPANION_URL and --admin-token / COMPANION_ADMIN_TOKEN;
 * the admin token is never printed. Exit codes: 0 done, 1 the backend refused or could not be reached, 2 wrong usage.
 */
import { createHash } from 'node:crypto';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type * as api from '../shared/api.js';
import { createCompanionClient, type CompanionClient } from '../shared/client.js';
import { isApiError } from '../shared/errors.js';

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | boolean | undefined>;

/** What a command answers: the JSON for scripts, and the lines a person reads. */
interface Output {
  json: unknown;
  text: string;
}

interface Command {
  name: string;
  usage: string;
  summary: string;
  options: Options;
  /** Positional arguments the command takes, in order. */
  positionals?: string[];
  run(client: CompanionClient, values: Values, positionals: string[]): Promise<Output>;
}

class UsageError extends Error {}

const COMMON: Options = {
  url: { type: 'string' },
  'admin-token': { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
};

const COMMON_HELP = `Common options:
  --url <url>            the backend, e.g. http://127.0.0.1:8080 (or COMPANION_URL)
  --admin-token <token>  the backend's admin token (or COMPANION_ADMIN_TOKEN; prefer the variable: a flag shows in ps)
  --json                 print the answer as JSON, for scripts
  -h, --help             this help
Exit codes: 0 done, 1 the backend refused the request or could not be reached, 2 wrong usage.`;

// ---- readable output ------------------------------------------------------------------------------------------

/** Rows under a header, each column as wide as its widest cell. */
function table(header: string[], rows: string[][]): string {
  if (rows.length === 0) return '(none)';
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ');
  return [line(header), ...rows.map(line)].join('\n');
}

/** Label-value pairs, one per line. */
function fields(pairs: [string, string][]): string {
  const width = Math.max(...pairs.map(([label]) => label.length));
  return pairs.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

const credits = (n: number) => `${n.toLocaleString('en-US')} credits`;

function balanceText(balance: api.Balance): string {
  const c = balance.credits;
  return fields([
    ['Free', credits(c.free.amount)],
    ['Subscription', credits(c.subscription.amount)],
    ['Top-up', credits(c.topup.amount)],
    ['Total', credits(c.total)],
  ]);
}

function appealRows(items: api.Appeal[]): string {
  const short = (text: string) => (text.length > 60 ? `${text.slice(0, 59)}…` : text);
  return table(
    ['ID', 'ACCOUNT', 'STATUS', 'CREATED', 'MESSAGE'],
    items.map((a) => [a.id, a.accountId, a.status, a.createdAt, short(a.message)]),
  );
}

/** The id the backend gives a token: the start of its SHA-256, so a token can be revoked by the token itself too. */
function tokenIdOf(token: string): string {
  return createHash('sha256').update(token).digest('hex').slice(0, 16);
}

// ---- the commands -----------------------------------------------------------------------------------------------

function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value.trim() === '') throw new UsageError(`--${name} is required`);
  return value;
}

function positiveInteger(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${name} must be a whole number of at least 1, got ${text}`);
  return n;
}

/** Every page of a listing, or the first `limit` items. */
async function allPages<T>(
  fetchPage: (cursor: string | undefined) => Promise<{ items: T[]; nextCursor: string | null }>,
  limit: number | undefined,
): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor && (limit === undefined || items.length < limit));
  return limit === undefined ? items : items.slice(0, limit);
}

const COMMANDS: Command[] = [
  {
    name: 'accounts create',
    usage: 'accounts create --name <name> --time-zone <IANA zone> [--plan <plan id>]',
    summary: 'Open an account and print its first token (shown once).',
    options: { name: { type: 'string' }, 'time-zone': { type: 'string' }, plan: { type: 'string' } },
    async run(client, values) {
      const plan = values.plan as string | undefined;
      const created = await client.admin.createAccount({
        name: required(values, 'name'),
        timeZone: required(values, 'time-zone'),
        ...(plan ? { planId: plan } : {}),
      });
      const { account, token } = created;
      const text = fields([
        ['Account', account.id],
        ['Name', account.name],
        ['Time zone', account.timeZone],
        ['Plan', account.plan.name],
        ['Token', token],
        ['Token id', tokenIdOf(token)],
      ]);
      return {
        json: { ...created, tokenId: tokenIdOf(token) },
        text: `${text}\nThe token is shown only now: hand it to the account's owner.`,
      };
    },
  },
  {
    name: 'accounts list',
    usage: 'accounts list [--limit <n>]',
    summary: 'List accounts, oldest first.',
    options: { limit: { type: 'string' } },
    async run(client, values) {
      const limit = values.limit === undefined ? undefined : positiveInteger(values.limit as string, '--limit');
      const items = await allPages(
        (cursor) => client.admin.listAccounts({ limit: Math.min(limit ?? 500, 500), ...(cursor ? { cursor } : {}) }),
        limit,
      );
      const text = table(
        ['ID', 'NAME', 'TIME ZONE', 'PLAN', 'STATUS', 'CREATED'],
        items.map((a) => [a.id, a.name, a.timeZone, a.planId, a.status, a.createdAt]),
      );
      return { json: items, text };
    },
  },
  {
    name: 'tokens issue',
    usage: 'tokens issue --account <account id>',
    summary: 'Issue another token for an account (shown once).',
    options: { account: { type: 'string' } },
    async run(client, values) {
      const issued = await client.admin.issueToken(required(values, 'account'));
      const text = fields([
        ['Account', issued.accountId],
        ['Token', issued.token],
        ['Token id', issued.tokenId],
      ]);
      return { json: issued, text: `${text}\nThe token is shown only now: hand it to the account's owner.` };
    },
  },
  {
    name: 'tokens revoke',
    usage: 'tokens revoke <token id> | tokens revoke --token <token>',
    summary: 'Revoke a token: the next request with it is refused (401).',
    options: { token: { type: 'string' } },
    positionals: ['token id'],
    async run(client, values, positionals) {
      const token = values.token as string | undefined;
      const tokenId = token ? tokenIdOf(token) : positionals[0];
      if (!tokenId) throw new UsageError('name the token: a token id, or --token <token>');
      const revoked = await client.admin.revokeToken(tokenId);
      return { json: revoked, text: `Token ${revoked.tokenId} revoked.` };
    },
  },
  {
    name: 'topups grant',
    usage: 'topups grant --account <account id> --credits <n> [--reason <text>]',
    summary: 'Grant top-up credits to an account, free of charge (written to its ledger).',
    options: { account: { type: 'string' }, credits: { type: 'string' }, reason: { type: 'string' } },
    async run(client, values) {
      const reason = values.reason as string | undefined;
      const balance = await client.admin.grantTopup(required(values, 'account'), {
        credits: positiveInteger(required(values, 'credits'), '--credits'),
        ...(reason ? { reason } : {}),
      });
      return { json: balance, text: `Granted. The balance now:\n${balanceText(balance)}` };
    },
  },
  {
    name: 'appeals list',
    usage: 'appeals list [--status open|restored|upheld] [--limit <n>]',
    summary: 'List fair-use appeals, oldest first (the review queue).',
    options: { status: { type: 'string' }, limit: { type: 'string' } },
    async run(client, values) {
      const status = values.status as string | undefined;
      if (status && !['open', 'restored', 'upheld'].includes(status))
        throw new UsageError(`--status must be open, restored or upheld, got ${status}`);
      const limit = values.limit === undefined ? undefined : positiveInteger(values.limit as string, '--limit');
      const query = status ? { status } : {};
      const items = await allPages(
        (cursor) =>
          client.admin.listAppeals({ ...query, limit: Math.min(limit ?? 500, 500), ...(cursor ? { cursor } : {}) }),
        limit,
      );
      return { json: items, text: appealRows(items) };
    },
  },
  {
    name: 'appeals decide',
    usage: 'appeals decide <appeal id> --decision restore|uphold --reason <text>',
    summary: 'Restore unlimited access, or uphold the pause.',
    options: { decision: { type: 'string' }, reason: { type: 'string' } },
    positionals: ['appeal id'],
    async run(client, values, positionals) {
      const id = positionals[0];
      if (!id) throw new UsageError('name the appeal: appeals decide <appeal id> ...');
      const decision = required(values, 'decision');
      if (decision !== 'restore' && decision !== 'uphold')
        throw new UsageError(`--decision must be restore or uphold, got ${decision}`);
      const appeal = await client.admin.decideAppeal(id, { decision, reason: required(values, 'reason') });
      return { json: appeal, text: appealRows([appeal]) };
    },
  },
  {
    name: 'clock',
    usage: 'clock --advance <seconds> | clock --set <ISO 8601 time>',
    summary: 'Move a test clock forward (only a backend started with --test-clock has one).',
    options: { advance: { type: 'string' }, set: { type: 'string' } },
    async run(client, values) {
      const advance = values.advance as string | undefined;
      const set = values.set as string | undefined;
      if ((advance === undefined) === (set === undefined))
        throw new UsageError('give one of --advance <seconds> or --set <time>');
      const state = await client.admin.moveClock(
        advance !== undefined ? { advanceS: positiveInteger(advance, '--advance') } : { now: set as string },
      );
      return { json: state, text: `The test clock is at ${state.now}.` };
    },
  },
];

// ---- dispatch ---------------------------------------------------------------------------------------------------

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    'Usage: npm run admin -- <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    '',
    'Run a command with --help for its options.',
    COMMON_HELP,
  ].join('\n');
}

function commandHelp(command: Command): string {
  return [`Usage: npm run admin -- ${command.usage} [common options]`, '', command.summary, '', COMMON_HELP].join('\n');
}

function findCommand(args: string[]): { command: Command; rest: string[] } | null {
  for (const command of COMMANDS) {
    const words = command.name.split(' ');
    if (words.every((word, i) => args[i] === word)) return { command, rest: args.slice(words.length) };
  }
  return null;
}

interface Io {
  env: NodeJS.ProcessEnv;
  out(text: string): void;
  err(text: string): void;
}

/** Runs one command line and returns its exit code. */
async function runAdmin(args: string[], io: Io): Promise<number> {
  const found = findCommand(args);
  if (!found) {
    const wantsHelp = args.length === 0 || args[0] === 'help' || args.includes('--help') || args.includes('-h');
    if (wantsHelp) {
      io.out(overview());
      return 0;
    }
    io.err(
      `companion-admin: unknown command "${args
        .filter((a) => !a.startsWith('-'))
        .slice(0, 2)
        .join(' ')}"\n\n${overview()}`,
    );
    return 2;
  }
  const { command, rest } = found;
  try {
    const { values, positionals } = parseArgs({
      args: rest,
      options: { ...COMMON, ...command.options },
      allowPositionals: true,
      strict: true,
    });
    if (values.help) {
      io.out(commandHelp(command));
      return 0;
    }
    if (positionals.length > (command.positionals?.length ?? 0))
      throw new UsageError(`unexpected argument ${positionals.at(-1)}`);
    const url = (values.url as string | undefined) ?? io.env.COMPANION_URL;
    if (!url) throw new UsageError('--url <backend URL> (or COMPANION_URL) is required');
    if (!/^https?:\/\//.test(url)) throw new UsageError(`--url must start with http:// or https://, got ${url}`);
    const adminToken = (values['admin-token'] as string | undefined) ?? io.env.COMPANION_ADMIN_TOKEN;
    if (!adminToken) throw new UsageError('--admin-token (or COMPANION_ADMIN_TOKEN) is required');
    // Admin calls are not all safe to repeat, and a person at a terminal wants the first answer.
    const client = createCompanionClient({ baseURL: url, token: adminToken, retries: 0 });
    const output = await command.run(client, values as Values, positionals);
    io.out(values.json ? JSON.stringify(output.json, null, 2) : output.text);
    return 0;
  } catch (error) {
    return reportFailure(error, command, io);
  }
}

function reportFailure(error: unknown, command: Command, io: Io): number {
  if (error instanceof UsageError || (error as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
    io.err(`companion-admin: ${(error as Error).message}\nUsage: npm run admin -- ${command.usage} (--help for more)`);
    return 2;
  }
  if (isApiError(error)) {
    const hint =
      error.status === 401
        ? 'the backend refused the admin token (401): check --admin-token or COMPANION_ADMIN_TOKEN'
        : error.message;
    const code = error.status === 401 || error.status === 0 ? '' : ` (${error.status} ${error.code})`;
    io.err(`companion-admin: ${hint}${code}`);
    return 1;
  }
  io.err(`companion-admin: ${(error as Error).message ?? String(error)}`);
  return 1;
}

process.exitCode = await runAdmin(process.argv.slice(2), {
  env: process.env,
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
});
