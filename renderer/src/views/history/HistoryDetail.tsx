import { useEffect, useId, useRef, useState, type RefObject } from 'react';
import type { Catalog, Output } from '../../../../shared/api.js';
import type { HistoryItem } from '../../../../shared/bridge.js';
import { companion } from '../../bridge/companion.js';
import { chargeConfirmLabel, quoteText } from '../../components/chargeText.js';
import { ConfirmCharge } from '../../components/ConfirmCharge.js';
import { formatInstantWithZone } from '../../format.js';
import { selectDetail, selectWorkspaceList, useHistoryStore } from '../../store/history/store.js';
import { useUiStore } from '../../store/ui/store.js';
import { AudioIcon } from './MediaThumb.js';
import { DemoNote, isDemoModel } from '../../components/DemoNote.js';
import {
  chargeText,
  costPerOutputText,
  drawsText,
  itemKind,
  modelName,
  outputSizeText,
  settingsText,
  statusLabels,
  toolName,
} from './historyText.js';

type HistoryDetailProps = {
  accountId: string;
  catalog: Catalog | null;
  zone: string;
  online: boolean;
  /** Web mode downloads through the browser as well (an <a download>); Electron saves through the host. */
  platform: 'electron' | 'web';
  now: Date;
  /** Opened from a workspace: offers to take the item out of it. */
  workspace?: { id: string; name: string };
};

const extensions: Record<string, string> = {
  'image/png': 'png',
  'image/jpeg': 'jpg',
  'image/webp': 'webp',
  'video/mp4': 'mp4',
  'video/webm': 'webm',
  'audio/wav': 'wav',
  'audio/x-wav': 'wav',
  'audio/mpeg': 'mp3',
};

function fileName(item: HistoryItem, output: Output, index: number): string {
  const extension = extensions[output.mime] ?? output.mime.split('/')[1] ?? 'bin';
  return `${item.modelId}-${item.id}-${index + 1}.${extension}`;
}

/**
 * One generation in full (H1): its output, prompt, settings, what it cost and which balances paid, status and times,
 * and what can be done with it. A modal <dialog>: Esc closes it, focus goes into it on opening and back to where it
 * was on closing.
 */
export function HistoryDetail({ accountId, catalog, zone, online, platform, now, workspace }: HistoryDetailProps) {
  const detail = useHistoryStore(selectDetail);
  const closeDetail = useHistoryStore((state) => state.closeDetail);
  const dialogRef = useRef<HTMLDialogElement>(null);
  const closeRef = useRef<HTMLButtonElement>(null);
  const returnFocus = useRef<HTMLElement | null>(null);
  const titleId = useId();
  const open = detail.item !== null;

  useEffect(() => {
    const dialog = dialogRef.current;
    if (dialog === null) return;
    if (open && !dialog.open) {
      returnFocus.current = document.activeElement instanceof HTMLElement ? document.activeElement : null;
      dialog.showModal();
      closeRef.current?.focus();
    } else if (!open && dialog.open) {
      dialog.close();
    }
  }, [open]);

  function onClose() {
    closeDetail();
    const target = returnFocus.current;
    returnFocus.current = null;
    if (target?.isConnected) target.focus();
  }

  return (
    <dialog
      ref={dialogRef}
      className="history-detail"
      aria-labelledby={titleId}
      // Only this dialog's own close: a confirmation opened inside it closes by itself.
      onClose={(event) => event.target === event.currentTarget && onClose()}
      data-testid="history-detail"
    >
      {detail.item !== null && (
        <DetailBody
          item={detail.item}
          accountId={accountId}
          catalog={catalog}
          zone={zone}
          online={online}
          platform={platform}
          now={now}
          workspace={workspace}
          titleId={titleId}
          closeRef={closeRef}
          onCloseClick={() => dialogRef.current?.close()}
        />
      )}
    </dialog>
  );
}

type DetailBodyProps = Omit<HistoryDetailProps, 'accountId'> & {
  accountId: string;
  item: HistoryItem;
  titleId: string;
  closeRef: RefObject<HTMLButtonElement | null>;
  onCloseClick: () => void;
};

