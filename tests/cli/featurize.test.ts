// `rcf featurize` end to end against an independent truth: GDAL decodes the
// raster and the float64 NumPy reference computes every cell's features.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rcf, tempDir, goldenWeightsNpy, readCsv, ROOT } from '../helpers/cli.js';
import { runPython } from '../helpers/python.js';

const FIXTURES = join(ROOT, 'tests/fixtures/featurize');
const REFERENCE = join(ROOT, 'tests/reference/rcf_cells.py');

interface ExpectedCell {
  row: number;
  col: number;
  x: number;
  y: number;
  valid_fraction: number;
  features: (number | null)[];
}

function reference(
  raster: string,
  weights: string,
  opts: { bands: string; scale: number; cell: string; policy: string; convention?: string; bias?: number },
): ExpectedCell[] {
  const convention = opts.convention ?? 'torchgeo';
  const bias = opts.bias ?? (convention === 'torchgeo' ? -1 : 0);
  return JSON.parse(
    runPython(
      `import sys; sys.path.insert(0, ${JSON.stringify(join(ROOT, 'tests/reference'))}); exec(open(${JSON.stringify(REFERENCE)}).read())`,
      [raster, weights, opts.bands, String(opts.scale), '0', opts.cell, opts.policy, convention, String(bias)],
    ),
  ) as ExpectedCell[];
}

/** Compares CSV rows with the reference cells: same cells, centres, valid fractions and features. */
function expectMatches(csvPath: string, expected: ExpectedCell[], features: number) {
  const { header, rows } = readCsv(csvPath);
  expect(header.slice(0, 9)).toEqual(['cell_id', 'source', 'row', 'col', 'x', 'y', 'lon', 'lat', 'valid_fraction']);
  expect(header.slice(9)).toEqual(Array.from({ length: features }, (_, i) => `f${i}`));
  expect(rows.map((r) => [Number(r[2]), Number(r[3])])).toEqual(expected.map((e) => [e.row, e.col]));
  let worst = 0;
  rows.forEach((r, i) => {
    const e = expected[i];
    expect(Number(r[4])).toBeCloseTo(e.x, 6);
    expect(Number(r[5])).toBeCloseTo(e.y, 6);
    expect(Number(r[8])).toBeCloseTo(e.valid_fraction, 6);
    e.features.forEach((v, f) => {
      const got = r[9 + f];
      if (v === null) expect(got).toBe('');
      else worst = Math.max(worst, Math.abs(Number(got) - v) / Math.max(1, Math.abs(v)));
    });
  });
  expect(worst).toBeLessThanOrEqual(1e-4);
}

