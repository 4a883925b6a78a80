/**
 * The rows of an unfinished Parquet output (`OUT.parquet.partial`): a Parquet file cannot be appended to, so a run
 * appends its cells to this simple log, checkpointed like the CSV's partial, and the finished run assembles the
 * GeoParquet file from it in one pass (ParquetCellWriter). Little-endian:
 *
 *   "RCFPQLOG1\n", u32 K, then per cell: u32 n (bytes that follow), u16 + UTF-8 cell_id, u16 + UTF-8 source,
 *   i32 row, i32 col, f64 x, y, lon, lat, f32 valid_fraction, u16 P + P × (f64 x, f64 y) the ring, K × f32 features.
 */
import { createReadStream } from 'node:fs';
import type { ParquetCell } from './writer.js';

export const LOG_MAGIC = 'RCFPQLOG1\n';

export function logHeader(features: number): Buffer {
  const b = Buffer.alloc(LOG_MAGIC.length + 4);
  b.write(LOG_MAGIC, 'latin1');
  b.writeUInt32LE(features, LOG_MAGIC.length);
  return b;
}

export function encodeCell(cell: ParquetCell): Buffer {
  const id = Buffer.from(cell.cellId, 'utf8');
  const source = Buffer.from(cell.source, 'utf8');
  const K = cell.features.length;
  const n = 2 + id.length + 2 + source.length + 8 + 32 + 4 + 2 + 16 * cell.ring.length + 4 * K;
  const b = Buffer.alloc(4 + n);
  let o = b.writeUInt32LE(n, 0);
  o = b.writeUInt16LE(id.length, o);
  o += id.copy(b, o);
  o = b.writeUInt16LE(source.length, o);
  o += source.copy(b, o);
  o = b.writeInt32LE(cell.row, o);
  o = b.writeInt32LE(cell.col, o);
  for (const v of [cell.x, cell.y, cell.lon, cell.lat]) o = b.writeDoubleLE(v, o);
  o = b.writeFloatLE(cell.validFraction, o);
  o = b.writeUInt16LE(cell.ring.length, o);
  for (const [x, y] of cell.ring) {
    o = b.writeDoubleLE(x, o);
    o = b.writeDoubleLE(y, o);
  }
  for (let i = 0; i < K; i++) o = b.writeFloatLE(cell.features[i], o);
  return b;
}

/** A log row read back, or the problem that stops it being one. */
function decodeCell(b: Buffer, features: number): ParquetCell | string {
  let o = 0;
  const need = (bytes: number) => {
    if (o + bytes > b.length) throw new RangeError('short');
  };
  try {
    need(2);
    const idLen = b.readUInt16LE(o);
    o += 2;
    need(idLen + 2);
    const cellId = b.toString('utf8', o, o + idLen);
    o += idLen;
    const sourceLen = b.readUInt16LE(o);
    o += 2;
    need(sourceLen + 8 + 32 + 4 + 2);
    const source = b.toString('utf8', o, o + sourceLen);
    o += sourceLen;
    const row = b.readInt32LE(o);
    const col = b.readInt32LE(o + 4);
    const [x, y, lon, lat] = [0, 1, 2, 3].map((i) => b.readDoubleLE(o + 8 + 8 * i));
    const validFraction = b.readFloatLE(o + 40);
    const points = b.readUInt16LE(o + 44);
    o += 46;
    need(16 * points);
    const ring: [number, number][] = [];
    for (let p = 0; p < points; p++, o += 16) ring.push([b.readDoubleLE(o), b.readDoubleLE(o + 8)]);
    if (b.length - o !== 4 * features) return `holds ${(b.length - o) / 4} features, expected ${features}`;
    const f = new Float32Array(features);
    for (let i = 0; i < features; i++) f[i] = b.readFloatLE(o + 4 * i);
    return { cellId, source, row, col, x, y, lon, lat, validFraction, ring, features: f };
  } catch {
    return 'is cut short';
  }
}

/** The log's rows in its first `bytes` bytes; a header or row that is not what rcf writes throws `refuse(problem)`. */
export async function* readLog(
  file: string,
  bytes: number,
  features: number,
  refuse: (problem: string) => Error,
): AsyncGenerator<ParquetCell> {
  let pending: Buffer = Buffer.alloc(0);
  let header = false;
  let index = 0;
  const stream = bytes === 0 ? [] : (createReadStream(file, { start: 0, end: bytes - 1, highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>);
  for await (const chunk of stream) {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    let o = 0;
    if (!header) {
      if (pending.length < LOG_MAGIC.length + 4) continue;
      if (!pending.subarray(0, LOG_MAGIC.length + 4).equals(logHeader(features))) throw refuse('does not start with the expected header');
      header = true;
      o = LOG_MAGIC.length + 4;
    }
    while (pending.length - o >= 4) {
      const n = pending.readUInt32LE(o);
      if (pending.length - o - 4 < n) break;
      const cell = decodeCell(pending.subarray(o + 4, o + 4 + n), features);
      index++;
      if (typeof cell === 'string') throw refuse(`row ${index} ${cell}`);
      yield cell;
      o += 4 + n;
    }
    pending = pending.subarray(o);
  }
  if (!header) throw refuse('does not start with the expected header');
  if (pending.length > 0) throw refuse(`row ${index + 1} is cut short`);
}
