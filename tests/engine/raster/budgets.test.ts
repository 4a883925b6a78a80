/**
 * Reading within budgets: decoded blocks are cached across windows (a mask strip is decoded once, not once per
 * strip of cells), uncompressed blocks are read by rows, the block-count limits hold at their boundary, inputs are
 * regular files within a size limit, and a changed input is caught by assertUnchanged. Pixels are checked against GDAL.
 */
import { execFileSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deflateSync } from 'node:zlib';
import { addDecoder, getDecoder, type BaseDecoder } from 'geotiff';
import { afterAll, describe, expect, it } from 'vitest';
import { openRaster } from '../../../electron/engine/raster/index.js';
import { useBoundedDecoders } from '../../../electron/engine/raster/codecs.js';
import { assertUnchanged, hashFile, openInputFile, sha256File } from '../../../electron/engine/hash.js';
import { LimitError } from '../../../electron/engine/limits.js';
import { runPython } from '../../helpers/python.js';
import { imageTags, TiffWriter } from './tiff-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'rcf-raster-budgets-'));

/** GDAL's band 1 (and its mask band) as flat lists. */
function gdalPixels(path: string): { band: number[]; mask: number[] } {
  return JSON.parse(
    runPython(
      `import json, sys
from osgeo import gdal
ds = gdal.Open(sys.argv[1])
b = ds.GetRasterBand(1)
print(json.dumps({'band': b.ReadAsArray().ravel().tolist(), 'mask': b.GetMaskBand().ReadAsArray().ravel().tolist()}))`,
      [path],
    ),
  ) as { band: number[]; mask: number[] };
}

/** Reads the raster in windows of `rows` rows, band 1, into one array. */
async function readByStrips(path: string, rows: number): Promise<Float32Array> {
  const raster = await openRaster(path);
  try {
    const { width, height } = raster.info;
    const out = new Float32Array(width * height);
    for (let y = 0; y < height; y += rows) out.set(await raster.readWindow(0, y, width, Math.min(rows, height - y), [0]), y * width);
    return out;
  } finally {
    await raster.close();
  }
}

const W = 64;
const H = 256;
const pixels = Uint8Array.from({ length: W * H }, (_, i) => 1 + ((i * 13) % 250));

describe('decoded blocks are cached across windows', () => {
  let restore: (() => void) | null = null;
  afterAll(() => restore?.());

  const maskedStrips = 'a DEFLATE image and its mask, one strip each, read in 16 strips';
  it(`${maskedStrips}: each strip is decoded once; values and mask equal GDAL`, async () => {
    // A 1-bit mask, rows padded to a byte, most significant bit first: a diagonal band of invalid pixels.
    const maskBits = new Uint8Array((W / 8) * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) if ((x + y) % 5 !== 0) maskBits[y * (W / 8) + (x >> 3)] |= 0x80 >> (x & 7);
    const w = new TiffWriter();
    const data = deflateSync(pixels);
    const mask = deflateSync(maskBits);
    const dataAt = w.blob(data);
    const maskAt = w.blob(mask);
    w.ifd(imageTags({ width: W, height: H, compression: 8, offsets: [dataAt], counts: [data.length] }));
    w.ifd(
      imageTags({ width: W, height: H, bits: 1, subfile: 4, photometric: 4, compression: 8, offsets: [maskAt], counts: [mask.length] }),
    );
    const path = join(dir, 'masked.tif');
    writeFileSync(path, w.toBuffer());

    // Count the DEFLATE blocks decoded, through the decoder the reader uses.
    await useBoundedDecoders();
    const Deflate = (await getDecoder(8, { tileWidth: 1, tileHeight: 1, planarConfiguration: 1, bitsPerSample: 8 } as never))
      .constructor as unknown as new (p: unknown) => BaseDecoder;
    let decoded = 0;
    class Counting extends Deflate {
      override decodeBlock(buffer: ArrayBufferLike) {
        decoded++;
        return super.decodeBlock(buffer);
      }
    }
    addDecoder(8, async () => Counting as never, undefined, false);
    restore = () => addDecoder(8, async () => Deflate as never, undefined, false);

    const ours = await readByStrips(path, 16);
    expect(decoded).toBe(2);
    const gdal = gdalPixels(path);
    const expected = gdal.band.map((v, i) => (gdal.mask[i] === 0 ? NaN : v));
    expect(Array.from(ours)).toEqual(expected);
    expect(expected.filter(Number.isNaN).length).toBeGreaterThan(3000);
  });
});

