/**
 * GeoPackage AOIs, read with Node's built-in SQLite (read-only): the polygons
 * of one features layer (the first in gpkg_geometry_columns, or the one named)
 * and the layer's CRS from gpkg_spatial_ref_sys.
 */
import proj4 from 'proj4';
import { AoiError } from './errors.js';
import { crsFromEpsg, type CrsInfo } from '../crs/index.js';
import { checkAreaVertices, cleanPolygon, type Polygon } from './geometry.js';
import { LimitError, LIMITS } from '../limits.js';
import { parseGpkgGeometry } from './wkb.js';
import type { DatabaseSync } from 'node:sqlite';

export interface GpkgAoi {
  polygons: Polygon[];
  crs: CrsInfo;
  /** The layer (table) read. */
  layer: string;
}

interface LayerRow {
  table_name: string;
  column_name: string;
  srs_id: number;
}

/** SQLite identifier quoting, for table and column names taken from the file. */
export const quoteId = (name: string) => `"${name.replace(/"/g, '""')}"`;

/** A features layer of an open GeoPackage: the caller reads its rows and closes `db`. */
export interface GpkgLayer {
  db: DatabaseSync;
  /** The layer (table) chosen. */
  name: string;
  geometryColumn: string;
  crs: CrsInfo;
}

/**
 * Opens the GeoPackage at `path` read-only and picks `layer` (default: the first features layer), with its CRS.
 * Problems are errors made by `fail` (one line naming the file); the database is closed when it throws.
 */
