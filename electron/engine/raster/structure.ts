/**
 * Structural check of a TIFF before geotiff.js touches it.
 *
 * geotiff.js trusts the file: it loops forever on IFD chains that point back
 * on themselves, allocates whatever a tag's count claims, and decodes strips
 * that lie past the end of the file as zeros. So we read the header and walk
 * the IFD chain ourselves (classic TIFF and BigTIFF, both byte orders) and
 * check, against the file size, everything the decoder would later trust:
 *
 * - every IFD: offset inside the file and past the header, entry table
 *   complete, at most MAX_IFDS of them, no loops;
 * - every image (IFD 0, the raster, and its masks and overviews, which are
 *   decoded too): every out-of-line tag value inside the file (geokey tags
 *   past the end are ignored, as libtiff does), no tag twice, sane dimensions
 *   and sample layout, a strip/tile layout whose offset/byte-count arrays
 *   have an entry for every block and whose blocks all lie inside the file,
 *   and the budgets of LIMITS: the decoded size of one block, the number of
 *   blocks (and of tiny blocks).
 *
 * Deeper semantic checks (sample types, compressions, georeferencing) stay in
 * open.ts, where geotiff.js has parsed the tags.
 */
import { LIMITS, LimitError } from '../limits.js';
import { RasterError } from './errors.js';
import type { CheckedFileSource } from './source.js';

/** Largest width or height accepted (GDAL's own limit is 2^31-1; real rasters stay far below 2^24). */
export const MAX_DIMENSION = 1 << 24;
/** Most samples (bands) per pixel accepted; hyperspectral sensors have a few hundred. */
export const MAX_SAMPLES = 10_000;
/** Most IFDs followed along the chain (a COG has a few dozen at most). */
export const MAX_IFDS = 4096;

/** Byte size of one value of each TIFF field type; types not listed are unknown. */
const TYPE_SIZES: ReadonlyMap<number, number> = new Map([
  [1, 1],
  [2, 1],
  [3, 2],
  [4, 4],
  [5, 8],
  [6, 1],
  [7, 1],
  [8, 2],
  [9, 4],
  [10, 8],
  [11, 4],
  [12, 8],
  [13, 4],
  [16, 8],
  [17, 8],
  [18, 8],
]);

const TAG_NAMES: Record<number, string> = {
  256: 'ImageWidth',
  257: 'ImageLength',
  258: 'BitsPerSample',
  259: 'Compression',
  262: 'PhotometricInterpretation',
  273: 'StripOffsets',
  277: 'SamplesPerPixel',
  278: 'RowsPerStrip',
  279: 'StripByteCounts',
  284: 'PlanarConfiguration',
  305: 'Software',
  317: 'Predictor',
  322: 'TileWidth',
  323: 'TileLength',
  324: 'TileOffsets',
  325: 'TileByteCounts',
  339: 'SampleFormat',
};

function tagName(tag: number): string {
  return TAG_NAMES[tag] ? `${TAG_NAMES[tag]} (${tag})` : `tag ${tag}`;
}

function plural(n: number, word: string): string {
  if (n === 1) return `1 ${word}`;
  return `${n} ${word.endsWith('y') ? `${word.slice(0, -1)}ies` : `${word}s`}`;
}

/** Human-readable byte count for messages ("58.2 MiB"). */
function bytesText(n: number): string {
  const units = [
    [2 ** 30, 'GiB'],
    [2 ** 20, 'MiB'],
    [2 ** 10, 'KiB'],
  ] as const;
  for (const [size, unit] of units) if (n >= size) return `${Number((n / size).toFixed(1))} ${unit}`;
  return `${n} bytes`;
}

interface Entry {
  tag: number;
  type: number;
  count: number;
  /** Total value size in bytes (count × type size). */
  size: number;
  /** Where the values are: inside the entry when they fit, else the offset it holds. */
  valuePos: number;
}

/** What the check learnt; open.ts uses the file size and layout facts. */
export interface TiffStructure {
  fileSize: number;
  littleEndian: boolean;
  bigTiff: boolean;
  /** Number of IFDs in the chain (full image, overviews, masks). */
  ifdCount: number;
  /** Geokey tags of IFD 0 whose values lie past the end of the file: ignored, as libtiff does. */
  unreadableGeoTags: number[];
}

