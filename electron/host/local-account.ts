/**
 * The account on this computer: the one account of the built-in backend, reached with the host's admin token. The
 * host makes that token itself and hands it to the backend process it launches, so a lost token (secrets.json
 * damaged) is replaced by a new one at the next launch: the admin routes always work on the host's own database.
 *
 * What can be lost, and what comes back:
 * - its token only: the backend gives the same account a new token (`reissueLocalToken`);
 * - the settings and the tokens both: the account is found in the database (`recoverFromDatabase`), the earliest
 *   one when there are several, and given a new token;
 * - the database too: a new account is made (`createLocalAccount`).
 */
import { randomBytes } from 'node:crypto';
import type { AdminAccount } from '../../shared/api.js';
import type { FileNotice } from '../../shared/bridge.js';
import { createCompanionClient } from '../../shared/client.js';
import { notice } from './damaged-files.js';
import type { SecretStore } from './secrets.js';
import type { SettingsStore, StoredAccount } from './settings.js';

export const EMBEDDED_ADMIN_SECRET = 'embedded-admin-token';
export const tokenSecret = (accountId: string) => `account-token:${accountId}`;

export interface LocalAccountStores {
  settings: SettingsStore;
  secrets: SecretStore;
  /** What the user is told about files found damaged at start. */
  notices: FileNotice[];
}

/** The admin token the built-in backend is launched with: the one kept in the secrets, or a new one. */
export function embeddedAdminToken(secrets: SecretStore, fixed: string | undefined): string {
  if (fixed) return fixed;
  const stored = secrets.get(EMBEDDED_ADMIN_SECRET);
  if (stored) return stored;
  const token = randomBytes(32).toString('base64url');
  secrets.set(EMBEDDED_ADMIN_SECRET, token);
  return token;
}

/**
 * The built-in account lost its token (the secrets file was damaged) while its database is still there: its backend
 * gives the same account a new token. Only when the backend no longer has the account is a new one made.
 */
export async function reissueLocalToken(
  stores: LocalAccountStores,
  url: string,
  adminToken: string,
  local: StoredAccount,
): Promise<StoredAccount | undefined> {
  if (!local.remoteId) return undefined;
  const admin = createCompanionClient({ baseURL: url, token: adminToken });
  try {
    const { token } = await admin.admin.issueToken(local.remoteId);
    stores.secrets.set(tokenSecret(local.id), token);
    return local;
  } catch (error) {
    if ((error as { status?: number }).status !== 404) throw error;
    stores.notices.push(
      notice(
        'local-account-missing',
        'The built-in backend no longer has your account on this computer, so a new one was made.',
      ),
    );
    return undefined;
  }
}

/** Every account of the built-in backend's database, oldest first. */
async function databaseAccounts(url: string, adminToken: string): Promise<AdminAccount[]> {
  const admin = createCompanionClient({ baseURL: url, token: adminToken });
  const accounts: AdminAccount[] = [];
  let cursor: string | undefined;
  do {
    const page = await admin.admin.listAccounts({ limit: 500, ...(cursor ? { cursor } : {}) });
    accounts.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return accounts.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
}

/**
 * The settings and the tokens that named the built-in account were both lost, but its database is there: the account
 * in it (the earliest, when there are several) is taken back with a new token, and the user is told. Undefined when
 * the database has no account.
 */
export async function recoverFromDatabase(
  stores: LocalAccountStores,
  url: string,
  adminToken: string,
): Promise<StoredAccount | undefined> {
  const accounts = await databaseAccounts(url, adminToken);
  const earliest = accounts[0];
  if (!earliest) return undefined;
  const admin = createCompanionClient({ baseURL: url, token: adminToken });
  const { token } = await admin.admin.issueToken(earliest.id);
  const stored = adopt(
    stores,
    { id: `local-${earliest.id}`, label: earliest.name, kind: 'embedded', baseURL: null, remoteId: earliest.id },
    token,
  );
  const which =
    accounts.length > 1
      ? ` The built-in backend had ${accounts.length} accounts; the earliest, “${earliest.name}”, is the one shown.`
      : '';
  stores.notices.push(
    notice(
      'local-account-recovered',
      `Your account on this computer was found again in the built-in backend’s database, with its history, and given a new token.${which}`,
    ),
  );
  return stored;
}

export async function createLocalAccount(
  stores: LocalAccountStores,
  url: string,
  adminToken: string,
  local: { name: string; timeZone: string },
): Promise<StoredAccount> {
  const admin = createCompanionClient({ baseURL: url, token: adminToken });
  const { account, token } = await admin.admin.createAccount(local);
  return adopt(
    stores,
    { id: `local-${account.id}`, label: account.name, kind: 'embedded', baseURL: null, remoteId: account.id },
    token,
  );
}

/** Keeps the account as the built-in one (replacing any other) with its token, selected when nothing else is. */
function adopt(stores: LocalAccountStores, stored: StoredAccount, token: string): StoredAccount {
  const { settings, secrets } = stores;
  for (const old of settings.accounts().filter((a) => a.kind === 'embedded')) {
    secrets.delete(tokenSecret(old.id));
    settings.removeAccount(old.id);
  }
  secrets.set(tokenSecret(stored.id), token);
  settings.upsertAccount(stored);
  if (!settings.get('selectedAccountId')) settings.set('selectedAccountId', stored.id);
  return stored;
}
