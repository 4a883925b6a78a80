/**
 * `rcf featurize … --out OUT.parquet`: a FeatureOutput that is only presented as finished at the very end.
 *
 * A Parquet file cannot be appended to (its footer, written last, indexes everything), so while a run goes its cells
 * are appended to a row log (rowlog.ts), checkpointed as the CSV's partial is, and the finished run assembles the
 * GeoParquet file from it (ParquetCellWriter: a new file beside OUT, renamed into place). The files beside OUT.parquet:
 * - `OUT.parquet.partial`: the row log of an unfinished run, in grid order;
 * - `OUT.parquet.partial.json`: its record, rewritten (atomically) after every batch of rows:
 *     { "run": the run key (with "backend" once the kernel is bound), "rows", "bytes": where they end in the log,
 *       "sha256": the SHA-256 of those bytes }; bytes after `bytes` (a batch being written when the process died) are
 *   dropped on resume and recomputed;
 * - `OUT.parquet.lock`: the writer's pid while a run writes (output.ts).
 * The finished file holds its own provenance (key-value metadata `rcf`, with "run" and "output"), so there is no sidecar.
 *
 * `--resume` keeps logged rows only once they verify (the checksum, then each row: the run's next cell in grid order,
 * its source, row and col, its K features); a finished file is verified against the checksum in its provenance and its
 * cells against the run's before it is called complete. The rows of a resumed run are those of an uninterrupted one,
 * and so are the row groups (their size depends on K only).
 */
import { createHash, type Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { constants, open, rm, stat, type FileHandle } from 'node:fs/promises';
import { cellId, type CellResult } from '../../rcf/featurize.js';
import { parseProvenanceText, type Provenance } from '../../../../shared/provenance/index.js';
import type { CrsInfo } from '../../crs/index.js';
import { layerSrs } from '../gpkg.js';
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
  runKeyText,
  wayOut,
  writeFileAtomic,
  type BackendIdentity,
  type FeatureOutput,
  type OutputOptions,
} from '../output.js';
import { openParquet, readGroup } from './read.js';
import { encodeCell, logHeader, readLog } from './rowlog.js';
import type { ParquetLayout } from './schema.js';
import { writeParquetCells } from './writer.js';

export function parquetFiles(path: string) {
  return { partial: `${path}.partial`, record: `${path}.partial.json`, lock: `${path}.lock` };
}

interface LogRecord {
  run: unknown;
  rows: number;
  bytes: number;
  sha256: string;
}

interface LogState {
  handle: FileHandle;
  lock: OutputLock;
  run: unknown;
  hash: Hash;
  rows: number;
  bytes: number;
}

/** Rows buffered before they are logged and checkpointed (as the CSV's). */
const BATCH_ROWS = 64;

/**
 * The layout of a run's file: K and the one CRS of its polygons (a geometry column has one, as a GeoPackage layer
 * does: sources in different CRSs are refused, naming them).
 */
export function parquetLayout(path: string, features: number, sources: { name: string; crs: CrsInfo | null }[]): ParquetLayout {
  try {
    layerSrs(path, { sources });
  } catch (err) {
    if (err instanceof OutputError) {
      throw new OutputError(err.template.replace('a GeoPackage layer has one CRS', "a GeoParquet file's geometry column has one CRS"));
    }
    throw err;
  }
  return { features, crs: sources[0]?.crs ?? null };
}

export class ParquetOutput implements FeatureOutput {
  readonly alreadyFinished: boolean;
  readonly doneCells: Set<string>;
  private readonly path: string;
  private readonly layout: ParquetLayout;
  private state: LogState | null;
  private pending: Buffer[] = [];

  private constructor(path: string, layout: ParquetLayout, state: LogState | null, doneCells: Set<string>) {
    this.path = path;
    this.layout = layout;
    this.state = state;
    this.doneCells = doneCells;
    this.alreadyFinished = state === null;
  }

  static async open(path: string, layout: ParquetLayout, runKey: unknown, options: OutputOptions): Promise<ParquetOutput> {
    const { partial, record, lock: lockFile } = parquetFiles(path);
    const key = runKeyText(runKey);
    await refuseInputs([path, partial, record, lockFile], options.inputs ?? []);
    const lock = await OutputLock.acquire(path);
    try {
      if (options.overwrite) {
        await Promise.all([path, partial, record].map((p) => rm(p, { force: true })));
      } else if (await pathExists(path)) {
        if (!options.resume) throw new OutputError(`${path} already exists; ${wayOut('replace-or-resume')}`);
        await verifyFinished(path, key, layout.features, options.cells);
        await lock.release();
        return new ParquetOutput(path, layout, null, new Set());
      } else if (await entryExists(partial)) {
        if (!options.resume) throw new OutputError(`${partial} holds an unfinished run; ${wayOut('resume-or-start-over')}`);
        return await resumeLog(path, layout, lock, key, options.cells);
      }
      const handle = await createExclusive(partial);
      const output = new ParquetOutput(
        path,
        layout,
        { handle, lock, run: runKey, hash: createHash('sha256'), rows: 0, bytes: 0 },
        new Set(),
      );
      await output.append(logHeader(layout.features), 0);
      return output;
    } catch (err) {
      await lock.release();
      throw err;
    }
  }

