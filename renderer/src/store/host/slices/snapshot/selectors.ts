import type { AccountView, FileNotice, HostSnapshot, Theme } from '../../../../../../shared/bridge.js';
import type { HostStore } from '../../store.js';

export function selectSnapshot(state: HostStore): HostSnapshot | null {
  return state.snapshot;
}

export function selectHasSnapshot(state: HostStore): boolean {
  return state.snapshot !== null;
}

export function selectLoad(state: HostStore): HostStore['load'] {
  return state.load;
}

/** One empty list for "no snapshot yet", so that the selector returns the same value each time (zustand compares). */
const noAccounts: AccountView[] = [];

export function selectAccounts(state: HostStore): AccountView[] {
  return state.snapshot?.accounts ?? noAccounts;
}

/** The selected account, or the first one when the host has not recorded a choice (or the choice is gone). */
export function selectSelectedAccount(state: HostStore): AccountView | null {
  const accounts = selectAccounts(state);
  const selectedId = state.snapshot?.selectedAccountId ?? null;
  return accounts.find((account) => account.id === selectedId) ?? accounts[0] ?? null;
}

export function selectSelectedAccountId(state: HostStore): string | null {
  return selectSelectedAccount(state)?.id ?? null;
}

/** The selected account's header line. Builds a new object: use with useShallow. */
export function selectAccountSummary(state: HostStore): {
  id: string;
  name: string;
  planName: string | null;
  timeZone: string | null;
  backendLabel: string;
  status: 'active' | 'unlimited_paused' | 'suspended' | null;
} | null {
  const account = selectSelectedAccount(state);
  if (account === null) return null;
  return {
    id: account.id,
    name: account.me?.name ?? account.label,
    planName: account.me?.plan.name ?? null,
    timeZone: account.me?.timeZone ?? null,
    backendLabel: account.backend.label,
    status: account.me?.status ?? null,
  };
}

/** The theme: the one being saved, else the saved one; `system` until the first snapshot says otherwise. */
export function selectTheme(state: HostStore): Theme {
  return state.pendingTheme ?? state.snapshot?.settings.theme ?? 'system';
}

export function selectEmbedded(state: HostStore): HostSnapshot['embedded'] | null {
  return state.snapshot?.embedded ?? null;
}

const noNotices: FileNotice[] = [];

/** Damaged files the host found at start, for the banner. */
export function selectFileNotices(state: HostStore): FileNotice[] {
  return state.snapshot?.notices ?? noNotices;
}

/** False only when the host said so: unknown (no snapshot yet) is not a reason to warn. */
export function selectSecretsUnencrypted(state: HostStore): boolean {
  return state.snapshot?.secretsEncrypted === false;
}

export function selectCatalog(state: HostStore): HostSnapshot['catalog'] {
  return state.snapshot?.catalog ?? null;
}

export function selectSettings(state: HostStore): HostSnapshot['settings'] | null {
  return state.snapshot?.settings ?? null;
}

export function selectPlatform(state: HostStore): HostSnapshot['platform'] | null {
  return state.snapshot?.platform ?? null;
}

/** Backend time minus local time for an account, in milliseconds (0 until its first balance). */
export function selectClockOffsetMs(accountId: string | null): (state: HostStore) => number {
  return (state) => (accountId === null ? 0 : (state.clocks[accountId]?.offsetMs ?? 0));
}
