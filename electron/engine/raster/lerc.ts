/**
 * LERC tiles and strips (compression 34887), bounded.
 *
 * geotiff.js's LERC decoder unwraps the optional DEFLATE or ZSTD layer
 * without any size limit (pako, zstddec) and then lets the `lerc` package
 * allocate whatever the blob headers declare: one blob per band, each
 * width x height x dimensions values. A 1 MB tile made of thousands of tiny
 * blobs that each declare a 256x256 float64 band asks for gigabytes of
 * ArrayBuffers, which V8's heap limits of a worker do not cover.
 *
 * So here: the DEFLATE / ZSTD layer is undone into at most `blobLimit` bytes,
 * the LERC2 blob headers are read and checked against the TIFF (one blob, the
 * tile's width, at most its height, one dimension per sample of the block,
 * the TIFF's sample size) before the `lerc` package decodes anything, and the
 * decoded block can never exceed the block's size.
 */
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';

export interface LercBlockParameters {
  tileWidth: number;
  tileHeight: number;
  planarConfiguration: number;
  bitsPerSample: number | ArrayLike<number>;
  samplesPerPixel?: number;
  /** The LercParameters tag: [LERC version, additional compression (0 none, 1 DEFLATE, 2 ZSTD)]. */
  LercParameters?: ArrayLike<number>;
}

export interface LercBlobHeader {
  version: number;
  width: number;
  height: number;
  dims: number;
  /** LERC data type: 0 int8, 1 uint8, 2 int16, 3 uint16, 4 int32, 5 uint32, 6 float32, 7 float64. */
  dataType: number;
  blobSize: number;
}

const TYPE_BYTES = [1, 1, 2, 2, 4, 4, 4, 8];

/** The headers of the LERC2 blobs in `bytes` (one per band), without decoding any pixels. */
export function readLercHeaders(bytes: Uint8Array): LercBlobHeader[] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headers: LercBlobHeader[] = [];
  let p = 0;
  // The lerc package decodes blobs while more than 10 bytes are left.
  while (p < bytes.length - 10) {
    const id = String.fromCharCode(...bytes.subarray(p, p + 6));
    if (id.startsWith('CntZIm')) throw new Error('unsupported LERC: version 1 (CntZImage) blob');
    if (id !== 'Lerc2 ') throw new Error('LERC data: not a LERC2 blob (corrupt or truncated block)');
    let q = p + 6;
    if (q + 4 > bytes.length) throw new Error('LERC data: blob header cut off');
    const version = view.getInt32(q, true);
    q += 4;
    if (version < 2 || version > 5) throw new Error(`unsupported LERC: blob version ${version}`);
    if (version >= 3) q += 4; // checksum
    const keys = version >= 4 ? 12 : 8;
    if (q + keys + 16 > bytes.length) throw new Error('LERC data: blob header cut off');
    const height = view.getUint32(q, true);
    const width = view.getUint32(q + 4, true);
    const dims = version >= 4 ? view.getUint32(q + 8, true) : 1;
    q += keys;
    const blobSize = view.getInt32(q + 8, true);
    const dataType = view.getInt32(q + 12, true);
    if (!(dataType >= 0 && dataType <= 7)) throw new Error(`LERC data: unknown data type ${dataType}`);
    if (blobSize <= q - p || p + blobSize > bytes.length)
      throw new Error(`LERC data: blob size ${blobSize} does not fit the block (corrupt or truncated)`);
    headers.push({ version, width, height, dims, dataType, blobSize });
    p += blobSize;
  }
  if (headers.length === 0) throw new Error('LERC data: empty block');
  return headers;
}