  static resumed(path: string, layout: ParquetLayout, state: LogState, done: Set<string>): ParquetOutput {
    return new ParquetOutput(path, layout, state, done);
  }

  async useBackend(backend: BackendIdentity): Promise<void> {
    const s = this.state;
    if (!s) return;
    const recorded = recordedBackend(s.run);
    if (recorded && s.rows > 0) {
      if (recorded.name !== backend.name || recorded.device !== backend.device) {
        throw otherBackendError(parquetFiles(this.path).partial, recorded, backend);
      }
      return;
    }
    s.run = { ...(s.run as object), backend };
    await this.checkpoint();
  }

  async write(cell: CellResult): Promise<void> {
    this.pending.push(encodeCell(cell));
    if (this.pending.length >= BATCH_ROWS) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.state || this.pending.length === 0) return;
    const rows = this.pending.length;
    const bytes = Buffer.concat(this.pending);
    this.pending = [];
    await this.append(bytes, rows);
  }

  /** Assembles OUT.parquet from the log (with the provenance inside), then removes the log and its record. */
  async finish(provenance: object): Promise<void> {
    const s = this.state;
    if (!s) return;
    await this.flush();
    await s.handle.sync();
    await s.handle.close();
    this.state = null;
    const { partial, record } = parquetFiles(this.path);
    try {
      const refuse = (problem: string) => new OutputError(`${partial}: ${problem}; ${wayOut('start-over')}`, { path: partial });
      await writeParquetCells(this.path, this.layout, readLog(partial, s.bytes, this.layout.features, refuse), {
        ...provenance,
        run: s.run,
      });
      await rm(partial, { force: true });
      await rm(record, { force: true });
    } finally {
      await s.lock.release();
    }
  }

  async close(): Promise<void> {
    const s = this.state;
    if (!s) return;
    try {
      await this.flush();
    } finally {
      await s.handle.close();
      this.state = null;
      await s.lock.release();
    }
  }

  /** A failed run: kept for --resume when it logged a row, otherwise removed, so no stale partial blocks the next run. */
  async abandon(): Promise<void> {
    const s = this.state;
    if (!s || s.rows > 0 || this.pending.length > 0) return this.close();
    await s.handle.close();
    this.state = null;
    const { partial, record } = parquetFiles(this.path);
    await Promise.all([partial, record].map((p) => rm(p, { force: true })));
    await s.lock.release();
  }

  private async append(bytes: Buffer, rows: number): Promise<void> {
    const s = this.state!;
    await s.handle.writeFile(bytes);
    s.hash.update(bytes);
    s.bytes += bytes.length;
    s.rows += rows;
    await this.checkpoint();
  }

  private async checkpoint(): Promise<void> {
    const s = this.state!;
    const record: LogRecord = { run: s.run, rows: s.rows, bytes: s.bytes, sha256: s.hash.copy().digest('hex') };
    await writeFileAtomic(parquetFiles(this.path).record, JSON.stringify(record, null, 1) + '\n');
  }
}

/** Continues an unfinished run once its logged rows verify; drops a batch written after the last checkpoint. */
async function resumeLog(
  path: string,
  layout: ParquetLayout,
  lock: OutputLock,
  key: string | null,
  cells: () => Iterable<string>,
): Promise<ParquetOutput> {
  const { partial, record: recordFile } = parquetFiles(path);
  const remedy = wayOut('start-over');
  await ownFile(partial, remedy);
  const record = (await ownFile(recordFile, remedy)) ? await readLogRecord(recordFile) : null;
  if (!record) throw new OutputError(`${partial} has no record of its run and checksum (${recordFile}); ${remedy}`);
  if (runKeyText(record.run) !== key) throw new OutputError(`${partial} is an unfinished run with other settings or inputs; ${remedy}`);
  const size = (await stat(partial)).size;
  if (size < record.bytes) {
    throw new OutputError(`${partial} is shorter than rcf wrote it (${size} of ${record.bytes} bytes); ${remedy}`);
  }
  const hash = createHash('sha256');
  if (record.bytes > 0) {
    for await (const chunk of createReadStream(partial, { start: 0, end: record.bytes - 1 }) as AsyncIterable<Buffer>) hash.update(chunk);
  }
  if (hash.copy().digest('hex') !== record.sha256) {
    throw new OutputError(`${partial} does not match the checksum in ${recordFile} (it changed after rcf wrote it); ${remedy}`);
  }
  const refuse = (problem: string) => new OutputError(`${partial}: ${problem}; ${remedy}`, { path: partial });
  const expected = cells()[Symbol.iterator]();
  const done = new Set<string>();
  for await (const cell of readLog(partial, record.bytes, layout.features, refuse)) {
    checkCell(cell.cellId, cell.source, cell.row, cell.col, expected.next(), done.size, refuse);
    done.add(cell.cellId);
  }
  if (done.size !== record.rows)
    throw new OutputError(`${partial} holds ${done.size} rows where ${recordFile} records ${record.rows}; ${remedy}`);
  if (done.size > 0 && !recordedBackend(record.run))
    throw new OutputError(`${recordFile} does not record the backend of its rows; ${remedy}`);
  if (size > record.bytes) {
    const h = await open(partial, constants.O_RDWR | (constants.O_NOFOLLOW ?? 0));
    await h.truncate(record.bytes).finally(() => h.close());
  }
  const handle = await open(partial, constants.O_WRONLY | constants.O_APPEND | (constants.O_NOFOLLOW ?? 0));
  return ParquetOutput.resumed(path, layout, { handle, lock, run: record.run, hash, rows: done.size, bytes: record.bytes }, done);
}