describe('uncompressed blocks are read by rows', () => {
  it('a single uncompressed strip read in windows of 7 rows equals GDAL', async () => {
    const w = new TiffWriter();
    const at = w.blob(pixels);
    w.ifd(imageTags({ width: W, height: H, offsets: [at], counts: [pixels.length] }));
    const path = join(dir, 'one-strip.tif');
    writeFileSync(path, w.toBuffer());
    expect(Array.from(await readByStrips(path, 7))).toEqual(gdalPixels(path).band);
  });
});

describe('block-count limits, at their boundary', () => {
  function tiles(name: string, width: number, height: number): string {
    const n = width * height;
    const w = new TiffWriter();
    const at = w.blob(pixels.subarray(0, n));
    const offsets = Array.from({ length: n }, (_, i) => at + i);
    w.ifd(imageTags({ width, height, tile: [1, 1], offsets, counts: new Array<number>(n).fill(1) }));
    const path = join(dir, name);
    writeFileSync(path, w.toBuffer());
    return path;
  }

  it('4096 one-pixel tiles are read (as GDAL reads them); 4097 are refused naming the file, the count and the limit', async () => {
    const fine = tiles('4096-tiles.tif', 64, 64);
    expect(Array.from(await readByStrips(fine, 64))).toEqual(gdalPixels(fine).band);
    const over = tiles('4097-tiles.tif', 4097, 1);
    const err = await openRaster(over).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(LimitError);
    expect((err as Error).message).toBe(
      '4097-tiles.tif: asks for 4097 tiles of 1x1 pixels; the limit is 4096 tiles smaller than 256 pixels',
    );
  });
});

describe('input files', () => {
  it('refuses FIFOs at once, and files over the size limit before reading', async () => {
    const fifo = join(dir, 'fifo.npy');
    execFileSync('mkfifo', [fifo]);
    await expect(openInputFile(fifo)).rejects.toThrow('fifo.npy: is a named pipe (FIFO), not a regular file');
    await expect(sha256File(fifo)).rejects.toThrow('fifo.npy: is a named pipe (FIFO), not a regular file');
    const file = join(dir, 'ten.bin');
    writeFileSync(file, Buffer.alloc(10));
    await expect(openInputFile(file, 9)).rejects.toThrow('ten.bin: is 10 bytes; the limit is 9 bytes');
    const ok = await openInputFile(file, 10);
    expect(ok.size).toBe(10);
    await ok.handle.close();
  });

  it('assertUnchanged passes for the same file and fails, in one line, when it grew, changed or went away', async () => {
    const file = join(dir, 'input.tif');
    writeFileSync(file, 'abcdef');
    const before = await hashFile(file);
    // An independent sha256 of the same bytes.
    expect(before).toEqual({ sha256: execFileSync('sha256sum', [file], { encoding: 'utf8' }).split(' ')[0], size: 6 });
    await expect(assertUnchanged(file, before)).resolves.toBeUndefined();
    appendFileSync(file, 'g');
    await expect(assertUnchanged(file, before)).rejects.toThrow(
      'input.tif: the file changed during the run (6 bytes when it was hashed, now 7); its output is left unfinished',
    );
    writeFileSync(file, 'abcdeX');
    await expect(assertUnchanged(file, before)).rejects.toThrow(
      'input.tif: the file changed during the run (its sha256 is not the one recorded); its output is left unfinished',
    );
    rmSync(file);
    await expect(assertUnchanged(file, before)).rejects.toThrow('input.tif: the file changed during the run (it can no longer be read)');
  });
});
