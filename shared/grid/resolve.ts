/**
 * Turning a cell size in map units into whole pixels for one raster.
 *
 * Cells stay aligned to the raster's pixel grid, so a size like `1000m` is
 * rounded to the nearest whole number of pixels (at least 1); the size the
 * cells really have (`effective`) is reported next to the requested one so
 * provenance can record both. Pure math: no I/O, no Node.
 */
import type { GeoTransform } from '../geo/affine.js';
import type { CellSize, MapUnit } from './cells.js';

/**
 * The units of a raster's CRS, as far as cell sizes care:
 * - `projected`: linear units, `metresPerUnit` metres each (1 for metres,
 *   0.3048006… for US survey feet);
 * - `geographic`: degrees of longitude/latitude.
 * null (to resolveCellSize) means the raster has no known CRS.
 */
export type CrsUnits = { kind: 'projected'; metresPerUnit: number } | { kind: 'geographic' };

export interface ResolvedCellSize {
  /** What was asked for. */
  requested: CellSize;
  /** What makeGrid takes: `pixels` (x and y resolved separately) or `whole`. */
  cellSize: CellSize;
  /**
   * The cells' width and height in map units (metres for projected CRSs,
   * degrees for geographic ones), or null for `whole` cells and rasters without
   * known units.
   */
  effective: { x: number; y: number; unit: MapUnit } | null;
}

/**
 * Ground size of one pixel along the raster's columns (x) and rows (y), in CRS
 * units: the lengths of the geotransform's column and row vectors, which is
 * right for rotated rasters too.
 */
export function pixelSize(t: GeoTransform): { x: number; y: number } {
  return { x: Math.hypot(t[1], t[4]), y: Math.hypot(t[2], t[5]) };
}

/**
 * Resolves `cellSize` for a raster with geotransform `t` whose CRS has `units`.
 * Metres need a projected CRS and degrees a geographic one: converting between
 * them would make cells whose size changes with latitude, so it is refused.
 * Throws an Error with a one-line message when the size cannot be resolved.
 */
export function resolveCellSize(cellSize: CellSize, t: GeoTransform, units: CrsUnits | null): ResolvedCellSize {
  if (cellSize.kind === 'whole') return { requested: cellSize, cellSize, effective: null };
  const px = pixelSize(t);
  if (cellSize.kind === 'pixels') {
    const effective = units ? effectiveSize(cellSize.size * px.x, (cellSize.sizeY ?? cellSize.size) * px.y, units) : null;
    return { requested: cellSize, cellSize, effective };
  }

  const asked = `cell size ${cellSize.size}${cellSize.unit}`;
  if (units === null)
    throw new Error(`${asked} is in map units, but the raster has no known coordinate reference system; give the size in pixels`);
  if (cellSize.unit === 'm' && units.kind === 'geographic') {
    throw new Error(
      `${asked} is in metres, but the raster's CRS is geographic (degrees); give the size in degrees (e.g. 0.01deg) or pixels`,
    );
  }
  if (cellSize.unit === 'deg' && units.kind === 'projected') {
    throw new Error(
      `${asked} is in degrees, but the raster's CRS is projected (${units.metresPerUnit === 1 ? 'metres' : 'linear units'}); ` +
        'give the size in metres (e.g. 1000m) or pixels',
    );
  }
  // The size in the CRS's own units (a projected CRS may count in feet).
  const size = units.kind === 'projected' ? cellSize.size / units.metresPerUnit : cellSize.size;
  const nx = wholePixels(size / px.x);
  const ny = wholePixels(size / px.y);
  const resolved: CellSize = nx === ny ? { kind: 'pixels', size: nx } : { kind: 'pixels', size: nx, sizeY: ny };
  return { requested: cellSize, cellSize: resolved, effective: effectiveSize(nx * px.x, ny * px.y, units) };
}

/**
 * Nearest whole pixel count, at least 1. The ratio is first cut to 12
 * significant digits so that decimal sizes which are exact halves (45 m on
 * 30 m pixels) round the same way whatever the binary noise in the division.
 */
function wholePixels(ratio: number): number {
  return Math.max(1, Math.round(Number(ratio.toPrecision(12))));
}

/** Width/height in CRS units → metres or degrees, without float noise like 990.0000000001. */
function effectiveSize(x: number, y: number, units: CrsUnits): { x: number; y: number; unit: MapUnit } {
  const k = units.kind === 'projected' ? units.metresPerUnit : 1;
  const clean = (v: number) => Number((v * k).toPrecision(12));
  return { x: clean(x), y: clean(y), unit: units.kind === 'projected' ? 'm' : 'deg' };
}
