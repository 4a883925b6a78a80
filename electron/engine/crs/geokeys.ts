/**
 * Coordinate reference systems of GeoTIFFs, resolved fully offline:
 *
 * - EPSG codes (ProjectedCSTypeGeoKey / GeographicTypeGeoKey) → proj4 string,
 *   name and WKT from the bundled EPSG index (epsg.ts);
 * - user-defined CRSs (code 32767 and friends) → read as GDAL reads them
 *   (geokeys-model.ts, methods.ts), written as a proj4 string and WKT1 (model.ts);
 *   EPSG projection codes other than UTM fall back to geotiff-geokeys-to-proj4's tables;
 * - an ESRI WKT ("ESRI PE String = PROJCS[...]" in a citation key, where GDAL writes
 *   methods GeoKeys cannot hold) is kept as `wkt` and used by proj4js.
 * A method that cannot be placed as GDAL places it is refused (geoKeysProblem), never placed wrongly.
 */
import { createRequire } from 'node:module';
import type { GeoKeys } from 'geotiff-geokeys-to-proj4';
import { lookupEpsg } from './epsg.js';
import { modelFromGeoKeys, type GeoKeysReading } from './geokeys-model.js';
import { crsFromEpsg, type CrsInfo } from './info.js';
import { methodByWkt1 } from './methods.js';
import { modelProblem, modelProj4, modelWkt1 } from './model.js';

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

/** Where a key's value lives (TIFFTagLocation): in the entry itself, or in one of the three GeoTIFF tags. */
const IN_ENTRY = 0;
const GEO_KEY_DIRECTORY = 34735;
const GEO_DOUBLE_PARAMS = 34736;
const GEO_ASCII_PARAMS = 34737;

/**
 * Why GDAL (libgeotiff's GTIFNew) would ignore this GeoKeyDirectory ("GeoTIFF tags apparently corrupt, they are
 * being ignored": the file then has no CRS), or null when it reads it. Its rules: the directory is a list of SHORTs
 * of key version 1; it holds the keys its header declares; a key stored in the entry has count 1; a key stored in
 * GeoDoubleParams or in the directory itself lies inside that tag; a key in GeoAsciiParams needs that tag and may
 * run at most one character past its end (or start inside it); any other location is unknown.
 * @param directory the raw GeoKeyDirectory tag as geotiff.js gives it (absent or unreadable: undefined)
 * @param doubles the number of values of GeoDoubleParams (0 when absent)
 * @param ascii the GeoAsciiParams text, when present
 */
export function geoKeyDirectoryProblem(directory: unknown, doubles: number, ascii: string | undefined): string | null {
  if (directory === undefined || directory === null) return null;
  const dir = typeof directory === 'number' ? [directory] : directory;
  if (typeof dir === 'string' || typeof (dir as ArrayLike<unknown>).length !== 'number')
    return 'the GeoKeyDirectory is not a list of numbers';
  const list = dir as ArrayLike<number>;
  if (list.length < 4) return `the GeoKeyDirectory has ${list.length} values, fewer than its 4-value header`;
  if (list[0] !== 1) return `the GeoKeyDirectory has key version ${list[0]} (only 1 exists)`;
  const declared = list[3];
  const held = Math.floor((list.length - 4) / 4);
  if (declared > held) return `the GeoKeyDirectory declares ${declared} keys but holds ${held}`;
  const asciiLength = ascii === undefined ? 0 : ascii.split('\0')[0].length;
  for (let k = 0; k < declared; k++) {
    const [key, location, count, offset] = [list[4 + 4 * k], list[5 + 4 * k], list[6 + 4 * k], list[7 + 4 * k]];
    const bad = (what: string) => `geokey ${key} ${what}`;
    if (location === IN_ENTRY) {
      if (count !== 1) return bad(`is stored in its entry with count ${count} (only 1 is legal)`);
    } else if (location === GEO_DOUBLE_PARAMS) {
      if (offset + count > doubles) return bad(`reads GeoDoubleParams[${offset}..${offset + count}], which has ${doubles} values`);
    } else if (location === GEO_KEY_DIRECTORY) {
      if (offset + count > list.length) return bad(`reads GeoKeyDirectory[${offset}..${offset + count}], which has ${list.length} values`);
    } else if (location === GEO_ASCII_PARAMS) {
      if (ascii === undefined) return bad('is text but there is no GeoAsciiParams tag');
      if (offset + count > asciiLength + 1 && offset >= asciiLength) {
        return bad(`reads GeoAsciiParams[${offset}..${offset + count}], which has ${asciiLength} characters`);
      }
    } else {
      return bad(`is stored in tag ${location}, not a GeoTIFF tag`);
    }
  }
  return null;
}