/** A row is the run's next cell in grid order, and its source, row and col are that cell's. */
function checkCell(
  id: unknown,
  source: unknown,
  row: unknown,
  col: unknown,
  next: IteratorResult<string>,
  rows: number,
  refuse: (problem: string) => Error,
): void {
  const where = `row ${rows + 1}`;
  if (next.done) throw refuse(`${where} holds cell ${JSON.stringify(id)}, but the run has only ${rows} cells`);
  if (id !== next.value) {
    throw refuse(
      `${where} holds cell ${JSON.stringify(id)} where the run's grid order has ${JSON.stringify(next.value)} ` +
        '(a duplicated, foreign or reordered row)',
    );
  }
  if (
    typeof source !== 'string' ||
    !Number.isInteger(row) ||
    !Number.isInteger(col) ||
    id !== cellId(source, row as number, col as number)
  ) {
    throw refuse(`${where}: the source, row and col do not match cell ${JSON.stringify(id)}`);
  }
}

async function readLogRecord(file: string): Promise<LogRecord | null> {
  let json: Partial<LogRecord>;
  try {
    json = JSON.parse(await readSmallText(file));
  } catch {
    return null;
  }
  const count = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;
  if (typeof json !== 'object' || json === null || !count(json.rows) || !count(json.bytes)) return null;
  if (typeof json.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(json.sha256)) return null;
  return json as LogRecord;
}

/** The provenance inside a finished rcf GeoParquet file; a file that is not one is refused. */
export async function finishedParquet(path: string, remedy: string) {
  let pq;
  try {
    pq = await openParquet(path);
  } catch {
    throw new OutputError(`${path} is not a Parquet file rcf can read; ${remedy}`, { path });
  }
  if (pq.provenanceText === null) throw new OutputError(`${path} has no rcf provenance in its metadata; ${remedy}`, { path });
  const provenance: Provenance = parseProvenanceText(pq.provenanceText, path);
  return { pq, provenance };
}

/** SHA-256 of a file's first `bytes` bytes. */
export async function sha256Prefix(path: string, bytes: number): Promise<string> {
  const hash = createHash('sha256');
  if (bytes > 0)
    for await (const chunk of createReadStream(path, { start: 0, end: bytes - 1 }) as AsyncIterable<Buffer>) hash.update(chunk);
  return hash.digest('hex');
}

/** A finished output is complete for this run only when its identity, checksum and cells all verify. */
async function verifyFinished(path: string, key: string | null, features: number, cells: () => Iterable<string>): Promise<void> {
  const remedy = wayOut('write-again');
  const s = await stat(path);
  if (!s.isFile()) throw new OutputError(`${path} is not a regular file; ${wayOut('replace')}`);
  const { pq, provenance } = await finishedParquet(path, wayOut('replace'));
  if (runKeyText(provenance.run) !== key) throw new OutputError(`${path} was made with other settings or inputs; ${wayOut('replace')}`);
  const output = provenance.output;
  if (!output || output.bytes === undefined || (await sha256Prefix(path, output.bytes)) !== output.sha256) {
    throw new OutputError(`${path} does not match the checksum in its metadata (it changed after the run finished); ${remedy}`);
  }
  if (pq.features !== features && !(pq.features === -1 && features > 0)) {
    throw new OutputError(`${path} does not hold the run's ${features} features; ${remedy}`);
  }
  const refuse = (problem: string) => new OutputError(`${path}: ${problem}; ${remedy}`, { path });
  const expected = cells()[Symbol.iterator]();
  let rows = 0;
  for (let g = 0; g < pq.metadata.row_groups.length; g++) {
    const cols = await readGroup(pq, g, ['cell_id', 'source', 'row', 'col']);
    const [ids, sources, rs, cs] = ['cell_id', 'source', 'row', 'col'].map((c) => cols.get(c)!);
    for (let i = 0; i < ids.length; i++, rows++) checkCell(ids[i], sources[i], rs[i], cs[i], expected.next(), rows, refuse);
  }
  if (!expected.next().done) throw new OutputError(`${path} holds ${rows} rows, fewer than the run's cells; ${remedy}`);
  if (rows !== output.rows) throw new OutputError(`${path} holds ${rows} rows where its metadata records ${output.rows}; ${remedy}`);
}
