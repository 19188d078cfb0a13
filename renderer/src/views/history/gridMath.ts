/**
 * The history grid's geometry, as pure functions: how many columns fit, which pages the visible rows need, and the
 * guard against Chromium's limit on a scroll container's height.
 *
 * Chromium stops growing a scroll container's content near 16.7 million px, so a virtual list taller than that cannot
 * be scrolled to its end. 100,000 items in rows of ROW_HEIGHT (280 px) and 5 columns are 5.6
 * million px, well below; a narrow window (1 column) would be 28 million px. Past MAX_SCROLL_HEIGHT the grid scrolls a
 * container of MAX_SCROLL_HEIGHT px and maps its scroll position onto the virtual one with a scale factor, so that
 * both ends still meet: scrollTop 0 is the first row, the largest scrollTop shows the last row.
 */

/**
 * A row of cards: 12 px above, a 256 px card (a 140 px picture, two lines of prompt, then the model, the time and the
 * cost on a line each) and the 12 px gap below. history.css draws the row and the card at these heights.
 */
export const ROW_HEIGHT = 280;

/** Safely under Chromium's ~16.7 M px cap. */
export const MAX_SCROLL_HEIGHT = 15_000_000;

export type ScrollScale = {
  /** The height to give the scroll container's content. */
  containerHeight: number;
  /** Virtual px per scrolled px: 1 when the content fits under the cap. */
  scale: number;
};

/**
 * The container height and scale for `virtualHeight` px of content in a viewport of `viewportHeight` px. The scale maps
 * the container's scroll range [0, containerHeight - viewport] onto the virtual range [0, virtualHeight - viewport].
 */
export function scrollScale(virtualHeight: number, viewportHeight: number, maxHeight = MAX_SCROLL_HEIGHT): ScrollScale {
  if (virtualHeight <= maxHeight) return { containerHeight: virtualHeight, scale: 1 };
  const viewport = Math.min(Math.max(0, viewportHeight), maxHeight - 1);
  return { containerHeight: maxHeight, scale: (virtualHeight - viewport) / (maxHeight - viewport) };
}

/** The virtual offset shown at a container scroll position. */
export function toVirtualOffset(scrollTop: number, scale: number): number {
  return scrollTop * scale;
}

/** The container scroll position that shows a virtual offset. */
export function toScrollTop(virtualOffset: number, scale: number): number {
  return virtualOffset / scale;
}

/**
 * Where an item that starts at `virtualStart` belongs in the container's own coordinates while the container is
 * scrolled to `scrollTop`: at the same distance from the viewport's top edge as in the virtual layout.
 */
export function drawnTop(virtualStart: number, scrollTop: number, scale: number): number {
  return virtualStart - toVirtualOffset(scrollTop, scale) + scrollTop;
}

/**
 * The rows are drawn in one layer, each at `start - anchor` (the virtual offset when React last rendered), so their
 * positions stay small numbers; the layer itself sits at this offset. With scale 1 it is `anchor` and never moves
 * between renders; with a scale the grid moves it on every scroll event (a style write, no render), which keeps every
 * row at drawnTop().
 */
export function layerOffset(anchor: number, scrollTop: number, scale: number): number {
  return anchor - scrollTop * (scale - 1);
}

/**
 * The virtual offset to scroll to so that the row from `rowStart` to `rowStart + rowHeight` is fully in a viewport of
 * `viewportHeight` px now at virtual offset `offset`: null when it already is. A row taller than the viewport is
 * aligned to the top.
 */
export function offsetToReveal(
  rowStart: number,
  rowHeight: number,
  offset: number,
  viewportHeight: number,
): number | null {
  if (rowStart < offset || rowHeight >= viewportHeight) return rowStart === offset ? null : rowStart;
  if (rowStart + rowHeight > offset + viewportHeight) return rowStart + rowHeight - viewportHeight;
  return null;
}

/** How many cells of at least `minCellWidth` px fit in `width` px with `gap` px between them (at least one). */
export function columnsFor(width: number, minCellWidth: number, gap: number): number {
  if (!(width > 0)) return 1;
  return Math.max(1, Math.floor((width + gap) / (minCellWidth + gap)));
}

export function rowCount(items: number, columns: number): number {
  return Math.ceil(Math.max(0, items) / Math.max(1, columns));
}

/** The pages (of `pageSize` items) holding rows `firstRow` to `lastRow` inclusive, at `columns` items a row. */
export function pagesForRows(
  firstRow: number,
  lastRow: number,
  columns: number,
  pageSize: number,
  total: number,
): number[] {
  if (lastRow < firstRow || total <= 0) return [];
  const firstItem = Math.max(0, firstRow * columns);
  const lastItem = Math.min(total - 1, (lastRow + 1) * columns - 1);
  if (lastItem < firstItem) return [];
  const pages: number[] = [];
  for (let page = Math.floor(firstItem / pageSize); page <= Math.floor(lastItem / pageSize); page += 1)
    pages.push(page);
  return pages;
}

/** Arrow-key moves in a grid of `total` cells, `columns` a row; `pageRows` rows for Page Up / Page Down. */
export function moveIndex(index: number, key: string, columns: number, total: number, pageRows: number): number | null {
  if (total <= 0) return null;
  const last = total - 1;
  const clamp = (value: number) => Math.min(last, Math.max(0, value));
  switch (key) {
    case 'ArrowRight':
      return clamp(index + 1);
    case 'ArrowLeft':
      return clamp(index - 1);
    case 'ArrowDown':
      return index + columns <= last ? index + columns : index;
    case 'ArrowUp':
      return index - columns >= 0 ? index - columns : index;
    case 'PageDown':
      return clamp(index + columns * pageRows);
    case 'PageUp':
      return clamp(index - columns * pageRows);
    case 'Home':
      return 0;
    case 'End':
      return last;
    default:
      return null;
  }
}
