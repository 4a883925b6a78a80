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
 * Parses a cell size: a positive integer number of pixels (`256`), a size in
 * map units (`1000m`, `0.01deg`), or `whole`.
 */
export function parseCellSize(text: string): CellSize {
  if (text === 'whole') return { kind: 'whole' };
  if (/^[1-9][0-9]*$/.test(text)) return { kind: 'pixels', size: Number(text) };
  const m = /^([0-9]+(?:\.[0-9]*)?|\.[0-9]+)(m|deg)$/.exec(text);
  if (m && Number(m[1]) > 0) return { kind: 'map', size: Number(m[1]), unit: m[2] as MapUnit };
  throw new Error(`a cell size is a whole number of pixels, a size in metres or degrees (e.g. 1000m, 0.01deg) or 'whole', got '${text}'`);
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
 * The grid over a width×height raster, in row-major order. With `keep`, the
 * last row/column may hold partial cells; with `drop` they are left out.
 * Map-unit sizes must be resolved first (resolveCellSize), since they depend
 * on the raster's georeferencing.
 */
export function makeGrid(width: number, height: number, cellSize: CellSize, edge: EdgePolicy = 'drop'): Grid {
  if (cellSize.kind === 'whole') {
    return { cellSize, edge, rows: 1, cols: 1, cells: [{ row: 0, col: 0, x0: 0, y0: 0, width, height }] };
  }
  if (cellSize.kind === 'map') {
    throw new Error(
      `cell size ${formatCellSize(cellSize)} is in map units: resolve it against the raster (resolveCellSize) before making a grid`,
    );
  }
  const w = cellSize.size;
  const h = cellSize.sizeY ?? cellSize.size;
  const round = edge === 'keep' ? Math.ceil : Math.floor;
  const rows = round(height / h);
  const cols = round(width / w);
  const cells: Cell[] = [];
  for (let row = 0; row < rows; row++) {
    for (let col = 0; col < cols; col++) {
      const x0 = col * w;
      const y0 = row * h;
      cells.push({ row, col, x0, y0, width: Math.min(w, width - x0), height: Math.min(h, height - y0) });
    }
  }
  return { cellSize, edge, rows, cols, cells };
}
