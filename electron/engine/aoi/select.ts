/**
 * Selecting the cells of a raster's grid that overlap an AOI.
 *
 * The AOI is reprojected into the raster's CRS, then mapped into pixel space
 * with the inverse geotransform; there, cells are plain rectangles, so rotated
 * and south-up rasters need nothing special. A straight edge in the AOI's CRS
 * is usually curved in the raster's, so edges are densified before
 * reprojecting: each is cut into pieces no longer than a fraction of a cell.
 */
import { invertGeoTransform, pixelToMap, type GeoTransform } from '../../../shared/geo/affine.js';
import type { Cell, Grid } from '../../../shared/grid/cells.js';
import { AoiError } from './errors.js';
import { crsLabel, makeTransformer, sameCrs, type CrsInfo } from '../crs/index.js';
import { cellsOverlapping } from './intersect.js';
import type { Polygon, Position } from './geometry.js';
import type { Aoi } from './read.js';
import { LimitError, LIMITS } from '../limits.js';

export interface SelectOptions {
  /**
   * Longest AOI edge after densification, as a fraction of the smaller side of
   * a cell (default 1/20): a curved edge then strays from its chords by far less
   * than a pixel at typical cell sizes.
   */
  densify?: number;
}

/** Upper bound on the pieces one edge is cut into, so a continent-sized AOI stays cheap. */
const MAX_PIECES_PER_EDGE = 10_000;

/**
 * The cells of `grid` (over a raster with geotransform `transform` and CRS
 * `rasterCrs`) that share area with the AOI, in grid order; empty when the AOI
 * lies outside the raster. Throws AoiError when the raster has no CRS (the
 * AOI cannot be placed on it) or the AOI cannot be transformed into it.
 */
export function selectCells(grid: Grid, transform: GeoTransform, rasterCrs: CrsInfo | null, aoi: Aoi, options: SelectOptions = {}): Cell[] {
  const toPixel = invertGeoTransform(transform);
  if (!toPixel) throw new AoiError(aoi.source, "the raster's geotransform cannot be inverted, so the AOI cannot be placed on it");
  if (!rasterCrs) throw new AoiError(aoi.source, `the raster has no CRS, so the AOI (${crsLabel(aoi.crs)}) cannot be placed on it`);
  if (grid.cells.length === 0) return [];
  const cellSide = smallerCellSide(grid);
  const extent = gridExtent(grid);
  const pixelPolygons = aoiInPixels(aoi, toPixel, rasterCrs, (options.densify ?? 1 / 20) * cellSide, extent);
  // Cell selection walks the edges inside the grid in pieces of a cell side: bound that walk too.
  const diagonal = Math.hypot(extent.width, extent.height);
  let walk = 0;
  for (const ring of pixelPolygons.flat()) {
    for (let i = 0; i + 1 < ring.length; i++) {
      const length = Math.min(diagonal, Math.hypot(ring[i + 1][0] - ring[i][0], ring[i + 1][1] - ring[i][1]));
      walk += Number.isFinite(length) ? Math.max(1, Math.ceil(length / cellSide)) : 1;
    }
  }
  checkEdgePieces(walk, aoi);
  return cellsOverlapping(grid, pixelPolygons);
}

/** The grid's extent in pixel space, from (0, 0). */
export interface Extent {
  width: number;
  height: number;
}

/**
 * How many pieces densification cuts the edge a→b (mapped to pixels) into. An edge far from the grid (farther
 * than its own length) stays whole: its curve cannot reach the grid's cells, so its chord decides the same.
 */
function densifiedPieces(a: Position, b: Position, maxPiece: number, extent: Extent): number {
  const length = Math.hypot(b[0] - a[0], b[1] - a[1]);
  if (!Number.isFinite(length)) return 1;
  const margin = length + maxPiece;
  const far =
    Math.max(a[0], b[0]) + margin < 0 ||
    Math.min(a[0], b[0]) - margin > extent.width ||
    Math.max(a[1], b[1]) + margin < 0 ||
    Math.min(a[1], b[1]) - margin > extent.height;
  return far ? 1 : Math.min(MAX_PIECES_PER_EDGE, Math.max(1, Math.ceil(length / maxPiece)));
}

