/**
 * The worker pool that decodes LZW / PackBits / ZSTD blocks off the main
 * thread under a time and memory budget (decode-pool.ts). The pool needs the
 * compiled worker entry, so these tests use the dist/ build (`npx tsc -p
 * tsconfig.build.json`, as for the CLI tests); run from TypeScript sources the
 * raster module decodes in the calling thread, which gives the reference values.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRaster as openInThread } from '../../../electron/engine/raster/index.js';
import type * as PoolModule from '../../../electron/engine/raster/decode-pool.js';
import type * as RasterModule from '../../../electron/engine/raster/index.js';
import { REPO_ROOT, gdalPixels } from './fixtures.js';

const DIST = join(REPO_ROOT, 'dist', 'electron', 'engine', 'raster');
const CLI = join(REPO_ROOT, 'dist', 'electron', 'cli', 'rcf.js');
const SOURCE = join(REPO_ROOT, 'tests', 'fixtures', 'featurize', 'l8_300_u16.tif');
const SETUP = pathToFileURL(join(REPO_ROOT, 'tests', 'engine', 'raster', 'decode-pool-codecs.mjs')).href;
const PARAMS = { tileWidth: 64, tileHeight: 64, planarConfiguration: 1, bitsPerSample: 8, predictor: 1 };

let pool: typeof PoolModule;
let raster: typeof RasterModule;
let dir: string;
const files: Record<string, string> = {};

beforeAll(async () => {
  if (!existsSync(join(DIST, 'decode-worker.js'))) throw new Error('build first: npx tsc -p tsconfig.build.json');
  pool = (await import(pathToFileURL(join(DIST, 'decode-pool.js')).href)) as typeof PoolModule;
  raster = (await import(pathToFileURL(join(DIST, 'index.js')).href)) as typeof RasterModule;
  dir = mkdtempSync(join(tmpdir(), 'rcf-decode-pool-'));
  const variants: Record<string, string[]> = {
    lzw: ['-co', 'COMPRESS=LZW', '-co', 'TILED=YES', '-co', 'BLOCKXSIZE=64', '-co', 'BLOCKYSIZE=64'],
    lzw_pred2_strips: ['-co', 'COMPRESS=LZW', '-co', 'PREDICTOR=2', '-co', 'BLOCKYSIZE=7'],
    packbits: ['-co', 'COMPRESS=PACKBITS', '-co', 'INTERLEAVE=BAND'],
    zstd: ['-co', 'COMPRESS=ZSTD', '-co', 'TILED=YES', '-co', 'PREDICTOR=2'],
  };
  for (const [name, options] of Object.entries(variants)) {
    files[name] = join(dir, `${name}.tif`);
    execFileSync('gdal_translate', ['-q', ...options, SOURCE, files[name]]);
  }
});

afterAll(async () => {
  await pool?.closeDecodePool();
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

describe('decode pool', () => {
  it('gives the same values as in-thread decoding and as GDAL for LZW, PackBits and ZSTD', async () => {
    for (const [name, path] of Object.entries(files)) {
      const inPool = await readAll(raster.openRaster, path);
      const inThread = await readAll(openInThread, path);
      expect(inPool.length, name).toBe(300 * 300 * 4);
      expect(Buffer.from(inPool.buffer).equals(Buffer.from(inThread.buffer)), name).toBe(true);
      expect(Buffer.from(inPool.buffer).equals(Buffer.from(gdalPixels(path).buffer)), name).toBe(true);
    }
    // The shared pool did the work (at most min(2, cores) workers).
    expect(pool.decodePool()?.workers).toBeGreaterThan(0);
    expect(pool.decodePool()?.workers).toBeLessThanOrEqual(2);
  });

  it('refuses a block that takes longer than the limit, and keeps working afterwards', async () => {
    const p = new pool.DecodePool({ timeoutMs: 500, setup: SETUP, size: 1 });
    try {
      const started = Date.now();
      const hang = p.decode(65000, PARAMS, new ArrayBuffer(16), 'tile 3,1');
      await expect(hang).rejects.toThrow(/^decoding tile 3,1 took longer than 0\.5 s; the file may be corrupt$/);
      expect(Date.now() - started).toBeLessThan(500 + 5000); // the limit, plus worker startup on a busy machine
      // A fresh worker decodes the next blocks.
      const out = await p.decode(65002, { ...PARAMS, delayMs: 10 }, new Uint8Array([1, 2, 3]).buffer, 'tile 0,0');
      expect([...new Uint8Array(out)]).toEqual([1, 2, 3]);
      expect(p.workers).toBe(1);
    } finally {
      await p.close();
    }
  });

  it('reports a worker that runs out of memory, and replaces it', async () => {
    const p = new pool.DecodePool({ setup: SETUP, size: 1, resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 8 } });
    try {
      const hungry = p.decode(65001, PARAMS, new ArrayBuffer(16), 'strip 7');
      await expect(hungry).rejects.toThrow(/^decoding strip 7 ran out of memory \(over 32 MB\); the file may be corrupt$/);
      const out = await p.decode(65002, PARAMS, new Uint8Array([9]).buffer, 'strip 8');
      expect([...new Uint8Array(out)]).toEqual([9]);
    } finally {
      await p.close();
    }
  });

  it('transfers the compressed bytes (zero-copy) and runs blocks in parallel', async () => {
    const p = new pool.DecodePool({ setup: SETUP, size: 2 });
    try {
      const bytes = new Uint8Array(1024).fill(7).buffer;
      const first = p.decode(65002, { ...PARAMS, delayMs: 300 }, bytes, 'tile 0,0');
      const second = p.decode(65002, { ...PARAMS, delayMs: 300 }, new ArrayBuffer(4), 'tile 1,0');
      const [a, b] = await Promise.all([first, second]);
      expect(bytes.byteLength).toBe(0); // detached: moved to the worker
      expect(a.byteLength).toBe(1024);
      expect(b.byteLength).toBe(4);
      expect(p.workers).toBe(2);
    } finally {
      await p.close();
    }
  });

  it('fails a read through openRaster with a one-line RasterError naming the file and the tile', async () => {
    await pool.configureDecodePool({ timeoutMs: 500, setup: `${SETUP}?lzw=hang` });
    try {
      const r = await raster.openRaster(files.lzw);
      try {
        await expect(r.readWindow(200, 70, 10, 10, [0])).rejects.toThrow(
          /^lzw\.tif: decoding tile 3,1 took longer than 0\.5 s; the file may be corrupt$/,
        );
        // A whole-image read (25 hanging tiles) fails on the first one; the rest are cancelled, not waited for.
        const started = Date.now();
        await expect(r.readWindow(0, 0, 300, 300, [0, 1])).rejects.toThrow(
          /^lzw\.tif: decoding tile \d,\d took longer than 0\.5 s; the file may be corrupt$/,
        );
        expect(Date.now() - started).toBeLessThan(5000);
        expect(pool.decodePool()?.pending).toBe(0); // the hung workers were terminated, the queue dropped
      } finally {
        await r.close();
      }
    } finally {
      await pool.configureDecodePool({});
    }
    // Back to the real decoders.
    expect((await readAll(raster.openRaster, files.lzw)).length).toBe(300 * 300 * 4);
  });

  it('lets a CLI process exit as soon as it is done (idle workers do not keep it alive)', () => {
    const out = join(dir, 'features.csv');
    const started = Date.now();
    const run = spawnSync(
      process.execPath,
      [CLI, 'featurize', files.lzw, '--features', '64', '--overwrite', '--progress', 'none', '--out', out],
      {
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    expect(run.signal, run.stderr).toBeNull();
    expect(run.status, run.stderr).toBe(0);
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(readFileSync(out, 'utf8').length).toBeGreaterThan(0);
  });
});
