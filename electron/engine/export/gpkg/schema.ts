/**
 * The SQL of our GeoPackages (OGC 12-128r18, GeoPackage 1.3): the core
 * tables, the cells layer, its R*Tree index and triggers, the metadata
 * extension and the attribute table holding the filter bank. Statements are
 * those of the spec's annexes, as GDAL writes and checks them.
 */

/** application_id 'GPKG' and user_version 1.3.0 (the R*Tree triggers below are the 1.3 ones). */
export const APPLICATION_ID = 0x47504b47;
export const USER_VERSION = 10300;

export const CELLS = 'cells';
export const GEOM = 'geom';
/** The R*Tree index of a layer's geometry column. */
export function rtreeName(table: string): string {
  return `rtree_${table}_${GEOM}`;
}
export const RTREE = rtreeName(CELLS);
export const WEIGHTS = 'rcf_weights';
/** Holds the run identity while the file is a `.partial`; dropped at finish (the identity moves into the metadata). */
export const RUN_TABLE = 'rcf_run';
/** md_standard_uri of our provenance record in gpkg_metadata. */
export const PROVENANCE_URI = 'urn:rcf-desktop:provenance';
/** md_standard_uri of the model record a prediction GeoPackage carries. */
export const PREDICTION_URI = 'urn:rcf-desktop:prediction';
/** The extension definitions that gpkg_extensions rows point at. */
const RTREE_EXTENSION_URI = 'http://www.geopackage.org/spec120/#extension_rtree';
const METADATA_EXTENSION_URI = 'http://www.geopackage.org/spec120/#extension_metadata';
/** The CRS WKT extension: WKT2 (OGC 12-063r5) of each CRS in gpkg_spatial_ref_sys.definition_12_063. */
const CRS_WKT_EXTENSION_URI = 'http://www.geopackage.org/spec120/#extension_crs_wkt';

/** SQLite's default SQLITE_MAX_COLUMN is 2000; the fixed columns and some headroom leave 1990 feature columns. */
export const MAX_FEATURE_COLUMNS = 1990;

/** The spec's core tables (what every GeoPackage has), with the CRS WKT extension's column. */
export const GPKG_TABLES = `
CREATE TABLE gpkg_spatial_ref_sys (
  srs_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL PRIMARY KEY,
  organization TEXT NOT NULL,
  organization_coordsys_id INTEGER NOT NULL,
  definition TEXT NOT NULL,
  description TEXT,
  definition_12_063 TEXT NOT NULL
);
CREATE TABLE gpkg_contents (
  table_name TEXT NOT NULL PRIMARY KEY,
  data_type TEXT NOT NULL,
  identifier TEXT UNIQUE,
  description TEXT DEFAULT '',
  last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
  srs_id INTEGER,
  CONSTRAINT fk_gc_r_srs_id FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys(srs_id)
);
CREATE TABLE gpkg_geometry_columns (
  table_name TEXT NOT NULL,
  column_name TEXT NOT NULL,
  geometry_type_name TEXT NOT NULL,
  srs_id INTEGER NOT NULL,
  z TINYINT NOT NULL,
  m TINYINT NOT NULL,
  CONSTRAINT pk_geom_cols PRIMARY KEY (table_name, column_name),
  CONSTRAINT uk_gc_table_name UNIQUE (table_name),
  CONSTRAINT fk_gc_tn FOREIGN KEY (table_name) REFERENCES gpkg_contents(table_name),
  CONSTRAINT fk_gc_srs FOREIGN KEY (srs_id) REFERENCES gpkg_spatial_ref_sys (srs_id)
);
CREATE TABLE gpkg_extensions (
  table_name TEXT,
  column_name TEXT,
  extension_name TEXT NOT NULL,
  definition TEXT NOT NULL,
  scope TEXT NOT NULL,
  CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name)
);
INSERT INTO gpkg_extensions VALUES ('gpkg_spatial_ref_sys', 'definition_12_063', 'gpkg_crs_wkt', '${CRS_WKT_EXTENSION_URI}', 'read-write');
`;

/** The core tables and the run record of a features `.partial`. */
export const CORE_TABLES = `${GPKG_TABLES}CREATE TABLE ${RUN_TABLE} (run TEXT NOT NULL);
`;

/** Feature columns: f0 … f{K-1} REAL, or one float32 little-endian BLOB `features` when K > MAX_FEATURE_COLUMNS. */
export function featureColumns(features: number): string[] {
  if (features > MAX_FEATURE_COLUMNS) return ['features'];
  return Array.from({ length: features }, (_, i) => `f${i}`);
}

export function cellsColumns(features: number): string[] {
  return ['fid', GEOM, 'cell_id', 'source', 'row', 'col', 'valid_fraction', ...featureColumns(features)];
}

export function createCellsTable(features: number, srsId: number): string {
  const featureDefs = features > MAX_FEATURE_COLUMNS ? ['features BLOB'] : featureColumns(features).map((c) => `${c} REAL`);
  return createLayerTable(
    CELLS,
    ['valid_fraction REAL', ...featureDefs],
    srsId,
    'Random convolutional features (MOSAIKS), one row per grid cell',
  );
}

/**
 * A POLYGON features layer of grid cells (fid, geom, cell_id, source, row, col, then `columns`, each a column definition),
 * registered in gpkg_contents and gpkg_geometry_columns with its R*Tree index.
 */
