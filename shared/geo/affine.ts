/**
 * Affine geotransforms in GDAL's convention. Pure math: no I/O, no Node.
 *
 * A geotransform maps a pixel position (col, row) — where (0, 0) is the
 * top-left corner of the top-left pixel — to map coordinates:
 *
 *   x = t[0] + col * t[1] + row * t[2]
 *   y = t[3] + col * t[4] + row * t[5]
 */

/** GDAL order: [x0, pixel width, row rotation, y0, column rotation, pixel height]. */
export type GeoTransform = [number, number, number, number, number, number];

/** What GDAL reports for a raster without any georeferencing: pixel space, y down. */
export const IDENTITY_TRANSFORM: GeoTransform = [0, 1, 0, 0, 0, 1];

/** Map coordinates of a pixel position (fractional positions allowed; pixel centres are at +0.5). */
export function pixelToMap(t: GeoTransform, col: number, row: number): [number, number] {
  return [t[0] + col * t[1] + row * t[2], t[3] + col * t[4] + row * t[5]];
}

/** Determinant of the 2x2 linear part; 0 means the transform squashes the raster onto a line. */
export function determinant(t: GeoTransform): number {
  return t[1] * t[5] - t[2] * t[4];
}

/**
 * Why a geotransform cannot be used, or null when it is fine.
 * Catches what would silently produce garbage downstream: non-finite numbers
 * and singular (zero-area) pixels.
 */
export function geoTransformProblem(t: readonly number[]): string | null {
  if (t.length !== 6) return `geotransform has ${t.length} numbers instead of 6`;
  if (!t.every(Number.isFinite)) return 'geotransform contains NaN or infinite numbers';
  const det = t[1] * t[5] - t[2] * t[4];
  // Relative test: pixel sizes can legitimately be tiny (degrees) or huge (metres).
  const scale = Math.max(Math.abs(t[1]), Math.abs(t[2]), Math.abs(t[4]), Math.abs(t[5]));
  if (scale === 0 || Math.abs(det) <= scale * scale * 1e-12) return 'geotransform is singular (zero pixel size)';
  return null;
}

/** The inverse transform (map → pixel), or null when the transform is singular. */
export function invertGeoTransform(t: GeoTransform): GeoTransform | null {
  if (geoTransformProblem(t) !== null) return null;
  const det = determinant(t);
  const a = t[5] / det;
  const b = -t[2] / det;
  const d = -t[4] / det;
  const e = t[1] / det;
  return [-(a * t[0] + b * t[3]), a, b, -(d * t[0] + e * t[3]), d, e];
}

/** Pixel position (col, row) of a map coordinate; throws when the transform is singular. */
export function mapToPixel(t: GeoTransform, x: number, y: number): [number, number] {
  const inv = invertGeoTransform(t);
  if (inv === null) throw new Error('cannot invert a singular geotransform');
  return pixelToMap(inv, x, y);
}

/** True when the raster has no rotation/shear terms (rows run along x, columns along y). */
export function isAxisAligned(t: GeoTransform): boolean {
  return t[2] === 0 && t[4] === 0;
}

/**
 * Axis-aligned bounding box [minX, minY, maxX, maxY] of a width x height raster
 * in map coordinates (covers rotated and south-up rasters too).
 */
export function rasterBounds(t: GeoTransform, width: number, height: number): [number, number, number, number] {
  const corners = [pixelToMap(t, 0, 0), pixelToMap(t, width, 0), pixelToMap(t, 0, height), pixelToMap(t, width, height)];
  const xs = corners.map((c) => c[0]);
  const ys = corners.map((c) => c[1]);
  return [Math.min(...xs), Math.min(...ys), Math.max(...xs), Math.max(...ys)];
}

/** A pixel rectangle's outline in map coordinates: a closed ring of 5 corners, top-left first, clockwise in pixel space. */
export function rectRing(t: GeoTransform, rect: { x0: number; y0: number; width: number; height: number }): [number, number][] {
  const { x0, y0, width: w, height: h } = rect;
  return [
    pixelToMap(t, x0, y0),
    pixelToMap(t, x0 + w, y0),
    pixelToMap(t, x0 + w, y0 + h),
    pixelToMap(t, x0, y0 + h),
    pixelToMap(t, x0, y0),
  ];
}
