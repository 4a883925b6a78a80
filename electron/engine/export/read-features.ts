/**
 * A finished `rcf featurize` output (CSV with its `OUT.csv.json` sidecar,
 * GeoPackage or GeoParquet) read back as model input: its provenance, its cells in file
 * order, and its feature rows streamed pass after pass (a fit reads them more
 * than once), never all held at once (N up to 2^24 cells, K up to 8192).
 *
 * The file is checked when it is opened, in one pass: the provenance, the
 * columns (the header of `rcf featurize`, the `cells` layer's, or the Parquet file's), each row's
 * cell (its id, source, row and col on the run's grid) and the checksum its
 * provenance records (`output`), so a file edited after the run is refused
 * rather than read as something else. Later passes check that the file is
 * still the one opened (size and modification time) and holds the same cells.
 *
 * A cell is `usable` when all its K features are finite (a cell without any
 * valid window has empty, NaN, features); `usable` streams those rows only.
 */
import { createHash } from 'node:crypto';
import { open, stat } from 'node:fs/promises';
import type { DatabaseSync } from 'node:sqlite';
import { MISSING_FILE, UserError, fileProblem, throwIfCancelled } from '../../../shared/errors/index.js';
import type { Provenance } from '../../../shared/provenance/index.js';
import { LIMITS, LimitError, formatBytes } from '../limits.js';
import type { FeatureSource } from '../model/index.js';
import { cellId } from '../rcf/featurize.js';
import { sourceGrids } from '../jobs/provenance-grid.js';
import { csvHeader } from './csv.js';
import { finishedProvenance, hashRow, sqlite, type SqlValue } from './gpkg.js';
import { CELLS, MAX_FEATURE_COLUMNS, cellsColumns, featureColumns } from './gpkg/schema.js';
import { OutputError, entryExists } from './output.js';
import { featuresAsList, finishedParquet, readGroup, sha256Prefix, type OpenParquet } from './parquet/index.js';
import { FIXED_COLUMNS, csvFileRecords, readCsvProvenance } from './read-csv.js';

/** One cell of a feature file, in file order. */
export interface FeatureCell {
  cellId: string;
  source: string;
  row: number;
  col: number;
  validFraction: number;
  /** All K features are finite. */
  usable: boolean;
}

/** Weighted members of one group (a polygon, a label with several cells): indexes into `cells`. */
export type WeightedGroup = readonly { index: number; weight: number }[];

export interface FeatureFile {
  path: string;
  format: 'csv' | 'gpkg' | 'parquet';
  provenance: Provenance;
  /** K, features per cell. */
  columns: number;
  cells: FeatureCell[];
  /** The float32 feature rows of the usable cells, in file order, streamed once per pass. */
  usable: FeatureSource;
  /** The feature rows of `cells[i]` for each i given (repeats allowed), m×K row-major, NaN where the file has no value. */
  rowsOf(indexes: ArrayLike<number>): Promise<Float64Array>;
  /**
   * Per group, the weighted mean of its members' feature rows (G×K row-major), over the usable members with a positive
   * weight, and the sum of those weights (`weights`); a group without any has a NaN row and weight 0.
   */
  weightedMeans(groups: readonly WeightedGroup[]): Promise<{ means: Float64Array; weights: Float64Array }>;
}

export interface OpenFeatureOptions {
  signal?: AbortSignal;
}

/** Rows of one chunk of `usable`: about 4 MiB of float32 a chunk. */
const CHUNK_BYTES = 4 * 2 ** 20;
/** Rows between two cancellation checks. */
const CHECK_ROWS = 256;

/** One pass over a file's rows: each row's index in `cells` and its features (the same buffer, overwritten by the next row). */
type RowPass = (signal?: AbortSignal) => AsyncGenerator<{ index: number; features: Float32Array }>;

