/**
 * What a CRS is (CrsInfo) and what can be told of it offline, from the bundled
 * EPSG index and proj4js: the CRS of an EPSG code or of an OGC name, a label for
 * messages, its units (for map-unit cell sizes), whether two CRSs are the same,
 * its geographic CRS (datum) and its area of use.
 */
import proj4 from 'proj4';
import { lookupEpsg } from './epsg.js';
import { ELLIPSOIDS_NOT_IN_PROJ4JS } from './model.js';
import type { Bbox } from './proj-data.js';
import type { CrsUnits } from '../../../shared/grid/resolve.js';

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
  const crs84 = /^(?:urn:ogc:def:crs:OGC:[0-9.]*:CRS84|OGC:CRS84|CRS84|http:\/\/www\.opengis\.net\/def\/crs\/OGC\/[0-9.]+\/CRS84)$/i;
  if (crs84.test(text)) return 4326;
  const m =
    /^EPSG:+([0-9]+)$/i.exec(text) ??
    /^urn:ogc:def:crs:EPSG:[0-9.]*:([0-9]+)$/i.exec(text) ??
    /^https?:\/\/www\.opengis\.net\/def\/crs\/EPSG\/[0-9.]+\/([0-9]+)$/i.exec(text);
  return m ? Number(m[1]) : null;
}

/**
 * Drops grid-based datum shifts from a proj4 definition: proj4js returns NaN
 * for any grid it does not have (even "@optional" ones), and the datum shift
 * is done as GDAL/PROJ choose it (select.ts) instead. "+nadgrids=@null" (no shift) is kept.
 */
export function withoutGrids(def: string): string {
  return def.replace(/\s*\+nadgrids=(\S+)/g, (all, grids: string) => (grids === '@null' ? all : '')).trim();
}

/**
 * A PROJ string as proj4js must be given it: without grids (withoutGrids), PROJ ellipsoid names proj4js lacks
 * spelt out, and PROJ's "+R_A" (the sphere of the
 * ellipsoid's authalic radius, which GDAL writes for Miller and Van der Grinten) spelt out as +R, since proj4js
 * 2.22 reads +R_A but never applies it.
 */
export function forProj4js(def: string): string {
  const plain = withoutGrids(def).replace(/\+ellps=(\S+)/, (all, name: string) => {
    const axes = ELLIPSOIDS_NOT_IN_PROJ4JS[name];
    return axes ? `+a=${axes[0]} +rf=${axes[1]}` : all;
  });
  if (!/\+R_A\b/.test(plain)) return plain;
  let p: { a?: number; b?: number };
  try {
    p = new proj4.Proj(plain.replace(/\s*\+R_A\b/, '')) as unknown as { a?: number; b?: number };
  } catch {
    return plain;
  }
  if (typeof p.a !== 'number' || typeof p.b !== 'number') return plain;
  const es = (p.a * p.a - p.b * p.b) / (p.a * p.a);
  // PROJ's series for the authalic radius (pj_ell_set.cpp: SIXTH, RA4, RA6).
  const r = p.a * (1 - es * (1 / 6 + es * (17 / 360 + es * (67 / 3024))));
  const stripped = plain.replace(/\s*\+(?:R_A|datum|ellps|a|b|rf|f|R|es|e)(?:=\S*)?(?=\s|$)/g, '').trim();
  return `${stripped} +R=${r}`;
}

/** The definition proj4js is given for a CRS, or null when there is none. */
export function definition(crs: CrsInfo): string | null {
  return crs.proj4 ? forProj4js(crs.proj4) : (crs.wkt ?? null);
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

/** A short label for messages and provenance: `EPSG:4326`, else the CRS name. */
export function crsLabel(crs: CrsInfo): string {
  return crs.epsg !== null ? `EPSG:${crs.epsg}` : (crs.name ?? 'custom CRS');
}
