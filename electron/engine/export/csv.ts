/**
 * CSV export: one row per cell, columns
 * `cell_id,source,row,col,x,y,lon,lat,valid_fraction,f0,…,f{K-1}`.
 *
 * Never a half-written file presented as finished: rows go to `OUT.csv.partial`,
 * and only a completed run writes the provenance sidecar `OUT.csv.json` and
 * renames the rows to `OUT.csv`. `resume` continues an unfinished run of the
 * same identity; the result is byte-for-byte what an uninterrupted run writes
 * (no per-row timestamps).
 *
 * The files beside `OUT.csv`:
 * - `OUT.csv.partial`: the header and the rows of an unfinished run, in grid order;
 * - `OUT.csv.partial.json`, its record, rewritten (atomically) after every batch of rows:
 *     { "run": the run key (with "backend": { "name", "device" } once the kernel is bound),
 *       "rows": the rows written so far, "bytes": where they end in OUT.csv.partial (header included),
 *       "sha256": the SHA-256 of those bytes }
 *   Bytes after `bytes` (a batch being written when the process died) are dropped on resume and recomputed;
 * - `OUT.csv.json`: the provenance of a finished run, with "run" and
 *     "output": { "rows", "bytes": the size of OUT.csv, "sha256": the SHA-256 of OUT.csv };
 * - `OUT.csv.lock`: the writer's pid while a run writes (output.ts).
 *
 * `--resume` keeps rows only once they verify: the checksum; the header; each
 * row's field count, its cell id (the run's next cell in grid order, so a
 * duplicated, foreign or reordered row is refused), its source, row and col,
 * and its numbers. A finished output is verified the same way, against the
 * checksum in its provenance, before it is called complete.
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { constants, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { cellId, type CellResult } from '../rcf/featurize.js';
import { parseProvenanceText, type Provenance } from '../../../shared/provenance/index.js';
import { csvField, formatFloat32, formatFloat64 } from './format.js';
import {
  OutputError,
  OutputLock,
  createExclusive,
  entryExists,
  otherBackendError,
  ownFile,
  pathExists,
  readSmallText,
  recordedBackend,
  refuseInputs,
  runDifference,
  runKeyText,
  wayOut,
  writeFileAtomic,
  type BackendIdentity,
  type FeatureOutput,
  type OutputOptions,
} from './output.js';
import { FIXED_COLUMNS, csvFileRecords } from './read-csv.js';

export { OutputError };

export function csvHeader(features: number): string {
  const cols = ['cell_id', 'source', 'row', 'col', 'x', 'y', 'lon', 'lat', 'valid_fraction'];
  for (let i = 0; i < features; i++) cols.push(`f${i}`);
  return cols.join(',');
}

/** A feature as float text: a whole number gets `.0`, so a column of zeros is read as floats (pandas, R), not integers. */
function featureText(value: number): string {
  const text = formatFloat32(value);
  return /^-?[0-9]+$/.test(text) ? `${text}.0` : text;
}

export function csvRow(cell: CellResult): string {
  const parts = [
    csvField(cell.cellId),
    csvField(cell.source),
    String(cell.row),
    String(cell.col),
    formatFloat64(cell.x),
    formatFloat64(cell.y),
    formatFloat64(cell.lon),
    formatFloat64(cell.lat),
    formatFloat32(cell.validFraction),
  ];
  for (let i = 0; i < cell.features.length; i++) parts.push(featureText(cell.features[i]));
  return parts.join(',');
}

/** What `OUT.csv.partial.json` holds. */
export interface CsvPartialRecord {
  run: unknown;
  rows: number;
  bytes: number;
  sha256: string;
}

/** The files of a CSV output. */
export function csvFiles(path: string) {
  return { partial: `${path}.partial`, record: `${path}.partial.json`, sidecar: `${path}.json`, lock: `${path}.lock` };
}

/** An open partial's state. */
interface CsvState {
  handle: FileHandle;
  lock: OutputLock;
  run: unknown;
  hash: Hash;
  rows: number;
  bytes: number;
}

/** Rows buffered before they are written and checkpointed. */
const BATCH_ROWS = 64;