/** Values in the byte order of the file, and checked reads (see source.ts). */
class TiffReader {
  readonly source: CheckedFileSource;
  readonly fileSize: number;
  readonly littleEndian: boolean;

  constructor(source: CheckedFileSource, littleEndian: boolean) {
    this.source = source;
    this.fileSize = source.fileSize;
    this.littleEndian = littleEndian;
  }

  async bytes(offset: number, length: number): Promise<Buffer> {
    const data = await this.source.read(offset, Math.max(0, Math.min(length, this.fileSize - offset)));
    return Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  }

  uint(buf: Buffer, pos: number, size: number): number {
    const le = this.littleEndian;
    switch (size) {
      case 1:
        return buf.readUInt8(pos);
      case 2:
        return le ? buf.readUInt16LE(pos) : buf.readUInt16BE(pos);
      case 4:
        return le ? buf.readUInt32LE(pos) : buf.readUInt32BE(pos);
      default: {
        // 8-byte values beyond 2^53 cannot be a valid offset or count in any file we could read.
        const v = le ? buf.readBigUInt64LE(pos) : buf.readBigUInt64BE(pos);
        return v > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : Number(v);
      }
    }
  }
}

/**
 * Checks the structure of the TIFF open in `source`; throws a RasterError (or a LimitError) saying what is wrong,
 * in words, on the first problem found.
 */
export async function checkTiffStructure(path: string, source: CheckedFileSource): Promise<TiffStructure> {
  if (source.fileSize === 0) throw new RasterError(path, 'empty file (0 bytes), not a TIFF file');
  return checkOpen(path, source);
}

async function checkOpen(path: string, source: CheckedFileSource): Promise<TiffStructure> {
  const fail = (problem: string): never => {
    throw new RasterError(path, problem);
  };
  const fileSize = source.fileSize;
  const head = Buffer.from(await source.read(0, Math.min(16, fileSize)));
  if (head.length < 4) fail(`not a TIFF file (only ${head.length} bytes long)`);
  const order = head.toString('latin1', 0, 2);
  if (order !== 'II' && order !== 'MM') fail('not a TIFF file (bad byte-order mark)');
  const r = new TiffReader(source, order === 'II');
  const magic = r.uint(head, 2, 2);
  if (magic !== 42 && magic !== 43) fail(`not a TIFF file (bad magic number ${magic})`);
  const big = magic === 43;
  const headerSize = big ? 16 : 8;
  if (head.length < headerSize)
    fail(`file is truncated: the ${big ? 'BigTIFF' : 'TIFF'} header needs ${headerSize} bytes, the file has ${fileSize}`);
  if (big) {
    const offsetSize = r.uint(head, 4, 2);
    if (offsetSize !== 8) fail(`invalid BigTIFF header: offset size ${offsetSize} (must be 8)`);
  }
  const firstIfd = big ? r.uint(head, 8, 8) : r.uint(head, 4, 4);
  if (firstIfd === 0) fail('invalid TIFF: the header points to no image (first IFD offset 0)');

  // Walk the chain: every table must be complete; offsets must not repeat.
  const seen = new Set<number>();
  const ifds: Entry[][] = [];
  for (let offset = firstIfd, index = 0; offset !== 0; index++) {
    if (index >= MAX_IFDS) fail(`IFD chain has more than ${MAX_IFDS} IFDs (corrupt or hostile file)`);
    if (seen.has(offset)) fail(`IFD chain loops back to offset ${offset}`);
    seen.add(offset);
    const what = index === 0 ? 'first IFD' : `IFD ${index}`;
    if (offset < headerSize) fail(`invalid TIFF: ${what} offset ${offset} points into the file header`);
    const countSize = big ? 8 : 2;
    const entrySize = big ? 20 : 12;
    if (offset + countSize > fileSize) {
      fail(`file is truncated: ${what} at offset ${offset} lies past the end of the file (${fileSize} bytes)`);
    }
    const n = r.uint(await r.bytes(offset, countSize), 0, countSize);
    if (n === 0) fail(`invalid TIFF: ${what} (offset ${offset}) has no entries`);
    const tableSize = countSize + n * entrySize + (big ? 8 : 4);
    if (offset + tableSize > fileSize) {
      fail(
        `file is truncated: ${what} at offset ${offset} has ${plural(n, 'entry')} (${tableSize} bytes) ` +
          `but the file ends at byte ${fileSize}`,
      );
    }
    const table = await r.bytes(offset, tableSize);
    ifds.push(parseEntries(r, table, n, big, offset));
    offset = r.uint(table, countSize + n * entrySize, big ? 8 : 4);
  }
  // Every image gets the same checks: masks and overviews are decoded too.
  let unreadableGeoTags: number[] = [];
  for (const [index, entries] of ifds.entries()) {
    const ignored = await checkImage(path, r, entries, headerSize, index);
    if (index === 0) unreadableGeoTags = ignored;
  }
  return { fileSize, littleEndian: r.littleEndian, bigTiff: big, ifdCount: seen.size, unreadableGeoTags };
}

