import { describe, it, expect } from 'vitest';
import {
  cellAt,
  formatCellSize,
  gridCells,
  gridShape,
  indexedCells,
  makeGrid,
  parseCellSize,
  type Cell,
  type CellSize,
  type EdgePolicy,
} from '../../../shared/grid/cells.js';
import { pixelSize, resolveCellSize } from '../../../shared/grid/resolve.js';
import type { GeoTransform } from '../../../shared/geo/affine.js';

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
    expect(makeGrid(627, 603, { kind: 'whole' }, 'keep').cells).toHaveLength(1);
  });

  it('keeps partial edge cells, with their smaller size, under `keep`', () => {
    const g = makeGrid(627, 603, { kind: 'pixels', size: 256 }, 'keep');
    expect([g.rows, g.cols, g.edge]).toEqual([3, 3, 'keep']);
    expect(g.cells.map((c) => [c.row, c.col, c.x0, c.y0, c.width, c.height])).toEqual([
      [0, 0, 0, 0, 256, 256],
      [0, 1, 256, 0, 256, 256],
      [0, 2, 512, 0, 115, 256],
      [1, 0, 0, 256, 256, 256],
      [1, 1, 256, 256, 256, 256],
      [1, 2, 512, 256, 115, 256],
      [2, 0, 0, 512, 256, 91],
      [2, 1, 256, 512, 256, 91],
      [2, 2, 512, 512, 115, 91],
    ]);
    // A raster smaller than one cell is one partial cell; an exact fit has no partial cells.
    expect(makeGrid(100, 300, { kind: 'pixels', size: 256 }, 'keep').cells).toEqual([
      { row: 0, col: 0, x0: 0, y0: 0, width: 100, height: 256 },
      { row: 1, col: 0, x0: 0, y0: 256, width: 100, height: 44 },
    ]);
    expect(makeGrid(512, 256, { kind: 'pixels', size: 256 }, 'keep').cells).toEqual(
      makeGrid(512, 256, { kind: 'pixels', size: 256 }, 'drop').cells,
    );
  });

  it('makes non-square cells, keeping (row, col) of the full grid', () => {
    const g = makeGrid(100, 50, { kind: 'pixels', size: 30, sizeY: 20 }, 'keep');
    expect([g.rows, g.cols]).toEqual([3, 4]);
    expect(g.cells.at(-1)).toEqual({ row: 2, col: 3, x0: 90, y0: 40, width: 10, height: 10 });
    expect(makeGrid(100, 50, { kind: 'pixels', size: 30, sizeY: 20 }).cells.at(-1)).toEqual({
      row: 1,
      col: 2,
      x0: 60,
      y0: 20,
      width: 30,
      height: 20,
    });
  });

  it('refuses map-unit sizes that were not resolved', () => {
    expect(() => makeGrid(10, 10, { kind: 'map', size: 1000, unit: 'm' })).toThrow(/1000m is in map units.*resolveCellSize/);
  });

  it('parses cell sizes', () => {
    expect(parseCellSize('256')).toEqual({ kind: 'pixels', size: 256 });
    expect(parseCellSize('whole')).toEqual({ kind: 'whole' });
    expect(parseCellSize('1000m')).toEqual({ kind: 'map', size: 1000, unit: 'm' });
    expect(parseCellSize('0.01deg')).toEqual({ kind: 'map', size: 0.01, unit: 'deg' });
    expect(parseCellSize('.5deg')).toEqual({ kind: 'map', size: 0.5, unit: 'deg' });
    expect(parseCellSize('2.5m')).toEqual({ kind: 'map', size: 2.5, unit: 'm' });
    for (const bad of ['0', '-3', '2.5', '', '0m', '0.0deg', 'm', '1e3m', '-5m', '0 km', '64 pixels', '10 k m', '1.5px', 'wholes'])
      expect(() => parseCellSize(bad)).toThrow(/a cell size is/);
  });

  it('takes the spellings people type: a space, any case, px, km, °', () => {
    expect(parseCellSize('64 px')).toEqual({ kind: 'pixels', size: 64 });
    expect(parseCellSize('64px')).toEqual({ kind: 'pixels', size: 64 });
    expect(parseCellSize(' 1000 m ')).toEqual({ kind: 'map', size: 1000, unit: 'm' });
    expect(parseCellSize('10 km')).toEqual({ kind: 'map', size: 10000, unit: 'm' });
    expect(parseCellSize('1 KM')).toEqual({ kind: 'map', size: 1000, unit: 'm' });
    // Exactly, not 100.00000000000001.
    expect(parseCellSize('0.1km')).toEqual({ kind: 'map', size: 100, unit: 'm' });
    expect(parseCellSize('0.01°')).toEqual({ kind: 'map', size: 0.01, unit: 'deg' });
    expect(parseCellSize('Whole')).toEqual({ kind: 'whole' });
  });

  it('formats cell sizes back', () => {
    for (const text of ['256', 'whole', '1000m', '0.01deg']) expect(formatCellSize(parseCellSize(text))).toBe(text);
    expect(formatCellSize({ kind: 'pixels', size: 33, sizeY: 34 })).toBe('33x34');
    expect(formatCellSize({ kind: 'pixels', size: 33, sizeY: 33 })).toBe('33');
  });
});

