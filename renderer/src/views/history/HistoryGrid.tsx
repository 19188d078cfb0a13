import { observeElementOffset, useVirtualizer, type Virtualizer } from '@tanstack/react-virtual';
import {
  memo,
  useCallback,
  useEffect,
  useId,
  useLayoutEffect,
  useRef,
  useState,
  type KeyboardEvent,
  type ReactNode,
} from 'react';
import type { Catalog } from '../../../../shared/api.js';
import type { HistoryItem } from '../../../../shared/bridge.js';
import { formatCount } from '../../format.js';
import {
  useHistoryStore,
  HISTORY_PAGE_SIZE,
  gridKey,
  itemAt,
  selectGrid,
  type GridQuery,
} from '../../store/history/store.js';
import {
  ROW_HEIGHT,
  columnsFor,
  layerOffset,
  moveIndex,
  offsetToReveal,
  pagesForRows,
  rowCount,
  scrollScale,
  toScrollTop,
  toVirtualOffset,
} from './gridMath.js';
import {
  itemKind,
  itemLabel,
  kindMarkerText,
  modelName,
  shortChargeText,
  shortInstant,
  statusLabels,
} from './historyText.js';
import { AudioIcon, MediaThumb, VideoIcon } from './MediaThumb.js';
import { DEMO_NOTE, isDemoModel } from '../../components/DemoNote.js';

const MIN_CELL_WIDTH = 168;
const GAP = 12;
/** Pages are asked for at most this often while scrolling, with the rows on screen at that moment. */
const LOAD_THROTTLE_MS = 80;

type HistoryGridProps = {
  query: GridQuery;
  catalog: Catalog | null;
  zone: string;
  /** False when the account's backend cannot be reached: outputs not on this computer cannot be shown. */
  online: boolean;
  /** The grid's accessible name. */
  label: string;
  now: Date;
  onOpen: (item: HistoryItem) => void;
  empty: ReactNode;
};

/**
 * The history as a virtualized grid (H1, H2): only the rows on screen exist in the DOM, and their items are fetched
 * from the host page by page as they come into view; 100,000 items scroll like 100. Keyboard: the grid is one tab
 * stop; arrows, Page Up/Down, Home and End move the active cell (aria-activedescendant); Enter or Space opens it.
 */
