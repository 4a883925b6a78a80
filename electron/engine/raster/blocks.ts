/**
 * Fast window reads: decoded tiles or strips copied straight into float32
 * band planes, with nodata turned into NaN in the same pass.
 *
 * geotiff.js's own `readRasters` copies every sample through a DataView
 * getter, which costs more than decoding; this path views each decoded block
 * as a typed array instead. It covers the common codecs (none, LZW, DEFLATE,
 * PackBits, ZSTD) for any byte order: the decoder only decompresses, and the
 * byte swap to host order, the predictors (2: horizontal differencing, 3:
 * floating point, byte-shuffled per row), the unpacking of 1..32-bit samples
 * that are not a whole number of bytes (rows padded to a byte, MSB first, as
 * libtiff) and float16 → float32 are done here, where geotiff.js gets
 * big-endian predictors and 12-bit samples wrong. JPEG, LERC and anything else
 * go through `readRasters`.
 */
import { getDecoder, type BaseDecoder, type GeoTIFFImage, type TypedArray } from 'geotiff';
import { maxBlockBytes } from './deflate.js';
import { decodePool } from './decode-pool.js';
import { LIMITS } from '../limits.js';

type TypedArrayConstructor = new (buffer: ArrayBufferLike, byteOffset?: number, length?: number) => TypedArray;

/** Decoded in the calling thread: no compression, and DEFLATE (Node's zlib, already on libuv's thread pool). */
const IN_THREAD_COMPRESSIONS = new Set([1, 8, 32946]);

/** Compressions whose geotiff.js decoders take the default parameters. */
const SIMPLE_COMPRESSIONS = new Set([1, 5, 8, 32946, 32773, 50000]);

const JPEG = 7;
const LERC = 34887;

/** The typed array a decoded block is viewed as (after unpacking / float16 widening), or null when unsupported. */
function arrayType(format: number, bits: number): TypedArrayConstructor | null {
  if (format === 1 && bits >= 1 && bits <= 32) return bits <= 8 ? Uint8Array : bits <= 16 ? Uint16Array : Uint32Array;
  if (format === 2) return bits === 8 ? Int8Array : bits === 16 ? Int16Array : bits === 32 ? Int32Array : null;
  if (format === 3) return bits === 16 || bits === 32 ? Float32Array : bits === 64 ? Float64Array : null;
  return null;
}

/** A reader of blocks for one image, or null when the image needs geotiff.js's general path. */
export interface BlockReader {
  /** Fills `out` ([samples.length, h, w], float32) with the window; nodata becomes NaN. */
  read(x0: number, y0: number, w: number, h: number, samples: number[], nodata: number | null, out: Float32Array): Promise<void>;
}

interface Fetcher {
  fetch(slices: { offset: number; length: number }[]): Promise<ArrayBufferLike[]>;
}

/** Reverses the byte order of every `size`-byte value in place. */
function swapBytes(bytes: Uint8Array, size: number): void {
  if (size === 2) {
    for (let i = 0; i + 1 < bytes.length; i += 2) {
      const t = bytes[i];
      bytes[i] = bytes[i + 1];
      bytes[i + 1] = t;
    }
  } else {
    for (let i = 0; i + size <= bytes.length; i += size) bytes.subarray(i, i + size).reverse();
  }
}

/** IEEE half floats (as uint16) to float32. */
function halfToFloat(src: Uint16Array): Float32Array {
  const out = new Float32Array(src.length);
  for (let i = 0; i < src.length; i++) {
    const h = src[i];
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) out[i] = sign * frac * 2 ** -24;
    else if (exp === 31) out[i] = frac === 0 ? sign * Infinity : NaN;
    else out[i] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  return out;
}

