/**
 * JPEG and LERC blocks are decoded in the worker pool (decode-pool.ts), under
 * the same time and memory budget as LZW / PackBits / ZSTD, and give exactly
 * GDAL's values there. Like decode-pool.test.ts this uses the dist/ build
 * (the pool's worker entry is compiled JavaScript); the TypeScript sources,
 * which decode in the calling thread, give the reference values.
 *
 * Hostile files are crafted here:
 * - a progressive JPEG tile of thousands of AC refinement scans, each a dozen
 *   bytes that make geotiff.js's entropy decoder walk every coefficient of
 *   every block once more (about 70 s per MB of tile in-thread): it must be
 *   stopped by the time limit while the main thread keeps running;
 * - LERC tiles whose blob headers ask the `lerc` package for gigabytes (one
 *   256x256 float64 band per 62-byte blob, or one blob declaring 30000x30000):
 *   refused from the headers before anything is allocated.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRaster as openInThread } from '../../../electron/engine/raster/index.js';
import type * as PoolModule from '../../../electron/engine/raster/decode-pool.js';
import type * as RasterModule from '../../../electron/engine/raster/index.js';
import { REPO_ROOT, gdalPixels } from './fixtures.js';
import { tinyTiff } from './tiny-tiff.js';

const DIST = join(REPO_ROOT, 'dist', 'electron', 'engine', 'raster');
const RGB = join(REPO_ROOT, 'tests', 'corpus', 'real', 'rasterio__RGB.byte.tif');
const U16 = join(REPO_ROOT, 'tests', 'fixtures', 'featurize', 'l8_300_u16.tif');
const SETUP = pathToFileURL(join(REPO_ROOT, 'tests', 'engine', 'raster', 'decode-pool-codecs.mjs')).href;

let pool: typeof PoolModule;
let raster: typeof RasterModule;
let dir: string;
const files: Record<string, string> = {};

/** GDAL variants: [source, creation options]. Odd sizes (791x718) leave partial edge tiles and a short last strip. */
const VARIANTS: Record<string, [string, string[]]> = {
  jpeg_ycbcr_tiled: [
    RGB,
    ['-co', 'COMPRESS=JPEG', '-co', 'PHOTOMETRIC=YCBCR', '-co', 'TILED=YES', '-co', 'BLOCKXSIZE=128', '-co', 'BLOCKYSIZE=128'],
  ],
  jpeg_ycbcr_strips: [RGB, ['-co', 'COMPRESS=JPEG', '-co', 'PHOTOMETRIC=YCBCR', '-co', 'BLOCKYSIZE=48']],
  jpeg_rgb_band: [RGB, ['-co', 'COMPRESS=JPEG', '-co', 'INTERLEAVE=BAND', '-co', 'JPEG_QUALITY=60']],
  lerc_tiled: [U16, ['-co', 'COMPRESS=LERC', '-co', 'MAX_Z_ERROR=0', '-co', 'TILED=YES', '-co', 'BLOCKXSIZE=64', '-co', 'BLOCKYSIZE=64']],
  lerc_deflate_band: [U16, ['-co', 'COMPRESS=LERC_DEFLATE', '-co', 'MAX_Z_ERROR=0', '-co', 'INTERLEAVE=BAND']],
  lerc_zstd_strips: [U16, ['-co', 'COMPRESS=LERC_ZSTD', '-co', 'MAX_Z_ERROR=0', '-co', 'BLOCKYSIZE=7']],
};

function segment(marker: number, body: number[]): number[] {
  return [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 255, ...body];
}

/**
 * A valid progressive JPEG (SOF2, one 8-bit component of size x size) made of
 * `scans` AC refinement scans (Ss=1, Se=63, Ah=1, Al=0). Each scan's data is
 * one end-of-band run (Huffman code '0' → EOB14, then 14 zero bits: a run of
 * 16384 blocks), so each 12-byte scan visits all 63 AC coefficients of every block.
 */
function refinementScansJpeg(size: number, scans: number): Uint8Array {
  const parts: number[][] = [[0xff, 0xd8]];
  parts.push(segment(0xdb, [0, ...new Array<number>(64).fill(1)]));
  parts.push(segment(0xc2, [8, size >> 8, size & 255, size >> 8, size & 255, 1, 1, 0x11, 0]));
  parts.push(segment(0xc4, [0x10, 1, ...new Array<number>(15).fill(0), 0xe0])); // AC table 0: one code, EOB14
  const scan = [...segment(0xda, [1, 1, 0x00, 1, 63, 0x10]), 0, 0];
  for (let i = 0; i < scans; i++) parts.push(scan);
  parts.push([0xff, 0xd9]);
  return Uint8Array.from(parts.flat());
}

