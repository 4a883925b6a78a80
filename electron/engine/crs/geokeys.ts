/**
 * Coordinate reference systems of GeoTIFFs, resolved fully offline:
 *
 * - EPSG codes (ProjectedCSTypeGeoKey / GeographicTypeGeoKey) → proj4 string,
 *   name and WKT from the bundled EPSG index (epsg.ts);
 * - user-defined CRSs (code 32767 and friends) → proj4 string built from the
 *   individual geokeys by geotiff-geokeys-to-proj4;
 * - an ESRI WKT ("ESRI PE String = PROJCS[...]" in a citation key) is kept as
 *   `wkt` and used by proj4js when the geokeys alone do not describe the CRS.
 *
 * Transformations to WGS84: proj4js does the projection (on the CRS's own
 * ellipsoid); the datum shift is the one GDAL/PROJ would choose for that very
 * point (datum-shift.ts: PROJ's list of operations for the datum, from
 * resources/proj, with per-point selection by area of use and accuracy,
 * Helmert or NTv2 grid). That covers NAD27, NAD83, OSGB36, ED50, DHDN, NTF,
 * NZGD49, CH1903, AGD66/84, GDA94 and the other datums in
 * resources/proj/datum-ops.json; PROJ here has no NAD27/OSGB36 grids installed,
 * so it uses (and we use) their regional Helmert transformations. Other
 * datums keep proj4js's own +towgs84, or no shift, as before.
 */
import proj4 from 'proj4';
import { createRequire } from 'node:module';
import type { GeoKeys } from 'geotiff-geokeys-to-proj4';

// Loaded on first use: only user-defined CRSs need it, and it costs ~0.1 s of startup.
let geokeysLibrary: typeof import('geotiff-geokeys-to-proj4') | null = null;
function toProj4(keys: GeoKeys) {
  geokeysLibrary ??= createRequire(import.meta.url)('geotiff-geokeys-to-proj4') as typeof import('geotiff-geokeys-to-proj4');
  return geokeysLibrary.toProj4(keys);
}
import { lookupEpsg } from './epsg.js';
import { datumShift, WORLD, type DatumShift } from './select.js';
import type { Bbox } from './proj-data.js';

export interface CrsInfo {
  /** EPSG code when the file names one; null for user-defined CRSs. */
  epsg: number | null;
  /** proj4 definition; null when only `wkt` describes the CRS. */
  proj4: string | null;
  /** OGC or ESRI WKT when known (from the EPSG index, or an ESRI PE string in the file). */
  wkt?: string;
  name?: string;
  /**
   * EPSG code of the geographic CRS (datum) the CRS is based on, when the file
   * says so but the CRS itself has no code (user-defined projections on an EPSG datum).
   */
  geographic?: number;
}

/** GeoTIFF "user-defined" code and the range of real EPSG codes. */
const USER_DEFINED = 32767;
const isEpsgCode = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v < USER_DEFINED;

/** The WKT after "ESRI PE String = " in a citation geokey (written by ArcGIS and GDAL). */
function esriWktFromCitation(citation: unknown): string | null {
  if (typeof citation !== 'string') return null;
  const m = /ESRI PE String\s*=\s*((?:PROJCS|GEOGCS|GEOCCS)\[[\s\S]*\])/.exec(citation);
  return m ? m[1] : null;
}

/** A readable name from the citation keys, skipping GDAL's "key = value|" packed form. */
function citationName(keys: Record<string, unknown>): string | undefined {
  for (const k of ['GTCitationGeoKey', 'PCSCitationGeoKey', 'GeogCitationGeoKey']) {
    const v = keys[k];
    if (typeof v !== 'string') continue;
    const text = v.replace(/\|+$/, '').trim();
    if (text === '' || text.startsWith('ESRI PE String')) continue;
    const packed = /^(?:PCS|GCS) Name = ([^|]+)/.exec(text);
    return packed ? packed[1].trim() : text;
  }
  return undefined;
}

