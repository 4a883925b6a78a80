/**
 * GeoPackage export (OGC GeoPackage 1.3, written with Node's built-in
 * `node:sqlite`): one features layer `cells` of cell outlines (POLYGON, in the
 * rasters' CRS) with the columns
 *
 *   fid, geom, cell_id, source, row, col, valid_fraction, f0 … f{K-1}
 *
 * Features are float32-rounded REALs, NULL where the cell had no valid window.
 * All sources must share one CRS: a layer has one SRS, so rasters in different
 * CRSs (say two UTM zones) are refused with an OutputError; export them one at
 * a time, or to CSV.
 *
 * Wide vectors (K > 1990). SQLite allows 2000 columns per table, so above 1990
 * features the f-columns are replaced by one BLOB column `features`: K float32
 * values, little-endian, K*4 bytes (NaN where the cell had no valid window).
 * GDAL reads it as a binary field; to get the matrix:
 *
 *   Python (sqlite3 + numpy):
 *     import sqlite3, numpy as np
 *     con = sqlite3.connect('out.gpkg')
 *     rows = con.execute('SELECT cell_id, features FROM cells ORDER BY fid').fetchall()
 *     X = np.stack([np.frombuffer(b, dtype='<f4') for _, b in rows])   # (N, K) float32
 *   Python (geopandas, pyogrio or fiona): binary fields arrive as bytes
 *     gdf = geopandas.read_file('out.gpkg', layer='cells')
 *     X = np.stack([np.frombuffer(b, dtype='<f4') for b in gdf['features']])
 *   R (sf; a binary field arrives as a list of raw vectors):
 *     cells <- sf::st_read('out.gpkg', layer = 'cells')
 *     X <- t(vapply(cells$features, function(b) readBin(b, what = 'double', size = 4,
 *            n = length(b) / 4, endian = 'little'), numeric(K)))
 *   R (DBI + RSQLite, without geometry): same readBin on
 *     DBI::dbGetQuery(con, 'SELECT cell_id, features FROM cells ORDER BY fid')$features
 *
 * Also in the file: the SRS (EPSG code and WKT, see gpkg/srs.ts), the extent
 * in gpkg_contents, the R*Tree index `rtree_cells_geom` with the spec's
 * triggers, the provenance (with the run identity under "run") as JSON in
 * gpkg_metadata, and the filter bank in the attribute table `rcf_weights`
 * (shape as JSON text, data as a float32 little-endian BLOB).
 *
 * Never a half-written file presented as finished (the rules of CsvOutput):
 * cells go to `OUT.gpkg.partial`, itself a valid SQLite file holding the run
 * identity in table `rcf_run`, committed every few hundred cells or second, so
 * a killed process loses at most the last batch. finish() adds metadata,
 * weights, extent and triggers in the same transaction, closes the database
 * and only then renames it to `OUT.gpkg`. No per-row timestamps: a resumed run
 * has the same rows (and fids) as an uninterrupted one.
 *
 * `node:sqlite` is loaded on first open(), so only GeoPackage exports print
 * Node's "SQLite is an experimental feature" warning.
 */
import { rename, rm } from 'node:fs/promises';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { parseProvenanceText } from '../../../shared/provenance/index.js';
import type { CrsInfo } from '../crs/index.js';
import type { CellResult } from '../rcf/featurize.js';
import { blobEnvelope, polygonBlob, ringEnvelope } from './gpkg/geometry.js';
import {
  APPLICATION_ID,
  CELLS,
  CORE_TABLES,
  GEOM,
  MAX_FEATURE_COLUMNS,
  METADATA_TABLES,
  PROVENANCE_URI,
  RTREE,
  RUN_TABLE,
  USER_VERSION,
  WEIGHTS,
  WEIGHTS_TABLE,
  cellsColumns,
  createCellsTable,
  rtreeTriggers,
} from './gpkg/schema.js';
import { REQUIRED_SRS, sameSrs, srsFor, srsLabel, type SrsRow } from './gpkg/srs.js';
import { OutputError, pathExists, type FeatureOutput, type OutputOptions } from './output.js';

export { OutputError };