/** One LERC2 (version 2) blob: a constant `value` over height x width float64 values, all valid. */
function constantLercBlob(width: number, height: number, value: number): Uint8Array {
  const blob = new Uint8Array(62);
  const view = new DataView(blob.buffer);
  blob.set([...'Lerc2 '].map((c) => c.charCodeAt(0)));
  view.setInt32(6, 2, true); // version
  view.setUint32(10, height, true);
  view.setUint32(14, width, true);
  view.setUint32(18, Math.min(width * height, 2 ** 32 - 1), true); // valid pixels
  view.setInt32(22, 8, true); // micro block size
  view.setInt32(26, blob.length, true); // blob size
  view.setInt32(30, 7, true); // float64
  view.setFloat64(34, 0, true); // max Z error
  view.setFloat64(42, value, true); // z min
  view.setFloat64(50, value, true); // z max
  view.setInt32(58, 0, true); // mask: none
  return blob;
}

function lercTiff(data: Uint8Array): Uint8Array {
  return tinyTiff({ width: 256, height: 256, tile: 256, samples: 1, bits: 64, format: 3, compression: 34887, photometric: 1, data });
}

beforeAll(async () => {
  if (!existsSync(join(DIST, 'decode-worker.js'))) throw new Error('build first: npx tsc -p tsconfig.build.json');
  pool = (await import(pathToFileURL(join(DIST, 'decode-pool.js')).href)) as typeof PoolModule;
  raster = (await import(pathToFileURL(join(DIST, 'index.js')).href)) as typeof RasterModule;
  dir = mkdtempSync(join(tmpdir(), 'rcf-jpeg-lerc-'));
  for (const [name, [source, options]] of Object.entries(VARIANTS)) {
    files[name] = join(dir, `${name}.tif`);
    execFileSync('gdal_translate', ['-q', ...options, source, files[name]]);
  }
});

afterAll(async () => {
  await pool?.configureDecodePool({});
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function readAll(open: typeof openInThread, path: string): Promise<Float32Array> {
  const r = await open(path);
  try {
    return await r.readWindow(0, 0, r.info.width, r.info.height, [...Array(r.info.bands).keys()]);
  } finally {
    await r.close();
  }
}

/** Samples that differ (NaN equals NaN). */
function differences(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) return Math.max(a.length, b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i] && !(Number.isNaN(a[i]) && Number.isNaN(b[i]))) n++;
  return n;
}

