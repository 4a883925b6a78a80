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
 * cells go to `OUT.gpkg.partial`, itself a valid SQLite file holding, in the
 * one-row table `rcf_run` (column `run`), the JSON
 *
 *   { "run": the run key (with "backend": { "name", "device" } once the kernel is bound),
 *     "rows": the rows of `cells`, "sha256": their rows checksum (hashRow) }
 *
 * updated in the same transaction as the rows, committed every few hundred
 * cells or second, so a killed process loses at most the last batch and what
 * is committed always matches its checksum. finish() adds metadata (the
 * provenance with "run" and "output": { "rows", "sha256" }), weights, extent
 * and triggers in the same transaction, closes the database and only then
 * renames it to `OUT.gpkg`. No per-row timestamps: a resumed run has the same
 * rows (and fids) as an uninterrupted one. `OUT.gpkg.lock` holds the writer's
 * pid (output.ts).
 *
 * `--resume` keeps rows only once they verify: the columns, the checksum, fids
 * 1, 2, … holding the run's cells in grid order (a duplicated, foreign or
 * reordered row is refused), each row's source, row and col, its values'
 * types, and the spatial index's row count. A finished output is verified the
 * same way against the checksum in its provenance; a partial that was
 * finished but not yet renamed (the process died in between) is verified and
 * renamed.
 *
 * `node:sqlite` is loaded on first open(), so only GeoPackage exports print
 * Node's "SQLite is an experimental feature" warning.
 */
import { createHash, type Hash } from 'node:crypto';
import { rename, rm } from 'node:fs/promises';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { UserError } from '../../../shared/errors/index.js';
import { parseProvenanceText, type Provenance } from '../../../shared/provenance/index.js';
import type { CrsInfo } from '../crs/index.js';
import { cellId, type CellResult } from '../rcf/featurize.js';
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
import { insertSrsRows, sameSrs, srsFor, srsLabel, type SrsRow } from './gpkg/srs.js';
import {
  OutputError,
  OutputLock,
  createExclusive,
  entryExists,
  otherBackendError,
  ownFile,
  pathExists,
  recordedBackend,
  refuseInputs,
  runDifference,
  runKeyText,
  wayOut,
  type BackendIdentity,
  type FeatureOutput,
  type OutputOptions,
} from './output.js';

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

/** An open partial's state. */
interface GpkgState {
  db: DatabaseSync;
  lock: OutputLock;
  run: unknown;
  hash: Hash;
  rows: number;
}

/** An open GeoPackage output: knows which cells are done and takes them in order. */
export class GpkgOutput implements FeatureOutput {
  readonly alreadyFinished: boolean;
  readonly doneCells: Set<string>;
  private readonly path: string;
  private readonly srsId: number;
  private readonly blobFeatures: boolean;
  private db: DatabaseSync | null;
  private readonly lock: OutputLock | null;
  private insertCell: StatementSync | null = null;
  private insertIndex: StatementSync | null = null;
  private updateRun: StatementSync | null = null;
  private run: unknown;
  /** The rows checksum of the `rows` rows written (hashRow). */
  private readonly hash: Hash;
  private rows: number;
  private uncommitted = 0;
  private lastCommit = Date.now();
  private weights: { shape: number[]; data: Float32Array } | null = null;

  private constructor(path: string, layout: GpkgLayout, srsId: number, state: GpkgState | null, doneCells: Set<string>) {
    this.path = path;
    this.db = state?.db ?? null;
    this.lock = state?.lock ?? null;
    this.run = state?.run ?? null;
    this.hash = state?.hash ?? createHash('sha256');
    this.rows = state?.rows ?? 0;
    this.srsId = srsId;
    this.blobFeatures = layout.features > MAX_FEATURE_COLUMNS;
    this.doneCells = doneCells;
    this.alreadyFinished = state === null;
    if (this.db) {
      const columns = cellsColumns(layout.features).slice(1); // fid: SQLite numbers rows 1, 2, … in insertion order
      this.insertCell = this.db.prepare(`INSERT INTO ${CELLS} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})`);
      this.insertIndex = this.db.prepare(`INSERT INTO ${RTREE} VALUES (?, ?, ?, ?, ?)`);
      this.updateRun = this.db.prepare(`UPDATE ${RUN_TABLE} SET run = ?`);
    }
  }