/**
 * Why the geokeys cannot be used, or null when they can: GDAL fails on CRS codes outside the GeoTIFF code space, so
 * the file is refused rather than placed somewhere invented.
 */
export function geoKeysProblem(keys: Record<string, unknown> | null | undefined): string | null {
  for (const name of ['ProjectedCSTypeGeoKey', 'GeographicTypeGeoKey'] as const) {
    const code = keys?.[name];
    if (typeof code === 'number' && code > USER_DEFINED) {
      return `${name} ${code} is not an EPSG code (valid codes are below ${USER_DEFINED}); the coordinate system is unknown`;
    }
  }
  if (!keys) return null;
  const reading = userDefined(keys);
  if (reading === 'esri') {
    const name = /PROJECTION\["([^"]*)"/.exec(esriWkt(keys) ?? '')?.[1];
    const method = name ? methodByWkt1(name) : null;
    const why = method?.refused?.({ sphere: false });
    return why ? `projection method ${why}` : null;
  }
  if (reading === null || reading === 'epsg') return null;
  return 'problem' in reading ? reading.problem : modelProblem(reading.model);
}

function esriWkt(keys: Record<string, unknown>): string | null {
  return (
    esriWktFromCitation(keys.PCSCitationGeoKey) ??
    esriWktFromCitation(keys.GTCitationGeoKey) ??
    esriWktFromCitation(keys.GeogCitationGeoKey)
  );
}

/** GTModelTypeGeoKey: 1 projected, 2 geographic, 3 geocentric, 32767 user-defined. */
function isProjected(keys: Record<string, unknown>, wkt: string | null): boolean {
  const modelType = keys.GTModelTypeGeoKey;
  return modelType === 1 || (modelType !== 2 && keys.ProjectedCSTypeGeoKey !== undefined) || (wkt?.startsWith('PROJCS') ?? false);
}

/**
 * How a file's CRS is read: by its EPSG code, from an ESRI PE string (when no projection keys say otherwise), or
 * from the keys themselves (null: beyond geokeys-model.ts, so by geotiff-geokeys-to-proj4).
 */
function userDefined(keys: Record<string, unknown>): 'epsg' | 'esri' | GeoKeysReading {
  const wkt = esriWkt(keys);
  const projected = isProjected(keys, wkt);
  if (isEpsgCode(projected ? keys.ProjectedCSTypeGeoKey : keys.GeographicTypeGeoKey)) return 'epsg';
  if (wkt && (keys.ProjCoordTransGeoKey === undefined || !projected)) return 'esri';
  if (keys.GTModelTypeGeoKey === undefined && keys.ProjectedCSTypeGeoKey === undefined && keys.GeographicTypeGeoKey === undefined)
    return null;
  return modelFromGeoKeys(keys, projected);
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
  const esri = esriWkt(keys);
  if (modelType === undefined && pcs === undefined && gcs === undefined && esri === null) return null;

  // GTModelTypeGeoKey: 1 projected, 2 geographic, 3 geocentric, 32767 user-defined.
  const projected = isProjected(keys, esri);
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

  const reading = userDefined(keys);
  if (reading && reading !== 'epsg' && reading !== 'esri' && 'model' in reading) {
    const { model } = reading;
    const read: CrsInfo = { epsg: null, proj4: modelProj4(model), wkt: modelWkt1(model), name: model.name };
    if (model.geog.epsg !== undefined) read.geographic = model.geog.epsg;
    return read;
  }
  const info: CrsInfo = { epsg: null, proj4: proj4FromGeoKeys(keys, projected) };
  if (esri) info.wkt = esri;
  if (isEpsgCode(gcs)) info.geographic = gcs;
  const name = esri ? /^\w+\["([^"]*)"/.exec(esri)?.[1] : citationName(keys);
  if (name) info.name = name;
  return info;
}
