// The 17 golden cases end to end: each golden input becomes a float32 GeoTIFF
// (NaN nodata), and `rcf featurize --cell-size whole` must give the expected vector.
import { describe, it, expect, beforeAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { manifest, goldenArray, worstGoldenError, GOLDEN_DIR } from '../helpers/golden.js';
import { rcf, tempDir, goldenWeightsNpy, readCsv } from '../helpers/cli.js';
import { runPython } from '../helpers/python.js';

describe('golden cases through rcf featurize', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    const inputs = [...new Set(manifest.cases.map((c) => c.input))];
    const spec = inputs.map((name) => ({ name, file: join(GOLDEN_DIR, manifest.arrays[name].file), shape: manifest.arrays[name].shape }));
    writeFileSync(join(dir, 'inputs.json'), JSON.stringify(spec));
    runPython(
      `
import json, sys
import numpy as np
from osgeo import gdal
gdal.UseExceptions()
for s in json.load(open(sys.argv[1] + '/inputs.json')):
    a = np.fromfile(s['file'], dtype='<f4').reshape(s['shape'])
    ds = gdal.GetDriverByName('GTiff').Create(sys.argv[1] + '/' + s['name'] + '.tif', a.shape[2], a.shape[1], a.shape[0], gdal.GDT_Float32)
    ds.SetGeoTransform([0, 1, 0, 0, 0, -1])
    for b in range(a.shape[0]):
        ds.GetRasterBand(b + 1).SetNoDataValue(float('nan'))
        ds.GetRasterBand(b + 1).WriteArray(a[b])
    ds = None
`,
      [dir],
    );
  });

  for (const c of manifest.cases) {
    it(c.id, () => {
      const weights = goldenWeightsNpy(c.weights, dir);
      const out = join(dir, `${c.id}.csv`);
      const args = ['featurize', join(dir, `${c.input}.tif`), '--weights', weights, '--cell-size', 'whole'];
      args.push('--nodata', c.nan_policy, '--convention', c.convention, '--bias', String(c.bias), '--out', out);
      const r = rcf(args);
      expect(r.stderr).toMatch(/wrote/);
      expect(r.code).toBe(0);
      const { rows } = readCsv(out);
      expect(rows).toHaveLength(1);
      const features = rows[0].slice(9).map((v) => (v === '' ? NaN : Number(v)));
      expect(worstGoldenError(features, c.expected)).toBeLessThanOrEqual(1);
      const [, h, w] = goldenArray(c.input).shape;
      const k = goldenArray(c.weights).shape[2];
      expect(Number(rows[0][8])).toBeCloseTo(c.num_valid_windows / ((h - k + 1) * (w - k + 1)), 6);
    });
  }
});
