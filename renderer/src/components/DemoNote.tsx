import type { Catalog } from '../../../shared/api.js';

/** Whether the backend says this model's outputs come from its built-in demo generator (placeholders, not a real model). */
export function isDemoModel(catalog: Catalog | null, modelId: string): boolean {
  return catalog?.models.find((model) => model.id === modelId)?.demo === true;
}

export const DEMO_NOTE =
  'Built-in demo generator: it makes placeholder images, audio and video so you can try the app. Connect a real backend for real outputs.';

/**
 * Says plainly that outputs are the built-in demo generator's: without it, soft colour blobs for "a neon koi fish" read
 * as a broken generator. The compact form goes beside each set of outputs, the full one where a model is chosen.
 */
export function DemoNote({ testId = 'demo-note', compact = false }: { testId?: string; compact?: boolean }) {
  return (
    <p
      className={`demo-note${compact ? ' demo-note--compact' : ''}`}
      data-testid={testId}
      title={compact ? DEMO_NOTE : undefined}
    >
      <span className="demo-tag">Demo</span>{' '}
      {compact ? 'Placeholder outputs from the built-in demo generator, not a real model.' : DEMO_NOTE}
    </p>
  );
}