describe('cell sizes in map units', () => {
  const utm30: GeoTransform = [452475, 30, 0, 3408645, 0, -30];
  const metres = { kind: 'projected', metresPerUnit: 1 } as const;
  const degrees = { kind: 'geographic' } as const;
  const terra: GeoTransform = [5.741666666666666, 0.008333333333333, 0, 50.191666666666663, 0, -0.008333333333333];

  it('rounds metres to the nearest whole pixel and reports the effective size', () => {
    expect(resolveCellSize(parseCellSize('1000m'), utm30, metres)).toEqual({
      requested: { kind: 'map', size: 1000, unit: 'm' },
      cellSize: { kind: 'pixels', size: 33 },
      effective: { x: 990, y: 990, unit: 'm' },
    });
    expect(resolveCellSize(parseCellSize('1920m'), utm30, metres).cellSize).toEqual({ kind: 'pixels', size: 64 });
    expect(resolveCellSize(parseCellSize('45m'), utm30, metres).cellSize).toEqual({ kind: 'pixels', size: 2 }); // 1.5 rounds up
    expect(resolveCellSize(parseCellSize('10m'), utm30, metres)).toMatchObject({
      cellSize: { kind: 'pixels', size: 1 },
      effective: { x: 30, y: 30 },
    }); // at least 1 pixel
  });

  it('resolves degrees on a geographic raster', () => {
    expect(resolveCellSize(parseCellSize('0.05deg'), terra, degrees)).toEqual({
      requested: { kind: 'map', size: 0.05, unit: 'deg' },
      cellSize: { kind: 'pixels', size: 6 },
      effective: { x: 0.05, y: 0.05, unit: 'deg' }, // 6 × 0.008333333333333, cut to 12 digits
    });
    expect(resolveCellSize(parseCellSize('0.01deg'), terra, degrees).cellSize).toEqual({ kind: 'pixels', size: 1 });
  });

  it('refuses metres on geographic rasters, degrees on projected ones, and map units without a CRS', () => {
    expect(() => resolveCellSize(parseCellSize('1000m'), terra, degrees)).toThrow(/1000m is in metres, but the raster's CRS is geographic/);
    expect(() => resolveCellSize(parseCellSize('0.01deg'), utm30, metres)).toThrow(
      /0.01deg is in degrees, but the raster's CRS is projected/,
    );
    expect(() => resolveCellSize(parseCellSize('1000m'), utm30, null)).toThrow(/no known coordinate reference system/);
  });

  it('resolves x and y separately for non-square pixels', () => {
    const r = resolveCellSize(parseCellSize('1000m'), [0, 30, 0, 0, 0, -20], metres);
    expect(r.cellSize).toEqual({ kind: 'pixels', size: 33, sizeY: 50 });
    expect(r.effective).toEqual({ x: 990, y: 1000, unit: 'm' });
  });

  it('measures rotated pixels along their column and row vectors', () => {
    // stars__geomatrix.tif: columns step (1.5, -5), rows step (-5, -1.5) → 5.22 m pixels.
    const rotated: GeoTransform = [1841001.75, 1.5, -5, 1144003.25, -5, -1.5];
    expect(pixelSize(rotated).x).toBeCloseTo(Math.hypot(1.5, 5), 12);
    expect(resolveCellSize(parseCellSize('20m'), rotated, metres).cellSize).toEqual({ kind: 'pixels', size: 4 });
  });

  it('passes pixel and whole sizes through, with their size in map units when known', () => {
    expect(resolveCellSize(parseCellSize('64'), utm30, metres)).toEqual({
      requested: { kind: 'pixels', size: 64 },
      cellSize: { kind: 'pixels', size: 64 },
      effective: { x: 1920, y: 1920, unit: 'm' },
    });
    expect(resolveCellSize(parseCellSize('64'), utm30, null).effective).toBeNull();
    expect(resolveCellSize({ kind: 'whole' }, utm30, metres)).toEqual({
      requested: { kind: 'whole' },
      cellSize: { kind: 'whole' },
      effective: null,
    });
  });
});

/** The grid as it was built before it was iterated: every cell pushed into one array. */
function cellsAsBefore(width: number, height: number, cellSize: CellSize, edge: EdgePolicy): Cell[] {
  if (cellSize.kind === 'whole') return [{ row: 0, col: 0, x0: 0, y0: 0, width, height }];
  if (cellSize.kind !== 'pixels') throw new Error('pixels only');
  const w = cellSize.size;
  const h = cellSize.sizeY ?? cellSize.size;
  const round = edge === 'keep' ? Math.ceil : Math.floor;
  const cells: Cell[] = [];
  for (let row = 0; row < round(height / h); row++) {
    for (let col = 0; col < round(width / w); col++) {
      cells.push({ row, col, x0: col * w, y0: row * h, width: Math.min(w, width - col * w), height: Math.min(h, height - row * h) });
    }
  }
  return cells;
}

describe('the grid iterated, never held', () => {
  // The golden cases' rasters (32×32, 64×48), the featurize fixtures (300×300) and the sample (627×603).
  const sizes: [number, number][] = [
    [32, 32],
    [64, 48],
    [300, 300],
    [627, 603],
  ];
  const cellSizes: CellSize[] = [
    { kind: 'whole' },
    { kind: 'pixels', size: 3 },
    { kind: 'pixels', size: 16 },
    { kind: 'pixels', size: 64 },
    { kind: 'pixels', size: 256 },
    { kind: 'pixels', size: 33, sizeY: 20 },
  ];
  for (const [width, height] of sizes) {
    it(`yields the cells the grid held before on ${width}×${height}`, () => {
      for (const cellSize of cellSizes) {
        for (const edge of ['drop', 'keep'] as const) {
          const before = cellsAsBefore(width, height, cellSize, edge);
          const cells = gridCells(gridShape(width, height, cellSize, edge));
          expect(cells.length).toBe(before.length);
          expect([...cells]).toEqual(before);
          expect(makeGrid(width, height, cellSize, edge).cells).toEqual(before);
          const shape = gridShape(width, height, cellSize, edge);
          for (const c of before) expect(cellAt(shape, c.row, c.col)).toEqual(c);
        }
      }
    });
  }

  it("counts a 1000000² raster's 15 million cells without making one", () => {
    const shape = gridShape(1_000_000, 1_000_000, { kind: 'pixels', size: 256 });
    const cells = gridCells(shape);
    expect(cells.length).toBe(3906 * 3906);
    const first = cells[Symbol.iterator]().next().value;
    expect(first).toEqual({ row: 0, col: 0, x0: 0, y0: 0, width: 256, height: 256 });
    expect(cellAt(shape, 3905, 3905)).toEqual({ row: 3905, col: 3905, x0: 999680, y0: 999680, width: 256, height: 256 });
  });

  it('yields chosen cells from their row-major indexes', () => {
    const shape = gridShape(627, 603, { kind: 'pixels', size: 64 }, 'keep');
    const all = [...gridCells(shape)];
    const picked = indexedCells(shape, Float64Array.from([0, 11, 12, 99]));
    expect(picked.length).toBe(4);
    expect([...picked]).toEqual([all[0], all[11], all[12], all[99]]);
  });
});
