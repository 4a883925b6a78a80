/**
 * The layout of an rcf GeoParquet file: its columns, the GeoParquet `geo` metadata and the size of its row groups.
 *
 * Columns, in this order (the CSV's cell columns, then the features, then the geometry):
 * - `cell_id`, `source` (UTF-8 strings), `row`, `col` (INT32): the cell;
 * - `x`, `y` (DOUBLE): the cell centre in the raster's CRS; `lon`, `lat` (DOUBLE, null without a CRS): in WGS84;
 * - `valid_fraction` (FLOAT);
 * - the features, float32, null where the cell had no valid window: `f0` … `f{K-1}` (one FLOAT column each) up to
 *   MAX_FEATURE_COLUMNS features; past it one column `features`, a LIST of exactly K FLOAT elements per row (a wide
 *   table's footer grows with every column of every row group, and a list reads as one array:
 *   `np.stack(df.features)` in pandas, `features[i + 1]` in DuckDB);
 * - `geometry` (BYTE_ARRAY): the cell polygon as little-endian WKB in the raster's CRS;
 * - `bbox` (a struct of DOUBLE `xmin`, `ymin`, `xmax`, `ymax`): the polygon's envelope, GeoParquet 1.1's covering.
 */
import type { SchemaElement } from 'hyparquet';
import type { CrsInfo } from '../../crs/index.js';
import { projJson } from './projjson.js';

/** Past this many features they are one list column `features` rather than a column each. */
export const MAX_FEATURE_COLUMNS = 1024;

/** The GeoParquet version written. */
export const GEOPARQUET_VERSION = '1.1.0';

/** The key of the file's key-value metadata holding the run's provenance (JSON), as the CSV's `.csv.json` holds it. */
export const PROVENANCE_KEY = 'rcf';

/** What shapes a file: the number of features and the CRS of the cell polygons (one per file, as a layer has one). */
export interface ParquetLayout {
  features: number;
  crs: CrsInfo | null;
}

/**
 * About 64 MiB of features a row group with f-columns (column chunks of 64 KiB and more, to read by column), 1024 to
 * 65536 rows. The list column is one column chunk a row group, and its writer holds several times the group in memory
 * (its nesting levels), so there about 8 MiB a group (256 rows at K = 8192: the writer then fits a 200 MB heap).
 */
const ROW_GROUP_FEATURE_BYTES = 64 * 2 ** 20;
const LIST_ROW_GROUP_FEATURE_BYTES = 8 * 2 ** 20;
const MIN_ROW_GROUP_ROWS = 1024;
const MAX_ROW_GROUP_ROWS = 65536;

/** Rows per row group (the last one may hold fewer): a function of K only, so a file's layout never depends on how it was written. */
export function rowGroupRows(features: number): number {
  const k = Math.max(1, features);
  if (featuresAsList(k)) return Math.max(1, Math.floor(LIST_ROW_GROUP_FEATURE_BYTES / (4 * k)));
  return Math.min(MAX_ROW_GROUP_ROWS, Math.max(MIN_ROW_GROUP_ROWS, Math.floor(ROW_GROUP_FEATURE_BYTES / (4 * k))));
}

export function featuresAsList(features: number): boolean {
  return features > MAX_FEATURE_COLUMNS;
}

export function featureColumnNames(features: number): string[] {
  return featuresAsList(features) ? ['features'] : Array.from({ length: features }, (_, i) => `f${i}`);
}

export const CELL_COLUMNS = ['cell_id', 'source', 'row', 'col', 'x', 'y', 'lon', 'lat', 'valid_fraction'] as const;
export const BBOX_FIELDS = ['xmin', 'ymin', 'xmax', 'ymax'] as const;

/** The Parquet schema (flattened, as the format stores it). */
export function parquetSchema(layout: ParquetLayout): SchemaElement[] {
  const features = featureColumnNames(layout.features);
  const double = (name: string, optional = false): SchemaElement => ({
    name,
    type: 'DOUBLE',
    repetition_type: optional ? 'OPTIONAL' : 'REQUIRED',
  });
  const text = (name: string): SchemaElement => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' });
  const schema: SchemaElement[] = [
    { name: 'schema', num_children: CELL_COLUMNS.length + features.length + 2 },
    text('cell_id'),
    text('source'),
    { name: 'row', type: 'INT32', repetition_type: 'REQUIRED' },
    { name: 'col', type: 'INT32', repetition_type: 'REQUIRED' },
    double('x'),
    double('y'),
    double('lon', true),
    double('lat', true),
    { name: 'valid_fraction', type: 'FLOAT', repetition_type: 'REQUIRED' },
  ];
  if (featuresAsList(layout.features)) {
    // The standard three-level LIST (parquet-format LogicalTypes.md), as Arrow writes a list<float>.
    schema.push(
      { name: 'features', repetition_type: 'REQUIRED', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', type: 'FLOAT', repetition_type: 'OPTIONAL' },
    );
  } else {
    for (const name of features) schema.push({ name, type: 'FLOAT', repetition_type: 'OPTIONAL' });
  }
  schema.push({ name: 'geometry', type: 'BYTE_ARRAY', repetition_type: 'REQUIRED' });
  schema.push({ name: 'bbox', repetition_type: 'REQUIRED', num_children: BBOX_FIELDS.length }, ...BBOX_FIELDS.map((f) => double(f)));
  return schema;
}

/** The GeoParquet 1.1 `geo` metadata of a file whose polygons span `bbox` ([xmin, ymin, xmax, ymax], empty for no rows). */
export function geoMetadata(layout: ParquetLayout, bbox: number[]): object {
  return {
    version: GEOPARQUET_VERSION,
    primary_column: 'geometry',
    columns: {
      geometry: {
        encoding: 'WKB',
        geometry_types: ['Polygon'],
        // null: the CRS is unknown (a raster without one); GeoParquet reads a missing `crs` as OGC:CRS84, which it is not.
        crs: layout.crs ? projJson(layout.crs) : null,
        ...(bbox.length === 4 ? { bbox } : {}),
        covering: { bbox: Object.fromEntries(BBOX_FIELDS.map((f) => [f, ['bbox', f]])) },
      },
    },
  };
}
