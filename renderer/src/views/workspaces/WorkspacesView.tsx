import { useCallback, useEffect, useId, useMemo, useRef, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Workspace } from '../../../../shared/api.js';
import type { AccountView, HistoryItem } from '../../../../shared/bridge.js';
import { formatCount } from '../../format.js';
import { selectCatalog, selectSelectedAccount, useHostStore } from '../../store/host/store.js';
import {
  selectOpenWorkspaceId,
  selectWorkspaceCommand,
  selectWorkspaceList,
  selectWorkspacesLoad,
  useHistoryStore,
} from '../../store/history/store.js';
import { HistoryDetail } from '../history/HistoryDetail.js';
import { HistoryGrid } from '../history/HistoryGrid.js';
import { SyncStatus } from '../history/SyncStatus.js';
import { useHistoryFreshness } from '../history/useHistoryFreshness.js';
import { useViewNow } from '../history/useViewNow.js';
import '../history/history.css';
import './workspaces.css';

/** What in a pushed snapshot may have changed the workspaces: a finished sync, offline changes sent, reconnecting. */
function workspacesSignature(account: AccountView | null): string {
  if (account === null) return '';
  return [account.id, account.connection.state, account.sync?.lastSyncedAt, account.sync?.pendingChanges].join('|');
}

/**
 * Named collections of generations (H1): create, rename, delete, open one to see its items in the history grid, take
 * items out, keep a whole workspace on this computer. Changes made offline are queued by the host and sent when the
 * connection returns (the sync line shows how many wait).
 */
export function WorkspacesView() {
  const account = useHostStore(selectSelectedAccount);
  const accountId = account?.id ?? null;
  const load = useHistoryStore(selectWorkspacesLoad);
  const list = useHistoryStore(selectWorkspaceList(accountId));
  const openId = useHistoryStore(selectOpenWorkspaceId);
  const command = useHistoryStore(selectWorkspaceCommand);
  const loadWorkspaces = useHistoryStore((state) => state.loadWorkspaces);
  const openWorkspace = useHistoryStore((state) => state.openWorkspace);
  const now = useViewNow(accountId);
  useHistoryFreshness(account);
  const signature = workspacesSignature(account);

  useEffect(() => {
    if (accountId !== null) void loadWorkspaces(accountId);
  }, [accountId, signature, loadWorkspaces]);

  if (account === null) return null;
  const open = list.find((workspace) => workspace.id === openId) ?? null;
  const loading = load.status === 'loading' && load.accountId === account.id;

  return (
    <div className="view hx workspaces-view" data-testid="workspaces-view">
      <header className="view-header">
        <h1 className="view-title">Workspaces</h1>
        <p className="muted" data-testid="workspace-count">
          {loading && list.length === 0
            ? 'Loading…'
            : `${formatCount(list.length)} ${list.length === 1 ? 'workspace' : 'workspaces'}`}
        </p>
      </header>
      <SyncStatus account={account} now={now} />
      <p className="workspace-outcome" role="status" aria-live="polite" data-testid="workspace-outcome">
        {command.message}
      </p>
      {command.error !== null && (
        <p className="notice notice--error" role="alert" data-testid="workspace-error">
          {command.error.message}
        </p>
      )}
      <div className="workspaces-layout">
        <section className="panel workspace-list-panel" aria-labelledby="workspace-list-heading">
          <h2 id="workspace-list-heading">Your workspaces</h2>
          <CreateWorkspace accountId={account.id} onCreated={(workspace) => openWorkspace(workspace.id)} />
          {load.status === 'error' && load.accountId === account.id && (
            <div className="notice notice--error" role="alert">
              <p>Couldn’t load the workspaces: {load.error?.message}</p>
              <button type="button" className="button button--small" onClick={() => void loadWorkspaces(account.id)}>
                Try again
              </button>
            </div>
          )}
          {list.length === 0 && load.status === 'ready' ? (
            <p className="muted" data-testid="workspaces-empty">
              No workspaces yet. Create one, then add generations to it from their details in History.
            </p>
          ) : (
            <ul className="workspace-list" data-testid="workspace-list">
              {list.map((workspace) => (
                <WorkspaceRow
                  key={workspace.id}
                  accountId={account.id}
                  workspace={workspace}
                  open={workspace.id === openId}
                  onOpen={() => openWorkspace(workspace.id)}
                />
              ))}
            </ul>
          )}
        </section>
        <section className="workspace-content" aria-labelledby="workspace-content-heading">
          {open === null ? (
            <div className="history-empty">
              <h2 id="workspace-content-heading">No workspace open</h2>
              <p>
                {list.length === 0
                  ? 'Create a workspace to collect generations in it.'
                  : 'Open a workspace from the list to see its generations.'}
              </p>
            </div>
          ) : (
            <OpenWorkspace account={account} workspace={open} now={now} headingId="workspace-content-heading" />
          )}
        </section>
      </div>
    </div>
  );
}

