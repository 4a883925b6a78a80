// Every user error is one line on stderr and a non-zero status, never a stack trace.
import { describe, it, expect, beforeAll } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rcf, tempDir, goldenWeightsNpy, ROOT } from '../helpers/cli.js';

const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');

describe('rcf errors', () => {
  let dir: string;
  let w3: string;
  beforeAll(() => {
    dir = tempDir();
    w3 = goldenWeightsNpy('w_gauss_c3_f64_k3_seed7', dir);
    writeFileSync(join(dir, 'junk.tif'), 'this is not a tiff at all');
    writeFileSync(join(dir, 'junk.npy'), 'nope');
  });

  const cases: [string, (d: string) => string[], RegExp, number][] = [
    ['unknown command', () => ['frobnicate'], /unknown command 'frobnicate'/, 2],
    ['unknown flag', (d) => ['featurize', SAMPLE, '--out', join(d, 'a.csv'), '--colour', 'red'], /--colour/, 2],
    ['missing raster', (d) => ['featurize', join(d, 'nope.tif'), '--out', join(d, 'a.csv')], /nope\.tif/, 1],
    ['not a TIFF', (d) => ['info', join(d, 'junk.tif')], /junk\.tif/, 1],
    [
      'bad weights file',
      (d) => ['featurize', SAMPLE, '--weights', join(d, 'junk.npy'), '--out', join(d, 'a.csv')],
      /junk\.npy: not a NumPy/,
      1,
    ],
    [
      'band count mismatch',
      (d) => ['featurize', SAMPLE, '--weights', w3, '--out', join(d, 'a.csv')],
      /take 3 bands, but 4 are selected/,
      1,
    ],
    ['band out of range', (d) => ['featurize', SAMPLE, '--bands', '1,5', '--out', join(d, 'a.csv')], /band 5 cannot be used/, 1],
    [
      'cells smaller than the kernel',
      (d) => ['featurize', SAMPLE, '--cell-size', '2', '--out', join(d, 'a.csv')],
      /smaller than the 3×3 kernel/,
      1,
    ],
    [
      'bad cell size',
      (d) => ['featurize', SAMPLE, '--cell-size', '12 parsecs', '--out', join(d, 'a.csv')],
      /--cell-size must be a whole number of pixels/,
      2,
    ],
    [
      'weights and mode together',
      (d) => ['featurize', SAMPLE, '--weights', w3, '--mode', 'gaussian', '--out', join(d, 'a.csv')],
      /cannot be combined with --weights/,
      2,
    ],
    ['resume and overwrite together', (d) => ['featurize', SAMPLE, '--resume', '--overwrite', '--out', join(d, 'a.csv')], /contradict/, 2],
    ['unknown output format', (d) => ['featurize', SAMPLE, '--out', join(d, 'a.txt')], /must end in \.csv, \.gpkg or \.parquet/, 1],
    ['bad number', (d) => ['featurize', SAMPLE, '--scale', 'lots', '--out', join(d, 'a.csv')], /--scale must be a number/, 2],
  ];
  for (const [name, args, message, code] of cases) {
    it(name, () => {
      const r = rcf(args(dir));
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(code);
    });
  }

  it('prints help', () => {
    const r = rcf(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rcf featurize RASTER\.\.\. --out OUT\.csv/);
  });
});
