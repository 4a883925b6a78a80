/**
 * Which cells of a grid overlap a set of polygons, exactly, in pixel space.
 *
 * "Overlap" means the cell and the polygon share some area: a cell that only
 * touches the AOI along an edge or at a corner is not selected (so an AOI drawn
 * along cell boundaries selects just the cells inside it), and holes are
 * respected. The test for one cell and one polygon is:
 *   1. if a polygon edge passes through the cell's open interior, they overlap
 *      (next to any boundary point of a polygon lies some of its interior);
 *   2. otherwise the cell's interior is wholly inside or wholly outside the
 *      polygon, and its centre tells which (even–odd rule over all rings).
 * Step 1 only looks at edges bucketed into the cells they cross, and step 2
 * uses one scanline per grid row, so the cost stays near cells + edges.
 * Pure math, no I/O.
 */
import type { Cell, Grid } from '../../../shared/grid/cells.js';
import { polygonsBounds, type Polygon } from './geometry.js';

/**
 * The cells of `grid` that share area with the union of `polygons`, whose
 * coordinates are pixel positions (col, row) of the grid's raster. Cells come
 * back in grid order.
 */
export function cellsOverlapping(grid: Grid, polygons: Polygon[]): Cell[] {
  if (grid.cells.length === 0 || polygons.length === 0) return [];
  const { cw, ch } = nominalCellSize(grid);
  const index = new Map<number, Cell>();
  for (const cell of grid.cells) index.set(cell.row * grid.cols + cell.col, cell);
  const key = (row: number, col: number) => row * grid.cols + col;

  // Step 1: cells with a polygon edge through their interior.
  const crossed = new Set<number>();
  const gridW = grid.cols * cw;
  const gridH = grid.rows * ch;
  const step = Math.min(cw, ch);
  for (const polygon of polygons) {
    for (const ring of polygon) {
      for (let i = 0; i + 1 < ring.length; i++) {
        const clipped = clipSegment(ring[i][0], ring[i][1], ring[i + 1][0], ring[i + 1][1], 0, 0, gridW, gridH);
        if (!clipped) continue;
        const [ax, ay, bx, by] = clipped;
        // Pieces no longer than a cell side touch at most 2×2 cells' bounding boxes.
        const pieces = Math.max(1, Math.ceil(Math.hypot(bx - ax, by - ay) / step));
        for (let k = 0; k < pieces; k++) {
          const px = ax + ((bx - ax) * k) / pieces;
          const py = ay + ((by - ay) * k) / pieces;
          const qx = k + 1 === pieces ? bx : ax + ((bx - ax) * (k + 1)) / pieces;
          const qy = k + 1 === pieces ? by : ay + ((by - ay) * (k + 1)) / pieces;
          const c0 = clamp(Math.floor(Math.min(px, qx) / cw), grid.cols);
          const c1 = clamp(Math.floor(Math.max(px, qx) / cw), grid.cols);
          const r0 = clamp(Math.floor(Math.min(py, qy) / ch), grid.rows);
          const r1 = clamp(Math.floor(Math.max(py, qy) / ch), grid.rows);
          for (let row = r0; row <= r1; row++) {
            for (let col = c0; col <= c1; col++) {
              const k2 = key(row, col);
              const cell = index.get(k2);
              if (cell && !crossed.has(k2) && crossesInterior(px, py, qx, qy, cell)) crossed.add(k2);
            }
          }
        }
      }
    }
  }

  // Step 2: cells whose centre is inside a polygon, one scanline per grid row.
  const bounds = polygons.map((p) => polygonsBounds([p]));
  const selected: Cell[] = [];
  let rowCrossings: number[][] = [];
  let rowOfCrossings = -1;
  for (const cell of grid.cells) {
    if (crossed.has(key(cell.row, cell.col))) {
      selected.push(cell);
      continue;
    }
    const cy = cell.y0 + cell.height / 2;
    if (cell.row !== rowOfCrossings) {
      // Cells of a row share y0 and height, so one scanline serves the row.
      rowCrossings = polygons.map((polygon, p) => (cy > bounds[p][1] && cy < bounds[p][3] ? scanline(polygon, cy) : []));
      rowOfCrossings = cell.row;
    }
    const cx = cell.x0 + cell.width / 2;
    if (rowCrossings.some((xs) => countBelow(xs, cx) % 2 === 1)) selected.push(cell);
  }
  return selected;
}

/** A grid's full-cell width and height in pixels (partial edge cells are smaller). */
function nominalCellSize(grid: Grid): { cw: number; ch: number } {
  if (grid.cellSize.kind === 'pixels') return { cw: grid.cellSize.size, ch: grid.cellSize.sizeY ?? grid.cellSize.size };
  return { cw: grid.cells[0].width, ch: grid.cells[0].height }; // `whole`: the only cell
}

const clamp = (i: number, n: number) => Math.min(n - 1, Math.max(0, i));

/**
 * The part of segment a→b inside the closed rectangle [x0, x1]×[y0, y1]
 * (Liang–Barsky), or null when they do not meet.
 */
function clipSegment(
  ax: number,
  ay: number,
  bx: number,
  by: number,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
): [number, number, number, number] | null {
  const dx = bx - ax;
  const dy = by - ay;
  let t0 = 0;
  let t1 = 1;
  const p = [-dx, dx, -dy, dy];
  const q = [ax - x0, x1 - ax, ay - y0, y1 - ay];
  for (let i = 0; i < 4; i++) {
    if (p[i] === 0) {
      if (q[i] < 0) return null; // parallel to this side and outside it
      continue;
    }
    const t = q[i] / p[i];
    if (p[i] < 0) t0 = Math.max(t0, t);
    else t1 = Math.min(t1, t);
    if (t0 > t1) return null;
  }
  return [ax + t0 * dx, ay + t0 * dy, ax + t1 * dx, ay + t1 * dy];
}

/**
 * True when segment a→b passes through the open interior of the cell. The part
 * of the segment inside the closed cell is convex, so if any of it is interior,
 * its midpoint is; a segment running along a side or through a corner is not.
 */
function crossesInterior(ax: number, ay: number, bx: number, by: number, cell: Cell): boolean {
  const x1 = cell.x0 + cell.width;
  const y1 = cell.y0 + cell.height;
  const part = clipSegment(ax, ay, bx, by, cell.x0, cell.y0, x1, y1);
  if (!part) return false;
  const mx = (part[0] + part[2]) / 2;
  const my = (part[1] + part[3]) / 2;
  return mx > cell.x0 && mx < x1 && my > cell.y0 && my < y1;
}

/**
 * Sorted x positions where the horizontal line at `y` crosses the polygon's
 * rings (holes included). Half-open in y, so a vertex on the line counts once.
 */
function scanline(polygon: Polygon, y: number): number[] {
  const xs: number[] = [];
  for (const ring of polygon) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const [ax, ay] = ring[i];
      const [bx, by] = ring[i + 1];
      if (ay > y !== by > y) xs.push(ax + ((y - ay) * (bx - ax)) / (by - ay));
    }
  }
  return xs.sort((a, b) => a - b);
}

/** How many of the sorted numbers are below x (binary search). */
function countBelow(sorted: number[], x: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
