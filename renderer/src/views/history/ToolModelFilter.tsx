import type { Catalog } from '../../../../shared/api.js';
import { ToolId } from '../../../../shared/api.js';
import { toolName } from './historyText.js';

type ToolModelFilterProps = {
  catalog: Catalog | null;
  tool: ToolId | '';
  modelId: string;
  /** A new tool also clears the model: the models offered are the chosen tool's. */
  onChange: (patch: { tool?: ToolId | ''; modelId?: string }) => void;
  /** `filter` gives `filter-tool` and `filter-model`, and so on. */
  testIdPrefix: string;
};

/** The tool and model choices that History and Analytics both filter by. */
export function ToolModelFilter({ catalog, tool, modelId, onChange, testIdPrefix }: ToolModelFilterProps) {
  const models = (catalog?.models ?? []).filter((model) => tool === '' || model.tools.includes(tool));
  return (
    <>
      <label className="filter">
        <span className="field-label">Tool</span>
        <select
          className="select"
          value={tool}
          onChange={(event) => onChange({ tool: event.target.value as ToolId | '', modelId: '' })}
          data-testid={`${testIdPrefix}-tool`}
        >
          <option value="">All tools</option>
          {ToolId.options.map((id) => (
            <option key={id} value={id}>
              {toolName(catalog, id)}
            </option>
          ))}
        </select>
      </label>
      <label className="filter">
        <span className="field-label">Model</span>
        <select
          className="select"
          value={modelId}
          onChange={(event) => onChange({ modelId: event.target.value })}
          data-testid={`${testIdPrefix}-model`}
        >
          <option value="">All models</option>
          {models.map((model) => (
            <option key={model.id} value={model.id}>
              {model.name}
            </option>
          ))}
        </select>
      </label>
    </>
  );
}
