/**
 * A raster's grid of cells, in pixel space. Cells are aligned to the raster's
 * pixel grid, starting at its top-left pixel.
 */

/** N×N pixel cells, or one cell per raster (MOSAIKS's per-image use). */
export type CellSize = { kind: 'pixels'; size: number } | { kind: 'whole' };

/**
 * What to do with the partial cells at the right and bottom edges.
 * - `drop` (the default): only full cells are featurized, so every vector
 *   summarises the same area.
 */
export type EdgePolicy = 'drop';

/** One cell: its index in the grid and its pixel window. */
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

/** Parses `--cell-size`: a positive integer number of pixels, or `whole`. */
export function parseCellSize(text: string): CellSize {
  if (text === 'whole') return { kind: 'whole' };
  if (!/^[1-9][0-9]*$/.test(text)) throw new Error(`--cell-size must be a whole number of pixels or 'whole', got '${text}'`);
  return { kind: 'pixels', size: Number(text) };
}

export function formatCellSize(size: CellSize): string {
  return size.kind === 'whole' ? 'whole' : String(size.size);
}

/** The grid over a width×height raster, in row-major order. */
export function makeGrid(width: number, height: number, cellSize: CellSize, edge: EdgePolicy = 'drop'): Grid {
  if (cellSize.kind === 'whole') {
    return { cellSize, edge, rows: 1, cols: 1, cells: [{ row: 0, col: 0, x0: 0, y0: 0, width, height }] };
  }
  const n = cellSize.size;
  const rows = Math.floor(height / n);
  const cols = Math.floor(width / n);
  const cells: Cell[] = [];
  for (let row = 0; row < rows; row++) for (let col = 0; col < cols; col++) cells.push({ row, col, x0: col * n, y0: row * n, width: n, height: n });
  return { cellSize, edge, rows, cols, cells };
}
