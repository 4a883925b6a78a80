/**
 * A raster's outline in WGS84, for the map: the edges of its pixel grid,
 * sampled densely enough that a reprojected outline stays close to the real
 * (curved) edge.
 */
import { pixelToMap } from '../../../shared/geo/affine.js';
import { makeLonLatTransformer } from '../crs/index.js';
import type { RasterInfo } from './open.js';

/** A closed ring of [lon, lat], clockwise in pixel space from the top-left corner; null without a CRS. */
export function footprintLonLat(info: RasterInfo, pointsPerSide = 16): [number, number][] | null {
  const toLonLat = makeLonLatTransformer(info.crs);
  if (!toLonLat) return null;
  const { width: w, height: h, transform } = info;
  const corners: [number, number][] = [
    [0, 0],
    [w, 0],
    [w, h],
    [0, h],
  ];
  const ring: [number, number][] = [];
  for (let side = 0; side < 4; side++) {
    const [c0, r0] = corners[side];
    const [c1, r1] = corners[(side + 1) % 4];
    for (let i = 0; i < pointsPerSide; i++) {
      const t = i / pointsPerSide;
      const [x, y] = pixelToMap(transform, c0 + (c1 - c0) * t, r0 + (r1 - r0) * t);
      ring.push(toLonLat(x, y));
    }
  }
  ring.push(ring[0]);
  return ring.every(([lon, lat]) => Number.isFinite(lon) && Number.isFinite(lat)) ? ring : null;
}