  /**
   * Opens `path` for a run whose identity is `runKey` (a JSON-able description
   * of everything that determines the output but the backend, which
   * `useBackend` adds). Refuses to touch existing output unless told to resume
   * or overwrite, and keeps existing rows only once they verify.
   */
  static async open(path: string, layout: GpkgLayout, runKey: unknown, options: OutputOptions): Promise<GpkgOutput> {
    const partial = `${path}.partial`;
    const key = runKeyText(runKey);
    const srs = layerSrs(path, layout);
    const { DatabaseSync } = await import('node:sqlite');
    const files = [path, partial].flatMap((p) => DATABASE_SUFFIXES.map((suffix) => p + suffix));
    await refuseInputs([...files, `${path}.lock`], options.inputs ?? []);
    const lock = await OutputLock.acquire(path);
    try {
      if (options.overwrite) {
        await removeDatabase(path);
        await removeDatabase(partial);
      } else if (await pathExists(path)) {
        if (!options.resume) throw new OutputError(`${path} already exists; ${wayOut('replace-or-resume')}`);
        sqlite(path, () => verifyFinished(DatabaseSync, path, key, layout, options.cells));
        await lock.release();
        return new GpkgOutput(path, layout, srs.srsId, null, new Set());
      } else if (await entryExists(partial)) {
        if (!options.resume) throw new OutputError(`${partial} holds an unfinished run; ${wayOut('resume-or-start-over')}`);
        for (const suffix of DATABASE_SUFFIXES) await ownFile(partial + suffix, wayOut('start-over'));
        const resumed = sqlite(partial, () => resumePartial(DatabaseSync, path, layout, srs.srsId, lock, key, options.cells));
        if (resumed === 'finished') {
          await renameDatabase(partial, path); // it was finished, and verified: the process died before renaming it
          await lock.release();
          return new GpkgOutput(path, layout, srs.srsId, null, new Set());
        }
        return resumed;
      } else {
        await removeDatabase(partial); // a stale journal must never meet a new database of the same name
      }
      await (await createExclusive(partial)).close(); // never through a planted link; SQLite takes an empty file as a new database
      return sqlite(partial, () => {
        const db = new DatabaseSync(partial);
        try {
          db.exec(`PRAGMA application_id = ${APPLICATION_ID}; PRAGMA user_version = ${USER_VERSION};`);
          lockExclusively(db);
          db.exec('BEGIN');
          db.exec(CORE_TABLES);
          insertSrsRows(db, [srs]);
          db.exec(createCellsTable(layout.features, srs.srsId));
          const hash = createHash('sha256');
          db.prepare(`INSERT INTO ${RUN_TABLE} VALUES (?)`).run(runRecord(runKey, 0, hash));
          db.exec('COMMIT; BEGIN');
          return new GpkgOutput(path, layout, srs.srsId, { db, lock, run: runKey, hash, rows: 0 }, new Set());
        } catch (err) {
          db.close();
          throw err;
        }
      });
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** A resumed partial (for `resumePartial`). */
  static resumed(path: string, layout: GpkgLayout, srsId: number, state: GpkgState, done: Set<string>): GpkgOutput {
    return new GpkgOutput(path, layout, srsId, state, done);
  }

  async useBackend(backend: BackendIdentity): Promise<void> {
    if (!this.db) return;
    const recorded = recordedBackend(this.run);
    if (recorded && this.rows > 0) {
      if (recorded.name !== backend.name || recorded.device !== backend.device) throw otherBackendError(this.partial, recorded, backend);
      return;
    }
    this.run = { ...(this.run as object), backend };
    sqlite(this.partial, () => this.commit());
  }

  /** Adds a cell (committed in batches; by `finish` and `close` at the latest). */
  async write(cell: CellResult): Promise<void> {
    const insertCell = this.insertCell;
    const insertIndex = this.insertIndex;
    if (!insertCell || !insertIndex) throw new OutputError(`${this.path}: the output is closed`);
    const values: SqlValue[] = [
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
    const fid = this.rows + 1;
    sqlite(this.partial, () => {
      const { lastInsertRowid } = insertCell.run(...values);
      if (Number(lastInsertRowid) !== fid) throw new OutputError(`${this.partial}: a row got fid ${lastInsertRowid}, expected ${fid}`);
      // The index is filled here rather than by the spec's triggers: they need ST_* functions this connection lacks.
      insertIndex.run(lastInsertRowid, env.minX, env.maxX, env.minY, env.maxY);
      hashRow(this.hash, [fid, ...values]);
      this.rows = fid;
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
        db.exec(METADATA_TABLES);
        const output = { rows: this.rows, sha256: this.hash.copy().digest('hex') };
        const md = db
          .prepare(
            "INSERT INTO gpkg_metadata (md_scope, md_standard_uri, mime_type, metadata) VALUES ('dataset', ?, 'application/json', ?)",
          )
          .run(PROVENANCE_URI, JSON.stringify({ ...provenance, run: this.run, output }, null, 1));
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
          'UPDATE gpkg_contents SET min_x = ?, min_y = ?, max_x = ?, max_y = ?, ' +
            "last_change = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') WHERE table_name = ?",
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
    await renameDatabase(this.partial, this.path);
    await this.lock?.release();
  }

  /** Keeps what is written (for --resume) and releases the file. */
  async close(): Promise<void> {
    if (!this.db) return;
    try {
      sqlite(this.partial, () => {
        this.commit();
        this.release();
      });
    } finally {
      if (this.db) {
        this.db.close();
        this.db = null;
      }
      await this.lock?.release();
    }
  }

  async abandon(): Promise<void> {
    if (!this.db || this.rows > 0) return this.close();
    sqlite(this.partial, () => this.release());
    await removeDatabase(this.partial);
    await this.lock?.release();
  }

  private get partial(): string {
    return `${this.path}.partial`;
  }

  /** Commits the rows with their checksum in the same transaction. */
  private commit(): void {
    if (!this.db) return;
    this.updateRun!.run(runRecord(this.run, this.rows, this.hash));
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
    this.updateRun = null;
  }
}

/** The files SQLite keeps for a database. */
export const DATABASE_SUFFIXES = ['', '-journal', '-wal', '-shm'];

/** rcf_run's JSON. */
function runRecord(run: unknown, rows: number, hash: Hash): string {
  return JSON.stringify({ run, rows, sha256: hash.copy().digest('hex') });
}

/** A value of a `cells` row as node:sqlite gives and takes it. */
export type SqlValue = null | number | string | Uint8Array;

const TAG = { null: 0, number: 1, text: 2, blob: 3 } as const;

/**
 * The rows checksum of a GeoPackage output (`sha256` in rcf_run, `output.sha256` in the provenance): SHA-256 over the
 * rows of `cells` in fid order, each value in column order (fid first) encoded as
 *   NULL: 0x00 · a number: 0x01 + float64 little-endian (-0 as 0, NaN as NULL, as SQLite stores them) ·
 *   text: 0x02 + uint32 LE byte length + UTF-8 · a blob: 0x03 + uint32 LE length + the bytes.
 */
export function hashRow(hash: Hash, values: readonly SqlValue[]): void {
  let size = 0;
  const texts: (Buffer | null)[] = values.map((v) => (typeof v === 'string' ? Buffer.from(v, 'utf8') : null));
  values.forEach((v, i) => {
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) size += 1;
    else if (typeof v === 'number') size += 9;
    else size += 5 + (texts[i] ?? (v as Uint8Array)).length;
  });
  const out = Buffer.allocUnsafe(size);
  let at = 0;
  values.forEach((v, i) => {
    if (v === null || (typeof v === 'number' && Number.isNaN(v))) {
      out[at++] = TAG.null;
    } else if (typeof v === 'number') {
      out[at++] = TAG.number;
      out.writeDoubleLE(v === 0 ? 0 : v, at);
      at += 8;
    } else {
      const bytes = texts[i] ?? (v as Uint8Array);
      out[at++] = typeof v === 'string' ? TAG.text : TAG.blob;
      out.writeUInt32LE(bytes.length, at);
      out.set(bytes, at + 4);
      at += 4 + bytes.length;
    }
  });
  hash.update(out);
}

/**
 * Continues an unfinished run once its rows verify (holding the database's write lock from here on), or 'finished' for a
 * partial that was finished but not renamed, once it verifies as a finished output.
 */
function resumePartial(
  Database: typeof DatabaseSync,
  path: string,
  layout: GpkgLayout,
  srsId: number,
  lock: OutputLock,
  key: string | null,
  cells: () => Iterable<string>,
): GpkgOutput | 'finished' {
  const partial = `${path}.partial`;
  const remedy = wayOut('start-over');
  const db = new Database(partial);
  try {
    lockExclusively(db);
    if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(RUN_TABLE)) {
      const provenance = finishedProvenance(db, partial);
      if (!provenance) throw new OutputError(`${partial} has no record of its run (table ${RUN_TABLE}); ${remedy}`);
      verifyFinishedRows(db, partial, provenance, key, layout, cells);
      db.close();
      return 'finished';
    }
    const row = db.prepare(`SELECT run FROM ${RUN_TABLE}`).get();
    const record = row ? parseRunRecord(String(row.run)) : null;
    if (record && runKeyText(record.run) !== key) {
      throw new OutputError(`${partial} is an unfinished run with other settings or inputs${runDifference(record.run, key)}; ${remedy}`);
    }
    if (!record || record.rows === undefined) throw new OutputError(`${partial} has no record of its rows' checksum; ${remedy}`);
    checkColumns(db, partial, layout, remedy);
    const scan = scanCells(db, partial, layout, cells);
    if (scan.rows !== record.rows || scan.hash.copy().digest('hex') !== record.sha256) {
      throw new OutputError(`${partial} does not match the checksum in its table ${RUN_TABLE} (it changed after rcf wrote it); ${remedy}`);
    }
    if (scan.problem) throw new OutputError(`${partial}: ${scan.problem}; ${remedy}`);
    if (scan.rows > 0 && !recordedBackend(record.run))
      throw new OutputError(`${partial} does not record the backend of its rows; ${remedy}`);
    db.exec('BEGIN IMMEDIATE'); // takes the write lock now: a second process resuming the same partial is refused here
    return GpkgOutput.resumed(path, layout, srsId, { db, lock, run: record.run, hash: scan.hash, rows: scan.rows }, scan.done);
  } catch (err) {
    if (db.isOpen) db.close();
    throw err;
  }
}

function parseRunRecord(text: string): { run: unknown; rows?: number; sha256?: string } | null {
  try {
    const json = JSON.parse(text);
    if (typeof json !== 'object' || json === null) return null;
    const rows = Number.isSafeInteger(json.rows) && json.rows >= 0 ? (json.rows as number) : undefined;
    const sha256 = typeof json.sha256 === 'string' ? json.sha256 : undefined;
    return { run: json.run, rows: sha256 === undefined ? undefined : rows, sha256 };
  } catch {
    return null;
  }
}

function checkColumns(db: DatabaseSync, file: string, layout: GpkgLayout, remedy: string): void {
  const columns = db
    .prepare(`PRAGMA table_info(${CELLS})`)
    .all()
    .map((c) => String(c.name));
  if (columns.join() !== cellsColumns(layout.features).join()) {
    throw new OutputError(`${file} has other columns than this run writes; ${remedy}`);
  }
}

/**
 * Walks the rows of `cells` in fid order: their checksum, the cells they hold (the first of the run's, in grid order),
 * and the first problem found (the checksum is computed to the end regardless, so a changed file is named as such).
 */
function scanCells(db: DatabaseSync, file: string, layout: GpkgLayout, cells: () => Iterable<string>) {
  const columns = cellsColumns(layout.features);
  const expected = cells()[Symbol.iterator]();
  const hash = createHash('sha256');
  const done = new Set<string>();
  let problem: string | null = null;
  let rows = 0;
  for (const r of db.prepare(`SELECT * FROM ${CELLS} ORDER BY fid`).iterate()) {
    const values = columns.map((c) => r[c] as SqlValue | bigint);
    if (values.some((v) => typeof v === 'bigint')) throw new OutputError(`${file}: row ${rows + 1} holds an out-of-range integer`);
    hashRow(hash, values as SqlValue[]);
    rows++;
    if (problem) continue;
    problem = rowProblem(values as SqlValue[], rows, expected.next(), layout);
    if (!problem) done.add(String(values[2]));
  }
  if (!problem) {
    const index = db.prepare(`SELECT count(*) AS n, min(id) AS lo, max(id) AS hi FROM ${RTREE}`).get()!;
    if (index.n !== rows || (rows > 0 && (index.lo !== 1 || index.hi !== rows))) {
      problem = `its spatial index ${RTREE} has ${index.n} rows for ${rows} cells`;
    }
  }
  return { rows, hash, done, problem, complete: expected.next().done === true };
}

/** What is wrong with the `n`-th row (fid first), given the cell the run's grid order has there; null when nothing. */
function rowProblem(values: SqlValue[], n: number, next: IteratorResult<string>, layout: GpkgLayout): string | null {
  const [fid, geom, id, source, row, col, validFraction, ...features] = values;
  const q = JSON.stringify;
  if (fid !== n) return `row ${n} has fid ${q(fid)} (rows are numbered 1, 2, … in grid order)`;
  if (typeof id !== 'string' || typeof source !== 'string') return `row ${n} has no cell id or source`;
  if (next.done) return `row ${n} holds cell ${q(id)}, but the run has only ${n - 1} cells`;
  if (id !== next.value)
    return `row ${n} holds cell ${q(id)} where the run's grid order has ${q(next.value)} (a duplicated, foreign or reordered row)`;
  if (!Number.isInteger(row) || !Number.isInteger(col) || id !== cellId(source, row as number, col as number)) {
    return `row ${n}: the source, row and col do not match cell ${q(id)}`;
  }
  if (!(geom instanceof Uint8Array)) return `row ${n} has no geometry`;
  const numberOrNull = (v: SqlValue) => v === null || typeof v === 'number';
  if (!numberOrNull(validFraction)) return `row ${n}: valid_fraction is not a number`;
  const blob = layout.features > MAX_FEATURE_COLUMNS;
  const featuresOk = blob ? features[0] instanceof Uint8Array && features[0].length === 4 * layout.features : features.every(numberOrNull);
  return featuresOk ? null : `row ${n}: the features are not ${blob ? `a blob of ${4 * layout.features} bytes` : 'numbers'}`;
}

/** The provenance in a (finished) database's metadata, or null when it has none. */
export function finishedProvenance(db: DatabaseSync, file: string): Provenance | null {
  if (!db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'gpkg_metadata'").get()) return null;
  const row = db.prepare('SELECT metadata FROM gpkg_metadata WHERE md_standard_uri = ? ORDER BY id LIMIT 1').get(PROVENANCE_URI);
  return row ? parseProvenanceText(String(row.metadata), file) : null;
}

/** A finished output is complete for this run only when its identity, checksum and rows all verify. */
function verifyFinished(
  Database: typeof DatabaseSync,
  path: string,
  key: string | null,
  layout: GpkgLayout,
  cells: () => Iterable<string>,
) {
  let db: DatabaseSync;
  try {
    db = new Database(path, { readOnly: true });
  } catch {
    throw new OutputError(`${path} was made with other settings or inputs; ${wayOut('replace')}`);
  }
  try {
    let provenance: Provenance | null;
    try {
      provenance = finishedProvenance(db, path);
    } catch (err) {
      if (err instanceof OutputError || !/not a database/.test(String(err))) throw err;
      provenance = null;
    }
    if (!provenance) throw new OutputError(`${path} was made with other settings or inputs; ${wayOut('replace')}`);
    verifyFinishedRows(db, path, provenance, key, layout, cells);
  } finally {
    db.close();
  }
}

function verifyFinishedRows(
  db: DatabaseSync,
  file: string,
  provenance: Provenance,
  key: string | null,
  layout: GpkgLayout,
  cells: () => Iterable<string>,
): void {
  const remedy = wayOut('write-again');
  if (runKeyText(provenance.run) !== key) {
    throw new OutputError(`${file} was made with other settings or inputs${runDifference(provenance.run, key)}; ${wayOut('replace')}`);
  }
  checkColumns(db, file, layout, remedy);
  const scan = scanCells(db, file, layout, cells);
  const output = provenance.output;
  if (output && (scan.rows !== output.rows || scan.hash.copy().digest('hex') !== output.sha256)) {
    throw new OutputError(`${file} does not match the checksum in its metadata (it changed after the run finished); ${remedy}`);
  }
  if (scan.problem) throw new OutputError(`${file}: ${scan.problem}; ${remedy}`);
  if (!scan.complete) throw new OutputError(`${file} holds ${scan.rows} rows, fewer than the run's cells; ${remedy}`);
}

/** The one SRS of the layer, or an OutputError when the sources disagree. */
export function layerSrs(path: string, layout: Pick<GpkgLayout, 'sources'>): SrsRow {
  const rows = layout.sources.map((s) => srsFor(s.crs));
  const first = rows[0] ?? srsFor(null);
  const other = rows.findIndex((r) => !sameSrs(r, first));
  if (other >= 0) {
    const a = layout.sources[0];
    const b = layout.sources[other];
    throw new OutputError(
      `${path}: a GeoPackage layer has one CRS, but ${a.name} is in ${srsLabel(first)} and ${b.name} in ${srsLabel(rows[other])}; ` +
        'export them separately or to CSV',
    );
  }
  return first;
}

/** Holds the write lock for the whole run, so a second process cannot write the same partial. */
function lockExclusively(db: DatabaseSync): void {
  db.exec('PRAGMA locking_mode = EXCLUSIVE');
}

/** Runs SQLite work, turning its errors into one-line OutputErrors naming the file. */
export function sqlite<T>(file: string, work: () => T): T {
  try {
    return work();
  } catch (err) {
    if (err instanceof UserError) throw err;
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

/** Gives a closed database its final name, removing first any journal of that name (which the next opener would apply to it). */
export async function renameDatabase(from: string, to: string): Promise<void> {
  await Promise.all(DATABASE_SUFFIXES.slice(1).map((suffix) => rm(to + suffix, { force: true })));
  await rename(from, to);
}

/** A database file with whatever rollback journal or WAL files it left. */
export async function removeDatabase(path: string): Promise<void> {
  await Promise.all(DATABASE_SUFFIXES.map((suffix) => rm(path + suffix, { force: true })));
}
