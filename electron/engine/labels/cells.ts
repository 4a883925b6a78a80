/**
 * A run's usable cells, as the joins see them: per input raster its grid
 * (from the provenance), the map → pixel transform, and which grid cells have
 * features (their index in the feature rows).
 */
import { invertGeoTransform, type GeoTransform } from '../../../shared/geo/affine.js';
import { cellPixels, type GridShape } from '../../../shared/grid/cells.js';
import type { Provenance } from '../../../shared/provenance/index.js';
import { sourceGrids } from '../jobs/provenance-grid.js';
import { crsLabel, makeTransformer, sameCrs, type CrsInfo } from '../crs/index.js';
import { LabelError } from './errors.js';

/** A cell of a run, as the feature rows name it. */
export interface RunCell {
  source: string;
  row: number;
  col: number;
}

export interface JoinGrid {
  name: string;
  shape: GridShape;
  transform: GeoTransform;
  crs: CrsInfo | null;
  /** Full-cell width and height in pixels. */
  cw: number;
  ch: number;
  /** Grid index (row * cols + col) → feature row, for the usable cells. */
  usable: Map<number, number>;
  /** The inverse geotransform (map → pixel). */
  inverse: GeoTransform;
  /** Map coordinates of this grid's CRS → fractional pixel (col, row). */
  toPixel(x: number, y: number): [number, number];
}

/** The grids of a run with their usable cells; a cell naming no input or a cell outside its grid is a bug of the caller. */
export function joinGrids(provenance: Provenance, cells: readonly RunCell[]): JoinGrid[] {
  const grids = sourceGrids(provenance).map((g): JoinGrid => {
    const { w, h } = cellPixels(g.shape.cellSize, g.shape.width, g.shape.height);
    const inverse = invertGeoTransform(g.transform);
    if (!inverse) throw new Error(`input ${g.name} has a singular geotransform`);
    const t = g.transform;
    // Axis-aligned: divide, so a point exactly on a cell boundary lands exactly on it (no rounding of an inverse).
    const toPixel =
      t[2] === 0 && t[4] === 0
        ? (x: number, y: number): [number, number] => [(x - t[0]) / t[1], (y - t[3]) / t[5]]
        : (x: number, y: number): [number, number] => [
            inverse[0] + x * inverse[1] + y * inverse[2],
            inverse[3] + x * inverse[4] + y * inverse[5],
          ];
    return { ...g, cw: w, ch: h, usable: new Map(), inverse, toPixel };
  });
  const byName = new Map(grids.map((g) => [g.name, g]));
  cells.forEach((cell, index) => {
    const grid = byName.get(cell.source);
    if (!grid || !(cell.row >= 0 && cell.row < grid.shape.rows && cell.col >= 0 && cell.col < grid.shape.cols)) {
      throw new Error(`cell ${index} (${cell.source} ${cell.row},${cell.col}) is not a cell of the run`);
    }
    grid.usable.set(cell.row * grid.shape.cols + cell.col, index);
  });
  return grids;
}

/**
 * The grid cell holding pixel position (px, py), as a grid index, or -1. Cells are half-open: a cell covers
 * [x0, x0 + width) × [y0, y0 + height) in pixels, so a point on the line between two cells belongs to the one
 * with the larger column (row), and one on the grid's right or bottom edge to none.
 */
export function cellIndexAt(grid: JoinGrid, px: number, py: number): number {
  if (!(px >= 0 && py >= 0)) return -1;
  const col = Math.floor(px / grid.cw);
  const row = Math.floor(py / grid.ch);
  if (col >= grid.shape.cols || row >= grid.shape.rows) return -1;
  if (px >= Math.min((col + 1) * grid.cw, grid.shape.width) || py >= Math.min((row + 1) * grid.ch, grid.shape.height)) return -1;
  return row * grid.shape.cols + col;
}

/** A function from `from` coordinates to the grid's CRS (identity for the same CRS), or a LabelError naming `path`. */
export function toGridCrs(path: string, from: CrsInfo, grid: JoinGrid): (x: number, y: number) => [number, number] {
  if (!grid.crs) throw new LabelError(path, `the raster ${grid.name} has no CRS, so the labels (${crsLabel(from)}) cannot be placed on it`);
  return crsTransform(path, from, grid.crs);
}

/** A function from `from` coordinates to `to` (identity for the same CRS), or a LabelError naming `path`. */
export function crsTransform(path: string, from: CrsInfo, to: CrsInfo): (x: number, y: number) => [number, number] {
  if (sameCrs(from, to)) return (x, y) => [x, y];
  const f = makeTransformer(from, to);
  if (!f) throw new LabelError(path, `cannot transform coordinates from ${crsLabel(from)} to ${crsLabel(to)}`);
  return f;
}
