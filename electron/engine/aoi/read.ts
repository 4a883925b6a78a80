/**
 * Reading an area of interest from a file: GeoJSON or GeoPackage, told apart
 * by content (a GeoPackage is an SQLite database), not by file extension.
 */
import { formatBytes, LimitError, LIMITS } from '../limits.js';
import { openInputFile, readExactly } from '../input-file.js';
import { AoiError } from './errors.js';
import { parseGeoJson } from './geojson.js';
import { readGpkg } from './gpkg.js';
import { cleanPolygon, type Polygon } from './geometry.js';
import { crsFromEpsg, type CrsInfo } from '../crs/index.js';
import type { AreaSpec, PolygonsLonLat } from '../../../shared/run/index.js';

/** An area of interest: the union of its polygons, in its own CRS. */
export interface Aoi {
  /** Polygons → rings (outline first, then holes) → closed rings of [x, y]. */
  polygons: Polygon[];
  crs: CrsInfo;
  /** The file it was read from. */
  source: string;
  /** The GeoPackage layer read; absent for GeoJSON. */
  layer?: string;
  /** A drawn area's GeoJSON, as the app writes it next to the run: what its checksum is of. */
  drawn?: string;
}

/** How provenance and messages name an area drawn on the map. */
export const DRAWN_AREA = 'the drawn area';

/** An area as a run gives it: a file, or polygons drawn on the map (WGS84, never passed as text). */
export async function areaAoi(area: AreaSpec): Promise<Aoi> {
  if (area.kind === 'file') return readAoi(area.path, area.layer);
  const polygons = area.polygons.map((rings) => cleanPolygon(rings)).filter((p): p is Polygon => p !== null);
  if (polygons.length === 0) throw new AoiError(DRAWN_AREA, 'has no polygon with an area');
  return { polygons, crs: crsFromEpsg(4326)!, source: DRAWN_AREA, drawn: drawnAreaGeoJson(area.polygons) };
}

/** A drawn area as a GeoJSON file's text (what `rcf featurize --aoi` reads back). */
export function drawnAreaGeoJson(polygons: PolygonsLonLat): string {
  const feature = {
    type: 'Feature',
    properties: { source: 'drawn in RCF Desktop' },
    geometry: { type: 'MultiPolygon', coordinates: polygons },
  };
  return JSON.stringify({ type: 'FeatureCollection', features: [feature] }) + '\n';
}

const SQLITE_MAGIC = 'SQLite format 3\u0000';

/**
 * Reads an AOI file. `layer` picks a GeoPackage layer (default: the first
 * features layer). Throws AoiError (one line, naming the file) on any problem;
 * the message never quotes the file's bytes (an area may be any file the user picked).
 */
export async function readAoi(path: string, layer?: string): Promise<Aoi> {
  const fail = (problem: string) => new AoiError(path, problem);
  const file = await openInputFile(path, Number.MAX_SAFE_INTEGER, fail);
  let text: string | null = null;
  try {
    if (file.size === 0) throw fail('empty file (0 bytes)');
    const head = await readExactly(file, 0, Math.min(file.size, SQLITE_MAGIC.length), fail);
    if (head.toString('latin1') !== SQLITE_MAGIC) {
      if (layer !== undefined) throw fail(`a layer ('${layer}') can only be chosen in a GeoPackage, and this file is not one`);
      if (file.size > LIMITS.areaFileBytes) {
        const limit = `${formatBytes(LIMITS.areaFileBytes)} (simplify it, or save it as a GeoPackage)`;
        throw new LimitError({ path }, `a GeoJSON area of ${formatBytes(file.size)}`, limit);
      }
      text = (await readExactly(file, 0, file.size, fail)).toString('utf8');
    }
  } finally {
    await file.handle.close();
  }
  if (text === null) {
    const gpkg = await readGpkg(path, layer);
    return { polygons: gpkg.polygons, crs: gpkg.crs, source: path, layer: gpkg.layer };
  }
  const { polygons, crs } = parseGeoJson(text.replace(/^\uFEFF/, ''), path);
  return { polygons, crs, source: path };
}