/** proj4 string for user-defined geokeys, or null when they do not define a usable CRS. */
function proj4FromGeoKeys(keys: Record<string, unknown>, projectedExpected: boolean): string | null {
  let result;
  try {
    result = toProj4(keys as unknown as GeoKeys);
  } catch {
    return null;
  }
  if (!result || typeof result.proj4 !== 'string' || result.proj4.trim() === '') return null;
  // The library falls back to a geographic CRS when it cannot read projection
  // keys; for a file that is projected that would place it on the wrong planet spot.
  if (projectedExpected && result.isGCS) return null;
  if (result.errors && ('CRSNotSupported' in result.errors || 'coordinateTransformationNotSupported' in result.errors || 'conversionNotSupported' in result.errors)) {
    return null;
  }
  // GeoTIFF coordinates are always easting/northing order (GDAL's traditional GIS
  // order), whatever the CRS definition says, so drop the axis hint.
  let def = result.proj4.replace(/\s*\+axis=\w+/g, '').trim();
  // The library leaves non-metre projected units to the caller as a multiplier;
  // proj4 itself can do that via +to_meter.
  const conv = result.coordinatesConversionParameters;
  if (!result.isGCS && result.shouldConvertCoordinates && conv && conv.x === conv.y && Number.isFinite(conv.x) && conv.x !== 1) {
    def += ` +to_meter=${conv.x}`;
  }
  return def;
}

/**
 * Why the geokeys cannot be trusted, or null when they can. GDAL ignores a
 * GeoKeyDirectory whose header claims more keys than it holds ("GeoTIFF tags
 * apparently corrupt") and fails on CRS codes outside the GeoTIFF code space;
 * either way the coordinate system is unknown, so the file is refused rather
 * than placed somewhere invented.
 * @param directory the raw GeoKeyDirectory tag (SHORTs), when present
 */
export function geoKeysProblem(directory: ArrayLike<number> | undefined, keys: Record<string, unknown> | null | undefined): string | null {
  if (directory && directory.length >= 4) {
    const declared = directory[3];
    const held = Math.floor((directory.length - 4) / 4);
    if (declared > held) return `corrupt GeoTIFF keys: the GeoKeyDirectory declares ${declared} keys but holds ${held}; the coordinate system is unknown`;
  }
  for (const name of ['ProjectedCSTypeGeoKey', 'GeographicTypeGeoKey'] as const) {
    const code = keys?.[name];
    if (typeof code === 'number' && code > USER_DEFINED) return `${name} ${code} is not an EPSG code (valid codes are below ${USER_DEFINED}); the coordinate system is unknown`;
  }
  return null;
}

/**
 * The CRS described by a GeoTIFF's geokeys (as parsed by geotiff.js), or null
 * when the file has no CRS at all.
 */
export function crsFromGeoKeys(keys: Record<string, unknown> | null | undefined): CrsInfo | null {
  if (!keys) return null;
  const modelType = keys.GTModelTypeGeoKey;
  const pcs = keys.ProjectedCSTypeGeoKey;
  const gcs = keys.GeographicTypeGeoKey;
  const esriWkt =
    esriWktFromCitation(keys.PCSCitationGeoKey) ?? esriWktFromCitation(keys.GTCitationGeoKey) ?? esriWktFromCitation(keys.GeogCitationGeoKey);
  if (modelType === undefined && pcs === undefined && gcs === undefined && esriWkt === null) return null;

  // GTModelTypeGeoKey: 1 projected, 2 geographic, 3 geocentric, 32767 user-defined.
  const projected = modelType === 1 || (modelType !== 2 && pcs !== undefined) || (esriWkt?.startsWith('PROJCS') ?? false);
  const code = projected ? (isEpsgCode(pcs) ? pcs : null) : isEpsgCode(gcs) ? gcs : null;

  if (code !== null) {
    const entry = lookupEpsg(code);
    if (entry?.proj4) {
      const info: CrsInfo = { epsg: code, proj4: entry.proj4, name: entry.name };
      if (entry.wkt) info.wkt = entry.wkt;
      return info;
    }
    // Unknown to the index (deprecated or very new code): the geokeys library has its own tables.
    const def = proj4FromGeoKeys(keys, projected);
    const info: CrsInfo = { epsg: code, proj4: def };
    if (entry?.name) info.name = entry.name;
    return info;
  }

  const info: CrsInfo = { epsg: null, proj4: proj4FromGeoKeys(keys, projected) };
  if (esriWkt) info.wkt = esriWkt;
  if (isEpsgCode(gcs)) info.geographic = gcs;
  const name = esriWkt ? /^\w+\["([^"]*)"/.exec(esriWkt)?.[1] : citationName(keys);
  if (name) info.name = name;
  return info;
}