describe('rcf featurize', () => {
  let dir: string;
  let w512: string;
  let w64: string;
  beforeAll(() => {
    dir = tempDir();
    w512 = goldenWeightsNpy('w_gauss_c4_f512_k3_seed1234', dir); // torchgeo's own weights, C=4
    w64 = goldenWeightsNpy('w_gauss_c3_f64_k3_seed7', dir); // C=3
  });

  it('matches the reference on a real Landsat raster with torchgeo weights (100 px cells)', () => {
    const raster = join(FIXTURES, 'l8_300_u16.tif');
    const out = join(dir, 'u16.csv');
    const r = rcf(['featurize', raster, '--weights', w512, '--scale', '0.0001', '--cell-size', '100', '--out', out]);
    expect(r.stderr).toContain('wrote');
    expect(r.code).toBe(0);
    expectMatches(out, reference(raster, w512, { bands: '1,2,3,4', scale: 0.0001, cell: '100', policy: 'mask' }), 512);
  });

  it('matches the reference for one cell per raster (whole), read in strips', () => {
    const raster = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
    const out = join(dir, 'whole.csv');
    const r = rcf(['featurize', raster, '--weights', w64, '--bands', '2,3,4', '--scale', '0.0001', '--cell-size', 'whole', '--out', out]);
    expect(r.code).toBe(0);
    expectMatches(out, reference(raster, w64, { bands: '2,3,4', scale: 0.0001, cell: 'whole', policy: 'mask' }), 64);
  });

  for (const [fixture, scale] of [
    ['l8_300_nodata0.tif', 0.0001],
    ['l8_300_nan_f32.tif', 1],
  ] as const) {
    for (const policy of ['mask', 'propagate']) {
      it(`handles nodata in ${fixture} with --nodata ${policy}`, () => {
        const raster = join(FIXTURES, fixture);
        const out = join(dir, `${fixture}.${policy}.csv`);
        const r = rcf([
          'featurize',
          raster,
          '--weights',
          w64,
          '--bands',
          '1,2,3',
          '--scale',
          String(scale),
          '--cell-size',
          '100',
          '--nodata',
          policy,
          '--out',
          out,
        ]);
        expect(r.code).toBe(0);
        const expected = reference(raster, w64, { bands: '1,2,3', scale, cell: '100', policy });
        // The fixture has a cell without any valid window: its features are NaN (empty).
        expect(expected.some((e) => e.valid_fraction === 0)).toBe(true);
        expectMatches(out, expected, 64);
      });
    }
  }

  it('follows the paper convention with its own bias', () => {
    const raster = join(FIXTURES, 'l8_300_u16.tif');
    const out = join(dir, 'paper.csv');
    const r = rcf([
      'featurize',
      raster,
      '--weights',
      w64,
      '--bands',
      '4,3,2',
      '--scale',
      '0.0001',
      '--cell-size',
      '150',
      '--convention',
      'paper',
      '--bias',
      '0.25',
      '--out',
      out,
    ]);
    expect(r.code).toBe(0);
    expectMatches(
      out,
      reference(raster, w64, { bands: '4,3,2', scale: 0.0001, cell: '150', policy: 'mask', convention: 'paper', bias: 0.25 }),
      64,
    );
  });

  it('gives the same features with the reference backend and 1 or 2 threads', () => {
    const raster = join(FIXTURES, 'l8_300_nodata0.tif');
    const outs = [
      ['--backend', 'reference'],
      ['--threads', '1'],
      ['--threads', '2'],
    ].map((flags, i) => {
      const out = join(dir, `same${i}.csv`);
      expect(
        rcf(['featurize', raster, '--weights', w64, '--bands', '1,2,3', '--scale', '0.0001', '--cell-size', '100', ...flags, '--out', out])
          .code,
      ).toBe(0);
      return readCsv(out).rows;
    });
    for (const rows of outs.slice(1)) {
      rows.forEach((r, i) =>
        r.slice(9).forEach((v, f) => {
          const a = Number(v);
          const b = Number(outs[0][i][9 + f]);
          if (v === '') expect(outs[0][i][9 + f]).toBe('');
          else expect(Math.abs(a - b)).toBeLessThanOrEqual(1e-5 * Math.max(1, Math.abs(b)));
        }),
      );
    }
  });

  it('writes WGS84 centres and a provenance sidecar', () => {
    const raster = join(FIXTURES, 'l8_300_u16.tif');
    const out = join(dir, 'prov.csv');
    // --backend cpu: with the default (auto) a machine with a GPU would record that instead.
    expect(
      rcf([
        'featurize',
        raster,
        '--features',
        '32',
        '--seed',
        '7',
        '--cell-size',
        '150',
        '--scale',
        '0.0001',
        '--backend',
        'cpu',
        '--out',
        out,
      ]).code,
    ).toBe(0);
    const { rows } = readCsv(out);
    const centres = JSON.parse(
      runPython(
        'import sys,json; from osgeo import osr; ' +
          's=osr.SpatialReference(); s.ImportFromEPSG(32616); ' +
          't=osr.SpatialReference(); t.ImportFromEPSG(4326); t.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER); ' +
          'c=osr.CoordinateTransformation(s,t); ' +
          'print(json.dumps([c.TransformPoint(float(x),float(y))[:2] for x,y in json.loads(sys.argv[1])]))',
        [JSON.stringify(rows.map((r) => [r[4], r[5]]))],
      ),
    ) as [number, number][];
    rows.forEach((r, i) => {
      expect(Math.abs(Number(r[6]) - centres[i][0])).toBeLessThan(1e-6);
      expect(Math.abs(Number(r[7]) - centres[i][1])).toBeLessThan(1e-6);
    });
    const prov = JSON.parse(readFileSync(`${out}.json`, 'utf8'));
    expect(prov.rcf).toMatchObject({ mode: 'gaussian', seed: 7, convention: 'torchgeo', features: 32, kernel: 3, bias: -1 });
    expect(prov.rcf.weights_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(prov.inputs[0].sha256).toBe(
      runPython('import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())', [raster]).trim(),
    );
    expect(prov.grid).toMatchObject({ cell_size: '150', edge: 'drop' });
    expect(prov.nodata_policy).toBe('mask');
    expect(prov.backend.device).toMatch(/CPU/);
    expect(Date.parse(prov.finished)).toBeGreaterThanOrEqual(Date.parse(prov.started));
    expect(existsSync(`${out}.partial`)).toBe(false);
  });
});

describe('rcf featurize with several rasters', () => {
  it('featurizes each raster on its own grid, naming it in the source column', () => {
    const dir = tempDir();
    const a = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
    const b = join(FIXTURES, 'l8_300_u16.tif');
    const args = ['--features', '16', '--seed', '2', '--scale', '0.0001', '--cell-size', '128'];
    expect(rcf(['featurize', a, b, ...args, '--out', join(dir, 'both.csv')]).code).toBe(0);
    expect(rcf(['featurize', a, ...args, '--out', join(dir, 'a.csv')]).code).toBe(0);
    expect(rcf(['featurize', b, ...args, '--out', join(dir, 'b.csv')]).code).toBe(0);
    const both = readCsv(join(dir, 'both.csv')).rows;
    const alone = [...readCsv(join(dir, 'a.csv')).rows, ...readCsv(join(dir, 'b.csv')).rows];
    expect(both).toEqual(alone);
    expect(new Set(both.map((r) => r[1]))).toEqual(new Set(['landsat8_b2-b5.tif', 'l8_300_u16.tif']));
    const prov = JSON.parse(readFileSync(join(dir, 'both.csv.json'), 'utf8'));
    expect(prov.inputs.map((i: { name: string }) => i.name)).toEqual(['landsat8_b2-b5.tif', 'l8_300_u16.tif']);
  });
});
