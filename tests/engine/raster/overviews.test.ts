/**
 * External overview files (`<file>.ovr`) found, listed and read as GDAL
 * does, and the cases where GDAL does not use them. corpus.test.ts compares
 * every overview pixel of the corpus (ovr_external.tif included); this file
 * covers the rules around the sidecar, each checked against GDAL:
 * - internal overviews win over a .ovr file;
 * - an unreadable .ovr is ignored (the raster still opens);
 * - a .ovr with fewer bands gives GDAL overviews on some bands only: we list
 *   the overviews every band has, i.e. none;
 * - a .ovr written by hand (gdal_translate, JPEG YCbCr) is read to GDAL's values.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openRaster, rasterInfoJson } from '../../../electron/engine/raster/index.js';
import { REPO_ROOT } from './fixtures.js';

const SOURCE = join(REPO_ROOT, 'tests', 'corpus', 'real', 'rasterio__RGB.byte.tif');
let dir: string;
const path = (name: string): string => join(dir, name);

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rcf-ovr-'));
  const gdal = (tool: string, ...args: string[]) => execFileSync(tool, ['-q', ...args]);
  gdal('gdal_translate', '-co', 'TILED=YES', '-co', 'COMPRESS=DEFLATE', SOURCE, path('base.tif'));
  // Internal overviews and a .ovr: GDAL uses the internal ones.
  copyFileSync(path('base.tif'), path('both.tif'));
  gdal('gdaladdo', '-ro', '-r', 'nearest', path('both.tif'), '2');
  gdal('gdaladdo', '-r', 'average', path('both.tif'), '2', '4', '8');
  // Garbage in the .ovr.
  copyFileSync(path('base.tif'), path('garbage.tif'));
  writeFileSync(path('garbage.tif.ovr'), Buffer.from('II*\0 this is not an overview file'.repeat(50)));
  // One band in the .ovr of a three-band raster.
  copyFileSync(path('base.tif'), path('one_band.tif'));
  gdal('gdal_translate', '-of', 'GTiff', '-b', '1', '-outsize', '50%', '50%', path('base.tif'), path('one_band.tif.ovr'));
  // A .ovr made by hand, JPEG YCbCr, odd size.
  copyFileSync(path('base.tif'), path('jpeg_ovr.tif'));
  gdal(
    'gdal_translate',
    '-of',
    'GTiff',
    '-outsize',
    '37%',
    '37%',
    '-co',
    'TILED=YES',
    '-co',
    'COMPRESS=JPEG',
    '-co',
    'PHOTOMETRIC=YCBCR',
    path('base.tif'),
    path('jpeg_ovr.tif.ovr'),
  );
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** GDAL's overview sizes per band. */
function gdalOverviews(file: string): [number, number][][] {
  const script = [
    'import json, sys',
    'from osgeo import gdal',
    'ds = gdal.Open(sys.argv[1])',
    'bands = [ds.GetRasterBand(k + 1) for k in range(ds.RasterCount)]',
    'print(json.dumps([[[b.GetOverview(i).XSize, b.GetOverview(i).YSize] for i in range(b.GetOverviewCount())] for b in bands]))',
  ].join('\n');
  return JSON.parse(execFileSync('/usr/bin/python3', ['-c', script, file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })) as [
    number,
    number,
  ][][];
}

/** GDAL's values of overview `level`, all bands, float32 band-major, nodata as NaN. */
function gdalOverviewValues(file: string, level: number): Float32Array {
  const script = [
    'import sys',
    'import numpy as np',
    'from osgeo import gdal',
    'ds = gdal.Open(sys.argv[1])',
    'level = int(sys.argv[2])',
    'for k in range(ds.RasterCount):',
    '    b = ds.GetRasterBand(k + 1)',
    '    a = b.GetOverview(level).ReadAsArray().astype(np.float32)',
    '    nd = b.GetNoDataValue()',
    '    if nd is not None: a[a == np.float32(nd)] = np.nan',
    '    sys.stdout.buffer.write(a.tobytes())',
  ].join('\n');
  const out = execFileSync('/usr/bin/python3', ['-c', script, file, String(level)], { maxBuffer: 64 << 20 });
  return new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}

/** The overviews all bands have in GDAL (GDAL lists overviews per band). */
function commonOverviews(perBand: [number, number][][]): [number, number][] {
  return perBand[0].filter(([w, h]) => perBand.every((band) => band.some(([bw, bh]) => bw === w && bh === h)));
}

describe('external overview files', () => {
  it('prefers internal overviews to a .ovr file, as GDAL does', async () => {
    const r = await openRaster(path('both.tif'));
    try {
      expect(r.info.overviews).toEqual(commonOverviews(gdalOverviews(path('both.tif'))));
      expect(r.info.overviews).toEqual([
        [396, 359],
        [198, 180],
        [99, 90],
      ]);
      expect(r.info.overview_file).toBeUndefined();
    } finally {
      await r.close();
    }
  });

  it('ignores a .ovr file it cannot use, and still opens and reads the raster', async () => {
    for (const name of ['garbage.tif', 'one_band.tif']) {
      const gdal = gdalOverviews(path(name));
      const r = await openRaster(path(name));
      try {
        expect(r.info.overviews, name).toEqual(commonOverviews(gdal));
        expect(r.info.overviews, name).toEqual([]);
        expect(r.info.overview_file, name).toBeUndefined();
        expect((await r.readWindow(0, 0, 10, 10, [0])).length).toBe(100);
        await expect(r.readOverview(0, 0, 0, 1, 1, [0])).rejects.toThrow(
          /^[a-z_]+\.tif: overview 0 does not exist \(the raster has 0 overviews\)$/,
        );
      } finally {
        await r.close();
      }
    }
    // GDAL too: no overviews for the garbage file; for the one-band file, band 1 only.
    expect(gdalOverviews(path('garbage.tif'))).toEqual([[], [], []]);
    expect(gdalOverviews(path('one_band.tif')).map((b) => b.length)).toEqual([1, 0, 0]);
  });

  it('reads a JPEG YCbCr .ovr made by hand to GDAL values, and names it in the info JSON', async () => {
    const file = path('jpeg_ovr.tif');
    const r = await openRaster(file);
    try {
      const gdal = commonOverviews(gdalOverviews(file));
      expect(gdal).toHaveLength(1);
      expect(r.info.overviews).toEqual(gdal);
      expect(r.info.overview_file).toBe(`${file}.ovr`);
      expect(rasterInfoJson(r.info)).toMatchObject({ overviews: gdal, overview_file: `${file}.ovr` });
      const [w, h] = gdal[0];
      const ours = await r.readOverview(0, 0, 0, w, h, [0, 1, 2]);
      const expected = gdalOverviewValues(file, 0);
      expect(ours.length).toBe(expected.length);
      let differ = 0;
      for (let i = 0; i < ours.length; i++) if (ours[i] !== expected[i] && !(Number.isNaN(ours[i]) && Number.isNaN(expected[i]))) differ++;
      expect(differ).toBe(0);
      // A window inside the overview, as the map preview reads it.
      const part = await r.readOverview(0, 17, 23, 40, 30, [2]);
      expect(part[0]).toEqual(expected[2 * w * h + 23 * w + 17]);
    } finally {
      await r.close();
    }
  });
});
