/**
 * JPEG decoded exactly as GDAL (libtiff + libjpeg-turbo) decodes it, in the
 * cases the GDAL-written corpus does not reach: GDAL's GeoTIFF tiles are
 * 256x256 (even, chroma edges at the tile edge) and baseline. Here whole JPEG
 * files written by GDAL's JPEG driver (YCbCr, 2x2 chroma subsampling) are put
 * into a one-strip TIFF (PhotometricInterpretation YCbCr), at odd sizes (the
 * last chroma column and row replicated by the upsampler) and progressive,
 * and our pixels are compared with GDAL's reading of the same TIFF, and of
 * the JPEG file itself.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRaster } from '../../../electron/engine/raster/index.js';
import { readJpegFrameHeader } from '../../../electron/engine/raster/jpeg.js';
import { REPO_ROOT } from './fixtures.js';
import { tinyTiff } from './tiny-tiff.js';

const SOURCE = join(REPO_ROOT, 'tests', 'corpus', 'real', 'rasterio__RGB.byte.tif');
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rcf-jpeg-'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** GDAL's values of all bands, band-major, as bytes. */
function gdalBytes(path: string): Uint8Array {
  const script = ['import sys', 'from osgeo import gdal', 'sys.stdout.buffer.write(gdal.Open(sys.argv[1]).ReadAsArray().tobytes())'].join(
    '\n',
  );
  return new Uint8Array(
    execFileSync('/usr/bin/python3', ['-c', script, path], { maxBuffer: 64 << 20, stdio: ['ignore', 'pipe', 'ignore'] }),
  );
}

const CASES: [string, string[], number, number][] = [
  // name, extra gdal_translate options, width, height
  ['odd_baseline', [], 37, 23],
  ['odd_progressive', ['-co', 'PROGRESSIVE=YES'], 53, 41],
  ['wide_strip', ['-co', 'QUALITY=95'], 301, 9],
];

describe('JPEG pixels equal GDAL (libjpeg-turbo)', () => {
  it.each(CASES)('%s', async (name, options, width, height) => {
    const jpeg = join(dir, `${name}.jpg`);
    // A colourful corner of the scene (not the nodata border), as a plain JPEG file.
    execFileSync('gdal_translate', ['-q', '-of', 'JPEG', ...options, '-srcwin', '300', '250', String(width), String(height), SOURCE, jpeg]);
    const stream = new Uint8Array(readFileSync(jpeg));
    const frame = readJpegFrameHeader(stream);
    expect(frame.process).toBe(options.includes('PROGRESSIVE=YES') ? 2 : 0);
    expect(frame.components.map((c) => [c.h, c.v])).toEqual([
      [2, 2],
      [1, 1],
      [1, 1],
    ]);

    const tif = join(dir, `${name}.tif`);
    writeFileSync(tif, tinyTiff({ width, height, tile: 0, samples: 3, bits: 8, format: 1, compression: 7, photometric: 6, data: stream }));
    const gdal = gdalBytes(tif);
    expect(Buffer.from(gdalBytes(jpeg)).equals(Buffer.from(gdal))).toBe(true); // GDAL reads both the same way

    const r = await openRaster(tif);
    try {
      const ours = await r.readWindow(0, 0, width, height, [0, 1, 2]);
      let differ = 0;
      let first = '';
      for (let i = 0; i < ours.length; i++) {
        if (ours[i] !== gdal[i] && differ++ === 0)
          first =
            `band ${Math.floor(i / (width * height))} pixel ${i % width},${Math.floor(i / width) % height}: ` +
            `ours ${ours[i]}, GDAL ${gdal[i]}`;
      }
      expect(differ, first).toBe(0);
    } finally {
      await r.close();
    }
  });

  it('refuses a JPEG block whose size or sample depth the TIFF does not declare, in one line', async () => {
    const jpeg = join(dir, 'small.jpg');
    execFileSync('gdal_translate', ['-q', '-of', 'JPEG', '-srcwin', '300', '250', '32', '16', SOURCE, jpeg]);
    const stream = new Uint8Array(readFileSync(jpeg));
    const tif = join(dir, 'size_mismatch.tif');
    // The TIFF claims a 48-pixel-wide strip; the JPEG inside is 32 wide (libtiff refuses this too).
    writeFileSync(
      tif,
      tinyTiff({ width: 48, height: 16, tile: 0, samples: 3, bits: 8, format: 1, compression: 7, photometric: 6, data: stream }),
    );
    const r = await openRaster(tif);
    try {
      await expect(r.readWindow(0, 0, 48, 16, [0])).rejects.toThrow(
        new RegExp(
          /^size_mismatch\.tif: reading window x=0 y=0 48x16: file is corrupt or truncated /.source +
            /\(JPEG data: the block is 32x16 pixels where the TIFF says 48x16\)$/.source,
        ),
      );
    } finally {
      await r.close();
    }
    const deep = join(dir, 'twelve_bit.tif');
    writeFileSync(
      deep,
      tinyTiff({ width: 32, height: 16, tile: 0, samples: 3, bits: 12, format: 1, compression: 7, photometric: 6, data: stream }),
    );
    await expect(openRaster(deep)).rejects.toThrow(/^twelve_bit\.tif: .*JPEG with 12-bit samples \(only 8-bit JPEG is supported\)/);
  });
});