export async function openFeatureFile(path: string, options: OpenFeatureOptions = {}): Promise<FeatureFile> {
  const { signal } = options;
  throwIfCancelled(signal);
  await refuseUnfinished(path);
  const head = await fileHead(path);
  const format = head === 'SQLite format 3\0' ? 'gpkg' : head.startsWith('PAR1') ? 'parquet' : 'csv';
  if (format === 'csv' && /\.gpkg$/i.test(path)) throw new OutputError(`${path} is not a GeoPackage (not an SQLite file)`, { path });
  if (format === 'csv' && /\.parquet$/i.test(path)) throw new OutputError(`${path} is not a Parquet file`, { path });
  const opened =
    format === 'gpkg'
      ? await openGpkg(path, signal)
      : format === 'parquet'
        ? await openParquetFile(path, signal)
        : await openCsv(path, signal);
  const { provenance, columns, cells, pass } = opened;
  const version = await stat(path);
  /** A pass that first checks the file is still the one opened, and that its rows are the cells read then. */
  const checkedPass: RowPass = async function* (passSignal) {
    const now = await stat(path);
    if (now.size !== version.size || now.mtimeMs !== version.mtimeMs) {
      throw new OutputError(`${path} changed after it was opened; open it again`, { path });
    }
    yield* pass(passSignal ?? signal);
  };
  const usableCount = cells.reduce((n, c) => n + (c.usable ? 1 : 0), 0);
  const chunkRows = Math.max(1, Math.floor(CHUNK_BYTES / (4 * columns)));
  return {
    path,
    format,
    provenance,
    columns,
    cells,
    usable: {
      rows: usableCount,
      columns,
      async *chunks() {
        let chunk = new Float32Array(Math.min(chunkRows, usableCount) * columns);
        let filled = 0;
        for await (const { index, features } of checkedPass()) {
          if (!cells[index].usable) continue;
          chunk.set(features, filled * columns);
          if (++filled * columns === chunk.length) {
            yield chunk;
            chunk = new Float32Array(chunk.length);
            filled = 0;
          }
        }
        if (filled > 0) yield chunk.subarray(0, filled * columns);
      },
    },
    rowsOf: (indexes) => rowsOf(path, cells.length, columns, checkedPass, indexes),
    weightedMeans: (groups) => weightedMeans(path, cells, columns, checkedPass, groups),
  };
}

/** A `.partial` (or an output whose run has not finished) is refused: its rows are not all there, nor checked. */
async function refuseUnfinished(path: string): Promise<void> {
  if (/\.partial$/i.test(path)) {
    throw new OutputError(`${path} is an unfinished rcf featurize output; finish the run with {resume} and use the file it makes`, {
      path,
    });
  }
  let s;
  try {
    s = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' && (await entryExists(`${path}.partial`))) {
      throw new OutputError(`${path} is not finished (its rows are still in ${path}.partial); finish the run with {resume}`, { path });
    }
    throw new UserError(`${path}: ${fileProblem(code) ?? MISSING_FILE}`, { path });
  }
  if (!s.isFile()) throw new UserError(`${path}: not a regular file`, { path });
}

/** The file's first 16 bytes (fewer for a shorter file), as latin1: the format's magic. */
async function fileHead(path: string): Promise<string> {
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(16);
    const { bytesRead } = await handle.read(head, 0, 16, 0);
    return head.toString('latin1', 0, bytesRead);
  } finally {
    await handle.close();
  }
}

interface Opened {
  provenance: Provenance;
  columns: number;
  cells: FeatureCell[];
  pass: RowPass;
}

/** The check every row gets: its cell id names its source, row and col, which lie on the run's grid. */
function cellChecker(path: string, provenance: Provenance) {
  const grids = new Map(sourceGrids(provenance).map((g) => [g.name, g.shape] as const));
  return (id: unknown, source: unknown, row: unknown, col: unknown, where: string): string | null => {
    const shape = typeof source === 'string' ? grids.get(source) : undefined;
    if (typeof id !== 'string' || !shape) return `${path}: ${where} holds a cell of no input of its run`;
    if (!Number.isInteger(row) || !Number.isInteger(col) || id !== cellId(source as string, row as number, col as number)) {
      return `${path}: ${where}: the source, row and col do not match cell ${JSON.stringify(id)}`;
    }
    if ((row as number) < 0 || (row as number) >= shape.rows || (col as number) < 0 || (col as number) >= shape.cols) {
      return `${path}: ${where} holds cell ${JSON.stringify(id)}, outside its run's grid`;
    }
    return null;
  };
}