/** Checks the blob headers against the TIFF block before anything is allocated for them. */
export function checkLercHeaders(headers: LercBlobHeader[], p: LercBlockParameters): void {
  const bits = typeof p.bitsPerSample === 'number' ? p.bitsPerSample : p.bitsPerSample[0];
  const dims = p.planarConfiguration === 2 ? 1 : (p.samplesPerPixel ?? headers[0].dims);
  // geotiff.js (like GDAL 3.6 with LERC 4) writes and reads one blob holding every sample of the block.
  if (headers.length !== 1) throw new Error(`unsupported LERC: ${headers.length} blobs in one block (one per band)`);
  const h = headers[0];
  if (h.width !== p.tileWidth || h.height < 1 || h.height > p.tileHeight || h.dims !== dims) {
    throw new Error(
      `LERC data: the blob is ${h.width}x${h.height}x${h.dims} where the TIFF block is ${p.tileWidth}x${p.tileHeight}x${dims}`,
    );
  }
  if (TYPE_BYTES[h.dataType] * 8 !== bits) throw new Error(`LERC data: ${TYPE_BYTES[h.dataType] * 8}-bit values in a ${bits}-bit TIFF`);
}

interface LercLib {
  decode(input: ArrayBuffer, options?: { returnPixelInterleavedDims?: boolean }): { pixels: ArrayBufferView[] };
}

let lercLib: LercLib | null = null;

/** geotiff.js's own `lerc` package, resolved from geotiff so no new dependency is needed. */
function lerc(): LercLib {
  lercLib ??= createRequire(createRequire(import.meta.url).resolve('geotiff'))('lerc') as LercLib;
  return lercLib;
}

/**
 * Decodes one LERC block into at most `limit` bytes (host byte order, samples
 * interleaved for planarConfiguration 1, as GDAL returns them).
 * @param zstdDecode ZSTD into at most the given number of bytes (the caller's bounded zstddec).
 */
export function decodeLercBlock(
  bytes: Uint8Array,
  p: LercBlockParameters,
  limit: number,
  zstdDecode: (b: Uint8Array, max: number) => Uint8Array,
): ArrayBuffer {
  // A LERC2 blob holds at most every value raw plus a bit mask and headers.
  const blobLimit = 2 * limit + 65536;
  const extra = p.LercParameters ? Number(p.LercParameters[1] ?? 0) : 0;
  let blob: Uint8Array;
  if (extra === 0) blob = bytes;
  else if (extra === 1) {
    try {
      blob = inflateSync(bytes, { maxOutputLength: blobLimit });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE')
        throw new Error(`a LERC block inflates beyond ${blobLimit} bytes (corrupt or a decompression bomb)`, { cause: err });
      throw new Error(`LERC DEFLATE data: ${(err as Error).message}`, { cause: err });
    }
  } else if (extra === 2) {
    blob = zstdDecode(bytes, blobLimit + 1);
    if (blob.byteLength > blobLimit)
      throw new Error(`a LERC block decompresses beyond ${blobLimit} bytes (corrupt or a decompression bomb)`);
    if (blob.byteLength === 0) throw new Error('LERC ZSTD data: corrupt or truncated stream');
  } else throw new Error(`unsupported LERC: additional compression ${extra}`);
  checkLercHeaders(readLercHeaders(blob), p);
  // A copy when `blob` is a view (zlib's Buffer may sit in a shared pool; Buffer#slice would not copy).
  const input =
    blob.byteOffset === 0 && blob.byteLength === blob.buffer.byteLength ? (blob.buffer as ArrayBuffer) : new Uint8Array(blob).buffer;
  let result: { pixels: ArrayBufferView[] };
  try {
    result = lerc().decode(input, { returnPixelInterleavedDims: p.planarConfiguration !== 2 });
  } catch (err) {
    // The lerc package throws bare strings ("Checksum failed.").
    throw new Error(`LERC data: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const pixels = result.pixels[0];
  if (!pixels) throw new Error('LERC data: no pixels decoded');
  if (pixels.byteLength > limit) throw new Error(`a LERC block decodes to more than its ${limit} bytes (corrupt or a decompression bomb)`);
  const whole = pixels.byteOffset === 0 && pixels.byteLength === pixels.buffer.byteLength;
  return (whole ? pixels.buffer : pixels.buffer.slice(pixels.byteOffset, pixels.byteOffset + pixels.byteLength)) as ArrayBuffer;
}