export async function openGpkgLayer(path: string, layer: string | undefined, fail: (problem: string) => Error): Promise<GpkgLayer> {
  // Loaded on use: node:sqlite prints an "experimental" warning when first imported.
  const sqlite = await import('node:sqlite');
  let db: DatabaseSync;
  try {
    db = new sqlite.DatabaseSync(path, { readOnly: true });
  } catch (e) {
    throw fail(`cannot open as a GeoPackage (${(e as Error).message})`);
  }
  try {
    for (const table of ['gpkg_geometry_columns', 'gpkg_spatial_ref_sys']) {
      if (mayNotEnd(db, table)) throw fail(`not a GeoPackage (${table} is a view over a recursive query)`);
    }
    let layers: LayerRow[];
    try {
      layers = rowsOf<LayerRow>(db, path, 'SELECT table_name, column_name, srs_id FROM gpkg_geometry_columns ORDER BY rowid', 10_000);
    } catch (e) {
      if (e instanceof LimitError) throw e;
      throw fail('not a GeoPackage (no gpkg_geometry_columns table)');
    }
    if (layers.length === 0) throw fail('the GeoPackage has no features layer');
    const chosen =
      layer === undefined
        ? layers[0]
        : (layers.find((l) => l.table_name === layer) ?? layers.find((l) => l.table_name.toLowerCase() === layer.toLowerCase()));
    if (!chosen) throw fail(`no layer '${layer}' (layers: ${layers.map((l) => l.table_name).join(', ')})`);
    const name = chosen.table_name;
    if (mayNotEnd(db, name)) throw fail(`layer '${name}' is a view over a recursive query, which need not end; export it to a table`);
    return { db, name, geometryColumn: chosen.column_name, crs: layerCrs(db, fail, name, chosen.srs_id) };
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Reads the polygons of `layer` (default: the first features layer) of the GeoPackage at `path`. */
export async function readGpkg(path: string, layer?: string): Promise<GpkgAoi> {
  const { db, name, geometryColumn, crs } = await openGpkgLayer(path, layer, (problem) => new AoiError(path, problem));
  try {
    const polygons: Polygon[] = [];
    const skipped = new Set<string>();
    let rows = 0;
    let vertices = 0;
    const query = db.prepare(`SELECT ${quoteId(geometryColumn)} AS geom FROM ${quoteId(name)}`);
    for (const row of query.iterate() as Iterable<{ geom: unknown }>) {
      if (++rows > LIMITS.areaFeatures) {
        throw new LimitError({ path }, `layer '${name}' has more than ${LIMITS.areaFeatures} features`, `${LIMITS.areaFeatures} features`);
      }
      if (!(row.geom instanceof Uint8Array)) continue; // NULL geometry: a feature without a shape
      let parsed;
      try {
        parsed = parseGpkgGeometry(row.geom);
      } catch (e) {
        throw new AoiError(path, `layer '${name}', feature ${rows}: ${(e as Error).message}`);
      }
      for (const rings of parsed.polygons) {
        vertices += rings.reduce((n, ring) => n + ring.length, 0);
        checkAreaVertices(vertices, path);
        const polygon = cleanPolygon(rings);
        if (polygon) polygons.push(polygon);
      }
      for (const s of parsed.skipped) skipped.add(s);
    }
    if (polygons.length === 0) {
      const found = skipped.size > 0 ? ` (found ${[...skipped].join(', ')})` : rows === 0 ? ' (the layer is empty)' : '';
      throw new AoiError(path, `no polygon in layer '${name}'${found}; an AOI must be made of polygons`);
    }
    return { polygons, crs, layer: name };
  } finally {
    db.close();
  }
}

/**
 * Whether reading `table` may never end: it is a view and the file has a view over a recursive query (a view
 * may read another). Tables end, and views without recursion end too (their row count is checked as read).
 */
function mayNotEnd(db: DatabaseSync, table: string): boolean {
  const isView = db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'view' AND name = ? COLLATE NOCASE").get(table) !== undefined;
  return isView && db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'view' AND sql LIKE '%RECURSIVE%'").get() !== undefined;
}

/** The rows of a query over the file's own tables, at most `most` of them (a hostile file's table may be an endless view). */
function rowsOf<T>(db: DatabaseSync, path: string, sql: string, most: number): T[] {
  const rows: T[] = [];
  for (const row of db.prepare(sql).iterate() as Iterable<T>) {
    if (rows.length === most) throw new LimitError({ path }, `a GeoPackage table of more than ${most} rows`, `${most} rows`);
    rows.push(row);
  }
  return rows;
}

interface SrsRow {
  srs_name: string;
  organization: string;
  organization_coordsys_id: number;
  definition: string;
}

/** The CRS of a layer: its EPSG code when the SRS table gives one, else the WKT definition. */
function layerCrs(db: DatabaseSync, fail: (problem: string) => Error, layer: string, srsId: number): CrsInfo {
  const row = db
    .prepare('SELECT srs_name, organization, organization_coordsys_id, definition FROM gpkg_spatial_ref_sys WHERE srs_id = ?')
    .get(srsId) as SrsRow | undefined;
  if (!row) throw fail(`layer '${layer}' uses srs_id ${srsId}, which is not in gpkg_spatial_ref_sys`);
  // srs_id -1 and 0 are the spec's "undefined cartesian/geographic" systems: no usable CRS.
  if (srsId === -1 || srsId === 0)
    throw fail(`layer '${layer}' has an undefined CRS (srs_id ${srsId}); assign one (e.g. with ogr2ogr -a_srs)`);
  if (typeof row.organization === 'string' && row.organization.toUpperCase() === 'EPSG') {
    const crs = crsFromEpsg(Number(row.organization_coordsys_id));
    if (crs) return crs;
  }
  const wkt = typeof row.definition === 'string' ? row.definition.trim() : '';
  if (wkt !== '' && wkt.toLowerCase() !== 'undefined') {
    try {
      new proj4.Proj(wkt); // proj4js reads WKT; checking here gives the error a clear place
      return { epsg: null, proj4: null, wkt, name: row.srs_name };
    } catch {
      // fall through to the error below
    }
  }
  throw fail(`unknown CRS '${row.srs_name}' (${row.organization}:${row.organization_coordsys_id}) of layer '${layer}'`);
}