function refuseCount(path: string, cells: number): void {
  if (cells > LIMITS.runCells) throw new LimitError({ path }, `holds more than ${cells - 1} cells`, `${LIMITS.runCells} cells`);
}

/** The features of one CSV row: fields 10… as float32, empty for NaN; null when one is not a number. */
function parseFeatureFields(fields: string[], out: Float32Array): boolean {
  for (let i = 0; i < out.length; i++) {
    const text = fields[FIXED_COLUMNS + i];
    const v = text === '' ? NaN : Number(text);
    if (Number.isNaN(v) && text !== '') return false;
    out[i] = v;
  }
  return true;
}

async function openCsv(path: string, signal: AbortSignal | undefined): Promise<Opened> {
  const sidecar = `${path}.json`;
  // The header first: a CSV that is no features table is named as such, not as one missing its sidecar.
  for await (const { fields } of csvFileRecords(path)) {
    if (fields[0] !== 'cell_id' || fields[FIXED_COLUMNS - 1] !== 'valid_fraction' || fields[FIXED_COLUMNS] !== 'f0') {
      throw new OutputError(`${path} is not an rcf featurize output (its first line is not the cell_id,…,f0,… header)`, { path });
    }
    break;
  }
  if (!(await entryExists(sidecar))) {
    throw new OutputError(`${path} has no provenance ${sidecar} beside it (rcf featurize writes it with the CSV; keep them together)`, {
      path,
    });
  }
  const provenance = await readCsvProvenance(path);
  const columns = provenance.rcf.features;
  const header = csvHeader(columns);
  const check = cellChecker(path, provenance);
  const cells: FeatureCell[] = [];
  const features = new Float32Array(columns);
  const hash = createHash('sha256');
  let bytes = 0;
  let headerSeen = false;
  for await (const record of csvFileRecords(path, { onBytes: (b) => (hash.update(b), (bytes += b.length)) })) {
    const { fields, line } = record;
    if (!headerSeen) {
      if (fields.join(',') !== header) {
        throw new OutputError(`${path}: its header does not have the ${columns} features its provenance ${sidecar} records`, { path });
      }
      headerSeen = true;
      continue;
    }
    if (cells.length % CHECK_ROWS === 0) throwIfCancelled(signal);
    if (fields.length !== FIXED_COLUMNS + columns) {
      throw new OutputError(`${path}: line ${line} has ${fields.length} fields, expected ${FIXED_COLUMNS + columns}`, { path });
    }
    const problem = check(fields[0], fields[1], intOf(fields[2]), intOf(fields[3]), `line ${line}`);
    if (problem) throw new OutputError(problem, { path });
    if (!parseFeatureFields(fields, features)) throw new OutputError(`${path}: line ${line}: a feature is not a number`, { path });
    refuseCount(path, cells.length + 1);
    cells.push({
      cellId: fields[0],
      source: fields[1],
      row: Number(fields[2]),
      col: Number(fields[3]),
      validFraction: fields[8] === '' ? NaN : Number(fields[8]),
      usable: features.every(Number.isFinite),
    });
  }
  if (!headerSeen) throw new OutputError(`${path} is empty`, { path });
  const output = provenance.output;
  if (output && (output.bytes !== bytes || output.sha256 !== hash.digest('hex') || output.rows !== cells.length)) {
    throw new OutputError(`${path} does not match the checksum in ${sidecar} (it changed after the run finished)`, { path });
  }
  const pass: RowPass = async function* (passSignal) {
    let index = -1; // the header
    const row = new Float32Array(columns);
    for await (const { fields, line } of csvFileRecords(path)) {
      if (index < 0) {
        index = 0;
        continue;
      }
      if (index % CHECK_ROWS === 0) throwIfCancelled(passSignal);
      const cell = cells[index];
      if (!cell || fields[0] !== cell.cellId || fields.length !== FIXED_COLUMNS + columns || !parseFeatureFields(fields, row)) {
        throw new OutputError(`${path}: line ${line} is not the row it held when the file was opened; open it again`, { path });
      }
      yield { index, features: row };
      index++;
    }
    if (index !== cells.length) throw new OutputError(`${path} lost rows after it was opened; open it again`, { path });
  };
  return { provenance, columns, cells, pass };
}