export function HistoryGrid({ query, catalog, zone, online, label, now, onOpen, empty }: HistoryGridProps) {
  const key = gridKey(query);
  const grid = useHistoryStore(selectGrid(key));
  const loadPages = useHistoryStore((state) => state.loadPages);
  const invalidateGrids = useHistoryStore((state) => state.invalidateGrids);
  const scrollRef = useRef<HTMLDivElement>(null);
  const layerRef = useRef<HTMLDivElement>(null);
  const idPrefix = useId();
  const [box, setBox] = useState({ width: 0, height: 0 });
  const [active, setActive] = useState(0);
  // The scroll container is replaced by the empty state and back: measure the new one.
  const isEmpty = grid?.total === 0;

  useLayoutEffect(() => {
    const element = scrollRef.current;
    if (element === null) return;
    const measure = () => setBox({ width: element.clientWidth, height: element.clientHeight });
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [isEmpty]);

  const total = grid?.total ?? 0;
  const columns = columnsFor(box.width - 2 * GAP, MIN_CELL_WIDTH, GAP);
  const rows = rowCount(total, columns);
  const { containerHeight, scale } = scrollScale(rows * ROW_HEIGHT, box.height);
  const scaleRef = useRef(scale);
  scaleRef.current = scale;

  // This app does not use the React Compiler, whose memoization the rule protects; the virtualizer is read afresh on
  // every render and never passed to a memoized child.
  // oxlint-disable-next-line react/incompatible-library
  const virtualizer = useVirtualizer<HTMLDivElement, HTMLDivElement>({
    count: rows,
    getScrollElement: () => scrollRef.current,
    estimateSize: () => ROW_HEIGHT,
    // One row above and below the viewport: enough to hide the rows' arrival, and few cells to build per scroll.
    overscan: 1,
    // The scroll-height guard: the container scrolls in its own px, the virtualizer thinks in virtual px.
    observeElementOffset: (instance, report) =>
      observeElementOffset(instance, (offset, isScrolling) =>
        report(toVirtualOffset(offset, scaleRef.current), isScrolling),
      ),
    scrollToFn: (offset, { adjustments = 0, behavior }, instance) => {
      instance.scrollElement?.scrollTo({ top: toScrollTop(offset + adjustments, scaleRef.current), behavior });
    },
  });
  const virtualRows = virtualizer.getVirtualItems();
  // Without a scale the rows sit at their virtual starts in a layer that never moves, so a scroll re-renders only the
  // rows that come and go; with one, they are drawn relative to the offset of this render (see layerOffset).
  const anchor = scale === 1 ? 0 : (virtualizer.scrollOffset ?? 0);
  const firstRow = virtualRows[0]?.index ?? 0;
  const lastRow = virtualRows.at(-1)?.index ?? -1;

  // With a scale, the row layer follows every scroll event by a style write (no render): see layerOffset.
  useLayoutEffect(() => {
    const element = scrollRef.current;
    const layer = layerRef.current;
    if (element === null || layer === null) return;
    if (scale === 1) {
      layer.style.transform = '';
      return;
    }
    const place = () => {
      layer.style.transform = `translateY(${layerOffset(anchor, element.scrollTop, scale)}px)`;
    };
    place();
    element.addEventListener('scroll', place, { passive: true });
    return () => element.removeEventListener('scroll', place);
  }, [anchor, scale]);

  // Pages for the rows on screen (and the first page, which says how many items there are).
  const wanted = useRef({ query, pages: [0] });
  const visiblePages = pagesForRows(firstRow, lastRow, columns, HISTORY_PAGE_SIZE, total);
  // With nothing on screen (no answer yet, or an empty result that may have filled since), the first page says how
  // many items there are now.
  wanted.current = { query, pages: visiblePages.length > 0 ? visiblePages : [0] };
  const timer = useRef<number | null>(null);
  const version = grid?.version ?? -1;
  const known = grid !== null;
  useEffect(() => {
    if (timer.current !== null) return;
    timer.current = window.setTimeout(
      () => {
        timer.current = null;
        void loadPages(wanted.current.query, wanted.current.pages);
      },
      known ? LOAD_THROTTLE_MS : 0,
    );
  }, [key, firstRow, lastRow, columns, version, known, loadPages]);
  useEffect(
    () => () => {
      if (timer.current !== null) window.clearTimeout(timer.current);
      timer.current = null;
    },
    [],
  );

  // A new result set starts at its top.
  useEffect(() => {
    setActive(0);
    scrollRef.current?.scrollTo({ top: 0 });
  }, [key]);

  const reveal = useCallback(
    (index: number, instance: Virtualizer<HTMLDivElement, HTMLDivElement>) => {
      const element = scrollRef.current;
      if (element === null) return;
      const target = offsetToReveal(
        Math.floor(index / columns) * ROW_HEIGHT,
        ROW_HEIGHT,
        instance.scrollOffset ?? 0,
        element.clientHeight,
      );
      if (target !== null) element.scrollTop = toScrollTop(target, scaleRef.current);
    },
    [columns],
  );

  const pick = useCallback(
    (index: number, item: HistoryItem | null) => {
      setActive(index);
      if (item !== null) onOpen(item);
    },
    [onOpen],
  );

  function onKeyDown(event: KeyboardEvent<HTMLDivElement>) {
    if (event.key === 'Enter' || event.key === ' ') {
      const item = itemAt(grid, active);
      if (item !== null) {
        event.preventDefault();
        onOpen(item);
      }
      return;
    }
    const pageRows = Math.max(1, Math.floor(box.height / ROW_HEIGHT));
    const next = moveIndex(Math.min(active, total - 1), event.key, columns, total, pageRows);
    if (next === null) return;
    event.preventDefault();
    setActive(next);
    reveal(next, virtualizer);
  }

  if (isEmpty) {
    return (
      <div className="history-empty" data-testid="history-empty">
        {empty}
      </div>
    );
  }

  const activeRendered =
    total > 0 && Math.floor(active / columns) >= firstRow && Math.floor(active / columns) <= lastRow;
  const cellId = (index: number) => `${idPrefix}-cell-${index}`;

  return (
    <div className="history-grid-wrap">
      {grid?.error != null && (
        <div className="notice notice--error" role="alert" data-testid="history-error">
          <p>Couldn’t load your history: {grid.error.message}</p>
          <button type="button" className="button" onClick={invalidateGrids}>
            Try again
          </button>
        </div>
      )}
      <div
        ref={scrollRef}
        className="history-grid"
        role="grid"
        aria-label={label}
        aria-rowcount={rows}
        aria-colcount={columns}
        aria-busy={grid === null || grid.total === null}
        aria-activedescendant={activeRendered ? cellId(active) : undefined}
        tabIndex={0}
        data-testid="history-grid"
        data-total={total}
        data-scale={scale}
        onKeyDown={onKeyDown}
      >
        <div className="history-grid-sizer" style={{ height: containerHeight }}>
          <div ref={layerRef} className="history-grid-layer">
            {virtualRows.map((row) => (
              <div
                // Rows are keyed by slot, not by index: the row leaving one edge is reused for the one entering at the
                // other (the window is contiguous, so index mod its length is unique), which spares the DOM a removal
                // and a creation per row while scrolling.
                key={row.index % virtualRows.length}
                role="row"
                aria-rowindex={row.index + 1}
                className="history-row"
                style={{
                  transform: `translateY(${row.start - anchor}px)`,
                  gridTemplateColumns: `repeat(${columns}, minmax(0, 1fr))`,
                }}
              >
                {Array.from({ length: columns }, (_, column) => {
                  const index = row.index * columns + column;
                  if (index >= total) return <div key={column} role="presentation" />;
                  const item = itemAt(grid, index);
                  return (
                    <GridCell
                      key={column}
                      id={cellId(index)}
                      index={index}
                      column={column}
                      item={item}
                      active={index === active}
                      catalog={catalog}
                      zone={zone}
                      online={online}
                      now={now}
                      onPick={pick}
                    />
                  );
                })}
              </div>
            ))}
          </div>
        </div>
      </div>
    </div>
  );
}

type GridCellProps = {
  id: string;
  index: number;
  column: number;
  item: HistoryItem | null;
  active: boolean;
  catalog: Catalog | null;
  zone: string;
  online: boolean;
  now: Date;
  onPick: (index: number, item: HistoryItem | null) => void;
};

/** One cell; memoized, so that a scroll renders only the cells that come into view. */
const GridCell = memo(function GridCell({
  id,
  index,
  column,
  item,
  active,
  catalog,
  zone,
  online,
  now,
  onPick,
}: GridCellProps) {
  return (
    <div
      id={id}
      role="gridcell"
      aria-colindex={column + 1}
      aria-selected={active}
      aria-label={item === null ? 'Loading…' : itemLabel(item, catalog, zone, now)}
      title={item?.prompt}
      className={`history-cell${active ? ' is-active' : ''}${item === null ? ' is-loading' : ''}`}
      data-testid={item === null ? 'history-cell-loading' : 'history-cell'}
      data-generation-id={item?.id}
      onClick={() => onPick(index, item)}
    >
      {item === null ? (
        <CellSkeleton />
      ) : (
        <CellContent item={item} catalog={catalog} zone={zone} online={online} now={now} />
      )}
    </div>
  );
});

function CellSkeleton() {
  return (
    <>
      <span className="history-cell-media skeleton-block" aria-hidden="true" />
      <span className="skeleton-line" aria-hidden="true" />
      <span className="skeleton-line skeleton-line--short" aria-hidden="true" />
    </>
  );
}

function CellContent({
  item,
  catalog,
  zone,
  online,
  now,
}: {
  item: HistoryItem;
  catalog: Catalog | null;
  zone: string;
  online: boolean;
  now: Date;
}) {
  const kind = itemKind(item, catalog);
  const marker = kindMarkerText(item, kind);
  return (
    <>
      <span className="history-cell-media" aria-hidden="true">
        {/* A new picture element per output: a reused one would show the previous item's image until the next decodes. */}
        <MediaThumb key={item.outputs[0]?.id ?? item.id} item={item} kind={kind} online={online} />
        {item.outputs.length > 1 && (
          <span className="cell-badge cell-badge--count">×{formatCount(item.outputs.length)}</span>
        )}
        {item.pinned && <span className="cell-badge cell-badge--pin">Pinned</span>}
        {marker !== null && (
          <span className="cell-badge cell-badge--kind" data-testid="history-cell-kind">
            {kind === 'video' ? <VideoIcon /> : <AudioIcon size={12} />}
            {marker}
          </span>
        )}
        {item.status !== 'succeeded' && item.outputs.length > 0 && (
          <span className={`cell-badge cell-badge--status status--${item.status}`}>{statusLabels[item.status]}</span>
        )}
      </span>
      <span className="history-cell-prompt" aria-hidden="true">
        {item.prompt}
      </span>
      <span className="history-cell-model" aria-hidden="true">
        <span className="history-cell-model-name">{modelName(catalog, item.modelId)}</span>
        {item.outputs.length > 0 && isDemoModel(catalog, item.modelId) && (
          <span className="demo-tag" title={DEMO_NOTE} data-testid="history-cell-demo">
            Demo
          </span>
        )}
      </span>
      <span className="history-cell-meta" aria-hidden="true">
        {shortInstant(item.createdAt, zone, now)}
      </span>
      <span className="history-cell-cost" aria-hidden="true" data-testid="history-cell-cost">
        {shortChargeText(item)}
      </span>
    </>
  );
}
