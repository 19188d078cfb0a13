import type { Catalog, Generation, QueueStatus } from '../../../shared/api.js';
import { amountWithUnit, drawsText, formatInstantWithZone, startsText } from '../format.js';
import { CancelButton } from './CancelButton.js';
import { DemoNote } from './DemoNote.js';
import { OutputMedia } from './OutputMedia.js';

type GenerationCardProps = {
  accountId: string;
  generation: Generation;
  queue: QueueStatus | null;
  catalog: Catalog | null;
  timeZone: string;
  now: Date;
};

export const statusLabels: Record<Generation['status'], string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Done',
  failed: 'Failed',
  blocked: 'Blocked',
  cancelled: 'Cancelled',
};

export const laneNames: Record<Generation['lane'], string> = { fast: 'Fast', relaxed: 'Relaxed', standard: 'Standard' };

/** What a generation cost, in words: "Charged 144 credits: 100 from free credits, 44 from subscription credits". */
export function chargeText(generation: Generation): string {
  if (generation.unlimited) return 'Unlimited: no credits charged';
  const { charge } = generation;
  if (charge.generations > 0 || (charge.credits === 0 && charge.draws.some((draw) => draw.balance === 'generations'))) {
    return `Counted as ${amountWithUnit(Math.max(1, charge.generations), 'generations')}`;
  }
  return `Charged ${amountWithUnit(charge.credits, 'credits')}: ${drawsText(charge.draws)}`;
}

/** C8, G4: what came back after a failure or a moderation block. */
export function refundText(generation: Generation): string {
  const { charge } = generation;
  if (generation.unlimited || (charge.credits === 0 && charge.generations === 0)) return 'Nothing was charged.';
  if (!charge.refunded) return 'Refund pending.';
  return charge.generations > 0
    ? `Refunded: ${amountWithUnit(charge.generations, 'generations')}`
    : `Refunded: ${amountWithUnit(charge.credits, 'credits')}`;
}

/** One generation, live: status, place in the queue with its estimate, the charge, the outputs or the refund. */
export function GenerationCard({ accountId, generation, queue, catalog, timeZone, now }: GenerationCardProps) {
  const model = catalog?.models.find((candidate) => candidate.id === generation.modelId);
  const tool = catalog?.tools.find((candidate) => candidate.id === generation.tool);
  const mine = queue?.mine.find((entry) => entry.generationId === generation.id) ?? null;
  const position = mine?.position ?? generation.queuePosition;
  const eta = mine?.etaS ?? generation.etaS;
  const lane = mine?.lane ?? generation.lane;
  const what = `${tool?.name ?? generation.tool} with ${model?.name ?? generation.modelId}`;
  const finishedBadly = generation.status === 'failed' || generation.status === 'blocked';
  const kind = generation.outputs[0]?.kind ?? model?.kind ?? tool?.kind ?? 'image';
  const seconds = generation.settings.durationS ?? generation.outputs[0]?.durationS;
  // A still thumbnail does not say it moves or sounds: video and audio are named, with their length.
  const kindMarker =
    kind === 'image'
      ? null
      : `${kind === 'video' ? 'Video' : 'Audio'}${seconds === undefined ? '' : ` · ${seconds} s`}`;

  return (
    <article
      className={`card generation generation--${generation.status}`}
      data-testid="generation-card"
      data-generation-id={generation.id}
      aria-label={`${what}: ${statusLabels[generation.status]}`}
    >
      <header className="generation-header">
        <span className={`status status--${generation.status}`} data-testid="generation-status">
          {statusLabels[generation.status]}
        </span>
        <span className="generation-what">{what}</span>
        {kindMarker !== null && (
          <span className="badge badge--kind" data-testid="generation-kind">
            {kindMarker}
          </span>
        )}
        <span className="muted generation-time">{formatInstantWithZone(generation.createdAt, timeZone, now)}</span>
      </header>
      <p className="generation-prompt">{generation.prompt}</p>
      {generation.status === 'queued' && (
        <p className="generation-queue" data-testid="generation-position">
          {position !== undefined && position > 0
            ? `Position ${position} in the ${laneNames[lane]} queue`
            : `Waiting in the ${laneNames[lane]} queue`}
          {eta !== undefined && ` · starts ${startsText(eta)}`}
        </p>
      )}
      {generation.status === 'running' && (
        <p className="generation-queue" data-testid="generation-position">
          Running in the {laneNames[lane]} lane…
        </p>
      )}
      <p className="muted generation-charge">{chargeText(generation)}</p>
      {finishedBadly && (
        <div className="notice notice--error notice--block">
          <p>
            <strong>{generation.status === 'blocked' ? 'Blocked by moderation.' : 'The generation failed.'}</strong>{' '}
            {generation.error}
          </p>
          <p data-testid="generation-refund">{refundText(generation)}</p>
        </div>
      )}
      {generation.status === 'cancelled' && (
        <p data-testid="generation-refund">Cancelled before it started. {refundText(generation)}</p>
      )}
      {generation.status === 'queued' && (
        <CancelButton accountId={accountId} generationId={generation.id} what={what} />
      )}
      {generation.outputs.length > 0 && model?.demo === true && <DemoNote testId="generation-demo-note" compact />}
      {generation.outputs.length > 0 && (
        <div className="outputs">
          {generation.outputs.map((output, index) => (
            <OutputMedia
              key={output.id}
              accountId={accountId}
              output={output}
              label={`Output ${index + 1} of ${generation.outputs.length}: ${generation.prompt}`}
            />
          ))}
        </div>
      )}
    </article>
  );
}
