/**
 * Reading an area of interest from a file: GeoJSON or GeoPackage, told apart
 * by content (a GeoPackage is an SQLite database), not by file extension.
 */
import { open, readFile, stat } from 'node:fs/promises';
import { fileProblem } from '../../../shared/errors/index.js';
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
 * features layer). Throws AoiError (one line, naming the file) on any problem.
 */
export async function readAoi(path: string, layer?: string): Promise<Aoi> {
  let size: number;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw new AoiError(path, 'is a directory, not an AOI file');
    size = info.size;
  } catch (e) {
    if (e instanceof AoiError) throw e;
    throw new AoiError(path, fileProblem((e as NodeJS.ErrnoException).code) ?? `cannot read (${(e as Error).message})`);
  }
  if (size === 0) throw new AoiError(path, 'empty file (0 bytes)');

  if (await startsWith(path, SQLITE_MAGIC)) {
    const gpkg = await readGpkg(path, layer);
    return { polygons: gpkg.polygons, crs: gpkg.crs, source: path, layer: gpkg.layer };
  }
  if (layer !== undefined) throw new AoiError(path, `a layer ('${layer}') can only be chosen in a GeoPackage, and this file is not one`);
  const text = await readFile(path, 'utf8');
  const { polygons, crs } = parseGeoJson(text.replace(/^\uFEFF/, ''), path);
  return { polygons, crs, source: path };
}

async function startsWith(path: string, magic: string): Promise<boolean> {
  const file = await open(path, 'r');
  try {
    const head = Buffer.alloc(magic.length);
    const { bytesRead } = await file.read(head, 0, magic.length, 0);
    return bytesRead === magic.length && head.toString('latin1') === magic;
  } finally {
    await file.close();
  }
}