function CreateWorkspace({ accountId, onCreated }: { accountId: string; onCreated: (workspace: Workspace) => void }) {
  const [name, setName] = useState('');
  const createWorkspace = useHistoryStore((state) => state.createWorkspace);
  const pending = useHistoryStore((state) => state.workspaceCommand.pending === 'create');
  const id = useId();

  async function onSubmit(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    if (trimmed === '') return;
    const created = await createWorkspace(accountId, trimmed);
    if (created !== null) {
      setName('');
      onCreated(created);
    }
  }

  return (
    <form className="workspace-create" onSubmit={(event) => void onSubmit(event)}>
      <label htmlFor={id} className="field-label">
        New workspace
      </label>
      <div className="workspace-create-row">
        <input
          id={id}
          className="input"
          value={name}
          maxLength={200}
          placeholder="e.g. Spring campaign"
          onChange={(event) => setName(event.target.value)}
          data-testid="workspace-name"
        />
        <button
          type="submit"
          className="button button--primary"
          disabled={pending || name.trim() === ''}
          data-testid="workspace-create"
        >
          Create
        </button>
      </div>
    </form>
  );
}

type WorkspaceRowProps = { accountId: string; workspace: Workspace; open: boolean; onOpen: () => void };

function WorkspaceRow({ accountId, workspace, open, onOpen }: WorkspaceRowProps) {
  const [mode, setMode] = useState<'view' | 'rename' | 'delete'>('view');
  const [name, setName] = useState(workspace.name);
  const renameWorkspace = useHistoryStore((state) => state.renameWorkspace);
  const deleteWorkspace = useHistoryStore((state) => state.deleteWorkspace);
  const pending = useHistoryStore((state) => state.workspaceCommand.pending);
  const renameButton = useRef<HTMLButtonElement>(null);
  const inputId = useId();
  const count = workspace.generationIds.length;

  function back() {
    setMode('view');
    // Focus returns to the control that opened the form, once it is back in the DOM.
    window.requestAnimationFrame(() => renameButton.current?.focus());
  }

  async function onRename(event: FormEvent) {
    event.preventDefault();
    const trimmed = name.trim();
    if (trimmed === '' || trimmed === workspace.name) return back();
    if (await renameWorkspace(accountId, workspace.id, trimmed)) back();
  }

  function onEscape(event: KeyboardEvent) {
    if (event.key !== 'Escape') return;
    event.preventDefault();
    setName(workspace.name);
    back();
  }

  if (mode === 'rename') {
    return (
      <li className="workspace-row workspace-row--editing">
        <form className="workspace-rename" onSubmit={(event) => void onRename(event)} onKeyDown={onEscape}>
          <label htmlFor={inputId} className="visually-hidden">
            New name for {workspace.name}
          </label>
          <input
            id={inputId}
            className="input"
            value={name}
            maxLength={200}
            autoFocus
            onChange={(event) => setName(event.target.value)}
            data-testid="workspace-rename-input"
          />
          <button
            type="submit"
            className="button button--small button--primary"
            disabled={pending === 'rename'}
            data-testid="workspace-rename-save"
          >
            Save
          </button>
          <button
            type="button"
            className="button button--small"
            onClick={() => {
              setName(workspace.name);
              back();
            }}
          >
            Cancel
          </button>
        </form>
      </li>
    );
  }

  return (
    <li
      className={`workspace-row${open ? ' is-open' : ''}`}
      data-testid="workspace-row"
      data-workspace-id={workspace.id}
    >
      <button
        type="button"
        className="workspace-open"
        aria-current={open ? 'true' : undefined}
        onClick={onOpen}
        data-testid="workspace-open"
      >
        <span className="workspace-name">{workspace.name}</span>
        <span className="muted workspace-items">
          {formatCount(count)} {count === 1 ? 'generation' : 'generations'}
        </span>
      </button>
      {mode === 'delete' ? (
        <div className="workspace-confirm" role="group" aria-label={`Delete ${workspace.name}?`} onKeyDown={onEscape}>
          <span>Delete? Its generations stay in your history.</span>
          <button
            type="button"
            className="button button--small button--danger"
            autoFocus
            disabled={pending === 'delete'}
            onClick={() => void deleteWorkspace(accountId, workspace.id)}
            data-testid="workspace-delete-confirm"
          >
            Delete
          </button>
          <button type="button" className="button button--small" onClick={back}>
            Keep
          </button>
        </div>
      ) : (
        <div className="workspace-row-actions">
          <button
            ref={renameButton}
            type="button"
            className="button button--small button--quiet"
            onClick={() => setMode('rename')}
            data-testid="workspace-rename"
          >
            Rename<span className="visually-hidden"> {workspace.name}</span>
          </button>
          <button
            type="button"
            className="button button--small button--quiet"
            onClick={() => setMode('delete')}
            data-testid="workspace-delete"
          >
            Delete<span className="visually-hidden"> {workspace.name}</span>
          </button>
        </div>
      )}
    </li>
  );
}

