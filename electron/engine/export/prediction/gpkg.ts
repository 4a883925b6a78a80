/**
 * A prediction as a GeoPackage: the layer `prediction` of cell polygons in the rasters' CRS (the same outlines as the
 * features GeoPackage's `cells`), with the SRS, extent and R*Tree index written as for `cells`, columns
 * fid, geom, cell_id, source, row, col, then the prediction columns (REAL; the class as TEXT), and the model's record
 * as JSON in gpkg_metadata (md_standard_uri `urn:rcf-desktop:prediction`).
 */
import { UserError, throwIfCancelled } from '../../../../shared/errors/index.js';
import { rectRing } from '../../../../shared/geo/affine.js';
import { layerSrs, sqlite } from '../gpkg.js';
import { polygonBlob, ringEnvelope } from '../gpkg/geometry.js';
import {
  APPLICATION_ID,
  GPKG_TABLES,
  MAX_FEATURE_COLUMNS,
  METADATA_TABLES,
  PREDICTION_URI,
  USER_VERSION,
  createLayerTable,
  rtreeName,
  rtreeTriggers,
} from '../gpkg/schema.js';
import { insertSrsRows } from '../gpkg/srs.js';
import { createExclusive } from '../output.js';
import { writeAtomically } from './atomic.js';
import { cellWindow, checkTable, type PredictionTable, type PredictionWriteOptions, type PredictionWritten } from './table.js';

export const PREDICTION_LAYER = 'prediction';
const FIXED = ['fid', 'geom', 'cell_id', 'source', 'row', 'col'];

const quoted = (name: string) => `"${name.replace(/"/g, '""')}"`;

export async function writePredictionGpkg(
  path: string,
  table: PredictionTable,
  options: PredictionWriteOptions = {},
): Promise<PredictionWritten> {
  const t = checkTable(table);
  const layer = options.layer ?? PREDICTION_LAYER;
  // SQLite's column names ignore case.
  const seen = new Map(FIXED.map((n) => [n, n] as const));
  for (const name of t.names) {
    const other = seen.get(name.toLowerCase());
    if (other !== undefined)
      throw new UserError(`${path}: the prediction column ${JSON.stringify(name)} clashes with ${JSON.stringify(other)}`);
    seen.set(name.toLowerCase(), name);
  }
  if (t.width > MAX_FEATURE_COLUMNS)
    throw new UserError(`${path}: ${t.width} prediction columns; a GeoPackage layer holds at most ${MAX_FEATURE_COLUMNS}`);
  const srs = layerSrs(path, { sources: t.grids });
  const { DatabaseSync } = await import('node:sqlite');
  await writeAtomically(path, options, true, async (partial) => {
    await (await createExclusive(partial)).close(); // never through a planted link; SQLite takes an empty file as a new database
    sqlite(partial, () => {
      const db = new DatabaseSync(partial);
      try {
        db.exec(`PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = ${USER_VERSION};`);
        db.exec('BEGIN');
        db.exec(GPKG_TABLES);
        insertSrsRows(db, [srs]);
        const defs = t.names.map((n, c) => `${quoted(n)} ${c === t.classColumn ? 'TEXT' : 'REAL'}`);
        db.exec(
          createLayerTable(
            layer,
            defs,
            srs.srsId,
            layer === PREDICTION_LAYER ? 'Model predictions, one row per grid cell' : `${layer}, one row per grid cell`,
          ),
        );
        const columns = ['geom', 'cell_id', 'source', 'row', 'col', ...t.names.map(quoted)];
        const insert = db.prepare(`INSERT INTO ${layer} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
        const index = db.prepare(`INSERT INTO ${rtreeName(layer)} VALUES (?, ?, ?, ?, ?)`);
        const e = { minX: Infinity, minY: Infinity, maxX: -Infinity, maxY: -Infinity };
        for (let i = 0; i < t.cells.length; i++) {
          if (i % 4096 === 0) throwIfCancelled(options.signal);
          const cell = t.cells[i];
          const grid = t.gridOf(i);
          const ring = rectRing(grid.transform, cellWindow(grid, cell));
          const values: (string | number | null | Uint8Array)[] = [
            polygonBlob(ring, srs.srsId),
            cell.cellId,
            cell.source,
            cell.row,
            cell.col,
          ];
          for (let c = 0; c < t.width; c++) {
            const v = t.values[i * t.width + c];
            values.push(Number.isNaN(v) ? null : c === t.classColumn ? t.classes![v] : v);
          }
          const { lastInsertRowid } = insert.run(...values);
          const env = ringEnvelope(ring);
          index.run(lastInsertRowid, env.minX, env.maxX, env.minY, env.maxY);
          e.minX = Math.min(e.minX, env.minX);
          e.minY = Math.min(e.minY, env.minY);
          e.maxX = Math.max(e.maxX, env.maxX);
          e.maxY = Math.max(e.maxY, env.maxY);
        }
        if (options.metadata !== undefined) {
          db.exec(METADATA_TABLES);
          const md = db
            .prepare(
              "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) VALUES ('dataset', ?, 'application/json', ?)",
            )
            .run(PREDICTION_URI, JSON.stringify(options.metadata, null, 1));
          db.prepare("INSERT INTO gpkg_metadata_reference (reference_scope, md_file_id) VALUES ('geopackage', ?)").run(md.lastInsertRowid);
        }
        const some = t.cells.length > 0;
        db.prepare('UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ? WHERE table_name = ?').run(
          some ? e.minX : null,
          some ? e.minY : null,
          some ? e.maxX : null,
          some ? e.maxY : null,
          layer,
        );
        db.exec(rtreeTriggers(layer));
        db.exec('COMMIT');
      } finally {
        db.close();
      }
    });
  });
  return { notes: [] };
}
