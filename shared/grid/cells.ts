/**
 * A raster's grid of cells, in pixel space. Cells are aligned to the raster's
 * pixel grid, starting at its top-left pixel.
 *
 * Sizes given in map units (`1000m`, `0.01deg`) are turned into whole pixel
 * counts per raster by resolveCellSize (resolve.ts) before a grid is made.
 */

/**
 * The size of a cell:
 * - `pixels`: `size`×`size` pixels, or `size`×`sizeY` when a map-unit size was
 *   resolved on a raster whose pixels are not square;
 * - `map`: a side length in metres or degrees, to be resolved per raster;
 * - `whole`: one cell per raster (MOSAIKS's per-image use).
 */
export type CellSize = { kind: 'pixels'; size: number; sizeY?: number } | { kind: 'map'; size: number; unit: MapUnit } | { kind: 'whole' };

/** Map units a cell size can be given in: metres (projected CRSs) or degrees (geographic CRSs). */
export type MapUnit = 'm' | 'deg';

/**
 * What to do with the partial cells at the right and bottom edges.
 * - `drop` (the default): only full cells are featurized, so every vector
 *   summarises the same area.
 * - `keep`: partial cells are featurized too, with their smaller pixel size,
 *   so the whole raster is covered.
 */
export const EDGE_POLICIES = ['drop', 'keep'] as const;
export type EdgePolicy = (typeof EDGE_POLICIES)[number];

/** One cell: its index in the (full) grid and its pixel window. */
export interface Cell {
  row: number;
  col: number;
  x0: number;
  y0: number;
  width: number;
  height: number;
}

export interface Grid {
  cellSize: CellSize;
  edge: EdgePolicy;
  rows: number;
  cols: number;
  cells: Cell[];
}

/**
 * Parses a cell size: a positive integer number of pixels (`256`, `64 px`), a
 * size in map units (`1000m`, `1000 m`, `10 km`, `0.01deg`, `0.01°`), or
 * `whole`. Spellings are what people type: any case, a space before the unit;
 * kilometres become metres.
 */
export function parseCellSize(text: string): CellSize {
  const t = text.trim().toLowerCase();
  if (t === 'whole') return { kind: 'whole' };
  const pixels = /^([1-9][0-9]*)(?:\s*px)?$/.exec(t);
  if (pixels) return { kind: 'pixels', size: Number(pixels[1]) };
  const m = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)\s*(m|km|deg|°)$/.exec(t);
  // Kilometres by moving the decimal point, so 0.1 km is exactly 100 m.
  const size = m ? Number(m[2] === 'km' ? `${m[1]}e3` : m[1]) : NaN;
  if (m && size > 0 && Number.isFinite(size)) return { kind: 'map', size, unit: m[2] === 'm' || m[2] === 'km' ? 'm' : 'deg' };
  throw new Error(
    "a cell size is a whole number of pixels, a size in metres, kilometres or degrees (e.g. 1000m, 10 km, 0.01deg) or 'whole', " +
      `got '${text}'`,
  );
}

/** The inverse of parseCellSize; non-square pixel cells read `WxH`. */
export function formatCellSize(size: CellSize): string {
  switch (size.kind) {
    case 'whole':
      return 'whole';
    case 'map':
      return `${size.size}${size.unit}`;
    case 'pixels':
      return size.sizeY === undefined || size.sizeY === size.size ? String(size.size) : `${size.size}x${size.sizeY}`;
  }
}

/**
 * A grid's shape without its cells: the raster's size, the cell size in pixels
 * (or `whole`) and the edge policy fix every cell, so cells are computed on
 * demand (gridCells, cellAt) rather than held: a huge raster's grid costs
 * nothing until its cells are visited.
 */
export interface GridShape {
  cellSize: CellSize;
  edge: EdgePolicy;
  /** The raster's size in pixels. */
  width: number;
  height: number;
  rows: number;
  cols: number;
}

/** Cells in row-major order, with their count: an array, or a whole grid computed cell by cell (gridCells). */
export interface CellList extends Iterable<Cell> {
  readonly length: number;
}

/**
 * The shape of the grid over a width×height raster. With `keep`, the last
 * row/column may hold partial cells; with `drop` they are left out. Map-unit
 * sizes must be resolved first (resolveCellSize), since they depend on the
 * raster's georeferencing.
 */
export function gridShape(width: number, height: number, cellSize: CellSize, edge: EdgePolicy = 'drop'): GridShape {
  if (cellSize.kind === 'whole') return { cellSize, edge, width, height, rows: 1, cols: 1 };
  if (cellSize.kind === 'map') {
    throw new Error(
      `cell size ${formatCellSize(cellSize)} is in map units: resolve it against the raster (resolveCellSize) before making a grid`,
    );
  }
  const { w, h } = cellPixels(cellSize, width, height);
  const round = edge === 'keep' ? Math.ceil : Math.floor;
  return { cellSize, edge, width, height, rows: round(height / h), cols: round(width / w) };
}

/** The width and height of a full cell in pixels (partial edge cells are smaller). */
export function cellPixels(cellSize: CellSize, width: number, height: number): { w: number; h: number } {
  if (cellSize.kind === 'whole') return { w: width, h: height };
  if (cellSize.kind === 'map') throw new Error(`cell size ${formatCellSize(cellSize)} is in map units: resolve it first`);
  return { w: cellSize.size, h: cellSize.sizeY ?? cellSize.size };
}

/** The cell at (row, col) of a grid, which must be inside it. */
export function cellAt(shape: GridShape, row: number, col: number): Cell {
  const { w, h } = cellPixels(shape.cellSize, shape.width, shape.height);
  const x0 = col * w;
  const y0 = row * h;
  return { row, col, x0, y0, width: Math.min(w, shape.width - x0), height: Math.min(h, shape.height - y0) };
}

/** Every cell of a grid in row-major order, computed as it is visited: nothing is held per cell. */
export function gridCells(shape: GridShape): CellList {
  return {
    length: shape.rows * shape.cols,
    *[Symbol.iterator]() {
      for (let row = 0; row < shape.rows; row++) for (let col = 0; col < shape.cols; col++) yield cellAt(shape, row, col);
    },
  };
}

/**
 * The grid over a width×height raster with every cell in an array, in
 * row-major order: for grids known to be small (tests, area selection on a
 * part of a grid). Runs iterate gridCells instead.
 */
export function makeGrid(width: number, height: number, cellSize: CellSize, edge: EdgePolicy = 'drop'): Grid {
  const shape = gridShape(width, height, cellSize, edge);
  return { cellSize, edge, rows: shape.rows, cols: shape.cols, cells: [...gridCells(shape)] };
}

/**
 * Chosen cells of a grid held as their row-major indexes (8 bytes a cell, not
 * a Cell object each), iterated in the order given: for large selections.
 */
export function indexedCells(shape: GridShape, indexes: Float64Array): CellList {
  return {
    length: indexes.length,
    *[Symbol.iterator]() {
      for (const i of indexes) yield cellAt(shape, Math.floor(i / shape.cols), i % shape.cols);
    },
  };
}
