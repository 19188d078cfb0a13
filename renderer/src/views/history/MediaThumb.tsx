import { useState } from 'react';
import type { ModelKind } from '../../../../shared/api.js';
import type { HistoryItem } from '../../../../shared/bridge.js';
import { companion } from '../../bridge/companion.js';
import { statusLabels } from './historyText.js';

/** A note drawn in place of a picture: the reason there is none. */
function Placeholder({ text, kind }: { text: string; kind: 'missing' | 'status' | 'error' }) {
  return (
    <span
      className={`media-placeholder media-placeholder--${kind}`}
      data-testid={kind === 'missing' ? 'not-cached' : undefined}
    >
      {text}
    </span>
  );
}

export function AudioIcon({ size = 40 }: { size?: number }) {
  return (
    <svg className="audio-icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path fill="currentColor" d="M12 3v10.55A4 4 0 1 0 14 17V7h4V3h-6Zm-2 16a2 2 0 1 1 0-4 2 2 0 0 1 0 4Z" />
    </svg>
  );
}

/** A film frame, for video: a still thumbnail alone does not say it moves. */
export function VideoIcon({ size = 12 }: { size?: number }) {
  return (
    <svg className="video-icon" width={size} height={size} viewBox="0 0 24 24" aria-hidden="true" focusable="false">
      <path
        fill="currentColor"
        d="M4 5h11a2 2 0 0 1 2 2v2.5l4-2.5v10l-4-2.5V17a2 2 0 0 1-2 2H4a2 2 0 0 1-2-2V7a2 2 0 0 1 2-2Z"
      />
    </svg>
  );
}

/**
 * The first output's thumbnail (H2): loaded from the host's cache through mediaURL, lazily. Offline, an output that is
 * not on this computer cannot be fetched, so it says "Not cached" instead of showing a broken image. Audio has no
 * picture: an icon stands for it.
 */
export function MediaThumb({ item, kind, online }: { item: HistoryItem; kind: ModelKind; online: boolean }) {
  const output = item.outputs[0];
  const [failedId, setFailedId] = useState<string | null>(null);
  if (output === undefined) {
    return (
      <Placeholder
        kind={item.status === 'failed' || item.status === 'blocked' ? 'error' : 'status'}
        text={statusLabels[item.status]}
      />
    );
  }
  const cached = item.cache[output.id] === 'cached';
  if (output.kind === 'audio' || kind === 'audio') {
    return (
      <span className="media-placeholder media-placeholder--audio">
        <AudioIcon />
        {!cached && !online && <span data-testid="not-cached">Not cached</span>}
      </span>
    );
  }
  if (!cached && !online) return <Placeholder kind="missing" text="Not cached" />;
  if (failedId === output.id)
    return <Placeholder kind={online ? 'error' : 'missing'} text={online ? 'Preview unavailable' : 'Not cached'} />;
  return (
    <img
      className="media-thumb"
      src={companion().mediaURL(item.accountId, output.id, 'thumb')}
      alt=""
      loading="lazy"
      decoding="async"
      draggable={false}
      onError={() => setFailedId(output.id)}
    />
  );
}
