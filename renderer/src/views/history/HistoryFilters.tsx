import { useEffect, useId, useRef, useState } from 'react';
import type { Catalog, Workspace } from '../../../../shared/api.js';
import { GenerationStatus } from '../../../../shared/api.js';
import { DayInput } from '../../components/DayInput.js';
import type { HistoryFilters as Filters } from '../../store/history/store.js';
import { statusLabels } from './historyText.js';
import { ToolModelFilter } from './ToolModelFilter.js';

/** Typing pauses this long before the search runs. */
const SEARCH_DEBOUNCE_MS = 300;

type HistoryFiltersProps = {
  filters: Filters;
  onChange: (patch: Partial<Filters>) => void;
  onClear: () => void;
  catalog: Catalog | null;
  workspaces: Workspace[];
  now: Date;
  zone: string;
};

/** Search the prompts (debounced) and narrow by tool, model, status, dates (local days) and workspace. */
export function HistoryFilters({ filters, onChange, onClear, catalog, workspaces, now, zone }: HistoryFiltersProps) {
  const [text, setText] = useState(filters.q);
  const id = useId();

  // The search the store has from this box; when the store's differs, it was changed elsewhere ("Clear filters").
  const sent = useRef(filters.q);
  useEffect(() => {
    if (filters.q === sent.current) return;
    sent.current = filters.q;
    setText(filters.q);
  }, [filters.q]);
  useEffect(() => {
    if (text === sent.current) return;
    const timer = window.setTimeout(() => {
      sent.current = text;
      onChange({ q: text });
    }, SEARCH_DEBOUNCE_MS);
    return () => window.clearTimeout(timer);
  }, [text, onChange]);

  const active = Object.values(filters).some((value) => value !== '');

  return (
    <form
      className="filters"
      role="search"
      aria-label="History"
      onSubmit={(event) => {
        event.preventDefault();
        sent.current = text;
        onChange({ q: text });
      }}
    >
      <label className="filter filter--search" htmlFor={`${id}-q`}>
        <span className="field-label">Search prompts</span>
        <input
          id={`${id}-q`}
          className="input"
          type="search"
          value={text}
          placeholder="e.g. lighthouse at dusk"
          onChange={(event) => setText(event.target.value)}
          data-testid="history-search"
        />
      </label>
      <ToolModelFilter
        catalog={catalog}
        tool={filters.tool}
        modelId={filters.modelId}
        onChange={onChange}
        testIdPrefix="filter"
      />
      <label className="filter">
        <span className="field-label">Status</span>
        <select
          className="select"
          value={filters.status}
          onChange={(event) => onChange({ status: event.target.value as Filters['status'] })}
          data-testid="filter-status"
        >
          <option value="">Any status</option>
          {GenerationStatus.options.map((status) => (
            <option key={status} value={status}>
              {statusLabels[status]}
            </option>
          ))}
        </select>
      </label>
      <label className="filter">
        <span className="field-label">From</span>
        <DayInput
          value={filters.from}
          max={filters.to || undefined}
          onChange={(from) => onChange({ from })}
          testId="filter-from"
          now={now}
          zone={zone}
        />
      </label>
      <label className="filter">
        <span className="field-label">To</span>
        <DayInput
          value={filters.to}
          min={filters.from || undefined}
          onChange={(to) => onChange({ to })}
          testId="filter-to"
          now={now}
          zone={zone}
        />
      </label>
      <label className="filter">
        <span className="field-label">Workspace</span>
        <select
          className="select"
          value={filters.workspaceId}
          onChange={(event) => onChange({ workspaceId: event.target.value })}
          data-testid="filter-workspace"
        >
          <option value="">Any workspace</option>
          {workspaces.map((workspace) => (
            <option key={workspace.id} value={workspace.id}>
              {workspace.name}
            </option>
          ))}
        </select>
      </label>
      <button
        type="button"
        className="button filter-clear"
        disabled={!active}
        onClick={onClear}
        data-testid="filter-clear"
      >
        Clear filters
      </button>
    </form>
  );
}
