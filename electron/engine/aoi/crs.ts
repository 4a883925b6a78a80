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
import { lookupEpsg } from '../raster/epsg.js';
import type { CrsInfo } from '../raster/crs.js';
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
 * Drops grid-based datum shifts, as the raster module does: PROJ's grid files
 * are not bundled and proj4js returns NaN for any grid it lacks. The error is
 * the datum shift itself (up to ~100 m for NAD27-style datums).
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

/**
 * A function from `from` coordinates to `to` coordinates, or null when either
 * CRS cannot be used by proj4js. The function returns NaNs for points the
 * projections cannot handle.
 */
export function makeTransformer(from: CrsInfo, to: CrsInfo): ((x: number, y: number) => [number, number]) | null {
  const a = definition(from);
  const b = definition(to);
  if (!a || !b) return null;
  let converter: proj4.Converter;
  try {
    converter = proj4(a, b);
  } catch {
    return null;
  }
  return (x: number, y: number): [number, number] => {
    try {
      const [u, v] = converter.forward([x, y]);
      return [u, v];
    } catch {
      return [NaN, NaN];
    }
  };
}

/** A short label for messages and provenance: `EPSG:4326`, else the CRS name. */
export function crsLabel(crs: CrsInfo): string {
  return crs.epsg !== null ? `EPSG:${crs.epsg}` : (crs.name ?? 'custom CRS');
}