function checkEdgePieces(pieces: number, aoi: Aoi): void {
  if (pieces > LIMITS.areaEdgePieces) {
    const limit = `${LIMITS.areaEdgePieces} (simplify the area, or use larger cells)`;
    throw new LimitError({ path: aoi.source }, `its edges make ${pieces} pieces on the raster's grid of cells`, limit);
  }
}

/**
 * The AOI's polygons in the raster's pixel space (col, row), edges densified to pieces of at most about
 * `maxPieceInPixels` near the grid's `extent` when the CRSs differ.
 */
export function aoiInPixels(aoi: Aoi, toPixel: GeoTransform, rasterCrs: CrsInfo, maxPieceInPixels: number, extent: Extent): Polygon[] {
  if (sameCrs(aoi.crs, rasterCrs)) {
    // Affine maps keep straight lines straight: no densification needed.
    return aoi.polygons.map((polygon) => polygon.map((ring) => ring.map(([x, y]) => pixelToMap(toPixel, x, y))));
  }
  const forward = makeTransformer(aoi.crs, rasterCrs);
  if (!forward)
    throw new AoiError(aoi.source, `cannot transform the AOI from ${crsLabel(aoi.crs)} to the raster's CRS (${crsLabel(rasterCrs)})`);
  const toPixelPosition = (x: number, y: number): Position => {
    const [mx, my] = forward(x, y);
    return pixelToMap(toPixel, mx, my);
  };
  // Count the pieces from the mapped vertices before making any: a zig-zag area can ask for millions.
  const mappedRings = aoi.polygons.map((polygon) => polygon.map((ring) => ring.map(([x, y]) => toPixelPosition(x, y))));
  let pieces = 0;
  for (const ring of mappedRings.flat()) {
    for (let i = 0; i + 1 < ring.length; i++) pieces += densifiedPieces(ring[i], ring[i + 1], maxPieceInPixels, extent);
  }
  checkEdgePieces(pieces, aoi);
  return aoi.polygons.map((polygon, p) =>
    polygon.map((ring, r) => {
      const out = densifyRing(ring, mappedRings[p][r], toPixelPosition, (i) =>
        densifiedPieces(mappedRings[p][r][i], mappedRings[p][r][i + 1], maxPieceInPixels, extent),
      );
      if (!out.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y))) {
        throw new AoiError(
          aoi.source,
          `part of the AOI cannot be transformed from ${crsLabel(aoi.crs)} to the raster's CRS (${crsLabel(rasterCrs)}); ` +
            "is it outside that CRS's area of use?",
        );
      }
      return out;
    }),
  );
}

/**
 * A ring (`mapped`: its vertices through `f`) mapped through `f` with edge i cut into `piecesOf(i)` equal
 * pieces in the source CRS, chosen from the mapped end points so that mapped pieces are at most about a
 * fraction of a cell long; that is enough since edges bend only slightly over the size of a cell.
 */
function densifyRing(
  ring: Position[],
  mapped: Position[],
  f: (x: number, y: number) => Position,
  piecesOf: (edge: number) => number,
): Position[] {
  const out: Position[] = [mapped[0]];
  for (let i = 0; i + 1 < ring.length; i++) {
    const [ax, ay] = ring[i];
    const [bx, by] = ring[i + 1];
    const pieces = piecesOf(i);
    for (let k = 1; k < pieces; k++) out.push(f(ax + ((bx - ax) * k) / pieces, ay + ((by - ay) * k) / pieces));
    out.push(mapped[i + 1]);
  }
  return out;
}

function gridExtent(grid: Grid): Extent {
  if (grid.cellSize.kind !== 'pixels') return { width: grid.cells[0].width, height: grid.cells[0].height };
  return { width: grid.cols * grid.cellSize.size, height: grid.rows * (grid.cellSize.sizeY ?? grid.cellSize.size) };
}

/** The smaller side of a full cell, in pixels. */
function smallerCellSide(grid: Grid): number {
  if (grid.cellSize.kind === 'pixels') return Math.min(grid.cellSize.size, grid.cellSize.sizeY ?? grid.cellSize.size);
  return Math.min(grid.cells[0].width, grid.cells[0].height);
}
