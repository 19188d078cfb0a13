import type { Generation } from '../../../../shared/api.js';
import { companion } from '../../bridge/companion.js';

type SourcePickerProps = {
  accountId: string;
  generations: Generation[];
  sourceId: string | null;
  onChoose: (outputId: string) => void;
};

/** The source image for image-to-image, upscale and image-to-video: one of the account's recent image outputs. */
export function SourcePicker({ accountId, generations, sourceId, onChoose }: SourcePickerProps) {
  const images = generations
    .filter((generation) => generation.status === 'succeeded')
    .flatMap((generation) =>
      generation.outputs
        .filter((output) => output.kind === 'image')
        .map((output, index) => ({ output, label: `${generation.prompt} (output ${index + 1})` })),
    )
    .slice(0, 24);

  return (
    <fieldset className="fieldset source-picker">
      <legend>Source image</legend>
      {images.length === 0 ? (
        <p className="muted" data-testid="gen-source-empty">
          No image outputs yet. Make one with Text to image first: it will appear here to choose.
        </p>
      ) : (
        <div className="source-grid" role="radiogroup" aria-label="Source image">
          {images.map(({ output, label }) => (
            <label
              key={output.id}
              className={output.id === sourceId ? 'source-option source-option--chosen' : 'source-option'}
            >
              <input
                type="radio"
                name="source-image"
                value={output.id}
                checked={output.id === sourceId}
                onChange={() => onChoose(output.id)}
                data-testid={`gen-source-${output.id}`}
              />
              <img src={companion().mediaURL(accountId, output.id, 'thumb')} alt="" loading="lazy" />
              <span className="source-label">{label}</span>
            </label>
          ))}
        </div>
      )}
    </fieldset>
  );
}
