/** Pixel-space semantics of the cell test: shared area counts, touching does not, holes are respected. */
import { describe, it, expect } from 'vitest';
import { makeGrid, type EdgePolicy } from '../../../shared/grid/cells.js';
import { cellsOverlapping } from '../../../electron/engine/aoi/intersect.js';
import type { Polygon, Position } from '../../../electron/engine/aoi/geometry.js';

/** A closed axis-aligned rectangle ring. */
const rect = (x0: number, y0: number, x1: number, y1: number): Position[] => [
  [x0, y0],
  [x1, y0],
  [x1, y1],
  [x0, y1],
  [x0, y0],
];
/** Selected [row, col] on a 10×10-pixel cell grid over a 40×30 raster (4×3 full cells). */
const hits = (polygons: Polygon[], edge: EdgePolicy = 'drop', width = 40, height = 30) =>
  cellsOverlapping(makeGrid(width, height, { kind: 'pixels', size: 10 }, edge), polygons).map((c) => [c.row, c.col]);

describe('cells overlapping polygons (pixel space)', () => {
  it('selects cells sharing area, not cells only touching an edge or a corner', () => {
    expect(hits([[rect(10, 10, 20, 20)]])).toEqual([[1, 1]]);
    expect(hits([[rect(9.999, 10, 20, 20)]])).toEqual([
      [1, 0],
      [1, 1],
    ]);
    // A triangle whose corner touches the corner of cell (0, 0).
    expect(
      hits([
        [
          [
            [10, 10],
            [20, 10],
            [20, 20],
            [10, 10],
          ],
        ],
      ]),
    ).toEqual([[1, 1]]);
  });

  it('selects a cell holding a tiny polygon, and cells wholly inside a big one', () => {
    expect(hits([[rect(22, 13, 23, 14)]])).toEqual([[1, 2]]);
    expect(hits([[rect(-100, -100, 100, 100)]])).toHaveLength(12);
  });

  it('respects holes: a cell inside a hole is not selected, cells the hole cuts are', () => {
    const outer = rect(-5, -5, 45, 35);
    expect(hits([[outer, rect(10, 10, 20, 20)]])).toHaveLength(11);
    expect(hits([[outer, rect(9, 9, 21, 21)]])).toHaveLength(11);
    expect(hits([[outer, rect(-10, -10, 50, 40)]])).toEqual([]); // a hole that eats everything (invalid, but handled)
  });

  it('takes the union of overlapping polygons', () => {
    expect(hits([[rect(1, 1, 15, 5)], [rect(2, 2, 3, 3)], [rect(31, 21, 32, 22)]])).toEqual([
      [0, 0],
      [0, 1],
      [2, 3],
    ]);
  });

  it('handles diagonal edges crossing many cells', () => {
    // A thin sliver along the main diagonal: every cell it passes through, and none other.
    const sliver: Polygon = [
      [
        [0, 0],
        [40, 30],
        [40, 29.999],
        [0, 0],
      ],
    ];
    // y = 0.75·x leaves cell (0, 0) at x = 10, reaches row 1 at x = 13.3, column 2 at x = 20...
    expect(hits([sliver])).toEqual([
      [0, 0],
      [0, 1],
      [1, 1],
      [1, 2],
      [2, 2],
      [2, 3],
    ]);
  });

  it('tests partial edge cells with their own, smaller size', () => {
    // Raster 45×35: with `keep`, column 4 is 5 px wide and row 3 is 5 px high.
    expect(hits([[rect(46, 0, 60, 40)]], 'keep', 45, 35)).toEqual([]);
    expect(hits([[rect(44, 34, 60, 40)]], 'keep', 45, 35)).toEqual([[3, 4]]);
    expect(hits([[rect(44, 34, 60, 40)]], 'drop', 45, 35)).toEqual([]);
  });
});
