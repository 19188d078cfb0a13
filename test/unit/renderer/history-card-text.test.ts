import { describe, expect, it } from 'vitest';
import type { Catalog, Generation } from '../../../shared/api.js';
import {
  itemLabel,
  kindMarkerText,
  outputSizeText,
  shortChargeText,
} from '../../../renderer/src/views/history/historyText.js';

function generation(overrides: Partial<Generation> = {}): Generation {
  return {
    id: 'gen_1',
    tool: 'text-to-video',
    modelId: 'motion-video',
    prompt: 'a fox running through fresh snow in slow motion',
    settings: { outputs: 1, quality: 'standard', durationS: 10 },
    status: 'succeeded',
    lane: 'fast',
    workflow: false,
    unlimited: false,
    charge: { credits: 420, generations: 0, draws: [{ balance: 'subscription', amount: 420 }], refunded: false },
    outputs: [
      { id: 'out_1', kind: 'video', mime: 'video/webp', bytes: 110_592, width: 256, height: 256, durationS: 10 },
    ],
    createdAt: '2026-12-04T20:00:00.000Z',
    ...overrides,
  } as Generation;
}

describe('history cards: the cost in a short form that never needs cutting', () => {
  it('C9: credits, unlimited, refunded and generation-billed charges', () => {
    expect(shortChargeText(generation())).toBe('420 credits');
    expect(shortChargeText(generation({ charge: { credits: 1, generations: 0, draws: [], refunded: false } }))).toBe(
      '1 credit',
    );
    expect(
      shortChargeText(
        generation({ unlimited: true, charge: { credits: 0, generations: 0, draws: [], refunded: false } }),
      ),
    ).toBe('Free · unlimited');
    expect(
      shortChargeText(
        generation({ status: 'failed', charge: { credits: 6, generations: 0, draws: [], refunded: true } }),
      ),
    ).toBe('6 credits · refunded');
    expect(shortChargeText(generation({ charge: { credits: 0, generations: 1, draws: [], refunded: false } }))).toBe(
      '1 generation',
    );
  });
});

describe('history cards: what a still picture does not say', () => {
  it('marks video and audio with their length, and images not at all', () => {
    expect(kindMarkerText(generation(), 'video')).toBe('Video · 10 s');
    expect(kindMarkerText(generation({ settings: { outputs: 1 }, outputs: [] }), 'audio')).toBe('Audio');
    expect(kindMarkerText(generation({ settings: { outputs: 1 } }), 'video')).toBe('Video · 10 s');
    expect(kindMarkerText(generation(), 'image')).toBeNull();
  });

  it('sizes outputs in binary units', () => {
    expect(outputSizeText(generation().outputs[0]!)).toBe('256 × 256 px · 10 s · 108 KiB');
  });

  it('the accessible name carries the whole prompt, the kind and, for demo models, that the outputs are placeholders', () => {
    const prompt = 'a very long prompt '.repeat(10).trim();
    const catalog = {
      models: [{ id: 'motion-video', name: 'Motion Video', kind: 'video', demo: true }],
      tools: [{ id: 'text-to-video', name: 'Text to video' }],
    } as unknown as Catalog;
    const label = itemLabel(generation({ prompt }), catalog, 'America/New_York', new Date('2026-12-04T20:00:00.000Z'));
    expect(label).toContain(`“${prompt}”`);
    expect(label).toBe(
      `Motion Video, Text to video, Video · 10 s, “${prompt}”, Succeeded, placeholder from the built-in demo generator, 420 credits, 15:00 on Fri 4 Dec`,
    );
  });
});
