/**
 * What the host does at start when one of its files was damaged, and what it tells the user:
 *
 * - settings.json unreadable: set aside; the built-in account comes back from its token in the secrets (the secret's
 *   name holds its backend id), accounts on other backends must be signed in to again;
 * - settings.json readable in part: the whole account entries are kept, the others dropped (a copy is set aside);
 * - secrets.json unreadable: set aside; the built-in account is given a new token for the same account by its
 *   backend (startEmbedded), other accounts ask to sign in again;
 * - both unreadable: the built-in account is found in its backend's database and given a new token (local-account.ts);
 * - history.sqlite unreadable: set aside, a fresh store is opened, and sync fills it from the backends.
 */
import type { FileNotice } from '../../shared/bridge.js';
import { notice, setAside, shortName } from './damaged-files.js';
import type { SecretStore } from './secrets.js';
import type { HostLog } from './host-log.js';
import type { SettingsDamage, SettingsStore, StoredAccount } from './settings.js';

export const LOCAL_TOKEN_PREFIX = 'account-token:local-';

export function settingsNotice(damage: SettingsDamage, recoveredLocal: boolean): FileNotice {
  const kept = damage.aside ? ` The damaged file is kept as ${shortName(damage.aside)}.` : '';
  if (damage.kind === 'partly-unreadable') {
    const dropped =
      damage.droppedAccounts === 1
        ? '1 account entry could not be read and was left out'
        : `${damage.droppedAccounts} account entries could not be read and were left out`;
    return notice(
      'settings-damaged',
      `Part of your settings file could not be read: ${damage.droppedAccounts > 0 ? dropped : 'the damaged parts were reset'}; everything else was kept.${kept}`,
    );
  }
  const local = recoveredLocal ? ' Your account on this computer was found again with its data.' : '';
  return notice(
    'settings-damaged',
    `Your settings file could not be read, so your settings are back to their defaults.${local} Accounts on other backends need to be signed in to again.${kept}`,
  );
}

export function secretsNotice(aside: string | null): FileNotice {
  const kept = aside ? ` The damaged file is kept as ${shortName(aside)}.` : '';
  return notice(
    'secrets-damaged',
    `The file with your saved sign-in tokens could not be read. Your account on this computer keeps its data and gets a new token; accounts on other backends need to be signed in to again.${kept}`,
  );
}

export function historyNotice(aside: string | null): FileNotice {
  const kept = aside ? ` The damaged file is kept as ${shortName(aside)}.` : '';
  return notice(
    'history-damaged',
    `The offline history could not be opened, so a new one was started; it is filled again from your backends as they connect.${kept}`,
  );
}

/** Both files that named the built-in account were lost and its database could not be asked: a new account is made, and said so. */
export function lostLocalNotice(): FileNotice {
  return notice(
    'local-account-lost',
    'Your earlier account on this computer could not be found, because both its settings and its tokens were damaged, so a new account was made. The earlier account and its history are still in the built-in backend’s database.',
  );
}

/** Puts back the built-in account from its token in the secrets when the settings lost it; whether one was found. */
export function recoverLocalAccount(settings: SettingsStore, secrets: SecretStore): boolean {
  if (settings.accounts().some((a) => a.kind === 'embedded')) return false;
  const name = secrets.names().find((n) => n.startsWith(LOCAL_TOKEN_PREFIX));
  if (!name) return false;
  const remoteId = name.slice(LOCAL_TOKEN_PREFIX.length);
  const account: StoredAccount = {
    id: `local-${remoteId}`,
    label: 'My account',
    kind: 'embedded',
    baseURL: null,
    remoteId,
  };
  settings.upsertAccount(account);
  if (!settings.get('selectedAccountId')) settings.set('selectedAccountId', account.id);
  return true;
}

/** Opens the history; when its store cannot be opened, sets it aside and opens a fresh one. */
export async function openHistory(
  history: { start(): Promise<void>; storePath: string },
  log: HostLog,
): Promise<FileNotice | null> {
  try {
    await history.start();
    return null;
  } catch (error) {
    log.warn('history-unreadable', error, 'The offline history could not be opened: it is set aside and rebuilt');
    const aside = setAside(history.storePath);
    await history.start();
    return historyNotice(aside);
  }
}
