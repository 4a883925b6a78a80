import { describe, it, expect } from 'vitest';
import { makeGrid, parseCellSize } from '../../../shared/grid/cells.js';

describe('grid of cells', () => {
  it('tiles full cells from the top-left pixel and drops partial edge cells', () => {
    const g = makeGrid(627, 603, { kind: 'pixels', size: 256 });
    expect([g.rows, g.cols]).toEqual([2, 2]);
    expect(g.cells.map((c) => [c.row, c.col, c.x0, c.y0, c.width, c.height])).toEqual([
      [0, 0, 0, 0, 256, 256],
      [0, 1, 256, 0, 256, 256],
      [1, 0, 0, 256, 256, 256],
      [1, 1, 256, 256, 256, 256],
    ]);
  });

  it('has no cells when the raster is smaller than one cell', () => {
    expect(makeGrid(100, 300, { kind: 'pixels', size: 256 }).cells).toHaveLength(0);
  });

  it('makes one cell of the whole raster', () => {
    expect(makeGrid(627, 603, { kind: 'whole' }).cells).toEqual([{ row: 0, col: 0, x0: 0, y0: 0, width: 627, height: 603 }]);
  });

  it('parses --cell-size', () => {
    expect(parseCellSize('256')).toEqual({ kind: 'pixels', size: 256 });
    expect(parseCellSize('whole')).toEqual({ kind: 'whole' });
    for (const bad of ['0', '-3', '2.5', '1000m', '']) expect(() => parseCellSize(bad)).toThrow(/--cell-size/);
  });
});
