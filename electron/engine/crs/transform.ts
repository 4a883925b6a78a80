/**
 * Transformations between CRSs, and from a CRS to WGS84, offline: proj4js
 * does the projection (on the CRS's own ellipsoid); the datum shift is the one
 * GDAL/PROJ would choose for that very point (select.ts: PROJ's list of
 * operations for the datum, from resources/proj, with per-point selection by
 * area of use and accuracy, Helmert or NTv2 grid). That covers NAD27, NAD83,
 * OSGB36, ED50, DHDN, NTF, NZGD49, CH1903, AGD66/84, GDA94 and the other
 * datums in resources/proj/datum-ops.json; PROJ here has no NAD27/OSGB36 grids
 * installed, so it uses (and we use) their regional Helmert transformations.
 * Other datums keep proj4js's own +towgs84, or no shift.
 *
 * Coordinates are always in traditional GIS order (x = easting/longitude),
 * as GeoJSON, GeoPackage and GeoTIFF store them, whatever axis order the CRS
 * definition declares: proj4js only swaps axes when asked to (enforceAxis).
 */
import proj4 from 'proj4';
import { crsExtent, definition, forProj4js, geographicCode, type CrsInfo } from './info.js';
import { datumShift, WORLD, type DatumShift } from './select.js';
import type { Bbox } from './proj-data.js';

const WGS84 = '+proj=longlat +datum=WGS84 +no_defs';
const RAD = Math.PI / 180;

/**
 * A proj4js converter between two definitions, or null when proj4js cannot read either. proj4js honours an
 * axis order only when asked; coordinates are in GIS order except for south-oriented CRSs (+axis=wsu: westing,
 * southing, as GeoTIFF stores them), whose axes are applied.
 */
function converterOrNull(a: string, b: string): proj4.Converter | null {
  let converter: proj4.Converter;
  try {
    converter = proj4(a, b);
  } catch {
    return null;
  }
  if (!/\+axis=wsu\b/.test(a + ' ' + b)) return converter;
  return {
    ...converter,
    forward: (coordinates: number[]) => converter.forward(coordinates, true),
    inverse: (coordinates: number[]) => converter.inverse(coordinates, true),
  } as proj4.Converter;
}

/** f's point, or NaNs when proj4js throws (as it does for points it cannot project). */
function attempt(f: () => number[]): [number, number] {
  try {
    const [u, v] = f();
    return [u, v];
  } catch {
    return [NaN, NaN];
  }
}

/** f's point, or NaNs when proj4js throws or answers with a coordinate that is not finite. */
function run(f: () => number[]): [number, number] {
  const [u, v] = attempt(f);
  return Number.isFinite(u) && Number.isFinite(v) ? [u, v] : [NaN, NaN];
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
interface DatumPath {
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
function datumPath(
  crs: CrsInfo,
  otherExtent: Bbox | null,
  selectBy: 'self' | ((lon: number, lat: number) => [number, number] | null) = 'self',
): DatumPath | null {
  if (!crs.proj4) return null;
  if (crs.epsg === null && /\+towgs84=/.test(crs.proj4)) return null;
  const code = geographicCode(crs);
  if (code === null || code === 4326) return null;
  const own = ownDatum(forProj4js(crs.proj4));
  if (!own) return null;
  const toGeog = converterOrNull(own.projected, own.geographic);
  if (!toGeog) return null;
  const toGeographic = (x: number, y: number) => attempt(() => toGeog.forward([x, y]));
  const fromGeographic = (lon: number, lat: number) => attempt(() => toGeog.inverse([lon, lat]));
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
  const def = definition(crs);
  const converter = def ? converterOrNull(def, WGS84) : null;
  if (!converter) return null;
  return (x: number, y: number): [number, number] => attempt(() => converter.forward([x, y]));
}

/**
 * A function from `from` coordinates to `to` coordinates, or null when either
 * CRS cannot be used by proj4js. The function returns NaNs for points the
 * projections cannot handle. Between different datums the shift is the one
 * GDAL/OGR would use for that point (PROJ's operations to WGS 84, chosen by
 * area of use and accuracy; see select.ts). Between two datums
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
