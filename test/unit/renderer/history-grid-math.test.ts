import { describe, expect, it } from 'vitest';
import {
  MAX_SCROLL_HEIGHT,
  ROW_HEIGHT,
  columnsFor,
  drawnTop,
  layerOffset,
  moveIndex,
  offsetToReveal,
  pagesForRows,
  rowCount,
  scrollScale,
  toScrollTop,
  toVirtualOffset,
} from '../../../renderer/src/views/history/gridMath.js';
import { instantInZone, shortInstant } from '../../../renderer/src/views/history/historyText.js';
import { formatInstantInZone } from '../../../renderer/src/format.js';

const ROW = ROW_HEIGHT;
const VIEWPORT = 600;

describe('H1 history grid: the scroll-height guard', () => {
  it('the grid draws rows of 280 px: a card of 256 px and 12 px above and below', () => {
    expect(ROW_HEIGHT).toBe(280);
  });

  it('100,000 items in 5 columns of 280 px rows (5.6 M px) fit: no scaling', () => {
    const rows = rowCount(100_000, 5);
    expect(rows).toBe(20_000);
    expect(scrollScale(rows * ROW, VIEWPORT)).toEqual({ containerHeight: 5_600_000, scale: 1 });
  });

  it('exactly the cap is not scaled; one pixel more is', () => {
    expect(scrollScale(MAX_SCROLL_HEIGHT, VIEWPORT).scale).toBe(1);
    expect(scrollScale(MAX_SCROLL_HEIGHT + 1, VIEWPORT).scale).toBeGreaterThan(1);
  });

  it('100,000 items in one column (28 M px) scroll a 15 M px container with a scale factor', () => {
    const virtual = rowCount(100_000, 1) * ROW;
    const { containerHeight, scale } = scrollScale(virtual, VIEWPORT);
    expect(containerHeight).toBe(15_000_000);
    expect(scale).toBeCloseTo((28_000_000 - VIEWPORT) / (15_000_000 - VIEWPORT), 12);
  });

  it('both ends meet: the top shows the first row, the largest scroll position shows the last row', () => {
    const virtual = 1_000_000 * ROW;
    const { containerHeight, scale } = scrollScale(virtual, VIEWPORT);
    expect(toVirtualOffset(0, scale)).toBe(0);
    expect(toVirtualOffset(containerHeight - VIEWPORT, scale)).toBeCloseTo(virtual - VIEWPORT, 3);
  });

  it('scroll position and virtual offset convert back and forth', () => {
    const { scale } = scrollScale(40_000_000, VIEWPORT);
    expect(toScrollTop(toVirtualOffset(1_234_567, scale), scale)).toBeCloseTo(1_234_567, 6);
  });

  it('a drawn row keeps its distance to the viewport top from the virtual layout', () => {
    const { scale } = scrollScale(40_000_000, VIEWPORT);
    const scrollTop = 7_000_000;
    const virtualOffset = toVirtualOffset(scrollTop, scale);
    const rowStart = Math.floor(virtualOffset / ROW) * ROW + ROW;
    expect(drawnTop(rowStart, scrollTop, scale) - scrollTop).toBeCloseTo(rowStart - virtualOffset, 6);
  });

  it('the row layer, anchored at the last rendered offset, puts every row where drawnTop says while scrolling', () => {
    const { scale } = scrollScale(40_000_000, VIEWPORT);
    const renderedAt = 5_000_000;
    const anchor = toVirtualOffset(renderedAt, scale);
    const rowStart = 11_600_000;
    for (const scrollTop of [renderedAt, renderedAt + 40, renderedAt - 300]) {
      expect(layerOffset(anchor, scrollTop, scale) + (rowStart - anchor)).toBeCloseTo(
        drawnTop(rowStart, scrollTop, scale),
        6,
      );
    }
  });

  it('without a scale the layer stays at the anchor, so the rows sit at their virtual starts', () => {
    expect(layerOffset(4_640, 4_640, 1)).toBe(4_640);
    expect(layerOffset(4_640, 9_999, 1) + (5_000 - 4_640)).toBe(5_000);
  });
});