function parseEntries(r: TiffReader, table: Buffer, n: number, big: boolean, ifdOffset: number): Entry[] {
  const countSize = big ? 8 : 2;
  const entrySize = big ? 20 : 12;
  const inline = big ? 8 : 4;
  const entries: Entry[] = [];
  for (let i = 0; i < n; i++) {
    const p = countSize + i * entrySize;
    const tag = r.uint(table, p, 2);
    const type = r.uint(table, p + 2, 2);
    const count = r.uint(table, p + 4, big ? 8 : 4);
    const size = count * (TYPE_SIZES.get(type) ?? 0);
    const valueField = p + (big ? 12 : 8);
    const valuePos = size <= inline ? ifdOffset + valueField : r.uint(table, valueField, inline);
    entries.push({ tag, type, count, size, valuePos });
  }
  return entries;
}

/** GeoKeyDirectory, GeoDoubleParams, GeoAsciiParams: libtiff skips them when unreadable, and GDAL then has no CRS. */
const GEO_KEY_TAGS = new Set([34735, 34736, 34737]);

/**
 * The checks on one image (IFD `index`; 0 is the raster, the others its masks and overviews). Problems outside
 * IFD 0 name the IFD. Returns the geokey tags of the image whose values lie past the end of the file (ignored).
 */
