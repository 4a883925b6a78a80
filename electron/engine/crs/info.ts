/**
 * CRS helpers for AOIs: naming a CRS (EPSG codes, OGC URNs), its units (for
 * map-unit cell sizes) and transformations between two CRSs, all offline with
 * the bundled EPSG index and proj4js.
 *
 * Coordinates are always in traditional GIS order (x = easting/longitude),
 * as GeoJSON, GeoPackage and GeoTIFF store them, whatever axis order the CRS
 * definition declares: proj4js only swaps axes when asked to (enforceAxis).
 */
import proj4 from 'proj4';
import { lookupEpsg } from './epsg.js';
import { crsExtent, datumPath, geographicCode, type CrsInfo, type DatumPath } from './geokeys.js';
import type { CrsUnits } from '../../../shared/grid/resolve.js';

/** The CRS of an EPSG code from the bundled index, or null when the code is unknown or unusable. */
export function crsFromEpsg(code: number): CrsInfo | null {
  const entry = lookupEpsg(code);
  if (!entry || (!entry.proj4 && !entry.wkt)) return null;
  const info: CrsInfo = { epsg: code, proj4: entry.proj4, name: entry.name };
  if (entry.wkt) info.wkt = entry.wkt;
  return info;
}

/**
 * The EPSG code named by a CRS name as found in GeoJSON files: `EPSG:4326`,
 * `urn:ogc:def:crs:EPSG::4326` (any version), `http://www.opengis.net/def/crs/EPSG/0/4326`,
 * or OGC's CRS84 (WGS84 lon/lat, i.e. 4326 in GIS order). null when not recognised.
 */