function intOf(text: string): number {
  return /^(?:0|[1-9][0-9]*)$/.test(text) ? Number(text) : NaN;
}

/** node:sqlite, loaded on use (it prints an "experimental" warning when first imported). */
async function database(path: string): Promise<DatabaseSync> {
  const { DatabaseSync } = await import('node:sqlite');
  return sqlite(path, () => new DatabaseSync(path, { readOnly: true }));
}

/** A GeoPackage row's features into `out`: the f-columns (NULL for NaN) or the float32 little-endian blob. */
function gpkgFeatures(row: Record<string, SqlValue>, names: string[], out: Float32Array): boolean {
  if (names.length === 1 && names[0] === 'features') {
    const blob = row.features;
    if (!(blob instanceof Uint8Array) || blob.length !== 4 * out.length) return false;
    const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
    for (let i = 0; i < out.length; i++) out[i] = view.getFloat32(4 * i, true);
    return true;
  }
  for (let i = 0; i < out.length; i++) {
    const v = row[names[i]];
    if (v !== null && typeof v !== 'number') return false;
    out[i] = v === null ? NaN : v;
  }
  return true;
}

async function openGpkg(path: string, signal: AbortSignal | undefined): Promise<Opened> {
  const notFeatures = (why: string) => new OutputError(`${path} is not an rcf featurize output (${why})`, { path });
  const db = await database(path);
  try {
    return sqlite(path, () => {
      const provenance = finishedProvenance(db, path);
      if (!provenance) throw notFeatures('no rcf provenance in its gpkg_metadata');
      const columns = provenance.rcf.features;
      const names = featureColumns(columns);
      const have = db
        .prepare(`PRAGMA table_info(${CELLS})`)
        .all()
        .map((c) => String(c.name));
      if (have.length === 0) throw notFeatures(`no layer ${CELLS}`);
      if (have.join() !== cellsColumns(columns).join()) {
        throw notFeatures(`its layer ${CELLS} does not have the columns of ${columns} features its provenance records`);
      }
      const check = cellChecker(path, provenance);
      const cells: FeatureCell[] = [];
      const features = new Float32Array(columns);
      const hash = createHash('sha256');
      const all = cellsColumns(columns);
      for (const row of db.prepare(`SELECT * FROM ${CELLS} ORDER BY fid`).iterate() as Iterable<Record<string, SqlValue>>) {
        const n = cells.length + 1;
        if (n % CHECK_ROWS === 0) throwIfCancelled(signal);
        hashRow(
          hash,
          all.map((c) => row[c]),
        );
        const problem = check(row.cell_id, row.source, row.row, row.col, `row ${n}`);
        if (problem) throw new OutputError(problem, { path });
        if (!gpkgFeatures(row, names, features)) {
          const what = columns > MAX_FEATURE_COLUMNS ? `a blob of ${4 * columns} bytes` : 'numbers';
          throw new OutputError(`${path}: row ${n}: the features are not ${what}`, { path });
        }
        refuseCount(path, n);
        cells.push({
          cellId: row.cell_id as string,
          source: row.source as string,
          row: row.row as number,
          col: row.col as number,
          validFraction: typeof row.valid_fraction === 'number' ? row.valid_fraction : NaN,
          usable: features.every(Number.isFinite),
        });
      }
      const output = provenance.output;
      if (output && (output.rows !== cells.length || output.sha256 !== hash.digest('hex'))) {
        throw new OutputError(`${path} does not match the checksum in its metadata (it changed after the run finished)`, { path });
      }
      const select = `SELECT cell_id, ${names.join(', ')} FROM ${CELLS} ORDER BY fid`;
      const pass: RowPass = async function* (passSignal) {
        const passDb = await database(path);
        try {
          const row = new Float32Array(columns);
          let index = 0;
          for (const r of passDb.prepare(select).iterate() as Iterable<Record<string, SqlValue>>) {
            if (index % CHECK_ROWS === 0) throwIfCancelled(passSignal);
            const cell = cells[index];
            if (!cell || r.cell_id !== cell.cellId || !gpkgFeatures(r, names, row)) {
              throw new OutputError(`${path}: row ${index + 1} is not the row it held when the file was opened; open it again`, { path });
            }
            yield { index, features: row };
            index++;
          }
          if (index !== cells.length) throw new OutputError(`${path} lost rows after it was opened; open it again`, { path });
        } finally {
          passDb.close();
        }
      };
      return { provenance, columns, cells, pass };
    });
  } finally {
    db.close();
  }
}