export interface GpkgLayout {
  /** K, the length of every cell's feature vector. */
  features: number;
  /** The `source` column values and each raster's CRS. */
  sources: { name: string; crs: CrsInfo | null }[];
}

/** A commit every this many cells or milliseconds, whichever comes first: what a crash can lose. */
const COMMIT_CELLS = 500;
const COMMIT_MS = 2000;

/** An open GeoPackage output: knows which cells are done and takes them in order. */
export class GpkgOutput implements FeatureOutput {
  readonly alreadyFinished: boolean;
  readonly doneCells: Set<string>;
  private readonly path: string;
  private readonly srsId: number;
  private readonly blobFeatures: boolean;
  private db: DatabaseSync | null;
  private insertCell: StatementSync | null = null;
  private insertIndex: StatementSync | null = null;
  private uncommitted = 0;
  private lastCommit = Date.now();
  private weights: { shape: number[]; data: Float32Array } | null = null;

  private constructor(
    path: string,
    db: DatabaseSync | null,
    layout: GpkgLayout,
    srsId: number,
    doneCells: Set<string>,
    alreadyFinished: boolean,
  ) {
    this.path = path;
    this.db = db;
    this.srsId = srsId;
    this.blobFeatures = layout.features > MAX_FEATURE_COLUMNS;
    this.doneCells = doneCells;
    this.alreadyFinished = alreadyFinished;
    if (db) {
      const columns = cellsColumns(layout.features).slice(1); // fid: SQLite numbers rows 1, 2, … in insertion order
      this.insertCell = db.prepare(`INSERT INTO ${CELLS} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      this.insertIndex = db.prepare(`INSERT INTO ${RTREE} VALUES (?, ?, ?, ?, ?)`);
    }
  }

  /**
   * Opens `path` for a run whose identity is `runKey` (a JSON-able description
   * of everything that determines the output). Refuses to touch existing output
   * unless told to resume or overwrite.
   */
  static async open(path: string, layout: GpkgLayout, runKey: unknown, options: OutputOptions): Promise<GpkgOutput> {
    const partial = `${path}.partial`;
    const key = JSON.stringify(runKey);
    const srs = layerSrs(path, layout);
    const { DatabaseSync } = await import('node:sqlite');
    if (options.overwrite) {
      await removeDatabase(path);
      await removeDatabase(partial);
    } else if (await pathExists(path)) {
      if (!options.resume) throw new OutputError(`${path} already exists; use --overwrite to replace it or --resume to continue it`);
      if (readFinishedRunKey(DatabaseSync, path) !== key)
        throw new OutputError(`${path} was made with other settings or inputs; use --overwrite to replace it`);
      return new GpkgOutput(path, null, layout, srs.srsId, new Set(), true);
    } else if (await pathExists(partial)) {
      if (!options.resume)
        throw new OutputError(`${partial} holds an unfinished run; use --resume to continue it or --overwrite to start over`);
      return sqlite(partial, () => {
        const db = new DatabaseSync(partial);
        try {
          lockExclusively(db);
          const row = db.prepare(`SELECT run FROM ${RUN_TABLE}`).get();
          const previousKey = row ? JSON.stringify(JSON.parse(String(row.run)).run) : null;
          if (previousKey !== key)
            throw new OutputError(`${partial} is an unfinished run with other settings or inputs; use --overwrite to start over`);
          const columns = db
            .prepare(`PRAGMA table_info(${CELLS})`)
            .all()
            .map((c) => String(c.name));
          if (columns.join() !== cellsColumns(layout.features).join()) {
            throw new OutputError(`${partial} has other columns than this run writes; use --overwrite to start over`);
          }
          const done = new Set<string>();
          for (const r of db.prepare(`SELECT cell_id FROM ${CELLS} ORDER BY fid`).iterate()) done.add(String(r.cell_id));
          db.exec('BEGIN IMMEDIATE'); // takes the write lock now: a second process resuming the same partial is refused here
          return new GpkgOutput(path, db, layout, srs.srsId, done, false);
        } catch (err) {
          db.close();
          throw err;
        }
      });
    } else {
      await removeDatabase(partial); // a stale journal must never meet a new database of the same name
    }
    return sqlite(partial, () => {
      const db = new DatabaseSync(partial);
      try {
        db.exec(`PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = ${USER_VERSION};`);
        lockExclusively(db);
        db.exec('BEGIN');
        db.exec(CORE_TABLES);
        const insertSrs = db.prepare('INSERT OR IGNORE INTO gpkg_spatial_ref_sys VALUES (?, ?, ?, ?, ?, ?)');
        for (const s of [...REQUIRED_SRS, srs])
          insertSrs.run(s.name, s.srsId, s.organization, s.organizationId, s.definition, s.description);
        db.exec(createCellsTable(layout.features, srs.srsId));
        db.prepare(`INSERT INTO ${RUN_TABLE} VALUES (?)`).run(JSON.stringify({ run: runKey }));
        db.exec('COMMIT; BEGIN');
        return new GpkgOutput(path, db, layout, srs.srsId, new Set(), false);
      } catch (err) {
        db.close();
        throw err;
      }
    });
  }

  /** Adds a cell (committed in batches; by `finish` and `close` at the latest). */
  async write(cell: CellResult): Promise<void> {
    const insertCell = this.insertCell;
    const insertIndex = this.insertIndex;
    if (!insertCell || !insertIndex) throw new OutputError(`${this.path}: the output is closed`);
    const values: (number | string | Uint8Array | null)[] = [
      polygonBlob(cell.ring, this.srsId),
      cell.cellId,
      cell.source,
      cell.row,
      cell.col,
      Math.fround(cell.validFraction),
    ];
    if (this.blobFeatures) values.push(float32Blob(cell.features));
    else for (const v of cell.features) values.push(Number.isNaN(v) ? null : Math.fround(v));
    const env = ringEnvelope(cell.ring);
    sqlite(this.partial, () => {
      const { lastInsertRowid } = insertCell.run(...values);
      // The index is filled here rather than by the spec's triggers: they need ST_* functions this connection lacks.
      insertIndex.run(lastInsertRowid, env.minX, env.maxX, env.minY, env.maxY);
      this.uncommitted++;
      if (this.uncommitted >= COMMIT_CELLS || Date.now() - this.lastCommit >= COMMIT_MS) this.commit();
    });
  }

  /** The filter bank [F2, C, k, k] stored with the features at finish. Call before finish. */
  setWeights(shape: number[], data: Float32Array): void {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== data.length)
      throw new OutputError(`${this.path}: weights of shape [${shape.join(', ')}] need ${size} values, got ${data.length}`);
    this.weights = { shape: [...shape], data };
  }

  /** Writes provenance, weights, extent and triggers, commits, closes, and only then gives the file its final name. */
  async finish(provenance: object): Promise<void> {
    const db = this.db;
    if (!db) return;
    sqlite(this.partial, () => {
      this.commit(); // the cells are safe whatever happens below
      try {
        const row = db.prepare(`SELECT run FROM ${RUN_TABLE}`).get();
        const run = row ? JSON.parse(String(row.run)).run : null;
        db.exec(METADATA_TABLES);
        const md = db
          .prepare(
            "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) VALUES ('dataset', ?, 'application/json', ?)",
          )
          .run(PROVENANCE_URI, JSON.stringify({ ...provenance, run }, null, 1));
        db.prepare("INSERT INTO gpkg_metadata_reference (reference_scope, md_file_id) VALUES ('geopackage', ?)").run(md.lastInsertRowid);
        if (this.weights) {
          db.exec(WEIGHTS_TABLE);
          db.prepare(`INSERT INTO ${WEIGHTS} (shape, dtype, data) VALUES (?, '<f4', ?)`).run(
            JSON.stringify(this.weights.shape),
            float32Blob(this.weights.data),
          );
        }
        const e = extent(db);
        db.prepare(
          `UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE table_name = ?`,
        ).run(e?.minX ?? null, e?.minY ?? null, e?.maxX ?? null, e?.maxY ?? null, CELLS);
        db.exec(rtreeTriggers());
        db.exec(`DROP TABLE ${RUN_TABLE}`);
        db.exec('COMMIT');
      } catch (err) {
        db.exec('ROLLBACK; BEGIN'); // back to a resumable partial
        throw err;
      }
      this.release();
    });
    await rename(this.partial, this.path);
  }

  /** Keeps what is written (for --resume) and releases the file. */
  async close(): Promise<void> {
    if (!this.db) return;
    sqlite(this.partial, () => {
      this.commit();
      this.release();
    });
  }

  private get partial(): string {
    return `${this.path}.partial`;
  }

  private commit(): void {
    if (!this.db) return;
    this.db.exec('COMMIT; BEGIN');
    this.uncommitted = 0;
    this.lastCommit = Date.now();
  }

  /** Ends the open transaction (empty after commit) and closes the connection. */
  private release(): void {
    if (!this.db) return;
    if (this.db.isTransaction) this.db.exec('COMMIT');
    this.db.close();
    this.db = null;
    this.insertCell = null;
    this.insertIndex = null;
  }
}

/** The one SRS of the layer, or an OutputError when the sources disagree. */
function layerSrs(path: string, layout: GpkgLayout): SrsRow {
  const rows = layout.sources.map((s) => srsFor(s.crs));
  const first = rows[0] ?? srsFor(null);
  const other = rows.findIndex((r) => !sameSrs(r, first));
  if (other >= 0) {
    const a = layout.sources[0];
    const b = layout.sources[other];
    throw new OutputError(
      `${path}: a GeoPackage layer has one CRS, but ${a.name} is in ${srsLabel(first)} and ${b.name} in ${srsLabel(rows[other])}; export them separately or to CSV`,
    );
  }
  return first;
}

/** Holds the write lock for the whole run, so a second process cannot write the same partial. */
function lockExclusively(db: DatabaseSync): void {
  db.exec('PRAGMA locking_mode = EXCLUSIVE');
}

/** Runs SQLite work, turning its errors into one-line OutputErrors naming the file. */
function sqlite<T>(file: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof OutputError) throw err;
    const message = (err instanceof Error ? err.message : String(err)).split('\n')[0];
    if (/database is locked/.test(message)) throw new OutputError(`${file} is in use by another process (${message})`);
    throw new OutputError(`${file}: ${message}`);
  }
}

/** float32 little-endian bytes, whatever the host's byte order. */
function float32Blob(values: ArrayLike<number>): Uint8Array {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return bytes;
}

/** The exact extent of all cells, from the envelopes in the geometry headers (the R*Tree holds float32-rounded boxes). */
function extent(db: DatabaseSync): { minX: number; minY: number; maxX: number; maxY: number } | null {
  let e: { minX: number; minY: number; maxX: number; maxY: number } | null = null;
  for (const row of db.prepare(`SELECT ${GEOM} FROM ${CELLS}`).iterate()) {
    const env = row[GEOM] instanceof Uint8Array ? blobEnvelope(row[GEOM]) : null;
    if (!env) continue;
    if (!e) e = { ...env };
    else {
      e.minX = Math.min(e.minX, env.minX);
      e.minY = Math.min(e.minY, env.minY);
      e.maxX = Math.max(e.maxX, env.maxX);
      e.maxY = Math.max(e.maxY, env.maxY);
    }
  }
  return e;
}

/**
 * The run identity recorded in a finished GeoPackage's provenance, or null when it has none (or is not ours);
 * provenance that RCF Desktop cannot read is refused.
 */
function readFinishedRunKey(Database: typeof DatabaseSync, path: string): string | null {
  let metadata: string;
  let db: DatabaseSync | null = null;
  try {
    db = new Database(path, { readOnly: true });
    const row = db.prepare('SELECT metadata FROM gpkg_metadata WHERE md_standard_uri = ? ORDER BY id LIMIT 1').get(PROVENANCE_URI);
    if (!row) return null;
    metadata = String(row.metadata);
  } catch {
    return null;
  } finally {
    db?.close();
  }
  return JSON.stringify(parseProvenanceText(metadata, path).run) ?? null;
}

/** A database file with whatever rollback journal or WAL files it left. */
async function removeDatabase(path: string): Promise<void> {
  await Promise.all(['', '-journal', '-wal', '-shm'].map((suffix) => rm(path + suffix, { force: true })));
}