describe('H1 history grid: geometry', () => {
  it('fits as many cells of the minimum width as the width allows, at least one', () => {
    expect(columnsFor(1000, 168, 12)).toBe(5);
    expect(columnsFor(179, 168, 12)).toBe(1);
    expect(columnsFor(0, 168, 12)).toBe(1);
    expect(columnsFor(Number.NaN, 168, 12)).toBe(1);
  });

  it('names the pages that hold the visible rows', () => {
    // Rows 18-22 of 5 columns are items 90-114: pages 0 and 1 of 100 items.
    expect(pagesForRows(18, 22, 5, 100, 100_000)).toEqual([0, 1]);
    expect(pagesForRows(0, 3, 5, 100, 100_000)).toEqual([0]);
  });

  it('stops at the last item', () => {
    expect(pagesForRows(19_998, 20_010, 5, 100, 100_000)).toEqual([999]);
    expect(pagesForRows(0, 5, 5, 100, 0)).toEqual([]);
  });

  it('reveals a row below or above the viewport, and leaves a visible one alone', () => {
    expect(offsetToReveal(2 * ROW, ROW, 0, VIEWPORT)).toBe(3 * ROW - VIEWPORT);
    expect(offsetToReveal(0, ROW, 500, VIEWPORT)).toBe(0);
    expect(offsetToReveal(ROW, ROW, 0, VIEWPORT)).toBeNull();
  });
});

describe('H1 history grid: keyboard', () => {
  it('arrows move by a cell or a row and stay inside the grid', () => {
    expect(moveIndex(6, 'ArrowRight', 5, 100, 3)).toBe(7);
    expect(moveIndex(6, 'ArrowDown', 5, 100, 3)).toBe(11);
    expect(moveIndex(2, 'ArrowUp', 5, 100, 3)).toBe(2);
    expect(moveIndex(0, 'ArrowLeft', 5, 100, 3)).toBe(0);
    expect(moveIndex(97, 'ArrowDown', 5, 100, 3)).toBe(97);
  });

  it('Page Down moves a screen of rows; Home and End go to the ends', () => {
    expect(moveIndex(6, 'PageDown', 5, 100, 3)).toBe(21);
    expect(moveIndex(6, 'PageUp', 5, 100, 3)).toBe(0);
    expect(moveIndex(50, 'Home', 5, 100, 3)).toBe(0);
    expect(moveIndex(50, 'End', 5, 100, 3)).toBe(99);
    expect(moveIndex(50, 'a', 5, 100, 3)).toBeNull();
  });
});

describe('A1 history grid: dates in the account zone', () => {
  const now = new Date('2026-03-07T20:00:00.000Z');

  it('says what formatInstantInZone says, across a DST change and a year boundary', () => {
    for (const [iso, zone] of [
      ['2026-03-07T20:00:00.000Z', 'America/New_York'],
      ['2026-03-08T07:30:00.000Z', 'America/New_York'],
      ['2026-03-29T01:15:00.000Z', 'Europe/Berlin'],
      ['2025-12-31T23:59:00.000Z', 'Asia/Tokyo'],
      ['2025-06-01T00:00:00.000Z', 'UTC'],
    ] as const) {
      expect(instantInZone(iso, zone, now)).toBe(formatInstantInZone(iso, zone, now));
    }
  });

  it('writes the short cell date with the year only when it is not this year', () => {
    expect(shortInstant('2026-03-07T20:00:00.000Z', 'America/New_York', now)).toBe('Sat 7 Mar 15:00');
    expect(shortInstant('2025-12-31T23:59:00.000Z', 'Asia/Tokyo', now)).toBe('Thu 1 Jan 08:59');
    expect(shortInstant('2025-06-01T00:00:00.000Z', 'UTC', now)).toBe('1 Jun 2025 00:00');
  });
});
