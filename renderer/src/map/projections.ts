/**
 * Raster CRSs for the map: each raster's CRS, as the engine resolved it
 * (bundled EPSG lookup or the file's own definition), registered with proj4
 * so OpenLayers reprojects its preview onto the map. Never a web lookup.
 */
import proj4 from 'proj4';
import { register } from 'ol/proj/proj4.js';
import { fromLonLat, get as getProjection, type ProjectionLike } from 'ol/proj.js';
import type { Coordinate } from 'ol/coordinate.js';
import type { RasterView } from '../../../shared/ipc/contract.js';

const registered = new Map<string, string>();

/** The OpenLayers projection code for a raster's CRS, or null when it has no usable definition. */
export function rasterProjection(view: RasterView): ProjectionLike | null {
  const crs = view.crs;
  if (!crs || !crs.proj4) return null;
  const code = crs.epsg !== null ? `EPSG:${crs.epsg}` : `RCF:${hash(crs.proj4)}`;
  if (crs.epsg === 3857 || crs.epsg === 4326) return getProjection(code);
  if (registered.get(code) !== crs.proj4) {
    proj4.defs(code, crs.proj4);
    register(proj4);
    registered.set(code, crs.proj4);
  }
  return getProjection(code);
}

function hash(text: string): string {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return (h >>> 0).toString(36);
}

/** Web Mercator's latitude limit: the poles lie at infinity on the map. */
const MAX_MAP_LATITUDE = 85.0511287798066;

/** A WGS84 point on the map (EPSG:3857), latitudes clamped to what the map can show (a global raster reaches ±90°). */
export function toMap([lon, lat]: readonly [number, number]): Coordinate {
  return fromLonLat([lon, Math.max(-MAX_MAP_LATITUDE, Math.min(MAX_MAP_LATITUDE, lat))]);
}
