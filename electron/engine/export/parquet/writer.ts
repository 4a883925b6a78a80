/**
 * The one GeoParquet writer (hyparquet-writer underneath): cells in, a finished file out. `rcf featurize` assembles
 * its output through it, and `rcf merge` can write its one output the same way:
 *
 *   const w = await ParquetCellWriter.create(path, { features: K, crs });
 *   for (const cell of cells) await w.add(cell);   // grid order; buffered a row group at a time
 *   await w.finish(provenance);                    // or w.abort() to leave nothing behind
 *
 * The file is written under a new, exclusively created, random name beside `path` and renamed into place by
 * `finish`, so `path` only ever names a complete file. `finish` puts the provenance in the key-value metadata
 * (PROVENANCE_KEY) with `output: { rows, bytes, sha256 }`: the SHA-256 of the file's first `bytes` bytes (the row
 * groups, everything before the footer, which holds the provenance itself), which `--resume` re-verifies before
 * calling a file complete.
 */
import { createHash } from 'node:crypto';
import { rename, rm, type FileHandle } from 'node:fs/promises';
import { writeSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join } from 'node:path';
import { ByteWriter, ParquetWriter, type ColumnSource } from 'hyparquet-writer';
import type { CellResult } from '../../rcf/featurize.js';
import { polygonBlob, ringEnvelope } from '../gpkg/geometry.js';
import { createExclusive } from '../output.js';
import { PROVENANCE_KEY, featuresAsList, geoMetadata, parquetSchema, rowGroupRows, type ParquetLayout } from './schema.js';

/** What a cell row needs: a featurize CellResult, or one read back (features as float32 or float64). */
export type ParquetCell = Omit<CellResult, 'features'> & { features: ArrayLike<number> };

/** What a finished file holds, as its provenance's `output` records it: rows, and the bytes before the footer and their SHA-256. */
export interface ParquetOutputSummary {
  rows: number;
  bytes: number;
  sha256: string;
}

/** The WKB of a cell's polygon: the GeoPackage blob without its header (one home for the polygon encoding). */
export function cellWkb(ring: readonly (readonly [number, number])[]): Uint8Array {
  return polygonBlob(ring, 0).subarray(40);
}

/** hyparquet-writer's byte buffer, flushed to a file as it fills and at every row group, hashing what it writes. */
class HashingFileWriter extends ByteWriter {
  readonly hash = createHash('sha256');
  private readonly fd: number;

  constructor(fd: number) {
    super(1 << 20);
    this.fd = fd;
  }

  override ensure(size: number): void {
    if (this.index > 1 << 20) this.flush();
    super.ensure(size);
  }

  flush(): void {
    const bytes = new Uint8Array(this.buffer, 0, this.index);
    let done = 0;
    while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    this.hash.update(bytes);
    this.index = 0;
  }

  override finish(): void {
    this.flush();
  }
}

export class ParquetCellWriter {
  readonly path: string;
  private readonly tmp: string;
  private readonly layout: ParquetLayout;
  private readonly groupRows: number;
  private handle: FileHandle | null;
  private readonly out: HashingFileWriter;
  private readonly writer: ParquetWriter;
  private rows: ParquetCell[] = [];
  private count = 0;
  private readonly bbox = [Infinity, Infinity, -Infinity, -Infinity];

  private constructor(path: string, tmp: string, handle: FileHandle, layout: ParquetLayout) {
    this.path = path;
    this.tmp = tmp;
    this.layout = layout;
    this.groupRows = rowGroupRows(layout.features);
    this.handle = handle;
    this.out = new HashingFileWriter(handle.fd);
    this.writer = new ParquetWriter({ writer: this.out, schema: parquetSchema(layout), codec: 'SNAPPY', createdBy: 'rcf-desktop' });
  }

  static async create(path: string, layout: ParquetLayout): Promise<ParquetCellWriter> {
    const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await createExclusive(tmp);
    return new ParquetCellWriter(path, tmp, handle, layout);
  }

  /** Adds a cell (features.length must be K); a full row group is encoded and written. */
  async add(cell: ParquetCell): Promise<void> {
    if (cell.features.length !== this.layout.features) {
      throw new Error(`parquet: cell ${cell.cellId} has ${cell.features.length} features, the file ${this.layout.features}`);
    }
    this.rows.push(cell);
    if (this.rows.length >= this.groupRows) this.flushGroup();
  }

