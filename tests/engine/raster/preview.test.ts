/**
 * Display previews (readPreview) against GDAL: the preview is the overview
 * GDAL lists (the smallest still at least the output size), or the full
 * resolution, sampled at the nearest pixel centres floor((i + 0.5)·src/out);
 * its pixels equal GDAL's ReadAsArray of that overview (or of the raster) at
 * those indices, NaN where GDAL's nodata value (or, at full resolution, the
 * mask) marks them missing. The output size is bounded by maxSize.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRaster } from '../../../electron/engine/raster/index.js';
import { readPreview } from '../../../electron/engine/raster/preview.js';
import { SYSTEM_PYTHON } from '../../helpers/python.js';
import { FIXTURES, REPO_ROOT } from './fixtures.js';

const COG = join(FIXTURES, 'rasterio__cogeo.tif');
const SAMPLE = join(REPO_ROOT, 'resources', 'sample', 'landsat8_b2-b5.tif');

interface GdalPreview {
  /** GDAL's overview index (0-based), or -1 for full resolution. */
  level: number;
  srcW: number;
  srcH: number;
  data: Float32Array;
}

/**
 * GDAL's sampled read: picks the overview itself (the smallest of GDAL's
 * overviews at least outW×outH), reads it whole with ReadAsArray and samples it.
 */
function gdalPreview(path: string, bands: number[], outW: number, outH: number): GdalPreview {
  const script = `
import sys, json
import numpy as np
from osgeo import gdal
path, bands, out_w, out_h = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
ds = gdal.Open(path)
b1 = ds.GetRasterBand(1)
sizes = [(b1.GetOverview(i).XSize, b1.GetOverview(i).YSize) for i in range(b1.GetOverviewCount())]
fits = [i for i, (w, h) in enumerate(sizes) if w >= out_w and h >= out_h]
level = min(fits, key=lambda i: sizes[i][0] * sizes[i][1]) if fits else -1
src_w, src_h = sizes[level] if level >= 0 else (ds.RasterXSize, ds.RasterYSize)
cols = np.minimum(src_w - 1, np.floor((np.arange(out_w) + 0.5) * src_w / out_w).astype(np.int64))
rows = np.minimum(src_h - 1, np.floor((np.arange(out_h) + 0.5) * src_h / out_h).astype(np.int64))
out = []
for k in bands:
    b = ds.GetRasterBand(k)
    src = b.GetOverview(level) if level >= 0 else b
    a = src.ReadAsArray().astype(np.float32)
    nd = b.GetNoDataValue()
    if nd is not None:
        a[a == np.float32(nd)] = np.nan
    a[np.isnan(a)] = np.nan
    if level < 0 and b.GetMaskFlags() & gdal.GMF_PER_DATASET:
        a[b.GetMaskBand().ReadAsArray() == 0] = np.nan
    out.append(a[np.ix_(rows, cols)])
sys.stdout.buffer.write(np.array([level, src_w, src_h], dtype=np.float32).tobytes() + np.stack(out).astype(np.float32).tobytes())
`;
  const buf = execFileSync(SYSTEM_PYTHON, ['-c', script, path, JSON.stringify(bands), String(outW), String(outH)], { maxBuffer: 1 << 30 });
  const all = new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
  return { level: all[0], srcW: all[1], srcH: all[2], data: all.slice(3) };
}

/** Indices where two float arrays differ, NaN equal to NaN. */
function differences(a: Float32Array, b: Float32Array): number[] {
  expect(a.length).toBe(b.length);
  const out: number[] = [];
  for (let i = 0; i < a.length; i++) if (!(a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])))) out.push(i);
  return out;
}

async function expectPreviewMatchesGdal(
  path: string,
  bands: number[],
  maxSize: number,
  expectedSource: RegExp,
): Promise<{ nan: number; level: number }> {
  const raster = await openRaster(path);
  try {
    const preview = await readPreview(
      raster,
      bands.map((b) => b - 1),
      maxSize,
    );
    const { width, height } = raster.info;
    expect(Math.max(preview.width, preview.height)).toBeLessThanOrEqual(Math.max(maxSize, 1));
    // The aspect ratio is kept (to rounding), and nothing is upsampled.
    expect(preview.width).toBeLessThanOrEqual(width);
    expect(Math.abs(preview.width / preview.height - width / height)).toBeLessThan(
      (width / height) * (1 / Math.min(preview.width, preview.height)) + 1e-12,
    );
    if (Math.max(width, height) > maxSize) expect(Math.max(preview.width, preview.height)).toBe(maxSize);
    const truth = gdalPreview(path, bands, preview.width, preview.height);
    expect(preview.source).toMatch(expectedSource);
    if (truth.level >= 0) expect(preview.source).toBe(`overview ${truth.level + 1} (${truth.srcW}×${truth.srcH})`);
    else expect(preview.source).toMatch(/^full resolution/);
    expect(preview.data.length).toBe(bands.length * preview.width * preview.height);
    expect(differences(preview.data, truth.data)).toEqual([]);
    return { nan: preview.data.filter((v) => Number.isNaN(v)).length, level: truth.level };
  } finally {
    await raster.close();
  }
}