function OpenWorkspace({
  account,
  workspace,
  now,
  headingId,
}: {
  account: AccountView;
  workspace: Workspace;
  now: Date;
  headingId: string;
}) {
  const catalog = useHostStore(selectCatalog);
  const platform = useHostStore((state) => state.snapshot?.platform.kind ?? 'web');
  const openDetail = useHistoryStore((state) => state.openDetail);
  const makeAvailableOffline = useHistoryStore((state) => state.makeWorkspaceAvailableOffline);
  const pending = useHistoryStore((state) => state.workspaceCommand.pending === 'offline');
  const query = useMemo(() => ({ accountId: account.id, workspaceId: workspace.id }), [account.id, workspace.id]);
  const onOpen = useCallback((item: HistoryItem) => void openDetail(item), [openDetail]);
  const zone = account.me?.timeZone ?? 'UTC';
  const online = account.connection.state !== 'offline';
  const count = workspace.generationIds.length;

  return (
    <div className="open-workspace" data-testid="open-workspace">
      <div className="open-workspace-header">
        <div>
          <h2 id={headingId}>{workspace.name}</h2>
          <p className="muted">
            {formatCount(count)} {count === 1 ? 'generation' : 'generations'}
          </p>
        </div>
        <button
          type="button"
          className="button"
          disabled={pending || !online}
          title={online ? undefined : 'Needs the connection to download outputs'}
          onClick={() => void makeAvailableOffline(account.id, workspace.id)}
          data-testid="workspace-offline"
        >
          {pending ? 'Queuing…' : 'Make available offline'}
        </button>
      </div>
      <HistoryGrid
        query={query}
        catalog={catalog}
        zone={zone}
        online={online}
        label={`Generations in ${workspace.name}`}
        now={now}
        onOpen={onOpen}
        empty={<p>This workspace is empty. Open a generation in History and choose “Add to workspace”.</p>}
      />
      <HistoryDetail
        accountId={account.id}
        catalog={catalog}
        zone={zone}
        online={online}
        platform={platform}
        now={now}
        workspace={{ id: workspace.id, name: workspace.name }}
      />
    </div>
  );
}
