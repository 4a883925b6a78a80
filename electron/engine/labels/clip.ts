/**
 * The area a polygon (with holes) shares with an axis-aligned rectangle, exactly: each ring is clipped by
 * Sutherland–Hodgman against the rectangle's four half-planes (exact for a convex clip window: the result may
 * hold zero-width slivers along the window's sides, which add no area), and the area is the outline's minus
 * the holes'. Rings of a valid polygon do not cross, so this is |polygon ∩ rectangle|. Pure math.
 */
import type { Polygon, Position } from '../aoi/index.js';

/** The part of `ring` on the side of the line `axis` (0: x, 1: y) = `at` that `keep` says (+1: ≥, −1: ≤). */
export function clipHalfPlane(ring: Position[], axis: 0 | 1, at: number, keep: 1 | -1): Position[] {
  const out: Position[] = [];
  const n = ring.length;
  if (n === 0) return out;
  const inside = (p: Position) => (p[axis] - at) * keep >= 0;
  let prev = ring[n - 1];
  let prevIn = inside(prev);
  for (const p of ring) {
    const pIn = inside(p);
    if (pIn !== prevIn) {
      const t = (at - prev[axis]) / (p[axis] - prev[axis]);
      const q: Position = axis === 0 ? [at, prev[1] + t * (p[1] - prev[1])] : [prev[0] + t * (p[0] - prev[0]), at];
      out.push(q);
    }
    if (pIn) out.push(p);
    prev = p;
    prevIn = pIn;
  }
  return out;
}

/** |shoelace area| of an open or closed ring. */
export function ringArea(ring: Position[]): number {
  let twice = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) twice += ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
  return Math.abs(twice) / 2;
}

/** A ring without its closing repeat (clipping treats rings as cyclic). */
export const openRing = (ring: Position[]): Position[] => {
  const n = ring.length;
  return n > 1 && ring[0][0] === ring[n - 1][0] && ring[0][1] === ring[n - 1][1] ? ring.slice(0, -1) : ring;
};

/** The rings of polygons clipped to the strip y0 ≤ y ≤ y1, each with its sign (+1 outline, −1 hole). */
export function clipToRowStrip(polygons: Polygon[], y0: number, y1: number): { ring: Position[]; sign: number }[] {
  const out: { ring: Position[]; sign: number }[] = [];
  for (const polygon of polygons) {
    polygon.forEach((ring, r) => {
      const strip = clipHalfPlane(clipHalfPlane(openRing(ring), 1, y0, 1), 1, y1, -1);
      if (strip.length >= 3) out.push({ ring: strip, sign: r === 0 ? 1 : -1 });
    });
  }
  return out;
}

/** The area of strip-clipped rings within x0 ≤ x ≤ x1. */
export function areaInColumn(rings: { ring: Position[]; sign: number }[], x0: number, x1: number): number {
  let area = 0;
  for (const { ring, sign } of rings) {
    const piece = clipHalfPlane(clipHalfPlane(ring, 0, x0, 1), 0, x1, -1);
    if (piece.length >= 3) area += sign * ringArea(piece);
  }
  return Math.max(0, area);
}