function DetailBody({
  item,
  accountId,
  catalog,
  zone,
  online,
  platform,
  now,
  workspace,
  titleId,
  closeRef,
  onCloseClick,
}: DetailBodyProps) {
  const detail = useHistoryStore(selectDetail);
  const [outputIndex, setOutputIndex] = useState(0);
  const output = item.outputs[Math.min(outputIndex, item.outputs.length - 1)];
  const kind = itemKind(item, catalog);
  const perOutput = costPerOutputText(item, kind);
  const draws = drawsText(item.charge.draws);

  return (
    <div className="detail-layout">
      <header className="detail-header">
        <h2 id={titleId}>
          {modelName(catalog, item.modelId)} <span className="muted">· {toolName(catalog, item.tool)}</span>
        </h2>
        <button
          ref={closeRef}
          type="button"
          className="button button--quiet"
          onClick={onCloseClick}
          data-testid="detail-close"
        >
          Close<span className="visually-hidden"> the details</span>
        </button>
      </header>

      <div className="detail-media">
        {output === undefined ? (
          <p className="media-placeholder media-placeholder--status">
            {item.status === 'succeeded' ? 'No output' : `${statusLabels[item.status]}: no output`}
          </p>
        ) : (
          <FullOutput item={item} output={output} online={online} />
        )}
        {item.outputs.length > 1 && (
          <div className="detail-outputs" role="group" aria-label="Outputs">
            {item.outputs.map((candidate, index) => (
              <button
                key={candidate.id}
                type="button"
                className="button"
                aria-pressed={index === outputIndex}
                onClick={() => setOutputIndex(index)}
              >
                Output {index + 1}
              </button>
            ))}
          </div>
        )}
        {output !== undefined && isDemoModel(catalog, item.modelId) && <DemoNote testId="detail-demo-note" compact />}
      </div>

      <dl className="detail-facts">
        <dt>Prompt</dt>
        <dd className="detail-prompt" data-testid="detail-prompt">
          {item.prompt}
        </dd>
        <dt>Settings</dt>
        <dd>
          {settingsText(item.settings)}
          {item.workflow ? ' · in a workflow' : ''}
        </dd>
        <dt>Status</dt>
        <dd data-testid="detail-status">
          <span className={`status-pill status--${item.status}`}>{statusLabels[item.status]}</span>
          {item.error !== undefined && <span className="detail-error"> — {item.error}</span>}
        </dd>
        <dt>Charged for this run</dt>
        <dd data-testid="detail-cost">
          {chargeText(item)}
          {draws !== '' && <span className="muted"> — drawn from {draws}</span>}
          {item.charge.refunded && <span> · refunded in full to the same balances</span>}
        </dd>
        {perOutput !== null && (
          <>
            <dt>Per kept {kind === 'audio' ? 'clip' : kind}</dt>
            <dd data-testid="detail-cost-per-output">{perOutput}</dd>
          </>
        )}
        {output !== undefined && (
          <>
            <dt>Output</dt>
            <dd>
              {output.mime} · {outputSizeText(output)}
            </dd>
          </>
        )}
        <dt>Created</dt>
        <dd>{formatInstantWithZone(item.createdAt, zone, now)}</dd>
        {item.finishedAt !== undefined && (
          <>
            <dt>Finished</dt>
            <dd>{formatInstantWithZone(item.finishedAt, zone, now)}</dd>
          </>
        )}
      </dl>

      <DetailActions
        item={item}
        output={output}
        outputIndex={outputIndex}
        accountId={accountId}
        online={online}
        platform={platform}
        workspace={workspace}
      />

      <p className="detail-outcome" role="status" aria-live="polite" data-testid="detail-outcome">
        {detail.status === 'loading' ? 'Refreshing…' : detail.message}
      </p>
      {(detail.actionError ?? detail.error) !== null && (
        <p className="notice notice--error" role="alert" data-testid="detail-error">
          {(detail.actionError ?? detail.error)?.message}
        </p>
      )}
    </div>
  );
}

/** The output itself, by its type: an image, a video, or an audio player; a note when it cannot be had offline. */
function FullOutput({ item, output, online }: { item: HistoryItem; output: Output; online: boolean }) {
  const [failed, setFailed] = useState<string | null>(null);
  const cached = item.cache[output.id] === 'cached';
  if ((!cached && !online) || failed === output.id) {
    return (
      <p
        className="media-placeholder media-placeholder--missing media-placeholder--large"
        data-testid="detail-not-cached"
      >
        {online
          ? 'This output could not be loaded.'
          : 'Not cached: this output is not on this computer. It loads once you are back online; pin the generation to keep it for offline use.'}
      </p>
    );
  }
  const src = companion().mediaURL(item.accountId, output.id, 'full');
  const onError = () => setFailed(output.id);
  const label = `Output of “${item.prompt.slice(0, 80)}”`;
  if (output.mime.startsWith('audio/') || output.kind === 'audio') {
    return (
      <div className="detail-audio">
        <AudioIcon size={56} />
        <audio controls src={src} preload="metadata" aria-label={label} onError={onError} data-testid="detail-audio" />
      </div>
    );
  }
  if (output.mime.startsWith('video/')) {
    return (
      <video
        className="detail-full"
        controls
        src={src}
        preload="metadata"
        aria-label={label}
        onError={onError}
        data-testid="detail-video"
      />
    );
  }
  return <img className="detail-full" src={src} alt={label} onError={onError} data-testid="detail-image" />;
}

