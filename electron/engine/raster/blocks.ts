/**
 * Fast window reads: decoded tiles or strips copied straight into float32
 * band planes, with nodata turned into NaN in the same pass.
 *
 * geotiff.js's own `readRasters` copies every sample through a DataView
 * getter, which costs more than decoding; this path views each decoded block
 * as a typed array instead. It covers the common layouts (little-endian, 8/16/32/64-bit
 * integer or float samples, no colour conversion); anything else goes
 * through `readRasters`.
 */
import { getDecoder, type BaseDecoder, type GeoTIFFImage, type TypedArray } from 'geotiff';
import { maxBlockBytes } from './deflate.js';

type TypedArrayConstructor = new (buffer: ArrayBufferLike, byteOffset?: number, length?: number) => TypedArray;

/** Compressions whose geotiff.js decoders take the default parameters. */
const SIMPLE_COMPRESSIONS = new Set([1, 5, 8, 32946, 32773, 50000]);

function arrayType(format: number, bits: number): TypedArrayConstructor | null {
  if (format === 1) return bits === 8 ? Uint8Array : bits === 16 ? Uint16Array : bits === 32 ? Uint32Array : null;
  if (format === 2) return bits === 8 ? Int8Array : bits === 16 ? Int16Array : bits === 32 ? Int32Array : null;
  if (format === 3) return bits === 32 ? Float32Array : bits === 64 ? Float64Array : null;
  return null;
}

/** A reader of blocks for one image, or null when the image needs geotiff.js's general path. */
export interface BlockReader {
  /** Fills `out` ([samples.length, h, w], float32) with the window; nodata becomes NaN. */
  read(x0: number, y0: number, w: number, h: number, samples: number[], nodata: number | null, out: Float32Array): Promise<void>;
}

export async function makeBlockReader(image: GeoTIFFImage): Promise<BlockReader | null> {
  const fd = image.getFileDirectory();
  const compression = Number(fd.getValue('Compression') ?? 1);
  const bits = Array.from((fd.getValue('BitsPerSample') as ArrayLike<number> | number | undefined) as ArrayLike<number>);
  const formats = Array.from((fd.getValue('SampleFormat') as ArrayLike<number> | undefined) ?? [1]);
  const spp = image.getSamplesPerPixel();
  if (!image.littleEndian || !SIMPLE_COMPRESSIONS.has(compression)) return null;
  if (bits.length === 0 || !bits.every((b) => b === bits[0]) || !formats.every((f) => f === formats[0])) return null;
  const Type = arrayType(formats[0], bits[0]);
  if (!Type) return null;
  const tileWidth = image.getTileWidth();
  const tileHeight = image.getTileHeight();
  const planar = image.planarConfiguration === 2;
  const parameters = {
    tileWidth,
    tileHeight,
    planarConfiguration: image.planarConfiguration,
    bitsPerSample: fd.getValue('BitsPerSample'),
    predictor: Number(await fd.loadValue('Predictor')) || 1,
  };
  const decoder = (await getDecoder(compression, parameters as never)) as BaseDecoder;
  const bytesPerSample = bits[0] / 8;
  const blockBytes = maxBlockBytes(parameters as never);
  const imageHeight = image.getHeight();
  const valuesPerRow = planar ? tileWidth : tileWidth * spp;

  return {
    async read(x0, y0, w, h, samples, nodata, out) {
      const planes = samples.map((_, i) => out.subarray(i * w * h, (i + 1) * w * h));
      const jobs: Promise<void>[] = [];
      for (let ty = Math.floor(y0 / tileHeight); ty * tileHeight < y0 + h; ty++) {
        for (let tx = Math.floor(x0 / tileWidth); tx * tileWidth < x0 + w; tx++) {
          const blockSamples = planar ? samples.map((s, i) => [s, i]) : [[0, -1]];
          for (const [sample, planeIndex] of blockSamples) {
            jobs.push(
              image.getTileOrStrip(tx, ty, sample, decoder).then((block) => {
                const data = block.data as ArrayBuffer;
                const values = new Type(data, 0, Math.floor(Math.min(data.byteLength, blockBytes) / bytesPerSample));
                // A block that decodes short (truncated or corrupt stream) must not read as zeros.
                // Tiles are always whole; only the last strip may hold fewer rows.
                const rows = image.isTiled ? tileHeight : Math.min(tileHeight, imageHeight - ty * tileHeight);
                if (values.length < rows * valuesPerRow) {
                  const kind = image.isTiled ? `tile ${tx},${ty}` : `strip ${ty}`;
                  throw new Error(`${kind} decodes to ${values.length * bytesPerSample} bytes instead of ${rows * valuesPerRow * bytesPerSample} (truncated or corrupt)`);
                }
                const copy = { tx, ty, tileWidth, tileHeight, x0, y0, w, h, nodata };
                if (planar) copyPlanar(values, planes[planeIndex], copy);
                else copyChunky(values, planes, samples, spp, copy);
              }),
            );
          }
        }
      }
      await Promise.all(jobs);
    },
  };
}

interface CopySpec {
  tx: number;
  ty: number;
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
  const by0 = c.ty * c.tileHeight;
  const xa = Math.max(c.x0, bx0);
  const xb = Math.min(c.x0 + c.w, bx0 + c.tileWidth);
  const ya = Math.max(c.y0, by0);
  // A short last strip holds fewer rows than tileHeight.
  const yb = Math.min(c.y0 + c.h, by0 + c.tileHeight, by0 + Math.floor(available / c.tileWidth));
  return { bx0, by0, xa, xb, ya, yb };
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
