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
  const pixelPolygons = aoiInPixels(aoi, toPixel, rasterCrs, (options.densify ?? 1 / 20) * smallerCellSide(grid));
  return cellsOverlapping(grid, pixelPolygons);
}

/** The AOI's polygons in the raster's pixel space (col, row). */
function aoiInPixels(aoi: Aoi, toPixel: GeoTransform, rasterCrs: CrsInfo, maxPieceInPixels: number): Polygon[] {
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
  return aoi.polygons.map((polygon) =>
    polygon.map((ring) => {
      const out = densifyRing(ring, toPixelPosition, maxPieceInPixels);
      if (!out.every(([x, y]) => Number.isFinite(x) && Number.isFinite(y))) {
        throw new AoiError(
          aoi.source,
          `part of the AOI cannot be transformed from ${crsLabel(aoi.crs)} to the raster's CRS (${crsLabel(rasterCrs)}); is it outside that CRS's area of use?`,
        );
      }
      return out;
    }),
  );
}

/**
 * A ring mapped through `f` with each edge cut into equal pieces (in the
 * source CRS) so that mapped pieces are at most about `maxPiece` long. The
 * piece count is set from the mapped end points, which is enough since edges
 * bend only slightly over the size of a cell.
 */
function densifyRing(ring: Position[], f: (x: number, y: number) => Position, maxPiece: number): Position[] {
  const mapped = ring.map(([x, y]) => f(x, y));
  const out: Position[] = [mapped[0]];
  for (let i = 0; i + 1 < ring.length; i++) {
    const [ax, ay] = ring[i];
    const [bx, by] = ring[i + 1];
    const length = Math.hypot(mapped[i + 1][0] - mapped[i][0], mapped[i + 1][1] - mapped[i][1]);
    const pieces = Number.isFinite(length) ? Math.min(MAX_PIECES_PER_EDGE, Math.max(1, Math.ceil(length / maxPiece))) : 1;
    for (let k = 1; k < pieces; k++) out.push(f(ax + ((bx - ax) * k) / pieces, ay + ((by - ay) * k) / pieces));
    out.push(mapped[i + 1]);
  }
  return out;
}

/** The smaller side of a full cell, in pixels. */
function smallerCellSide(grid: Grid): number {
  if (grid.cellSize.kind === 'pixels') return Math.min(grid.cellSize.size, grid.cellSize.sizeY ?? grid.cellSize.size);
  return Math.min(grid.cells[0].width, grid.cells[0].height);
}
