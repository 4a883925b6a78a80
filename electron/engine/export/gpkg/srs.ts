/**
 * The gpkg_spatial_ref_sys row for a raster's CRS.
 *
 * - EPSG code → srs_id = the code, organization 'EPSG', definition the OGC
 *   WKT from the bundled EPSG index (or the raster's own WKT);
 * - a CRS without an EPSG code → srs_id 100000, organization 'NONE', its WKT
 *   (the reader writes one for every CRS it understands: crs/wkt.ts), else 'undefined'
 *   (the proj4 string stays in `description`: GDAL parses `definition` as WKT only);
 * - definition_12_063 (the CRS WKT extension) → the CRS's WKT2, or 'undefined' where it has none;
 * - no CRS → the spec's "Undefined Cartesian SRS" (srs_id -1): cell outlines
 *   are then in the raster's own planar coordinates, not in degrees.
 */
import type { DatabaseSync } from 'node:sqlite';
import { crsFromEpsg, crsWkt, crsWkt2, lookupEpsg, type CrsInfo } from '../../crs/index.js';

export interface SrsRow {
  srsId: number;
  name: string;
  organization: string;
  organizationId: number;
  definition: string;
  description: string | null;
  /** WKT2, or 'undefined'. */
  definitionWkt2: string;
}

/** First srs_id of this project's own (non-EPSG) CRS rows; clear of every EPSG code. */
export const CUSTOM_SRS_ID = 100000;

/** The three rows every GeoPackage must have (spec Requirement 11). */
export const REQUIRED_SRS: SrsRow[] = [
  {
    srsId: -1,
    name: 'Undefined Cartesian SRS',
    organization: 'NONE',
    organizationId: -1,
    definition: 'undefined',
    description: 'undefined Cartesian coordinate reference system',
    definitionWkt2: 'undefined',
  },
  {
    srsId: 0,
    name: 'Undefined geographic SRS',
    organization: 'NONE',
    organizationId: 0,
    definition: 'undefined',
    description: 'undefined geographic coordinate reference system',
    definitionWkt2: 'undefined',
  },
  {
    srsId: 4326,
    name: 'WGS 84 geodetic',
    organization: 'EPSG',
    organizationId: 4326,
    definition:
      lookupEpsg(4326)?.wkt ??
      'GEOGCS["WGS 84",DATUM["WGS_1984",SPHEROID["WGS 84",6378137,298.257223563,AUTHORITY["EPSG","7030"]],AUTHORITY["EPSG","6326"]],' +
        'PRIMEM["Greenwich",0,AUTHORITY["EPSG","8901"]],UNIT["degree",0.0174532925199433,AUTHORITY["EPSG","9122"]],' +
        'AXIS["Latitude",NORTH],AXIS["Longitude",EAST],AUTHORITY["EPSG","4326"]]',
    description: 'longitude/latitude coordinates in decimal degrees on the WGS 84 spheroid',
    definitionWkt2: wkt2Of(crsFromEpsg(4326)),
  },
];

function wkt2Of(crs: CrsInfo | null): string {
  return (crs && crsWkt2(crs)) ?? 'undefined';
}

export function srsFor(crs: CrsInfo | null): SrsRow {
  if (!crs) return REQUIRED_SRS[0];
  if (crs.epsg !== null) {
    const entry = lookupEpsg(crs.epsg);
    return {
      srsId: crs.epsg,
      name: entry?.name || crs.name || `EPSG:${crs.epsg}`,
      organization: 'EPSG',
      organizationId: crs.epsg,
      // The index's WKT carries AUTHORITY nodes; a raster's own WKT may be ESRI flavoured.
      definition: entry?.wkt ?? crs.wkt ?? 'undefined',
      description: crs.proj4,
      definitionWkt2: wkt2Of(entry?.wkt ? { ...crs, wkt: entry.wkt } : crs),
    };
  }
  return {
    srsId: CUSTOM_SRS_ID,
    name: crs.name ?? 'User-defined CRS',
    organization: 'NONE',
    organizationId: CUSTOM_SRS_ID,
    definition: crsWkt(crs) ?? 'undefined',
    description: crs.proj4,
    definitionWkt2: wkt2Of(crs),
  };
}

/** Inserts the required SRS rows and `rows` into gpkg_spatial_ref_sys (GPKG_TABLES' columns). */
export function insertSrsRows(db: DatabaseSync, rows: readonly SrsRow[]): void {
  const insert = db.prepare('INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?, ?)');
  for (const s of [...REQUIRED_SRS, ...rows]) {
    insert.run(s.name, s.srsId, s.organization, s.organizationId, s.definition, s.description, s.definitionWkt2);
  }
}

export function sameSrs(a: SrsRow, b: SrsRow): boolean {
  return a.srsId === b.srsId && a.definition === b.definition && a.description === b.description;
}

/** A short label for messages. */
export function srsLabel(srs: SrsRow): string {
  if (srs.organization === 'EPSG') return `EPSG:${srs.organizationId}`;
  return srs.srsId === -1 ? 'no CRS' : srs.name;
}