/** An open CSV output: knows which cells are done and takes rows in order. */
export class CsvOutput implements FeatureOutput {
  /** True when a finished output with the same identity was already there. */
  readonly alreadyFinished: boolean;
  readonly doneCells: Set<string>;
  private readonly path: string;
  private handle: FileHandle | null;
  private readonly lock: OutputLock | null;
  private run: unknown;
  /** SHA-256 of the partial's first `bytes` bytes, which hold `rows` rows. */
  private readonly hash: Hash;
  private rows: number;
  private bytes: number;
  private pending: string[] = [];

  private constructor(path: string, state: CsvState | null, doneCells: Set<string>) {
    this.path = path;
    this.handle = state?.handle ?? null;
    this.lock = state?.lock ?? null;
    this.run = state?.run ?? null;
    this.hash = state?.hash ?? createHash('sha256');
    this.rows = state?.rows ?? 0;
    this.bytes = state?.bytes ?? 0;
    this.doneCells = doneCells;
    this.alreadyFinished = state === null;
  }

  /**
   * Opens `path` for a run whose identity is `runKey` (a JSON-able description
   * of everything that determines the output but the backend, which
   * `useBackend` adds). Refuses to touch existing output unless told to resume
   * or overwrite, and keeps existing rows only once they verify.
   */
  static async open(path: string, features: number, runKey: unknown, options: OutputOptions): Promise<CsvOutput> {
    const { partial, record, sidecar, lock: lockFile } = csvFiles(path);
    const key = runKeyText(runKey);
    const header = csvHeader(features);
    await refuseInputs([path, partial, record, sidecar, lockFile], options.inputs ?? []);
    const lock = await OutputLock.acquire(path);
    try {
      if (options.overwrite) {
        await Promise.all([path, partial, record, sidecar].map((p) => rm(p, { force: true })));
      } else if (await pathExists(path)) {
        if (!options.resume) throw new OutputError(`${path} already exists; ${wayOut('replace-or-resume')}`);
        await verifyFinished(path, key, header, features, options.cells);
        await lock.release();
        return new CsvOutput(path, null, new Set());
      } else if (await entryExists(partial)) {
        if (!options.resume) throw new OutputError(`${partial} holds an unfinished run; ${wayOut('resume-or-start-over')}`);
        return await resumePartial(path, lock, key, header, features, options.cells);
      }
      const handle = await createExclusive(partial);
      const output = new CsvOutput(path, { handle, lock, run: runKey, hash: createHash('sha256'), rows: 0, bytes: 0 }, new Set());
      await output.append(header + '\n', 0);
      return output;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  /** A resumed partial's state (for `resumePartial`). */
  static resumed(path: string, state: CsvState, done: Set<string>): CsvOutput {
    return new CsvOutput(path, state, done);
  }

  async useBackend(backend: BackendIdentity): Promise<void> {
    if (!this.handle) return;
    const recorded = recordedBackend(this.run);
    if (recorded && this.rows > 0) {
      if (recorded.name !== backend.name || recorded.device !== backend.device) {
        throw otherBackendError(csvFiles(this.path).partial, recorded, backend);
      }
      return;
    }
    this.run = { ...(this.run as object), backend };
    await this.checkpoint();
  }

  /** Appends a cell's row (buffered; flushed by `flush`, `finish` and `close`). */
  async write(cell: CellResult): Promise<void> {
    this.pending.push(csvRow(cell) + '\n');
    if (this.pending.length >= BATCH_ROWS) await this.flush();
  }

  async flush(): Promise<void> {
    if (!this.handle || this.pending.length === 0) return;
    const rows = this.pending.length;
    const text = this.pending.join('');
    this.pending = [];
    await this.append(text, rows);
  }

  /** Marks the output finished: the sidecar first, then the rows under their final name. */
  async finish(provenance: object): Promise<void> {
    if (!this.handle) return;
    await this.flush();
    await this.handle.sync();
    await this.handle.close();
    this.handle = null;
    const { partial, record, sidecar } = csvFiles(this.path);
    const output = { rows: this.rows, bytes: this.bytes, sha256: this.hash.copy().digest('hex') };
    await writeFileAtomic(sidecar, JSON.stringify({ ...provenance, run: this.run, output }, null, 1) + '\n');
    await rename(partial, this.path);
    await rm(record, { force: true });
    await this.lock?.release();
  }

  /** Keeps what is done (for --resume) and releases the file. */
  async close(): Promise<void> {
    if (!this.handle) return;
    try {
      await this.flush();
    } finally {
      await this.handle.close();
      this.handle = null;
      await this.lock?.release();
    }
  }

  async abandon(): Promise<void> {
    if (!this.handle || this.rows > 0 || this.pending.length > 0) return this.close();
    await this.handle.close();
    this.handle = null;
    const { partial, record } = csvFiles(this.path);
    await Promise.all([partial, record].map((p) => rm(p, { force: true })));
    await this.lock?.release();
  }

  /** Writes `text` (holding `rows` rows), then records the checksum of everything written. */
  private async append(text: string, rows: number): Promise<void> {
    const bytes = Buffer.from(text, 'utf8');
    await this.handle!.writeFile(bytes);
    this.hash.update(bytes);
    this.bytes += bytes.length;
    this.rows += rows;
    await this.checkpoint();
  }

  private async checkpoint(): Promise<void> {
    const record: CsvPartialRecord = { run: this.run, rows: this.rows, bytes: this.bytes, sha256: this.hash.copy().digest('hex') };
    await writeFileAtomic(csvFiles(this.path).record, JSON.stringify(record, null, 1) + '\n');
  }
}

/** Continues an unfinished run once its rows verify; drops a batch written after the last checkpoint. */
async function resumePartial(
  path: string,
  lock: OutputLock,
  key: string | null,
  header: string,
  features: number,
  cells: () => Iterable<string>,
): Promise<CsvOutput> {
  const { partial, record: recordFile } = csvFiles(path);
  const remedy = wayOut('start-over');
  await ownFile(partial, remedy);
  const record = (await ownFile(recordFile, remedy)) ? await readPartialRecord(recordFile) : null;
  if (!record) throw new OutputError(`${partial} has no record of its run and checksum (${recordFile}); ${remedy}`);
  if (runKeyText(record.run) !== key) {
    throw new OutputError(`${partial} is an unfinished run with other settings or inputs${runDifference(record.run, key)}; ${remedy}`);
  }
  const size = (await stat(partial)).size;
  if (size < record.bytes) {
    throw new OutputError(`${partial} is shorter than rcf wrote it (${size} of ${record.bytes} bytes); ${remedy}`);
  }
  const hash = await sha256File(partial, record.bytes);
  if (hash.copy().digest('hex') !== record.sha256) {
    throw new OutputError(`${partial} does not match the checksum in ${recordFile} (it changed after rcf wrote it); ${remedy}`);
  }
  const { rows, done } = await checkRows(partial, record.bytes, header, features, cells, remedy);
  if (rows !== record.rows) throw new OutputError(`${partial} holds ${rows} rows where ${recordFile} records ${record.rows}; ${remedy}`);
  if (rows > 0 && !recordedBackend(record.run)) throw new OutputError(`${recordFile} does not record the backend of its rows; ${remedy}`);
  if (size > record.bytes) {
    const h = await open(partial, constants.O_RDWR | (constants.O_NOFOLLOW ?? 0));
    await h.truncate(record.bytes).finally(() => h.close());
  }
  const handle = await open(partial, constants.O_WRONLY | constants.O_APPEND | (constants.O_NOFOLLOW ?? 0));
  return CsvOutput.resumed(path, { handle, lock, run: record.run, hash, rows, bytes: record.bytes }, done);
}

/** A partial's record, or null when it is not one this version of rcf wrote. */
async function readPartialRecord(file: string): Promise<CsvPartialRecord | null> {
  let json: Partial<CsvPartialRecord>;
  try {
    json = JSON.parse(await readSmallText(file));
  } catch {
    return null;
  }
  const count = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
  if (typeof json !== 'object' || json === null || !count(json.rows) || !count(json.bytes)) return null;
  if (typeof json.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(json.sha256)) return null;
  return json as CsvPartialRecord;
}

/** A finished output is complete for this run only when its identity, checksum and rows all verify. */
async function verifyFinished(path: string, key: string | null, header: string, features: number, cells: () => Iterable<string>) {
  const remedy = wayOut('write-again');
  const { sidecar } = csvFiles(path);
  const s = await stat(path);
  if (!s.isFile()) throw new OutputError(`${path} is not a regular file; ${wayOut('replace')}`);
  const provenance = await readFinishedProvenance(sidecar);
  if (runKeyText(provenance?.run) !== key) {
    throw new OutputError(`${path} was made with other settings or inputs${runDifference(provenance?.run, key)}; ${wayOut('replace')}`);
  }
  const output = provenance?.output;
  if (output && (s.size !== output.bytes || (await sha256File(path)).digest('hex') !== output.sha256)) {
    throw new OutputError(`${path} does not match the checksum in ${sidecar} (it changed after the run finished); ${remedy}`);
  }
  const { rows, complete } = await checkRows(path, undefined, header, features, cells, remedy);
  if (!complete) throw new OutputError(`${path} holds ${rows} rows, fewer than the run's cells; ${remedy}`);
  if (output && rows !== output.rows)
    throw new OutputError(`${path} holds ${rows} rows where ${sidecar} records ${output.rows}; ${remedy}`);
}

/** The provenance of a finished output, or null without a sidecar; a sidecar that is not provenance is refused. */
async function readFinishedProvenance(sidecar: string): Promise<Provenance | null> {
  let text: string;
  try {
    text = await readSmallText(sidecar);
  } catch (err) {
    if (err instanceof OutputError) throw err;
    return null;
  }
  return parseProvenanceText(text, sidecar);
}

/** SHA-256 of a file, or of its first `bytes` bytes (the hash is not finished: a resumed run goes on with it). */
async function sha256File(path: string, bytes?: number): Promise<Hash> {
  const hash = createHash('sha256');
  if (bytes === 0) return hash;
  const end = bytes === undefined ? undefined : bytes - 1;
  for await (const chunk of createReadStream(path, { start: 0, end, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash;
}

const INTEGER = /^(?:0|[1-9][0-9]*)$/;
/** What formatFloat32 and formatFloat64 write: a decimal or exponent form, inf, or empty for NaN. */
const NUMBER = /^(?:-?(?:inf|Infinity|[0-9]+(?:\.[0-9]+)?(?:e[+-][0-9]+)?))?$/;

/**
 * Checks the rows of `file` (its first `bytes` bytes) against what the run writes: the header, then rows of the right
 * field count holding the run's cells in grid order. `complete`: every cell of the run is there.
 */
async function checkRows(
  file: string,
  bytes: number | undefined,
  header: string,
  features: number,
  cells: () => Iterable<string>,
  remedy: string,
): Promise<{ rows: number; done: Set<string>; complete: boolean }> {
  const refuse = (problem: string) => new OutputError(`${file}: ${problem}; ${remedy}`, { path: file });
  const expected = cells()[Symbol.iterator]();
  const done = new Set<string>();
  const fields = FIXED_COLUMNS + features;
  let rows = -1;
  try {
    for await (const record of csvFileRecords(file, { bytes })) {
      const f = record.fields;
      if (rows < 0) {
        if (f.join(',') !== header || !record.terminated)
          throw new OutputError(`${file} does not start with the expected header; ${remedy}`);
        rows = 0;
        continue;
      }
      const line = `line ${record.line}`;
      if (!record.terminated) throw refuse(`${line} is cut short`);
      if (f.length !== fields) throw refuse(`${line} has ${f.length} fields, expected ${fields}`);
      const next = expected.next();
      const id = f[0];
      if (next.done) throw refuse(`${line} holds cell ${JSON.stringify(id)}, but the run has only ${rows} cells`);
      if (id !== next.value) {
        const where = `where the run's grid order has ${JSON.stringify(next.value)}`;
        throw refuse(`${line} holds cell ${JSON.stringify(id)} ${where} (a duplicated, foreign or reordered row)`);
      }
      if (!INTEGER.test(f[2]) || !INTEGER.test(f[3]) || id !== cellId(f[1], Number(f[2]), Number(f[3]))) {
        throw refuse(`${line}: the source, row and col do not match cell ${JSON.stringify(id)}`);
      }
      for (let i = 4; i < fields; i++) if (!NUMBER.test(f[i])) throw refuse(`${line}: field ${i + 1} is not a number`);
      done.add(id);
      rows++;
    }
  } catch (err) {
    // The parser's own refusals (an unclosed quote, an overlong row) get the way out too.
    if (err instanceof OutputError && !err.template.endsWith(remedy)) throw new OutputError(`${err.template}; ${remedy}`, { path: file });
    throw err;
  }
  if (rows < 0) throw new OutputError(`${file} does not start with the expected header; ${remedy}`);
  return { rows, done, complete: expected.next().done === true };
}