async function checkImage(path: string, r: TiffReader, entries: Entry[], headerSize: number, index: number): Promise<number[]> {
  const where = index === 0 ? '' : `IFD ${index}: `;
  const fail = (problem: string): never => {
    throw new RasterError(path, `${where}${problem}`);
  };
  const unreadableGeoTags: number[] = [];
  const byTag = new Map<number, Entry>();
  for (const e of entries) {
    // Two values for one tag: readers disagree on which wins, so the image is ambiguous.
    if (byTag.has(e.tag)) fail(`invalid TIFF: ${tagName(e.tag)} appears twice in ${index === 0 ? 'the first IFD' : 'the IFD'}`);
    byTag.set(e.tag, e);
    // Tags of unknown type are skipped by readers (libtiff warns); their values are never read.
    if (!TYPE_SIZES.has(e.type)) continue;
    if (e.valuePos + e.size > r.fileSize && GEO_KEY_TAGS.has(e.tag)) {
      unreadableGeoTags.push(e.tag);
      continue;
    }
    if (e.valuePos + e.size > r.fileSize) {
      fail(
        `${tagName(e.tag)} claims ${plural(e.count, 'value')} (${bytesText(e.size)}) at offset ${e.valuePos}, ` +
          `past the end of the file (${r.fileSize} bytes)`,
      );
    }
  }

  /** The values of a numeric tag (its first `max`), or undefined when absent. */
  const values = async (tag: number, max = 64 * 1024): Promise<number[] | undefined> => {
    const e = byTag.get(tag);
    if (!e) return undefined;
    // Layout tags are unsigned integers: BYTE, SHORT, LONG or LONG8.
    const size = { 1: 1, 3: 2, 4: 4, 16: 8 }[e.type];
    if (size === undefined) return fail(`invalid TIFF: ${tagName(tag)} has field type ${e.type}, not an unsigned integer type`);
    const n = Math.min(e.count, max);
    const buf = await r.bytes(e.valuePos, n * size);
    const out = new Array<number>(n);
    for (let i = 0; i < n; i++) out[i] = r.uint(buf, i * size, size);
    return out;
  };
  const single = async (tag: number, fallback?: number): Promise<number> => {
    const v = await values(tag);
    if (v === undefined || v.length === 0) {
      if (fallback === undefined) return fail(`invalid TIFF: required tag ${tagName(tag)} is missing`);
      return fallback;
    }
    return v[0];
  };

  const width = await single(256);
  const height = await single(257);
  for (const [name, v] of [
    ['width', width],
    ['height', height],
  ] as const) {
    if (v <= 0) fail(`invalid raster size: ${name} is 0`);
    if (v > MAX_DIMENSION) fail(`raster ${name} ${v} is beyond the ${MAX_DIMENSION} pixels this reader accepts (corrupt or hostile file)`);
  }
  const spp = await single(277, 1);
  if (spp <= 0) fail('invalid TIFF: SamplesPerPixel is 0');
  if (spp > MAX_SAMPLES) fail(`${spp} samples per pixel is beyond the ${MAX_SAMPLES} this reader accepts`);

  const bits = (await values(258)) ?? [1];
  if (bits.length === 0) fail('invalid TIFF: BitsPerSample has no value');
  if (bits.length !== 1 && bits.length < spp) fail(`invalid TIFF: BitsPerSample has ${bits.length} values for ${spp} samples`);
  const sampleBits = Array.from({ length: spp }, (_, i) => bits[Math.min(i, bits.length - 1)]);
  for (const b of sampleBits) if (b < 1 || b > 64) fail(`invalid TIFF: ${b} bits per sample`);

  const formats = (await values(339)) ?? [1];
  if (formats.length === 0) fail('invalid TIFF: SampleFormat has no value');
  for (const [i, f] of Array.from({ length: spp }, (_, i) => formats[Math.min(i, formats.length - 1)]).entries()) {
    if (f < 1 || f > 6) fail(`invalid TIFF: SampleFormat ${f} is not defined`);
    if (f === 3 && ![16, 32, 64].includes(sampleBits[i]))
      fail(`invalid TIFF: ${sampleBits[i]}-bit floating-point samples (floats have 16, 32 or 64 bits)`);
  }

  const compression = await single(259, 1);
  const planar = await single(284, 1);
  if (planar !== 1 && planar !== 2) fail(`invalid TIFF: PlanarConfiguration ${planar} (must be 1 or 2)`);
  const predictor = await single(317, 1);
  if (predictor < 1 || predictor > 3) fail(`invalid TIFF: Predictor ${predictor} is not defined (1, 2 or 3)`);
  if (predictor === 3 && !formats.every((f) => f === 3)) fail('invalid TIFF: floating-point Predictor 3 on integer samples');
  const photometric = await single(262, 1);
  // geotiff.js converts YCbCr only for JPEG; raw YCbCr (often subsampled) would be read as wrong pixels.
  if (photometric === 6 && compression !== 7) fail('unsupported: YCbCr colour (PhotometricInterpretation 6) without JPEG compression');
  if (photometric === 6 && spp < 3) fail(`invalid TIFF: YCbCr colour with ${plural(spp, 'sample')} per pixel (needs 3)`);

  // The block layout: tiles when TileWidth is present, strips otherwise.
  const tiled = byTag.has(322) || byTag.has(324);
  let blockWidth: number;
  let blockHeight: number;
  let across: number;
  let down: number;
  if (tiled) {
    blockWidth = await single(322);
    blockHeight = await single(323);
    if (blockWidth <= 0 || blockHeight <= 0) fail(`invalid TIFF: tile size ${blockWidth}x${blockHeight}`);
    if (blockWidth > MAX_DIMENSION || blockHeight > MAX_DIMENSION) fail(`invalid TIFF: tile size ${blockWidth}x${blockHeight} is absurd`);
    across = Math.ceil(width / blockWidth);
    down = Math.ceil(height / blockHeight);
  } else {
    blockWidth = width;
    const rows = await single(278, height);
    if (rows <= 0) fail('invalid TIFF: RowsPerStrip is 0');
    blockHeight = Math.min(rows, height);
    across = 1;
    down = Math.ceil(height / blockHeight);
  }
  const kind = tiled ? 'tile' : 'strip';
  const planes = planar === 2 ? spp : 1;
  const blocks = across * down * planes;
  const bitsPerPixel = planar === 2 ? Math.max(...sampleBits) : sampleBits.reduce((a, b) => a + b, 0);
  const rowBytes = Math.ceil((blockWidth * bitsPerPixel) / 8);
  const blockBytes = rowBytes * blockHeight;
  const limit = (asks: string, allowed: string): never => {
    throw new LimitError({ path }, `${where}asks for ${asks}`, allowed);
  };
  if (compression !== 1 && blockBytes > LIMITS.blockBytes) {
    fail(
      `one ${kind} (${blockWidth}x${blockHeight}) decodes to ${bytesText(blockBytes)}, more than the ` +
        `${bytesText(LIMITS.blockBytes)} this reader allows per compressed block (corrupt or a decompression bomb)`,
    );
  }
  // Uncompressed blocks are read a few rows at a time (blocks.ts): one row must fit the same budget.
  if (compression === 1 && rowBytes > LIMITS.blockBytes) {
    limit(`${bytesText(rowBytes)} per row of one ${kind}`, `${bytesText(LIMITS.blockBytes)}`);
  }
  // Every block costs a read and a decode however small it is: 1-pixel tiles make a small raster take minutes.
  if (blocks > LIMITS.imageBlocks) limit(`${blocks} ${kind}s`, `${LIMITS.imageBlocks} ${kind}s per image`);
  if (blocks > LIMITS.smallBlockImages && blockWidth * blockHeight < LIMITS.minBlockPixels) {
    limit(
      `${blocks} ${kind}s of ${blockWidth}x${blockHeight} pixels`,
      `${LIMITS.smallBlockImages} ${kind}s smaller than ${LIMITS.minBlockPixels} pixels`,
    );
  }

  const [offsetsTag, countsTag] = tiled ? [324, 325] : [273, 279];
  if (!byTag.has(offsetsTag) || !byTag.has(countsTag))
    fail(`invalid TIFF: no ${tagName(offsetsTag)} or ${tagName(countsTag)}, so no pixel data`);
  for (const tag of [offsetsTag, countsTag]) {
    const declared = byTag.get(tag)!.count;
    if (declared < blocks) {
      fail(`invalid TIFF: ${tagName(tag)} has ${plural(declared, 'entry')} but the image has ${plural(blocks, kind)}`);
    }
  }
  // Only the entries of real blocks are read (a count can claim more than the image has).
  const offsets = (await values(offsetsTag, blocks))!;
  const counts = (await values(countsTag, blocks))!;
  for (let i = 0; i < blocks; i++) {
    const offset = offsets[i];
    const count = counts[i];
    if (count === 0) {
      // GDAL writes sparse blocks (SPARSE_OK) as offset 0 + count 0: they read as nodata.
      if (offset === 0) continue;
      fail(`invalid TIFF: ${kind} ${i} has a byte count of 0 (no data)`);
    }
    if (offset < headerSize) fail(`invalid TIFF: ${kind} ${i} offset ${offset} points into the file header`);
    if (offset + count > r.fileSize) {
      fail(`file is truncated: ${kind} ${i} lies past the end of the file (offset ${offset} + ${count} > ${r.fileSize} bytes)`);
    }
    if (compression === 1) {
      // Uncompressed: the bytes are the pixels; a short block would read as zeros.
      const rowsHere = tiled ? blockHeight : Math.min(blockHeight, height - (Math.floor(i / across) % down) * blockHeight);
      const needed = rowBytes * rowsHere;
      if (count < needed) fail(`invalid TIFF: uncompressed ${kind} ${i} holds ${count} bytes but needs ${needed}`);
    }
  }
  return unreadableGeoTags;
}