/**
 * Drops grid-based datum shifts from a proj4 definition: proj4js returns NaN
 * for any grid it does not have (even "@optional" ones), and the datum shift
 * is done by datum-shift.ts instead. "+nadgrids=@null" (no shift) is kept.
 */
export function withoutGrids(def: string): string {
  return def.replace(/\s*\+nadgrids=(\S+)/g, (all, grids: string) => (grids === '@null' ? all : '')).trim();
}

const WGS84 = '+proj=longlat +datum=WGS84 +no_defs';

/** The EPSG code of the geographic CRS a CRS is based on, or null when unknown. */
export function geographicCode(crs: CrsInfo): number | null {
  if (crs.geographic !== undefined) return crs.geographic;
  if (crs.epsg !== null) {
    const entry = lookupEpsg(crs.epsg);
    if (entry?.kind === 'CRS-GEOGCRS') return crs.epsg;
    const fromWkt = entry?.wkt ? geogcsCode(entry.wkt) : null;
    if (fromWkt !== null) return fromWkt;
  }
  return crs.wkt ? geogcsCode(crs.wkt) : null;
}

/** The EPSG code of the GEOGCS[...] of a WKT1 string (its own AUTHORITY, the last one in it), or null. */
function geogcsCode(wkt: string): number | null {
  const start = wkt.indexOf('GEOGCS[');
  if (start < 0) return null;
  let depth = 0;
  for (let i = start + 6; i < wkt.length; i++) {
    if (wkt[i] === '[') depth++;
    else if (wkt[i] === ']' && --depth === 0) {
      const m = /AUTHORITY\["EPSG","(\d+)"\]$/.exec(wkt.slice(start, i));
      return m ? Number(m[1]) : null;
    }
  }
  return null;
}

/** A CRS's area of use from the EPSG index, or null (user-defined CRSs have none). */
export function crsExtent(crs: CrsInfo): Bbox | null {
  if (crs.epsg === null) return null;
  return lookupEpsg(crs.epsg)?.bbox ?? null;
}

/** proj4js's view of a definition: the ellipsoid's axes. */
interface ParsedEllipsoid {
  a?: number;
  b?: number;
}

/**
 * The CRS's projection on its own ellipsoid with no datum shift at all
 * (PROJ's conversion part), and the geographic CRS on that ellipsoid, or null
 * when proj4js cannot read the definition.
 */
function ownDatum(def: string): { projected: string; geographic: string } | null {
  let p: ParsedEllipsoid;
  try {
    p = new proj4.Proj(def) as unknown as ParsedEllipsoid;
  } catch {
    return null;
  }
  const { a, b } = p;
  if (typeof a !== 'number' || typeof b !== 'number' || !(a > 0) || !(b > 0)) return null;
  const ellipsoid = ` +a=${a} +b=${b}`;
  const stripped = def.replace(/\s*\+(?:datum|towgs84|nadgrids|ellps|a|b|rf|f|R|es|e)=\S*/g, '').trim();
  return { projected: stripped + ellipsoid, geographic: `+proj=longlat${ellipsoid} +no_defs` };
}

