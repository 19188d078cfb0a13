/** Pure text for history items (H1): names, settings, charges and the balances they drew, status. */
import type { Catalog, Draw, Generation, GenerationStatus, ModelKind, Output } from '../../../../shared/api.js';
import { creditsUnit, formatBytes, formatCount, instantInZone } from '../../format.js';

export const statusLabels: Record<GenerationStatus, string> = {
  queued: 'Queued',
  running: 'Running',
  succeeded: 'Succeeded',
  failed: 'Failed',
  blocked: 'Blocked by moderation',
  cancelled: 'Cancelled',
};

export function modelName(catalog: Catalog | null, modelId: string): string {
  return catalog?.models.find((model) => model.id === modelId)?.name ?? modelId;
}

export function toolName(catalog: Catalog | null, toolId: string): string {
  return catalog?.tools.find((tool) => tool.id === toolId)?.name ?? toolId;
}

/** The kind of a generation's work: its first output's, or its model's while it has none. */
export function itemKind(item: Generation, catalog: Catalog | null): ModelKind {
  return item.outputs[0]?.kind ?? catalog?.models.find((model) => model.id === item.modelId)?.kind ?? 'image';
}

const outputNouns: Record<ModelKind, [string, string]> = {
  image: ['image', 'images'],
  video: ['video', 'videos'],
  audio: ['clip', 'clips'],
};

export function outputNoun(kind: ModelKind, count: number): string {
  return outputNouns[kind][count === 1 ? 0 : 1];
}

/** "2 outputs · HD · 10 s · 1024 × 768 px · seed 42". */
export function settingsText(settings: Generation['settings']): string {
  const parts = [`${formatCount(settings.outputs)} ${settings.outputs === 1 ? 'output' : 'outputs'}`];
  parts.push(settings.quality === 'hd' ? 'HD' : 'standard quality');
  if (settings.durationS !== undefined) parts.push(`${formatCount(settings.durationS)} s`);
  if (settings.width !== undefined && settings.height !== undefined)
    parts.push(`${formatCount(settings.width)} × ${formatCount(settings.height)} px`);
  if (settings.seed !== undefined) parts.push(`seed ${settings.seed}`);
  if (settings.sourceId !== undefined) parts.push('from a source image');
  return parts.join(' · ');
}

const balanceNames: Record<Draw['balance'], string> = {
  free: 'free',
  subscription: 'subscription',
  topup: 'top-up',
  generations: 'generations',
};

/** C5: "20 free + 4 subscription"; empty when nothing was drawn. */
export function drawsText(draws: Draw[]): string {
  return draws
    .filter((draw) => draw.amount !== 0)
    .map((draw) =>
      draw.balance === 'generations'
        ? `${formatCount(draw.amount)} of the plan's generations`
        : `${formatCount(draw.amount)} ${balanceNames[draw.balance]}`,
    )
    .join(' + ');
}

/** What a generation cost (C9, G2), in its unit. */
export function chargeText(item: Generation): string {
  const { charge } = item;
  if (item.unlimited) return 'Free (unlimited window)';
  if (charge.generations > 0 && charge.credits === 0) {
    return `${formatCount(charge.generations)} ${charge.generations === 1 ? 'generation' : 'generations'}${charge.refunded ? ', restored' : ''}`;
  }
  if (charge.credits === 0 && charge.generations === 0 && charge.draws.some((d) => d.balance === 'generations'))
    return 'Included in the unlimited plan';
  const text = `${formatCount(charge.credits)} ${creditsUnit(charge.credits)}`;
  // C8: failed and blocked work is refunded in full.
  return charge.refunded ? `${text}, refunded` : text;
}

/** Credits per kept output ("12 credits per image"), or null when it does not apply (no credits, no outputs). */
export function costPerOutputText(item: Generation, kind: ModelKind): string | null {
  const outputs = item.outputs.length;
  if (outputs === 0 || item.charge.credits === 0 || item.charge.refunded) return null;
  const each = item.charge.credits / outputs;
  const figure = Number.isInteger(each) ? formatCount(each) : each.toFixed(1);
  return `${figure} ${each === 1 ? 'credit' : 'credits'} per ${outputNoun(kind, 1)}`;
}

/** An output's size: "1024 × 1024 px · 312 KiB", "5 s · 1.2 MiB" (binary units, as everywhere in the app). */
export function outputSizeText(output: Output): string {
  const parts: string[] = [];
  if (output.width !== undefined && output.height !== undefined)
    parts.push(`${formatCount(output.width)} × ${formatCount(output.height)} px`);
  if (output.durationS !== undefined) parts.push(`${output.durationS} s`);
  parts.push(formatBytes(output.bytes));
  return parts.join(' · ');
}

/** A grid card's cost, short enough never to be cut: "6 credits", "Free · unlimited", "120 credits · refunded". */
export function shortChargeText(item: Generation): string {
  const { charge } = item;
  if (item.unlimited) return 'Free · unlimited';
  if (charge.generations > 0 && charge.credits === 0) {
    return `${formatCount(charge.generations)} ${charge.generations === 1 ? 'generation' : 'generations'}${charge.refunded ? ' · restored' : ''}`;
  }
  if (charge.credits === 0 && charge.generations === 0 && charge.draws.some((d) => d.balance === 'generations'))
    return 'Included in plan';
  const text = `${formatCount(charge.credits)} ${creditsUnit(charge.credits)}`;
  return charge.refunded ? `${text} · refunded` : text;
}

const kindNames: Record<ModelKind, string> = { image: 'Image', video: 'Video', audio: 'Audio' };

/**
 * What a card marks a generation as, for the kinds a still picture does not show: "Video · 10 s", "Audio · 30 s"
 * (the duration asked for, else the first output's); null for images.
 */
export function kindMarkerText(item: Generation, kind: ModelKind): string | null {
  if (kind === 'image') return null;
  const seconds = item.settings.durationS ?? item.outputs[0]?.durationS;
  return seconds === undefined ? kindNames[kind] : `${kindNames[kind]} · ${formatCount(Math.round(seconds))} s`;
}

// The grid's fast dates live with every other date format; the history's code keeps importing them from here.
export { instantInZone, localParts, shortInstant } from '../../format.js';

/** What a screen reader says for a grid cell: the whole prompt, the kind for video and audio, the cost, the time. */
export function itemLabel(item: Generation, catalog: Catalog | null, zone: string, now: Date): string {
  const kind = kindMarkerText(item, itemKind(item, catalog));
  return [
    modelName(catalog, item.modelId),
    toolName(catalog, item.tool),
    ...(kind === null ? [] : [kind]),
    `“${item.prompt}”`,
    statusLabels[item.status],
    ...(item.outputs.length > 0 && catalog?.models.find((model) => model.id === item.modelId)?.demo === true
      ? ['placeholder from the built-in demo generator']
      : []),
    chargeText(item),
    instantInZone(item.createdAt, zone, now),
  ].join(', ');
}
