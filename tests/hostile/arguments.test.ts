// Hostile arguments to `rcf featurize` and `rcf weights`, each under 10 s / 1 GiB measured from outside.
// The cases come from the options table (shared/run/options.ts), so a new option is covered when it is added:
// every numeric option gets huge, negative, fractional and NaN values (a one-line refusal naming its flag) and
// its own minimum and maximum (a correct result, or a one-line refusal naming the flag or the limit).
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rcfBounded, describeOutcome, type BoundedResult } from './bounded.js';
import { tempDir } from '../helpers/cli.js';
import { runPython } from '../helpers/python.js';
import { RUN_OPTION_KEYS, RUN_OPTIONS, appliesTo, type RunOptionKey } from '../../shared/run/index.js';

/** A one-line usage error (exit 2) that names `flag`, within the limits. */
function expectUsageRefusal(r: BoundedResult, flag: string): void {
  expect(r.timedOut || r.overMemory, r.stderr).toBe(false);
  expect(r.code, r.stderr).toBe(2);
  expect(r.stderr.trimEnd().split('\n'), r.stderr).toHaveLength(1);
  expect(r.stderr).toContain(flag);
}

/** Numeric options: what they are, and values no run may take. */
const numeric = RUN_OPTION_KEYS.filter((key) => RUN_OPTIONS[key].type === 'integer' || RUN_OPTIONS[key].type === 'number');

function badValues(key: RunOptionKey): string[] {
  const option = RUN_OPTIONS[key] as { type: string; min?: number; max?: number };
  const common = ['NaN', 'Infinity', '-Infinity', '1e400', '', 'ten'];
  if (option.type === 'number') return [...common, '1e39', '-1e39'];
  return [...common, String(option.max! + 1), String(option.min! - 1), '1.5', '9'.repeat(30)];
}

