import type { Workspace } from '../../../../../../shared/api.js';
import type { HistoryStore } from '../../store.js';

const noWorkspaces: Workspace[] = [];

/** The selected account's workspaces, or none while another account's list is loaded. */
export function selectWorkspaceList(accountId: string | null): (state: HistoryStore) => Workspace[] {
  return (state) => (state.workspaces.accountId === accountId ? state.workspaces.list : noWorkspaces);
}

export function selectWorkspacesLoad(state: HistoryStore): HistoryStore['workspaces'] {
  return state.workspaces;
}

export function selectOpenWorkspaceId(state: HistoryStore): string | null {
  return state.openWorkspaceId;
}

export function selectWorkspaceCommand(state: HistoryStore): HistoryStore['workspaceCommand'] {
  return state.workspaceCommand;
}
