import type { StateCreator } from 'zustand';
import type { Workspace } from '../../../../../../shared/api.js';
import type { BridgeResult } from '../../../../../../shared/bridge.js';
import { companion } from '../../../../bridge/companion.js';
import type { HistoryStore } from '../../store.js';
import type { WorkspaceCommand } from './initialState.js';

export type WorkspacesAction = {
  loadWorkspaces: (accountId: string) => Promise<void>;
  openWorkspace: (workspaceId: string | null) => void;
  createWorkspace: (accountId: string, name: string) => Promise<Workspace | null>;
  renameWorkspace: (accountId: string, workspaceId: string, name: string) => Promise<boolean>;
  deleteWorkspace: (accountId: string, workspaceId: string) => Promise<boolean>;
  addToWorkspace: (accountId: string, workspaceId: string, generationId: string) => Promise<BridgeResult<Workspace>>;
  removeFromWorkspace: (
    accountId: string,
    workspaceId: string,
    generationId: string,
  ) => Promise<BridgeResult<Workspace>>;
  makeWorkspaceAvailableOffline: (accountId: string, workspaceId: string) => Promise<boolean>;
  dismissWorkspaceMessage: () => void;
};

/**
 * The open workspace after a new list: the same id, or, when that id is gone and exactly one workspace of the same
 * name is new in the list, that one. A workspace created offline gets the backend's id once it is sent (the host keeps
 * the old id working as an alias, but lists the new one), and the view should stay on it.
 */
export function followOpenWorkspace(openId: string | null, before: Workspace[], after: Workspace[]): string | null {
  if (openId === null || after.some((w) => w.id === openId)) return openId;
  const name = before.find((w) => w.id === openId)?.name;
  const known = new Set(before.map((w) => w.id));
  const renamed = after.filter((w) => !known.has(w.id) && w.name === name);
  return renamed.length === 1 ? renamed[0]!.id : null;
}

export const createWorkspacesSlice: StateCreator<HistoryStore, [], [], WorkspacesAction> = (set, get) => {
  /** Runs one workspace command and keeps its outcome for the view's live region. */
  async function command<T>(
    name: WorkspaceCommand,
    call: () => Promise<BridgeResult<T>>,
    message: (value: T) => string,
  ): Promise<BridgeResult<T>> {
    set({ workspaceCommand: { pending: name, message: null, error: null } });
    const result = await call();
    set({
      workspaceCommand: {
        pending: null,
        message: result.ok ? message(result.value) : null,
        error: result.ok ? null : result.error,
      },
    });
    return result;
  }

  /** Puts a changed workspace into the list the view shows (the host answered with it). */
  function keep(accountId: string, workspace: Workspace): void {
    set((state) => {
      if (state.workspaces.accountId !== accountId) return {};
      const list = state.workspaces.list.some((w) => w.id === workspace.id)
        ? state.workspaces.list.map((w) => (w.id === workspace.id ? workspace : w))
        : [...state.workspaces.list, workspace];
      return { workspaces: { ...state.workspaces, list } };
    });
  }

  return {
    async loadWorkspaces(accountId) {
      set((state) => ({
        workspaces:
          state.workspaces.accountId === accountId
            ? { ...state.workspaces, status: state.workspaces.status === 'ready' ? 'ready' : 'loading' }
            : { accountId, status: 'loading', list: [], error: null },
      }));
      const result = await companion().listWorkspaces({ accountId });
      set((state) => {
        if (state.workspaces.accountId !== accountId) return {};
        if (!result.ok) return { workspaces: { ...state.workspaces, status: 'error', error: result.error } };
        return {
          workspaces: { accountId, status: 'ready', list: result.value, error: null },
          openWorkspaceId: followOpenWorkspace(state.openWorkspaceId, state.workspaces.list, result.value),
        };
      });
    },

    openWorkspace: (workspaceId) => set({ openWorkspaceId: workspaceId }),

    async createWorkspace(accountId, name) {
      const result = await command(
        'create',
        () => companion().createWorkspace({ accountId, name }),
        (w) => `Created “${w.name}”.`,
      );
      if (!result.ok) return null;
      keep(accountId, result.value);
      return result.value;
    },

    async renameWorkspace(accountId, workspaceId, name) {
      const result = await command(
        'rename',
        () => companion().renameWorkspace({ accountId, workspaceId, name }),
        (w) => `Renamed to “${w.name}”.`,
      );
      if (result.ok) keep(accountId, result.value);
      return result.ok;
    },

    async deleteWorkspace(accountId, workspaceId) {
      const name = get().workspaces.list.find((w) => w.id === workspaceId)?.name ?? 'the workspace';
      const result = await command(
        'delete',
        () => companion().deleteWorkspace({ accountId, workspaceId }),
        () => `Deleted “${name}”. Its generations stay in your history.`,
      );
      if (result.ok) {
        set((state) => ({
          workspaces: { ...state.workspaces, list: state.workspaces.list.filter((w) => w.id !== workspaceId) },
          openWorkspaceId: state.openWorkspaceId === workspaceId ? null : state.openWorkspaceId,
        }));
      }
      return result.ok;
    },

    async addToWorkspace(accountId, workspaceId, generationId) {
      const result = await command(
        'add',
        () => companion().addToWorkspace({ accountId, workspaceId, generationId }),
        (w) => `Added to “${w.name}”.`,
      );
      if (result.ok) {
        keep(accountId, result.value);
        get().invalidateGrids();
      }
      return result;
    },

    async removeFromWorkspace(accountId, workspaceId, generationId) {
      const result = await command(
        'remove',
        () => companion().removeFromWorkspace({ accountId, workspaceId, generationId }),
        (w) => `Removed from “${w.name}”.`,
      );
      if (result.ok) {
        keep(accountId, result.value);
        get().invalidateGrids();
      }
      return result;
    },

    async makeWorkspaceAvailableOffline(accountId, workspaceId) {
      const result = await command(
        'offline',
        () => companion().makeAvailableOffline({ accountId, workspaceId }),
        ({ queued }) =>
          queued === 0
            ? 'Every output of this workspace is already on this computer.'
            : `Downloading ${queued.toLocaleString('en-US')} ${queued === 1 ? 'output' : 'outputs'} for offline use.`,
      );
      return result.ok;
    },

    dismissWorkspaceMessage: () => set({ workspaceCommand: { pending: null, message: null, error: null } }),
  };
};