describe('readPreview on a COG with internal overviews (rasterio__cogeo.tif, 1024², overviews 512…16)', () => {
  const cases: [number, number[], RegExp][] = [
    [300, [1, 2, 3], /^overview 1 \(512×512\)$/],
    [100, [3, 1], /^overview 3 \(128×128\)$/],
    [128, [2], /^overview 3 \(128×128\)$/],
    [129, [1, 2, 3], /^overview 2 \(256×256\)$/],
    [16, [1, 2, 3], /^overview 6 \(16×16\)$/],
    [700, [1, 2, 3], /^full resolution, sampled$/],
    [4096, [1], /^full resolution$/],
  ];
  for (const [maxSize, bands, source] of cases) {
    it(`maxSize ${maxSize}, bands ${bands.join(',')}`, async () => {
      await expectPreviewMatchesGdal(COG, bands, maxSize, source);
    });
  }
});

describe('readPreview on the sample raster (no overviews): full resolution, sampled', () => {
  for (const [maxSize, bands] of [
    [200, [1]],
    [256, [4, 3, 2]],
    [601, [1, 2, 3, 4]],
    [627, [2]],
    [33, [1, 2]],
  ] as [number, number[]][]) {
    it(`maxSize ${maxSize}, bands ${bands.join(',')}`, async () => {
      const { level } = await expectPreviewMatchesGdal(
        SAMPLE,
        bands,
        maxSize,
        maxSize >= 627 ? /^full resolution$/ : /^full resolution, sampled$/,
      );
      expect(level).toBe(-1);
    });
  }
});

describe('nodata, overviews made by gdaladdo, and rasters wider than one read', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rcf-preview-'));
    const gdal = (tool: string, ...args: string[]) => execFileSync(tool, args, { stdio: 'ignore' });
    // Nodata on a value that occurs often in the sample (band 1's median), with nearest overviews.
    const median = execFileSync(
      SYSTEM_PYTHON,
      [
        '-c',
        'import sys, numpy as np\nfrom osgeo import gdal\nds = gdal.Open(sys.argv[1])\n' +
          'print(int(np.median(ds.GetRasterBand(1).ReadAsArray())))',
        SAMPLE,
      ],
      { encoding: 'utf8' },
    ).trim();
    gdal('gdal_translate', '-q', '-a_nodata', median, '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', SAMPLE, join(dir, 'nodata.tif'));
    gdal('gdaladdo', '-q', '-r', 'nearest', join(dir, 'nodata.tif'), '2', '4', '8');
    // 20000 × 900 UInt16, one band: 72 MB of float32 rows, more than one 64 MiB band of rows.
    gdal(
      'gdal_translate',
      '-q',
      '-b',
      '1',
      '-outsize',
      '20000',
      '900',
      '-r',
      'bilinear',
      '-co',
      'TILED=YES',
      '-co',
      'COMPRESS=DEFLATE',
      SAMPLE,
      join(dir, 'wide.tif'),
    );
    // One row per strip (GDAL's default for wide striped files): only the sampled rows are read.
    gdal('gdal_translate', '-q', '-co', 'TILED=NO', '-co', 'BLOCKYSIZE=1', '-co', 'COMPRESS=DEFLATE', SAMPLE, join(dir, 'striped.tif'));
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const [maxSize, source] of [
    [150, /^overview 2 \(157×151\)$/],
    [314, /^overview 1 \(314×302\)$/],
    [400, /^full resolution, sampled$/],
  ] as [number, RegExp][]) {
    it(`NaN where nodata: maxSize ${maxSize}`, async () => {
      const { nan } = await expectPreviewMatchesGdal(join(dir, 'nodata.tif'), [1, 2, 3, 4], maxSize, source);
      expect(nan).toBeGreaterThan(0);
    });
  }

  for (const maxSize of [100, 320, 602]) {
    it(`one-row strips, sampled row by row: maxSize ${maxSize}`, async () => {
      await expectPreviewMatchesGdal(join(dir, 'striped.tif'), [1, 2, 3], maxSize, /^full resolution, sampled$/);
    });
  }

  it('a raster wider than one read: sampled across several bands of rows', async () => {
    await expectPreviewMatchesGdal(join(dir, 'wide.tif'), [1], 1000, /^full resolution, sampled$/);
  });
});

describe('readPreview: other fixtures', () => {
  for (const [name, bands, maxSize] of [
    ['rasterio__float_nan.tif', [1], 64],
    ['rasterio__all-nodata.tif', [1], 100],
    ['rasterio__alpha.tif', [1, 2, 3], 256],
    ['terra__elev.tif', [1], 40],
  ] as [string, number[], number][]) {
    it(name, async () => {
      await expectPreviewMatchesGdal(join(FIXTURES, name), bands, maxSize, /^full resolution/);
    });
  }
});