type DetailActionsProps = {
  item: HistoryItem;
  output: Output | undefined;
  outputIndex: number;
  accountId: string;
  online: boolean;
  platform: 'electron' | 'web';
  workspace: { id: string; name: string } | undefined;
};

function DetailActions({ item, output, outputIndex, accountId, online, platform, workspace }: DetailActionsProps) {
  const detail = useHistoryStore(selectDetail);
  const setPinned = useHistoryStore((state) => state.setPinned);
  const askRerun = useHistoryStore((state) => state.askRerun);
  const download = useHistoryStore((state) => state.download);
  const detailOutcome = useHistoryStore((state) => state.detailOutcome);
  const replaceItem = useHistoryStore((state) => state.replaceItem);
  const workspaces = useHistoryStore(selectWorkspaceList(accountId));
  const loadWorkspaces = useHistoryStore((state) => state.loadWorkspaces);
  const addToWorkspace = useHistoryStore((state) => state.addToWorkspace);
  const removeFromWorkspace = useHistoryStore((state) => state.removeFromWorkspace);
  const [target, setTarget] = useState('');
  const rerunHintId = useId();
  const busy = detail.pending !== null;

  useEffect(() => {
    void loadWorkspaces(accountId);
  }, [accountId, loadWorkspaces]);

  const candidates = workspaces.filter((w) => !w.generationIds.includes(item.id));
  const chosen = candidates.some((w) => w.id === target) ? target : (candidates[0]?.id ?? '');
  const canDownload = output !== undefined && (online || item.cache[output.id] === 'cached');

  async function onAdd() {
    if (chosen === '') return;
    const result = await addToWorkspace(accountId, chosen, item.id);
    const name = workspaces.find((w) => w.id === chosen)?.name ?? 'the workspace';
    if (result.ok) replaceItem({ ...item, workspaceIds: [...new Set([...(item.workspaceIds ?? []), chosen])] });
    detailOutcome(
      'workspace',
      result,
      `Added to “${name}”${online ? '' : ' (saved offline: it is sent when the connection returns)'}.`,
    );
  }

  async function onRemove() {
    if (workspace === undefined) return;
    const result = await removeFromWorkspace(accountId, workspace.id, item.id);
    if (result.ok)
      replaceItem({ ...item, workspaceIds: (item.workspaceIds ?? []).filter((id) => id !== workspace.id) });
    detailOutcome(
      'workspace',
      result,
      `Removed from “${workspace.name}”${online ? '' : ' (saved offline: it is sent when the connection returns)'}.`,
    );
  }

  return (
    <div className="detail-actions">
      {output !== undefined &&
        (platform === 'web' ? (
          // Web mode: the browser saves the file; the host is told too, so that it keeps the output cached.
          <a
            className={`button button--primary${canDownload ? '' : ' is-disabled'}`}
            href={canDownload ? companion().mediaURL(item.accountId, output.id, 'full') : undefined}
            download={fileName(item, output, outputIndex)}
            aria-disabled={!canDownload}
            data-testid="detail-download"
            onClick={(event) => {
              if (!canDownload) event.preventDefault();
              else void download(item, output.id);
            }}
          >
            Download
          </a>
        ) : (
          <button
            type="button"
            className="button button--primary"
            disabled={busy || !canDownload}
            onClick={() => void download(item, output.id)}
            data-testid="detail-download"
          >
            Download…
          </button>
        ))}
      <button
        type="button"
        className="button"
        disabled={busy || !online}
        aria-describedby={online ? undefined : rerunHintId}
        onClick={() => void askRerun(item)}
        data-testid="detail-rerun"
      >
        {detail.pending === 'rerun' ? 'Starting…' : 'Re-run…'}
      </button>
      <RerunConfirm item={item} />
      {!online && (
        <span id={rerunHintId} className="visually-hidden">
          Re-running needs the connection to the backend.
        </span>
      )}
      <button
        type="button"
        className="button"
        aria-pressed={item.pinned}
        disabled={busy}
        onClick={() => void setPinned(item, !item.pinned)}
        data-testid="detail-pin"
      >
        {item.pinned ? 'Pinned for offline' : 'Pin for offline'}
      </button>
      <div className="detail-workspace">
        {candidates.length > 0 ? (
          <>
            <label className="field">
              <span className="field-label">Workspace</span>
              <select
                className="select"
                value={chosen}
                onChange={(event) => setTarget(event.target.value)}
                data-testid="detail-workspace-select"
              >
                {candidates.map((w) => (
                  <option key={w.id} value={w.id}>
                    {w.name}
                  </option>
                ))}
              </select>
            </label>
            <button
              type="button"
              className="button"
              disabled={busy}
              onClick={() => void onAdd()}
              data-testid="detail-add-to-workspace"
            >
              Add to workspace
            </button>
          </>
        ) : (
          <span className="muted" data-testid="detail-in-workspaces">
            {workspaces.length === 0
              ? 'No workspaces yet: create one in Workspaces.'
              : `Already in ${namesText(workspaces.map((w) => w.name))}.`}
          </span>
        )}
        {workspace !== undefined && (
          <button
            type="button"
            className="button button--danger"
            disabled={busy}
            onClick={() => void onRemove()}
            data-testid="detail-remove-from-workspace"
          >
            Remove from “{workspace.name}”
          </button>
        )}
      </div>
    </div>
  );
}