export function createLayerTable(table: string, columns: string[], srsId: number, description: string): string {
  const rtree = rtreeName(table);
  const text = (value: string) => `'${value.replace(/'/g, "''")}'`;
  return `
CREATE TABLE ${table} (
  fid INTEGER PRIMARY KEY,
  ${GEOM} POLYGON,
  cell_id TEXT NOT NULL UNIQUE,
  source TEXT NOT NULL,
  row INTEGER NOT NULL,
  col INTEGER NOT NULL,
  ${columns.join(',\n  ')}
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description, srs_id)
  VALUES ('${table}', 'features', '${table}', ${text(description)}, ${srsId});
INSERT INTO gpkg_geometry_columns VALUES ('${table}', '${GEOM}', 'POLYGON', ${srsId}, 0, 0);
CREATE VIRTUAL TABLE ${rtree} USING rtree(id, minx, maxx, miny, maxy);
INSERT INTO gpkg_extensions VALUES ('${table}', '${GEOM}', 'gpkg_rtree_index', '${RTREE_EXTENSION_URI}', 'write-only');
`;
}

/**
 * The spec's R*Tree triggers (1.3, as GDAL 3.6 writes and validates them).
 * They call ST_IsEmpty/ST_MinX/… which GDAL and SpatiaLite provide; we fill
 * the index ourselves while writing and create them only at finish, so that
 * later edits by GDAL or QGIS keep the index in step.
 */
export function rtreeTriggers(table = CELLS): string {
  const t = table;
  const c = GEOM;
  const i = 'fid';
  const r = rtreeName(table);
  const bounds = `ST_MinX(NEW.${c}), ST_MaxX(NEW.${c}), ST_MinY(NEW.${c}), ST_MaxY(NEW.${c})`;
  const insert = `INSERT OR REPLACE INTO ${r} VALUES (NEW.${i}, ${bounds});`;
  return `
CREATE TRIGGER ${r}_insert AFTER INSERT ON ${t}
  WHEN (new.${c} NOT NULL AND NOT ST_IsEmpty(NEW.${c}))
BEGIN ${insert} END;
CREATE TRIGGER ${r}_update1 AFTER UPDATE OF ${c} ON ${t}
  WHEN OLD.${i} = NEW.${i} AND (NEW.${c} NOTNULL AND NOT ST_IsEmpty(NEW.${c}))
BEGIN ${insert} END;
CREATE TRIGGER ${r}_update2 AFTER UPDATE OF ${c} ON ${t}
  WHEN OLD.${i} = NEW.${i} AND (NEW.${c} ISNULL OR ST_IsEmpty(NEW.${c}))
BEGIN DELETE FROM ${r} WHERE id = OLD.${i}; END;
CREATE TRIGGER ${r}_update3 AFTER UPDATE ON ${t}
  WHEN OLD.${i} != NEW.${i} AND (NEW.${c} NOTNULL AND NOT ST_IsEmpty(NEW.${c}))
BEGIN DELETE FROM ${r} WHERE id = OLD.${i}; ${insert} END;
CREATE TRIGGER ${r}_update4 AFTER UPDATE ON ${t}
  WHEN OLD.${i} != NEW.${i} AND (NEW.${c} ISNULL OR ST_IsEmpty(NEW.${c}))
BEGIN DELETE FROM ${r} WHERE id IN (OLD.${i}, NEW.${i}); END;
CREATE TRIGGER ${r}_delete AFTER DELETE ON ${t}
  WHEN old.${c} NOT NULL
BEGIN DELETE FROM ${r} WHERE id = OLD.${i}; END;
`;
}

/** The metadata extension (spec §F.8), registered on both its tables as GDAL does. */
export const METADATA_TABLES = `
CREATE TABLE gpkg_metadata (
  id INTEGER CONSTRAINT m_pk PRIMARY KEY ASC NOT NULL,
  md_scope TEXT NOT NULL DEFAULT 'dataset',
  md_standard_uri TEXT NOT NULL,
  mime_type TEXT NOT NULL DEFAULT 'text/xml',
  metadata TEXT NOT NULL DEFAULT ''
);
CREATE TABLE gpkg_metadata_reference (
  reference_scope TEXT NOT NULL,
  table_name TEXT,
  column_name TEXT,
  row_id_value INTEGER,
  timestamp DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now')),
  md_file_id INTEGER NOT NULL,
  md_parent_id INTEGER,
  CONSTRAINT crmr_mfi_fk FOREIGN KEY (md_file_id) REFERENCES gpkg_metadata(id),
  CONSTRAINT crmr_mpi_fk FOREIGN KEY (md_parent_id) REFERENCES gpkg_metadata(id)
);
INSERT INTO gpkg_extensions VALUES ('gpkg_metadata', NULL, 'gpkg_metadata', '${METADATA_EXTENSION_URI}', 'read-write');
INSERT INTO gpkg_extensions VALUES ('gpkg_metadata_reference', NULL, 'gpkg_metadata', '${METADATA_EXTENSION_URI}', 'read-write');
`;

/** The filter bank as an attribute table, so the file carries what made its features. */
export const WEIGHTS_TABLE = `
CREATE TABLE ${WEIGHTS} (
  id INTEGER PRIMARY KEY,
  shape TEXT NOT NULL,
  dtype TEXT NOT NULL,
  data BLOB NOT NULL
);
INSERT INTO gpkg_contents (table_name, data_type, identifier, description)
  VALUES ('${WEIGHTS}', 'attributes', '${WEIGHTS}', 'RCF filter bank: shape [F2, C, k, k] as JSON, data float32 little-endian in C order');
`;