/** A transformation from a CRS to its own geographic CRS (degrees) and back, with the datum shift PROJ would use. */
export interface DatumPath {
  /** CRS coordinates → own geographic lon/lat degrees. */
  toGeographic(x: number, y: number): [number, number];
  /** Own geographic lon/lat degrees → CRS coordinates. */
  fromGeographic(lon: number, lat: number): [number, number];
  shift: DatumShift;
}

/**
 * The datum path of a CRS when GDAL/PROJ would shift its datum by one of the
 * bundled operation lists, or null (WGS 84, unknown datums, or a file that
 * states its own +towgs84, which GDAL uses as is).
 * @param otherExtent the area of use of the CRS on the other side of the transformation
 * @param selectBy how points are matched against the operations' areas of use:
 *   'self' by this CRS's coordinates (the CRS is the source), or a projection
 *   from WGS 84 lon/lat to the source CRS's coordinates (this CRS is the target)
 */
export function datumPath(
  crs: CrsInfo,
  otherExtent: Bbox | null,
  selectBy: 'self' | ((lon: number, lat: number) => [number, number] | null) = 'self',
): DatumPath | null {
  if (!crs.proj4) return null;
  if (crs.epsg === null && /\+towgs84=/.test(crs.proj4)) return null;
  const code = geographicCode(crs);
  if (code === null || code === 4326) return null;
  const own = ownDatum(withoutGrids(crs.proj4));
  if (!own) return null;
  let toGeog: proj4.Converter;
  try {
    toGeog = proj4(own.projected, own.geographic);
  } catch {
    return null;
  }
  const safe = (f: () => number[]): [number, number] => {
    try {
      const [u, v] = f();
      return [u, v];
    } catch {
      return [NaN, NaN];
    }
  };
  const toGeographic = (x: number, y: number) => safe(() => toGeog.forward([x, y]));
  const fromGeographic = (lon: number, lat: number) => safe(() => toGeog.inverse([lon, lat]));
  const sel = selectBy === 'self' ? fromGeographic : selectBy;
  const shift = datumShift(code, [crsExtent(crs), otherExtent], (lon, lat) => {
    const p = sel(lon, lat);
    return p && Number.isFinite(p[0]) && Number.isFinite(p[1]) ? p : null;
  });
  if (!shift) return null;
  // proj4js's inverse projections answer with the coordinates themselves for
  // geographic CRSs; fine, they are the geographic coordinates.
  return { toGeographic: (x, y) => toGeographic(x, y), fromGeographic: (lon, lat) => fromGeographic(lon, lat), shift };
}

const RAD = Math.PI / 180;

/**
 * A function from map coordinates in `crs` to WGS84 [lon, lat] degrees, or null
 * when the CRS is unknown or proj4js cannot use it. The function returns NaNs
 * for points the projection cannot invert. The datum shift is GDAL's (see the
 * header), chosen for each point.
 */
export function makeLonLatTransformer(crs: CrsInfo | null): ((x: number, y: number) => [number, number]) | null {
  if (!crs) return null;
  const path = datumPath(crs, WORLD);
  if (path) {
    return (x: number, y: number): [number, number] => {
      const [lon, lat] = path.toGeographic(x, y);
      if (!Number.isFinite(lon) || !Number.isFinite(lat)) return [NaN, NaN];
      const out = path.shift.toWgs84(x, y, lon * RAD, lat * RAD);
      return out ? [out[0] / RAD, out[1] / RAD] : [NaN, NaN];
    };
  }
  const def = crs.proj4 ? withoutGrids(crs.proj4) : crs.wkt;
  if (!def) return null;
  let converter: proj4.Converter;
  try {
    converter = proj4(def, WGS84);
  } catch {
    return null;
  }
  return (x: number, y: number): [number, number] => {
    try {
      const [lon, lat] = converter.forward([x, y]);
      return [lon, lat];
    } catch {
      return [NaN, NaN];
    }
  };
}