/** One row group's features as float32 rows (NaN where the file has null), or null when they are not K numbers a row. */
async function parquetGroupFeatures(pq: OpenParquet, group: number, columns: number): Promise<Float32Array | null> {
  const rows = pq.groupStarts[group + 1] - pq.groupStarts[group];
  const out = new Float32Array(rows * columns);
  const value = (v: unknown) => (v === null ? NaN : typeof v === 'number' ? v : undefined);
  if (pq.features === -1) {
    const lists = (await readGroup(pq, group, ['features'])).get('features')!;
    for (let r = 0; r < rows; r++) {
      const list = lists[r] as ArrayLike<unknown> | undefined;
      if (!list || list.length !== columns) return null;
      for (let f = 0; f < columns; f++) {
        const v = value(list[f]);
        if (v === undefined) return null;
        out[r * columns + f] = v;
      }
    }
    return out;
  }
  // A bounded number of feature columns at a time: each is one array of the group's rows.
  for (let first = 0; first < columns; first += 64) {
    const names = Array.from({ length: Math.min(64, columns - first) }, (_, i) => `f${first + i}`);
    const read = await readGroup(pq, group, names);
    names.forEach((name, i) => {
      const data = read.get(name)!;
      for (let r = 0; r < rows; r++) out[r * columns + first + i] = value(data[r]) ?? NaN;
    });
    for (const name of names) if (Array.from(read.get(name)!).some((v) => value(v) === undefined)) return null;
  }
  return out;
}

async function openParquetFile(path: string, signal: AbortSignal | undefined): Promise<Opened> {
  const notFeatures = (why: string) => new OutputError(`${path} is not an rcf featurize output (${why})`, { path });
  const { pq, provenance } = await finishedParquet(path, 'it must be a file rcf featurize wrote').catch((err: unknown) => {
    if (err instanceof OutputError && /no rcf provenance/.test(err.message)) throw notFeatures('no rcf provenance in its metadata');
    throw err;
  });
  const columns = provenance.rcf.features;
  if (pq.features === null || (pq.features !== -1 && pq.features !== columns) || (pq.features === -1) !== featuresAsList(columns)) {
    throw notFeatures(`its columns are not those of the ${columns} features its provenance records`);
  }
  const output = provenance.output;
  if (!output || output.bytes === undefined || (await sha256Prefix(path, output.bytes)) !== output.sha256) {
    throw new OutputError(`${path} does not match the checksum in its metadata (it changed after the run finished)`, { path });
  }
  const check = cellChecker(path, provenance);
  const cells: FeatureCell[] = [];
  const groups = pq.metadata.row_groups.length;
  for (let g = 0; g < groups; g++) {
    throwIfCancelled(signal);
    const read = await readGroup(pq, g, ['cell_id', 'source', 'row', 'col', 'valid_fraction']);
    const [ids, sources, rs, cs, valid] = ['cell_id', 'source', 'row', 'col', 'valid_fraction'].map((c) => read.get(c)!);
    const features = await parquetGroupFeatures(pq, g, columns);
    if (!features) throw new OutputError(`${path}: row group ${g + 1}: the features are not ${columns} numbers a row`, { path });
    for (let i = 0; i < ids.length; i++) {
      const n = cells.length + 1;
      const problem = check(ids[i], sources[i], rs[i], cs[i], `row ${n}`);
      if (problem) throw new OutputError(problem, { path });
      refuseCount(path, n);
      cells.push({
        cellId: ids[i] as string,
        source: sources[i] as string,
        row: rs[i] as number,
        col: cs[i] as number,
        validFraction: typeof valid[i] === 'number' ? (valid[i] as number) : NaN,
        usable: features.subarray(i * columns, (i + 1) * columns).every(Number.isFinite),
      });
    }
  }
  if (output.rows !== cells.length) {
    throw new OutputError(`${path} does not match the checksum in its metadata (it changed after the run finished)`, { path });
  }
  const pass: RowPass = async function* (passSignal) {
    // The row groups were checksummed when the file was opened, and checkedPass sees that it is still that file.
    let index = 0;
    for (let g = 0; g < groups; g++) {
      throwIfCancelled(passSignal);
      const features = await parquetGroupFeatures(pq, g, columns);
      const rows = pq.groupStarts[g + 1] - pq.groupStarts[g];
      if (!features)
        throw new OutputError(`${path}: row group ${g + 1} is not what it held when the file was opened; open it again`, { path });
      for (let r = 0; r < rows; r++, index++) yield { index, features: features.subarray(r * columns, (r + 1) * columns) };
    }
  };
  return { provenance, columns, cells, pass };
}