describe('JPEG and LERC in the decode pool', () => {
  const formats = 'JPEG (YCbCr tiles and strips, band-interleaved) and LERC (plain, DEFLATE, ZSTD)';
  it(`decodes ${formats} in workers, to exactly GDAL values`, async () => {
    await pool.closeDecodePool();
    for (const [name, path] of Object.entries(files)) {
      const inPool = await readAll(raster.openRaster, path);
      const inThread = await readAll(openInThread, path);
      expect(inPool.length, name).toBeGreaterThan(0);
      expect(differences(inPool, inThread), `${name}: pool vs in-thread`).toBe(0);
      expect(differences(inPool, gdalPixels(path)), `${name}: pool vs GDAL`).toBe(0);
    }
    // Only JPEG and LERC files were read since the pool was closed: its workers decoded them.
    expect(pool.decodePool()?.workers).toBeGreaterThan(0);
  });

  it('stops a JPEG tile that keeps the decoder busy at the time limit, while the main thread keeps running', async () => {
    const path = join(dir, 'refinement_scans.tif');
    const tile = refinementScansJpeg(512, 1500);
    writeFileSync(
      path,
      tinyTiff({ width: 512, height: 512, tile: 512, samples: 1, bits: 8, format: 1, compression: 7, photometric: 1, data: tile }),
    );
    // How long the tile keeps a decoder busy, measured in-thread (TypeScript sources).
    const r0 = await openInThread(path);
    let started = performance.now();
    await r0.readWindow(0, 0, 8, 8, [0]); // a valid stream: it does decode, slowly
    const inThreadMs = performance.now() - started;
    await r0.close();
    expect(inThreadMs).toBeGreaterThan(200);

    const limitMs = Math.max(50, Math.round(inThreadMs / 4));
    await pool.configureDecodePool({ timeoutMs: limitMs });
    try {
      const r = await raster.openRaster(path);
      let ticks = 0;
      const timer = setInterval(() => ticks++, 10);
      started = performance.now();
      try {
        const message = new RegExp(
          `^refinement_scans\\.tif: decoding tile 0,0 took longer than ${limitMs / 1000} s; the file may be corrupt$`,
        );
        await expect(r.readWindow(0, 0, 512, 512, [0])).rejects.toThrow(message);
      } finally {
        clearInterval(timer);
        await r.close();
      }
      expect(performance.now() - started).toBeLessThan(limitMs + 5000); // plus a worker start on a busy machine
      expect(ticks, 'the main thread ran timers while the worker decoded').toBeGreaterThan(1);
    } finally {
      await pool.configureDecodePool({});
    }
  });

  it('refuses LERC blob bombs from their headers, before the lerc package allocates anything', async () => {
    // The blobs are real LERC: the lerc package decodes two of them into two 256x256 bands.
    const lerc = createRequire(createRequire(import.meta.url).resolve('geotiff'))('lerc') as {
      decode(b: ArrayBuffer): { pixels: Float64Array[] };
    };
    const blob = constantLercBlob(256, 256, 42);
    const two = new Uint8Array(blob.length * 2 + 10);
    two.set(blob);
    two.set(blob, blob.length);
    const decoded = lerc.decode(two.buffer);
    expect(decoded.pixels.map((p) => [p.length, p[0]])).toEqual([
      [65536, 42],
      [65536, 42],
    ]);

    // 16 000 such blobs in one 1 MB tile would ask for 8 GB.
    const many = new Uint8Array(blob.length * 16000);
    for (let i = 0; i < 16000; i++) many.set(blob, i * blob.length);
    const manyPath = join(dir, 'lerc_many_blobs.tif');
    writeFileSync(manyPath, lercTiff(many));
    // One blob declaring 30000x30000 float64 values (7.2 GB) in a 256x256 tile.
    const hugePath = join(dir, 'lerc_huge_blob.tif');
    writeFileSync(hugePath, lercTiff(constantLercBlob(30000, 30000, 1)));

    for (const [path, problem] of [
      [manyPath, /^lerc_many_blobs\.tif: .*unsupported LERC: 16000 blobs in one block/],
      [hugePath, /^lerc_huge_blob\.tif: .*the blob is 30000x30000x1 where the TIFF block is 256x256x1/],
    ] as const) {
      for (const open of [raster.openRaster, openInThread]) {
        const r = await open(path);
        const started = performance.now();
        try {
          const err = await r.readWindow(0, 0, 256, 256, [0]).then(
            () => null,
            (e: unknown) => e as Error,
          );
          expect(err?.name).toBe('RasterError');
          expect(err?.message).toMatch(problem);
          expect(err?.message).not.toContain('\n');
        } finally {
          await r.close();
        }
        expect(performance.now() - started).toBeLessThan(5000);
      }
    }
    // The valid one-blob version of the same tile reads.
    const okPath = join(dir, 'lerc_one_blob.tif');
    writeFileSync(okPath, lercTiff(blob));
    const values = await readAll(raster.openRaster, okPath);
    expect(values.length).toBe(65536);
    expect(values.every((v) => v === 42)).toBe(true);
  });

  it('turns a hang or an out-of-memory crash in the JPEG or LERC decoder into a one-line RasterError', async () => {
    try {
      await pool.configureDecodePool({ timeoutMs: 500, setup: `${SETUP}?jpeg=hang` });
      let r = await raster.openRaster(files.jpeg_ycbcr_tiled);
      try {
        await expect(r.readWindow(130, 130, 10, 10, [0])).rejects.toThrow(
          /^jpeg_ycbcr_tiled\.tif: decoding tile 1,1 took longer than 0\.5 s; the file may be corrupt$/,
        );
      } finally {
        await r.close();
      }
      await pool.configureDecodePool({
        setup: `${SETUP}?lerc=hungry`,
        resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 },
      });
      r = await raster.openRaster(files.lerc_zstd_strips);
      try {
        await expect(r.readWindow(0, 21, 10, 7, [0])).rejects.toThrow(
          /^lerc_zstd_strips\.tif: decoding strip 3 ran out of memory \(over 32 MB\); the file may be corrupt$/,
        );
      } finally {
        await r.close();
      }
    } finally {
      await pool.configureDecodePool({});
    }
  });
});