/**
 * C9: a re-run charges again at today's price, which may differ from the first run's (its unlimited window may have
 * ended): the confirmation shows the current price, the balances it draws, the lane, or the refusal, and asks once.
 */
function RerunConfirm({ item }: { item: HistoryItem }) {
  const detail = useHistoryStore(selectDetail);
  const rerun = useHistoryStore((state) => state.rerun);
  const cancelRerun = useHistoryStore((state) => state.cancelRerun);
  const closeDetail = useHistoryStore((state) => state.closeDetail);
  const navigate = useUiStore((state) => state.navigate);
  const quote = detail.rerunQuote;
  const openPlan = () => {
    cancelRerun();
    closeDetail();
    navigate('plan');
  };
  const estimate = quote?.status === 'ready' ? quote.estimate : null;
  const words = estimate === null ? null : quoteText(estimate);
  return (
    <ConfirmCharge
      open={quote !== null}
      title="Re-run this generation?"
      confirmLabel={estimate === null ? null : chargeConfirmLabel('Re-run', estimate)}
      busy={detail.pending === 'rerun'}
      busyLabel="Starting the re-run…"
      error={
        detail.pending === null && detail.actionError !== null && quote !== null
          ? `Couldn’t start the re-run: ${detail.actionError.message}`
          : null
      }
      onConfirm={() => void rerun(item)}
      onCancel={cancelRerun}
      testId="rerun-confirm"
    >
      <dl className="confirm-facts">
        <div>
          <dt>Charged for the first run</dt>
          <dd>{chargeText(item)}</dd>
        </div>
        <div>
          <dt>Re-run now costs</dt>
          <dd data-testid="rerun-cost">
            {quote?.status === 'loading' && 'Working out the price…'}
            {quote?.status === 'failed' && `Couldn’t work out the price, so nothing can run: ${quote.error.message}`}
            {words !== null && words.cost}
          </dd>
        </div>
        {words?.draws != null && (
          <div>
            <dt>Paid from</dt>
            <dd data-testid="rerun-draws">{words.draws}</dd>
          </div>
        )}
        {words?.lane != null && (
          <div>
            <dt>Runs in</dt>
            <dd data-testid="rerun-lane">{words.lane}</dd>
          </div>
        )}
      </dl>
      {words?.refusal != null && (
        <div className="notice notice--error notice--block" data-testid="rerun-refusal">
          <p>
            <strong>{words.refusal.title}.</strong> {words.refusal.detail} Nothing will be charged.
          </p>
          <p>
            <button type="button" className="button button--small" onClick={openPlan}>
              Top up or change plan
            </button>
          </p>
        </div>
      )}
    </ConfirmCharge>
  );
}

/** Names as a sentence reads them: "Moodboard", "Moodboard and Client A", "A, B and C". */
export function namesText(names: readonly string[]): string {
  if (names.length <= 1) return names[0] ?? '';
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`;
}