/** Refuses a selection that would not fit the budget for rows read at once. */
function refuseRowsBytes(path: string, rows: number, columns: number): void {
  const bytes = rows * columns * 8;
  if (bytes > LIMITS.featureRowsBytes) {
    throw new LimitError(
      { path },
      `${rows} rows of ${columns} features (${formatBytes(bytes)}) asked for at once`,
      formatBytes(LIMITS.featureRowsBytes),
    );
  }
}

function checkIndex(count: number, i: number): void {
  if (!Number.isInteger(i) || i < 0 || i >= count) throw new RangeError(`feature file: no cell ${i} (it has ${count})`);
}

async function rowsOf(path: string, count: number, columns: number, pass: RowPass, indexes: ArrayLike<number>): Promise<Float64Array> {
  refuseRowsBytes(path, indexes.length, columns);
  const m = indexes.length;
  const out = new Float64Array(m * columns);
  for (let j = 0; j < m; j++) checkIndex(count, indexes[j]);
  // Output positions sorted by the cell they want: one pass in file order fills them all.
  const order = Array.from({ length: m }, (_, j) => j).sort((a, b) => indexes[a] - indexes[b]);
  let p = 0;
  if (m === 0) return out;
  for await (const { index, features } of pass()) {
    while (p < m && indexes[order[p]] === index) out.set(features, order[p++] * columns);
    if (p === m) break;
  }
  return out;
}

async function weightedMeans(
  path: string,
  cells: FeatureCell[],
  columns: number,
  pass: RowPass,
  groups: readonly WeightedGroup[],
): Promise<{ means: Float64Array; weights: Float64Array }> {
  refuseRowsBytes(path, groups.length, columns);
  const G = groups.length;
  const means = new Float64Array(G * columns);
  const weights = new Float64Array(G);
  const members: { index: number; group: number; weight: number }[] = [];
  groups.forEach((group, g) => {
    for (const { index, weight } of group) {
      checkIndex(cells.length, index);
      if (!Number.isFinite(weight)) throw new RangeError(`feature file: group ${g} has a weight of ${weight}`);
      if (weight > 0 && cells[index].usable) members.push({ index, group: g, weight });
    }
  });
  members.sort((a, b) => a.index - b.index);
  let p = 0;
  if (members.length > 0) {
    for await (const { index, features } of pass()) {
      for (; p < members.length && members[p].index === index; p++) {
        const { group, weight } = members[p];
        const at = group * columns;
        for (let f = 0; f < columns; f++) means[at + f] += weight * features[f];
        weights[group] += weight;
      }
      if (p === members.length) break;
    }
  }
  for (let g = 0; g < G; g++) {
    const at = g * columns;
    if (weights[g] > 0) for (let f = 0; f < columns; f++) means[at + f] /= weights[g];
    else means.fill(NaN, at, at + columns);
  }
  return { means, weights };
}