  /** Writes the footer (the `geo` metadata and the provenance) and renames the file into place. */
  async finish(provenance: object): Promise<ParquetOutputSummary> {
    this.flushGroup();
    this.out.flush();
    const output: ParquetOutputSummary = {
      rows: this.count,
      bytes: this.out.offset,
      sha256: this.out.hash.copy().digest('hex'),
    };
    const bbox = this.count > 0 ? this.bbox : [];
    this.writer.kvMetadata = [
      { key: 'geo', value: JSON.stringify(geoMetadata(this.layout, bbox)) },
      { key: PROVENANCE_KEY, value: JSON.stringify({ ...provenance, output }) },
    ];
    this.writer.finish();
    const handle = this.handle!;
    this.handle = null;
    await handle.sync();
    await handle.close();
    await rename(this.tmp, this.path);
    return output;
  }

  /** Removes the unfinished file. */
  async abort(): Promise<void> {
    const handle = this.handle;
    this.handle = null;
    await handle?.close().catch(() => {});
    await rm(this.tmp, { force: true });
  }

  private flushGroup(): void {
    const rows = this.rows;
    if (rows.length === 0) return;
    this.rows = [];
    const n = rows.length;
    const K = this.layout.features;
    const nullable = (v: number) => (Number.isNaN(v) ? null : v);
    const wkb = new Array<Uint8Array>(n);
    const bbox = new Array<Record<string, number>>(n);
    rows.forEach((c, i) => {
      wkb[i] = cellWkb(c.ring);
      const e = ringEnvelope(c.ring);
      bbox[i] = { xmin: e.minX, ymin: e.minY, xmax: e.maxX, ymax: e.maxY };
      this.bbox[0] = Math.min(this.bbox[0], e.minX);
      this.bbox[1] = Math.min(this.bbox[1], e.minY);
      this.bbox[2] = Math.max(this.bbox[2], e.maxX);
      this.bbox[3] = Math.max(this.bbox[3], e.maxY);
    });
    const columns: ColumnSource[] = [
      { name: 'cell_id', data: rows.map((c) => c.cellId) },
      { name: 'source', data: rows.map((c) => c.source) },
      { name: 'row', data: Int32Array.from(rows, (c) => c.row) },
      { name: 'col', data: Int32Array.from(rows, (c) => c.col) },
      { name: 'x', data: Float64Array.from(rows, (c) => c.x) },
      { name: 'y', data: Float64Array.from(rows, (c) => c.y) },
      { name: 'lon', data: rows.map((c) => nullable(c.lon)) },
      { name: 'lat', data: rows.map((c) => nullable(c.lat)) },
      { name: 'valid_fraction', data: Float32Array.from(rows, (c) => c.validFraction) },
    ];
    if (featuresAsList(K)) {
      columns.push({ name: 'features', data: rows.map((c) => Array.from(c.features, (v) => nullable(Math.fround(v)))) });
    } else {
      for (let f = 0; f < K; f++) {
        const values = Float32Array.from(rows, (c) => c.features[f]);
        // Typed data where the column has no missing value; an array with nulls only where it has.
        columns.push({ name: `f${f}`, data: values.some(Number.isNaN) ? Array.from(values, nullable) : values });
      }
    }
    columns.push({ name: 'geometry', data: wkb }, { name: 'bbox', data: bbox });
    // Statistics stay on (min/max per column chunk lets readers skip row groups); no dictionary for floats.
    void this.writer.write({ columnData: columns, rowGroupSize: n });
    this.count += n;
  }
}

/** Writes `cells` (grid order) to a finished GeoParquet file at `path`; nothing is left at `path` when it fails. */
export async function writeParquetCells(
  path: string,
  layout: ParquetLayout,
  cells: Iterable<ParquetCell> | AsyncIterable<ParquetCell>,
  provenance: object,
): Promise<ParquetOutputSummary> {
  const writer = await ParquetCellWriter.create(path, layout);
  try {
    for await (const cell of cells) await writer.add(cell);
    return await writer.finish(provenance);
  } catch (err) {
    await writer.abort();
    throw err;
  }
}