/** Unpacks `rows` rows of `perRow` samples of `bits` bits (MSB first, each row padded to a byte), as GDAL/libtiff. */
function unpackBits(bytes: Uint8Array, bits: number, perRow: number, rows: number, Type: TypedArrayConstructor): TypedArray {
  const out = new Type(new ArrayBuffer(perRow * rows * (Type as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT));
  const rowBytes = Math.ceil((perRow * bits) / 8);
  for (let r = 0; r < rows; r++) {
    let bit = r * rowBytes * 8;
    const o = r * perRow;
    for (let i = 0; i < perRow; i++) {
      let v = 0;
      for (let k = 0; k < bits; k++, bit++) v = v * 2 + ((bytes[bit >> 3] >> (7 - (bit & 7))) & 1);
      out[o + i] = v;
    }
  }
  return out;
}

/** Horizontal differencing (predictor 2) undone in place on host-order samples, `stride` samples per pixel. */
function undoHorizontal(values: TypedArray, perRow: number, rows: number, stride: number): void {
  for (let r = 0; r < rows; r++) {
    const o = r * perRow;
    for (let i = o + stride; i < o + perRow; i++) values[i] = (values[i] as number) + (values[i - stride] as number);
  }
}

/**
 * Floating-point predictor (3): each row is byte-differenced, then holds the
 * most significant bytes of all values, then the next bytes... (always in
 * big-endian order, whatever the file's byte order). Returns host-order bytes.
 */
function undoFloatPredictor(bytes: Uint8Array, size: number, perRow: number, rows: number, stride: number): Uint8Array {
  const out = new Uint8Array(perRow * rows * size);
  const rowBytes = perRow * size;
  for (let r = 0; r < rows; r++) {
    const row = bytes.subarray(r * rowBytes, (r + 1) * rowBytes);
    for (let i = stride; i < rowBytes; i++) row[i] = (row[i] + row[i - stride]) & 0xff;
    const o = r * rowBytes;
    for (let i = 0; i < perRow; i++) {
      for (let k = 0; k < size; k++) out[o + i * size + (size - 1 - k)] = row[k * perRow + i];
    }
  }
  return out;
}

export interface BlockReaderOptions {
  /** Value of sparse blocks (offset and byte count 0), as GDAL: the nodata value, else 0. */
  fill: number;
}

export async function makeBlockReader(image: GeoTIFFImage, options: BlockReaderOptions = { fill: 0 }): Promise<BlockReader | null> {
  const fd = image.getFileDirectory();
  const compression = Number(fd.getValue('Compression') ?? 1);
  const bitsValue = fd.getValue('BitsPerSample') as ArrayLike<number> | number | undefined;
  const bits = typeof bitsValue === 'number' ? [bitsValue] : Array.from(bitsValue ?? [1]);
  const formats = Array.from((fd.getValue('SampleFormat') as ArrayLike<number> | undefined) ?? [1]);
  const spp = image.getSamplesPerPixel();
  const jpegOrLerc = compression === JPEG || compression === LERC;
  // JPEG and LERC decode only in the worker pool: a layout this path cannot read is refused, not handed to readRasters.
  const unsupported = (what: string): null => {
    if (jpegOrLerc) throw new Error(`unsupported: ${compression === JPEG ? 'JPEG' : 'LERC'} with ${what}`);
    return null;
  };
  if (!SIMPLE_COMPRESSIONS.has(compression) && !jpegOrLerc) return null;
  if (bits.length === 0 || !bits.every((b) => b === bits[0]) || !formats.every((f) => f === formats[0]))
    return unsupported('samples of different types');
  const bitsPerSample = bits[0];
  const MaybeType = arrayType(formats[0], bitsPerSample);
  if (!MaybeType) return unsupported(`${bitsPerSample}-bit samples of format ${formats[0]}`);
  if (compression === JPEG && (bitsPerSample !== 8 || formats[0] !== 1))
    return unsupported(`${bitsPerSample}-bit samples (only 8-bit JPEG is supported)`);
  const Type: TypedArrayConstructor = MaybeType;
  // libtiff applies no predictor to JPEG or LERC data.
  const predictor = jpegOrLerc ? 1 : Number(await fd.loadValue('Predictor')) || 1;
  const aligned = bitsPerSample % 8 === 0;
  if (predictor !== 1 && (!aligned || predictor > 3 || (predictor === 3 && formats[0] !== 3) || (predictor === 2 && formats[0] === 3)))
    return null;
  const littleEndian = image.littleEndian;
  // LERC decodes to host-order values, JPEG to bytes: nothing to swap.
  const swap = !littleEndian && !jpegOrLerc;
  const tileWidth = image.getTileWidth();
  const tileHeight = image.getTileHeight();
  const planar = image.planarConfiguration === 2;
  // The predictor is ours (geotiff.js's is wrong for big-endian data): the decoder only decompresses.
  const parameters: Record<string, unknown> = {
    tileWidth,
    tileHeight,
    planarConfiguration: image.planarConfiguration,
    bitsPerSample: bitsValue,
    predictor: 1,
  };
  if (jpegOrLerc) {
    parameters.samplesPerPixel = spp;
    parameters.photometric = Number(fd.getValue('PhotometricInterpretation'));
    const tag = compression === JPEG ? 'JPEGTables' : 'LercParameters';
    if (fd.hasTag(tag)) parameters[tag] = await fd.loadValue(tag);
  }
  const decoder = (await getDecoder(compression, parameters as never)) as BaseDecoder;
  // JavaScript decoders (LZW, PackBits, ZSTD, JPEG, LERC) run in the worker pool, under a time and memory budget.
  const pool = IN_THREAD_COMPRESSIONS.has(compression) ? null : decodePool();
  const decode = async (slice: ArrayBuffer, what: string, signal: AbortSignal): Promise<ArrayBuffer> =>
    pool ? pool.decode(compression, parameters, slice, what, signal) : ((await decoder.decodeBlock(slice)) as ArrayBuffer);
  const bytesPerSample = aligned ? bitsPerSample / 8 : 0;
  const blockBytes = maxBlockBytes(parameters as never);
  const imageWidth = image.getWidth();
  const imageHeight = image.getHeight();
  const valuesPerRow = planar ? tileWidth : tileWidth * spp;
  const rowBytes = Math.ceil((valuesPerRow * bitsPerSample) / 8);
  const tilesPerRow = Math.ceil(imageWidth / tileWidth);
  const tilesPerBand = tilesPerRow * Math.ceil(imageHeight / tileHeight);
  const source = (image as unknown as { source: Fetcher }).source;
  const [offsetsTag, countsTag] = image.isTiled ? [324, 325] : [273, 279];
  const blockCount = tilesPerBand * (planar ? spp : 1);
  // The block tables, read once (structure.ts has checked they hold an entry for every block).
  const [offsets, counts] = await Promise.all([
    blockTable(fd, source, offsetsTag, blockCount, littleEndian),
    blockTable(fd, source, countsTag, blockCount, littleEndian),
  ]);
  const bytesPerValue = (Type as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT;
  // The value of sparse blocks as the band's type holds it (GDAL fills them with the nodata value cast to it).
  const fillValue = Number(new Type(new ArrayBuffer(8), 0, 1).fill(options.fill as never)[0]);
  const cache = new BlockCache();
  const uncompressed = compression === 1;

  /**
   * Rows [firstRow, endRow) of block (tx, ty, sample) as typed values in host order, (endRow - firstRow) × valuesPerRow.
   * Uncompressed blocks are read only for the rows asked; decoded blocks are whole and cached.
   */
  function block(
    tx: number,
    ty: number,
    sample: number,
    firstRow: number,
    endRow: number,
    reads: BatchedReads,
    signal: AbortSignal,
  ): Promise<TypedArray> {
    const rows = image.isTiled ? tileHeight : Math.min(tileHeight, imageHeight - ty * tileHeight);
    const index = (planar ? sample * tilesPerBand : 0) + ty * tilesPerRow + tx;
    const what = image.isTiled ? `tile ${tx},${ty}` : `strip ${ty}`;
    if (uncompressed) {
      const end = Math.min(endRow, rows);
      return blockRows(offsets[index] + firstRow * rowBytes, (end - firstRow) * rowBytes, end - firstRow, what, reads, signal);
    }
    return cache.get(index, rows * valuesPerRow * bytesPerValue, () => blockRows(offsets[index], counts[index], rows, what, reads, signal));
  }

  /** `rows` rows of a block from its stored bytes. */
  async function blockRows(
    offset: number,
    count: number,
    rows: number,
    what: string,
    reads: BatchedReads,
    signal: AbortSignal,
  ): Promise<TypedArray> {
    const slice = await reads.read(offset, count);
    const decoded = await decode(slice, what, signal);
    let bytes: Uint8Array = new Uint8Array(decoded, 0, Math.min(decoded.byteLength, blockBytes));
    // A block that decodes short (truncated or corrupt stream) must not read as zeros.
    // Tiles are always whole; only the last strip may hold fewer rows.
    if (bytes.length < rows * rowBytes) {
      throw new Error(`${what} decodes to ${bytes.length} bytes instead of ${rows * rowBytes} (truncated or corrupt)`);
    }
    if (!aligned) return unpackBits(bytes, bitsPerSample, valuesPerRow, rows, Type);
    const n = rows * valuesPerRow;
    if (predictor === 3) {
      bytes = undoFloatPredictor(bytes, bytesPerSample, valuesPerRow, rows, planar ? 1 : spp);
    } else if (swap && bytesPerSample > 1) {
      bytes = bytes.slice(0, n * bytesPerSample);
      swapBytes(bytes, bytesPerSample);
    }
    if (bitsPerSample === 16 && formats[0] === 3) {
      const half = new Uint16Array(bytes.buffer, bytes.byteOffset, n);
      return halfToFloat(half);
    }
    if (bytes.byteOffset % bytesPerSample !== 0) bytes = bytes.slice();
    const values = new Type(bytes.buffer, bytes.byteOffset, n);
    if (predictor === 2) {
      // Integer sums must wrap in the sample's width: an unsigned view of the same bytes does that.
      const U = bytesPerSample === 1 ? Uint8Array : bytesPerSample === 2 ? Uint16Array : Uint32Array;
      undoHorizontal(new U(bytes.buffer as ArrayBuffer, bytes.byteOffset, n), valuesPerRow, rows, planar ? 1 : spp);
    }
    return values;
  }

  return {
    async read(x0, y0, w, h, samples, nodata, out) {
      const planes = samples.map((_, i) => out.subarray(i * w * h, (i + 1) * w * h));
      const jobs: Promise<void>[] = [];
      // The first failing block cancels the rest of the window (queued or running in the decode pool).
      const cancel = new AbortController();
      const reads = new BatchedReads(source);
      for (let ty = Math.floor(y0 / tileHeight); ty * tileHeight < y0 + h; ty++) {
        // The rows of this block row inside the window (only these are read from uncompressed blocks).
        const firstRow = uncompressed ? Math.max(0, y0 - ty * tileHeight) : 0;
        const endRow = uncompressed ? Math.min(tileHeight, y0 + h - ty * tileHeight) : tileHeight;
        for (let tx = Math.floor(x0 / tileWidth); tx * tileWidth < x0 + w; tx++) {
          const blockSamples = planar ? samples.map((s, i) => [s, i]) : [[0, -1]];
          for (const [sample, planeIndex] of blockSamples) {
            const copy = { tx, ty, firstRow, tileWidth, tileHeight, x0, y0, w, h, nodata };
            const index = (planar ? sample * tilesPerBand : 0) + ty * tilesPerRow + tx;
            if (counts[index] === 0) {
              // A sparse block (offset and byte count 0): its part of the window is the fill value; nothing is allocated.
              const value = nodata !== null && fillValue === nodata ? NaN : fillValue;
              if (planar) fillWindow(planes[planeIndex], value, copy, imageHeight);
              else for (const plane of planes) fillWindow(plane, value, copy, imageHeight);
              continue;
            }
            jobs.push(
              block(tx, ty, sample, firstRow, endRow, reads, cancel.signal).then(
                (values) => {
                  if (planar) copyPlanar(values, planes[planeIndex], copy);
                  else copyChunky(values, planes, samples, spp, copy);
                },
                (err: unknown) => {
                  cancel.abort(err);
                  throw err;
                },
              ),
            );
          }
        }
      }
      reads.flush();
      await Promise.all(jobs);
    },
  };
}

/** Blocks closer than this in the file are read together (the bytes between are read and dropped). */
const READ_GAP = 4096;
/** The longest read made of several blocks. */
const MAX_BATCH_READ = 8 * 2 ** 20;

/**
 * The block reads of one window, asked for first and made at `flush` as few file reads: blocks lying next to each
 * other (the bands of a planar strip, a row of tiles) come in one read, not one each.
 */
class BatchedReads {
  private readonly source: Fetcher;
  private wants: { offset: number; length: number; resolve: (b: ArrayBuffer) => void; reject: (e: unknown) => void }[] = [];

  constructor(source: Fetcher) {
    this.source = source;
  }

  read(offset: number, length: number): Promise<ArrayBuffer> {
    return new Promise((resolve, reject) => this.wants.push({ offset, length, resolve, reject }));
  }

  flush(): void {
    const wants = this.wants.sort((a, b) => a.offset - b.offset);
    this.wants = [];
    for (let i = 0; i < wants.length;) {
      const start = wants[i].offset;
      let end = start + wants[i].length;
      let j = i + 1;
      while (
        j < wants.length &&
        wants[j].offset <= end + READ_GAP &&
        Math.max(end, wants[j].offset + wants[j].length) - start <= MAX_BATCH_READ
      ) {
        end = Math.max(end, wants[j].offset + wants[j].length);
        j++;
      }
      const run = wants.slice(i, j);
      this.source.fetch([{ offset: start, length: end - start }]).then(
        ([data]) => {
          if (run.length === 1) run[0].resolve(data as ArrayBuffer);
          else for (const want of run) want.resolve((data as ArrayBuffer).slice(want.offset - start, want.offset - start + want.length));
        },
        (err: unknown) => {
          for (const want of run) want.reject(err);
        },
      );
      i = j;
    }
  }
}

/**
 * A block table (offsets or byte counts), its first `count` entries as numbers. Deferred (large) arrays are read here
 * in the file's byte order: geotiff.js 3.0.5 reads them as little-endian whatever the file's order.
 */
async function blockTable(
  fd: GeoTIFFImage['fileDirectory'],
  source: Fetcher,
  tag: number,
  count: number,
  littleEndian: boolean,
): Promise<Float64Array> {
  const deferred = (fd as unknown as { deferredArrays?: Map<number, { arrayOffset: number; itemSize: number }> }).deferredArrays?.get(tag);
  const out = new Float64Array(count);
  if (deferred) {
    const size = deferred.itemSize;
    const [data] = await source.fetch([{ offset: deferred.arrayOffset, length: count * size }]);
    const view = new DataView(data as ArrayBuffer);
    for (let i = 0; i < count; i++) {
      const at = i * size;
      out[i] =
        size === 1
          ? view.getUint8(at)
          : size === 2
            ? view.getUint16(at, littleEndian)
            : size === 4
              ? view.getUint32(at, littleEndian)
              : Number(view.getBigUint64(at, littleEndian));
    }
    return out;
  }
  const value = (await fd.loadValue(tag)) as number | ArrayLike<number | bigint>;
  const list = typeof value === 'number' ? [value] : value;
  for (let i = 0; i < count; i++) out[i] = Number(list[i]);
  return out;
}

/**
 * The decoded blocks of one image kept for the next windows, up to LIMITS.blockCacheBytes (the most recent block is
 * always kept): a mask strip or a row of tiles taller than a strip of cells is decoded once, not once per strip.
 * Holds promises, so windows read at the same time share one decode; a failed decode is not kept.
 */
class BlockCache {
  private readonly blocks = new Map<number, { values: Promise<TypedArray>; bytes: number }>();
  private bytes = 0;

  get(index: number, bytes: number, decode: () => Promise<TypedArray>): Promise<TypedArray> {
    const hit = this.blocks.get(index);
    if (hit) {
      // Most recently used last.
      this.blocks.delete(index);
      this.blocks.set(index, hit);
      return hit.values;
    }
    const values = decode();
    const entry = { values, bytes };
    this.blocks.set(index, entry);
    this.bytes += bytes;
    values.catch(() => this.drop(index, entry));
    for (const [old, e] of this.blocks) {
      if (this.bytes <= LIMITS.blockCacheBytes || old === index) break;
      this.drop(old, e);
    }
    return values;
  }

  private drop(index: number, entry: { bytes: number }): void {
    if (this.blocks.get(index) !== entry) return;
    this.blocks.delete(index);
    this.bytes -= entry.bytes;
  }
}

interface CopySpec {
  tx: number;
  ty: number;
  /** The first row of the block the values start at (uncompressed blocks are read from the window's first row). */
  firstRow: number;
  tileWidth: number;
  tileHeight: number;
  x0: number;
  y0: number;
  w: number;
  h: number;
  nodata: number | null;
}

/** The part of block (tx, ty) inside the window, in block and window coordinates. */
function overlap(c: CopySpec, available: number) {
  const bx0 = c.tx * c.tileWidth;
  const by0 = c.ty * c.tileHeight + c.firstRow;
  const xa = Math.max(c.x0, bx0);
  const xb = Math.min(c.x0 + c.w, bx0 + c.tileWidth);
  const ya = Math.max(c.y0, by0);
  // A short last strip holds fewer rows than tileHeight.
  const yb = Math.min(c.y0 + c.h, by0 + c.tileHeight, by0 + Math.floor(available / c.tileWidth));
  return { bx0, by0, xa, xb, ya, yb };
}

/** Sets the part of block (tx, ty) inside the window to `value` (a sparse block; the last strip may be short). */
function fillWindow(plane: Float32Array, value: number, c: CopySpec, imageHeight: number): void {
  const bx0 = c.tx * c.tileWidth;
  const by0 = c.ty * c.tileHeight;
  const xa = Math.max(c.x0, bx0);
  const xb = Math.min(c.x0 + c.w, bx0 + c.tileWidth);
  const ya = Math.max(c.y0, by0);
  const yb = Math.min(c.y0 + c.h, by0 + c.tileHeight, imageHeight);
  for (let y = ya; y < yb; y++) plane.fill(value, (y - c.y0) * c.w + (xa - c.x0), (y - c.y0) * c.w + (xb - c.x0));
}

function copyPlanar(values: TypedArray, plane: Float32Array, c: CopySpec): void {
  const { bx0, by0, xa, xb, ya, yb } = overlap(c, values.length);
  for (let y = ya; y < yb; y++) {
    const from = (y - by0) * c.tileWidth + (xa - bx0);
    const to = (y - c.y0) * c.w + (xa - c.x0);
    const row = values.subarray(from, from + (xb - xa));
    if (c.nodata === null) {
      plane.set(row, to);
    } else {
      for (let i = 0; i < row.length; i++) plane[to + i] = row[i] === c.nodata ? NaN : row[i];
    }
  }
}

/** De-interleaves the wanted samples of a pixel-interleaved block in one pass over it. */
function copyChunky(values: TypedArray, planes: Float32Array[], samples: number[], spp: number, c: CopySpec): void {
  const { bx0, by0, xa, xb, ya, yb } = overlap(c, values.length / spp);
  const nodata = c.nodata;
  const n = xb - xa;
  for (let y = ya; y < yb; y++) {
    const rowFrom = ((y - by0) * c.tileWidth + (xa - bx0)) * spp;
    const rowTo = (y - c.y0) * c.w + (xa - c.x0);
    for (let si = 0; si < samples.length; si++) {
      const plane = planes[si];
      let from = rowFrom + samples[si];
      // One row of one sample: the row (≤ tile width × spp values) stays in cache across samples.
      if (nodata === null) {
        for (let i = 0; i < n; i++, from += spp) plane[rowTo + i] = values[from];
      } else {
        for (let i = 0; i < n; i++, from += spp) {
          const v = values[from];
          plane[rowTo + i] = v === nodata ? NaN : v;
        }
      }
    }
  }
}
