/**
 * Coordinate reference systems of GeoTIFFs, resolved fully offline:
 *
 * - EPSG codes (ProjectedCSTypeGeoKey / GeographicTypeGeoKey) → proj4 string,
 *   name and WKT from the bundled EPSG index (epsg.ts);
 * - user-defined CRSs (code 32767 and friends) → proj4 string built from the
 *   individual geokeys by geotiff-geokeys-to-proj4;
 * - an ESRI WKT ("ESRI PE String = PROJCS[...]" in a citation key) is kept as
 *   `wkt` and used by proj4js when the geokeys alone do not describe the CRS.
 */
import { createRequire } from 'node:module';
import type { GeoKeys } from 'geotiff-geokeys-to-proj4';
import { lookupEpsg } from './epsg.js';
import { crsFromEpsg, type CrsInfo } from './info.js';

// Loaded on first use: only user-defined CRSs need it, and it costs ~0.1 s of startup.
let geokeysLibrary: typeof import('geotiff-geokeys-to-proj4') | null = null;
function toProj4(keys: GeoKeys) {
  geokeysLibrary ??= createRequire(import.meta.url)('geotiff-geokeys-to-proj4') as typeof import('geotiff-geokeys-to-proj4');
  return geokeysLibrary.toProj4(keys);
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
  const unsupported = ['CRSNotSupported', 'coordinateTransformationNotSupported', 'conversionNotSupported'];
  if (result.errors && unsupported.some((error) => error in result.errors)) return null;
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
    if (declared > held) {
      return `corrupt GeoTIFF keys: the GeoKeyDirectory declares ${declared} keys but holds ${held}; the coordinate system is unknown`;
    }
  }
  for (const name of ['ProjectedCSTypeGeoKey', 'GeographicTypeGeoKey'] as const) {
    const code = keys?.[name];
    if (typeof code === 'number' && code > USER_DEFINED) {
      return `${name} ${code} is not an EPSG code (valid codes are below ${USER_DEFINED}); the coordinate system is unknown`;
    }
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
    esriWktFromCitation(keys.PCSCitationGeoKey) ??
    esriWktFromCitation(keys.GTCitationGeoKey) ??
    esriWktFromCitation(keys.GeogCitationGeoKey);
  if (modelType === undefined && pcs === undefined && gcs === undefined && esriWkt === null) return null;

  // GTModelTypeGeoKey: 1 projected, 2 geographic, 3 geocentric, 32767 user-defined.
  const projected = modelType === 1 || (modelType !== 2 && pcs !== undefined) || (esriWkt?.startsWith('PROJCS') ?? false);
  const code = projected ? (isEpsgCode(pcs) ? pcs : null) : isEpsgCode(gcs) ? gcs : null;

  if (code !== null) {
    const entry = lookupEpsg(code);
    if (entry?.proj4) return crsFromEpsg(code);
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