export function epsgFromName(name: string): number | null {
  const text = name.trim();
  if (/^(?:urn:ogc:def:crs:OGC:[0-9.]*:CRS84|OGC:CRS84|CRS84|http:\/\/www\.opengis\.net\/def\/crs\/OGC\/[0-9.]+\/CRS84)$/i.test(text)) return 4326;
  const m =
    /^EPSG:+([0-9]+)$/i.exec(text) ??
    /^urn:ogc:def:crs:EPSG:[0-9.]*:([0-9]+)$/i.exec(text) ??
    /^https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/[0-9.]+\/([0-9]+)$/i.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * Drops grid-based datum shifts from proj4 strings, as the raster module does:
 * proj4js returns NaN for any grid it lacks; datum shifts between different
 * datums are done as GDAL/PROJ choose them (raster/datum-shift.ts) by makeTransformer.
 */
function withoutGrids(def: string): string {
  return def.replace(/\s*\+nadgrids=(\S+)/g, (all, grids: string) => (grids === '@null' ? all : '')).trim();
}

/** The definition proj4js is given for a CRS, or null when there is none. */
function definition(crs: CrsInfo): string | null {
  return crs.proj4 ? withoutGrids(crs.proj4) : (crs.wkt ?? null);
}

/** The fields of a parsed proj4js projection that tell its units (not in proj4's typings). */
interface ParsedProjection {
  projName?: string;
  units?: string;
  to_meter?: number;
}

const GEOGRAPHIC = new Set(['longlat', 'latlong', 'lonlat', 'latlon']);

/**
 * Units of a CRS for resolving map-unit cell sizes, or null when the CRS is
 * unknown or proj4js cannot read it.
 */
export function crsUnits(crs: CrsInfo | null): CrsUnits | null {
  const def = crs ? definition(crs) : null;
  if (!def) return null;
  let p: ParsedProjection;
  try {
    p = new proj4.Proj(def) as unknown as ParsedProjection;
  } catch {
    return null;
  }
  if (p.projName && GEOGRAPHIC.has(p.projName)) return { kind: 'geographic' };
  // proj4js sets to_meter from +units/+to_meter or the WKT's UNIT; no unit means metres.
  const metresPerUnit = typeof p.to_meter === 'number' && Number.isFinite(p.to_meter) && p.to_meter > 0 ? p.to_meter : 1;
  return { kind: 'projected', metresPerUnit };
}

/** True when two CRSs are certainly the same, so coordinates need no transformation. */
export function sameCrs(a: CrsInfo, b: CrsInfo): boolean {
  if (a.epsg !== null && a.epsg === b.epsg) return true;
  const da = definition(a);
  return da !== null && da === definition(b);
}

const WGS84 = '+proj=longlat +datum=WGS84 +no_defs';
const RAD = Math.PI / 180;

function converterOrNull(a: string, b: string): proj4.Converter | null {
  try {
    return proj4(a, b);
  } catch {
    return null;
  }
}

function run(f: () => number[]): [number, number] {
  try {
    const [u, v] = f();
    return Number.isFinite(u) && Number.isFinite(v) ? [u, v] : [NaN, NaN];
  } catch {
    return [NaN, NaN];
  }
}

/**
 * A function from `from` coordinates to `to` coordinates, or null when either
 * CRS cannot be used by proj4js. The function returns NaNs for points the
 * projections cannot handle. Between different datums the shift is the one
 * GDAL/OGR would use for that point (PROJ's operations to WGS 84, chosen by
 * area of use and accuracy; see raster/datum-shift.ts). Between two datums
 * that both need a shift it goes through WGS 84, where PROJ may know a direct
 * operation: the difference is within those operations' accuracy (metres).
 */
export function makeTransformer(from: CrsInfo, to: CrsInfo): ((x: number, y: number) => [number, number]) | null {
  const a = definition(from);
  const b = definition(to);
  if (!a || !b) return null;
  const sameDatum = geographicCode(from) !== null && geographicCode(from) === geographicCode(to);
  const source: DatumPath | null = sameDatum ? null : datumPath(from, crsExtent(to));
  let target: DatumPath | null = null;
  let fromToWgs: proj4.Converter | null = null;
  if (!sameDatum) {
    if (source) {
      target = datumPath(to, crsExtent(from), (lon, lat) => [lon, lat]);
    } else {
      fromToWgs = converterOrNull(a, WGS84);
      const wgsToFrom = fromToWgs;
      // Points are matched against the operations' areas in the source CRS, as PROJ does.
      target = wgsToFrom ? datumPath(to, crsExtent(from), (lon, lat) => run(() => wgsToFrom.inverse([lon, lat]))) : null;
    }
  }
  if (!source && !target) {
    const converter = converterOrNull(a, b);
    if (!converter) return null;
    return (x: number, y: number): [number, number] => run(() => converter.forward([x, y]));
  }
  const wgsToTo = target ? null : converterOrNull(WGS84, b);
  if (!target && !wgsToTo) return null;
  return (x: number, y: number): [number, number] => {
    // To WGS 84 lon/lat (radians).
    let lam: number, phi: number;
    if (source) {
      const [lon, lat] = source.toGeographic(x, y);
      if (!Number.isFinite(lon) || !Number.isFinite(lat)) return [NaN, NaN];
      const w = source.shift.toWgs84(x, y, lon * RAD, lat * RAD);
      if (!w) return [NaN, NaN];
      [lam, phi] = w;
    } else {
      const w = run(() => fromToWgs!.forward([x, y]));
      if (!Number.isFinite(w[0])) return [NaN, NaN];
      [lam, phi] = [w[0] * RAD, w[1] * RAD];
    }
    if (!target) return run(() => wgsToTo!.forward([lam / RAD, phi / RAD]));
    // Selected by the source coordinates, or by WGS 84 lon/lat when going through it.
    const [sx, sy] = source ? [lam / RAD, phi / RAD] : [x, y];
    const own = target.shift.fromWgs84(sx, sy, lam, phi);
    if (!own) return [NaN, NaN];
    return target.fromGeographic(own[0] / RAD, own[1] / RAD);
  };
}

/** A short label for messages and provenance: `EPSG:4326`, else the CRS name. */
export function crsLabel(crs: CrsInfo): string {
  return crs.epsg !== null ? `EPSG:${crs.epsg}` : (crs.name ?? 'custom CRS');
}
