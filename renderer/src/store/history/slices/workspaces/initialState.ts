import type { Workspace } from '../../../../../../shared/api.js';
import type { BridgeError } from '../../../../../../shared/bridge.js';

export type WorkspaceCommand = 'create' | 'rename' | 'delete' | 'add' | 'remove' | 'offline';

export type WorkspacesState = {
  workspaces: {
    /** The account the list belongs to; another account's list is never shown. */
    accountId: string | null;
    status: 'idle' | 'loading' | 'ready' | 'error';
    list: Workspace[];
    error: BridgeError | null;
  };
  /** The workspace opened in the Workspaces view. */
  openWorkspaceId: string | null;
  workspaceCommand: { pending: WorkspaceCommand | null; message: string | null; error: BridgeError | null };
};

export const initialWorkspacesState: WorkspacesState = {
  workspaces: { accountId: null, status: 'idle', list: [], error: null },
  openWorkspaceId: null,
  workspaceCommand: { pending: null, message: null, error: null },
};
