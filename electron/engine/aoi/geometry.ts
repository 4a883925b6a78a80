/**
 * The AOI's geometry model: polygons of rings of [x, y] positions, with
 * GeoJSON's structure (first ring the outline, the others holes). Both readers
 * (GeoJSON, GeoPackage) produce it through `cleanPolygon`.
 */
import { LimitError, LIMITS } from '../limits.js';

export type Position = [number, number];
/** A closed ring: the first position is repeated at the end. */
export type Ring = Position[];
/** The outer ring, then the holes. */
export type Polygon = Ring[];

/**
 * A ring with its closing position ensured, or null when it encloses no area
 * (fewer than 3 distinct positions). Z/M values are dropped.
 */
function cleanRing(positions: Position[]): Ring | null {
  const ring = positions.map(([x, y]): Position => [x, y]);
  if (ring.length === 0) return null;
  const [fx, fy] = ring[0];
  const [lx, ly] = ring[ring.length - 1];
  if (fx !== lx || fy !== ly) ring.push([fx, fy]);
  const distinct = new Set(ring.map(([x, y]) => `${x},${y}`));
  return distinct.size >= 3 ? ring : null;
}

/**
 * A polygon with closed rings and degenerate rings dropped, or null when its
 * outline is degenerate (then the whole polygon, holes included, is no area).
 */
export function cleanPolygon(rings: Position[][]): Polygon | null {
  if (rings.length === 0) return null;
  const outer = cleanRing(rings[0]);
  if (!outer) return null;
  const holes = rings
    .slice(1)
    .map(cleanRing)
    .filter((r): r is Ring => r !== null);
  return [outer, ...holes];
}

/** [minX, minY, maxX, maxY] over all outer rings (holes lie inside them). */
export function polygonsBounds(polygons: Polygon[]): [number, number, number, number] {
  let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
  for (const polygon of polygons) {
    for (const [x, y] of polygon[0]) {
      minX = Math.min(minX, x);
      minY = Math.min(minY, y);
      maxX = Math.max(maxX, x);
      maxY = Math.max(maxY, y);
    }
  }
  return [minX, minY, maxX, maxY];
}

/** Refuses an area once more than `LIMITS.areaVertices` positions have been read from `path`. */
export function checkAreaVertices(vertices: number, path: string): void {
  if (vertices > LIMITS.areaVertices) {
    throw new LimitError(
      { path },
      `has more than ${LIMITS.areaVertices} vertices`,
      `${LIMITS.areaVertices} vertices (simplify it, e.g. with ogr2ogr -simplify)`,
    );
  }
}