describe('hostile arguments', () => {
  let dir: string;
  let raster: string;
  const featurize = (flags: Record<string, string>) => {
    const out = join(dir, 'out.csv');
    const args = ['featurize', raster, '--out', out, '--overwrite'];
    for (const [flag, value] of Object.entries({ 'cell-size': '48', features: '8', backend: 'cpu', ...flags }))
      args.push(`--${flag}`, value);
    return { out, r: rcfBounded(args) };
  };
  /** The flags a case for `key` needs besides its own (settings of empirical filters need that mode). */
  const context = (key: RunOptionKey): Record<string, string> => (appliesTo(key, 'gaussian') ? {} : { mode: 'empirical' });

  beforeAll(() => {
    dir = tempDir('rcf-hostile-args-');
    raster = join(dir, 'small.tif');
    // 48×48 pixels, 2 bands of reflectance-like values, UTM zone 16N at 30 m.
    runPython(
      `
import sys, numpy as np
from osgeo import gdal, osr
ds = gdal.GetDriverByName('GTiff').Create(sys.argv[1], 48, 48, 2, gdal.GDT_Float32)
ds.SetGeoTransform([452475, 30, 0, 3408645, 0, -30])
srs = osr.SpatialReference(); srs.ImportFromEPSG(32616); ds.SetProjection(srs.ExportToWkt())
rng = np.random.default_rng(1)
for b in (1, 2): ds.GetRasterBand(b).WriteArray(rng.uniform(0, 0.5, (48, 48)).astype(np.float32))
ds = None
`,
      [raster],
    );
  });

  it('derives cases for every numeric option of the table', () => {
    expect(numeric).toEqual(expect.arrayContaining(['features', 'kernel', 'seed', 'patches', 'threads', 'scale', 'offset', 'bias']));
  });

  it.each(numeric)('--%s: huge, negative, fractional and NaN values are refused in one line naming the flag', (key) => {
    const flag = RUN_OPTIONS[key].flag;
    for (const value of badValues(key)) {
      const { r } = featurize({ ...context(key), [flag]: value });
      expectUsageRefusal(r, `--${flag}`);
    }
  });

  it.each(numeric)('--%s: its own minimum and maximum give a result or a one-line refusal naming the flag or the limit', (key) => {
    const option = RUN_OPTIONS[key] as { type: string; flag: string; min?: number; max?: number };
    const values = option.type === 'integer' ? [option.min!, option.max!] : [-3.4e38, -2.5, 0, 3.4e38];
    for (const value of values) {
      const flags = { ...context(key), [option.flag]: String(value) };
      const { out, r } = featurize(flags);
      // A value the option itself refuses (a scale of 0) is a usage error, like any other bad value.
      if (r.code === 2) {
        expectUsageRefusal(r, `--${option.flag}`);
        continue;
      }
      const outcome = describeOutcome(r);
      expect(['ok', 'refused'], `--${option.flag} ${value}: ${outcome}`).toContain(outcome);
      if (outcome === 'refused') {
        expect(r.stderr, `--${option.flag} ${value}`).toMatch(new RegExp(`--${option.flag}|the limit is`));
        continue;
      }
      const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
      const features = Number(flags.features ?? 8);
      expect(lines.map((line) => line.split(',').length)).toEqual([9 + features, 9 + features]); // one 48-pixel cell
    }
  });

  it('absurd cell sizes: refused naming the flag or the raster, or one whole partial cell when partial cells are kept', () => {
    for (const size of ['0', '-5', '1e9', '1e300m', 'NaNm', '-1m', 'wholex', '', ' ', '64 pixels', '3.5', '0x10']) {
      expectUsageRefusal(featurize({ 'cell-size': size }).r, '--cell-size');
    }
    for (const size of ['1', '2', '0.0000001deg']) {
      const { r } = featurize({ 'cell-size': size });
      expect(describeOutcome(r), size).toBe('refused');
      expect(r.stderr).toContain('small.tif');
    }
    // No full cell, and partial ones dropped: nothing to featurize, refused naming the raster.
    for (const size of ['99999999999999999999', '1000000m']) {
      const { r } = featurize({ 'cell-size': size, edge: 'drop' });
      expect(describeOutcome(r), size).toBe('refused');
      expect(r.stderr, size).toMatch(/small\.tif: no cells/);
    }
    for (const [size, edge, rows] of [['99999999999999999999', 'keep', 1]] as const) {
      const { out, r } = featurize({ 'cell-size': size, edge });
      expect(describeOutcome(r), `${size} ${edge}: ${r.stderr}`).toBe('ok');
      const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
      expect(lines.length - 1, `${size} ${edge}`).toBe(rows);
      if (rows === 1) expect(lines[1].split(',').slice(2, 4)).toEqual(['0', '0']);
    }
  });

  it('empty and overlong lists are refused in one line naming the flag', () => {
    const cases: [Record<string, string>, string][] = [
      [{ bands: '' }, '--bands'],
      [{ bands: ',' }, '--bands'],
      [{ bands: '1,,2' }, '--bands'],
      [{ bands: '0' }, '--bands'],
      [
        {
          bands: Array(RUN_OPTIONS.bands.max + 1)
            .fill('1')
            .join(','),
        },
        '--bands',
      ],
      [{ mode: 'empirical', train: '' }, '--train'],
      [{ weights: '' }, '--weights'],
      [{ aoi: '' }, '--aoi'],
      [{ out: '' }, '--out'],
    ];
    for (const [flags, flag] of cases) expectUsageRefusal(featurize(flags).r, flag);
    // A band the raster lacks names the raster.
    const { r } = featurize({ bands: '3' });
    expect(describeOutcome(r)).toBe('refused');
    expect(r.stderr).toMatch(/small\.tif: has 2 bands, so band 3 cannot be used/);
  });

  it('rcf weights: --channels outside 1…1024 is refused, and a bank past the memory budget is refused before it is made', () => {
    const out = join(dir, 'w.npy');
    for (const channels of ['0', '-1', '1025', 'NaN', '1e400', '', '9'.repeat(30)]) {
      expectUsageRefusal(rcfBounded(['weights', '--mode', 'gaussian', '--channels', channels, '--out', out]), '--channels');
    }
    const r = rcfBounded(['weights', '--mode', 'gaussian', '--channels', '1024', '--features', '8192', '--kernel', '31', '--out', out]);
    expect(describeOutcome(r)).toBe('refused');
    expect(r.stderr).toMatch(/^rcf: filter bank: 4096 filters of 1024×31×31 values need 15\.0 GiB; the limit is 768 MiB/);
    const ok = rcfBounded(['weights', '--mode', 'gaussian', '--channels', '1024', '--features', '8', '--kernel', '3', '--out', out]);
    expect(describeOutcome(ok), ok.stderr).toBe('ok');
    expect(runPython('import numpy as np, sys; print(np.load(sys.argv[1]).shape)', [out]).trim()).toBe('(4, 1024, 3, 3)');
  });
});
