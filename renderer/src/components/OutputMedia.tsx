import { useEffect, useState } from 'react';
import type { Output } from '../../../shared/api.js';
import { companion } from '../bridge/companion.js';
import { formatBytes } from '../format.js';

type OutputMediaProps = { accountId: string; output: Output; label: string };

/** A file that just finished may not be in the host's cache yet: try a few more times, a little later each time. */
const AUTOMATIC_RETRIES = 4;
const RETRY_DELAY_MS = 1500;

/**
 * One output, loaded through the host's media cache (`mediaURL`): images as a thumbnail linking to the full file,
 * video as an animated image (WebP) or a <video>, audio as an <audio> player.
 */
export function OutputMedia({ accountId, output, label }: OutputMediaProps) {
  const [attempt, setAttempt] = useState(0);
  const [failed, setFailed] = useState(false);
  const bridge = companion();

  useEffect(() => {
    if (!failed || attempt >= AUTOMATIC_RETRIES) return;
    const timer = window.setTimeout(
      () => {
        setFailed(false);
        setAttempt((count) => count + 1);
      },
      RETRY_DELAY_MS * (attempt + 1),
    );
    return () => window.clearTimeout(timer);
  }, [failed, attempt]);

  const retry = () => {
    setFailed(false);
    setAttempt((count) => count + 1);
  };
  const full = bridge.mediaURL(accountId, output.id, 'full');
  const size =
    output.width !== undefined && output.height !== undefined ? `${output.width} × ${output.height} px` : null;
  const details = [size, output.durationS !== undefined ? `${output.durationS} s` : null, formatBytes(output.bytes)]
    .filter(Boolean)
    .join(' · ');

  if (failed) {
    const retrying = attempt < AUTOMATIC_RETRIES;
    return (
      <figure className="output output--missing" data-testid="generation-output">
        <div className="output-missing">
          {retrying
            ? 'Loading the file…'
            : 'Not available: the file could not be loaded (offline and not on this computer?).'}
          {!retrying && (
            <button type="button" className="button button--small" onClick={retry}>
              Try again
            </button>
          )}
        </div>
        <figcaption className="muted">{details}</figcaption>
      </figure>
    );
  }

  let media;
  if (output.kind === 'audio') {
    media = (
      <audio key={attempt} controls preload="none" src={full} aria-label={label} onError={() => setFailed(true)} />
    );
  } else if (output.kind === 'video' && output.mime.startsWith('video/')) {
    media = (
      <video key={attempt} controls preload="metadata" src={full} aria-label={label} onError={() => setFailed(true)} />
    );
  } else {
    // Images, and video rendered as an animated image: the thumbnail of an image, the full file of an animation.
    const src = output.kind === 'video' ? full : bridge.mediaURL(accountId, output.id, 'thumb');
    media = (
      <a href={full} target="_blank" rel="noreferrer" className="output-link">
        <img key={attempt} src={src} alt={label} loading="lazy" onError={() => setFailed(true)} />
      </a>
    );
  }
  return (
    <figure className={`output output--${output.kind}`} data-testid="generation-output">
      {media}
      <figcaption className="muted tabular">{details}</figcaption>
    </figure>
  );
}
