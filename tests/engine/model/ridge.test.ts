/**
 * Ridge and its cross-validation against scikit-learn 1.2 (`Ridge`, `GridSearchCV` on the same
 * folds as a `PredefinedSplit`) and against the MOSAIKS paper's solve functions
 * (tests/reference/mosaiks_solve.py: the λ choice by mean fold R², the pooled R², the flags).
 * The data are generated here, seeded.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_LAMBDAS,
  denseFeatures,
  fitRidge,
  fitRidgeCv,
  paperProtocol,
  predictRidge,
  type RidgeModel,
} from '../../../electron/engine/model/index.js';
import { blockFolds, kFold } from '../../../shared/model/index.js';
import { SYSTEM_PYTHON } from '../../helpers/python.js';

const reference = join(import.meta.dirname, '..', '..', 'reference');
const work = mkdtempSync(join(tmpdir(), 'rcf-ridge-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A seeded normal generator (mulberry32 + Box–Muller): the tests' data, not a model's. */
function normals(seed: number) {
  let a = seed >>> 0;
  const uniform = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

interface Data {
  n: number;
  K: number;
  T: number;
  X: Float64Array;
  /** n×T row-major. */
  Y: Float64Array;
  /** One column per target. */
  y: Float64Array[];
}

/**
 * n rows of K features with an offset (so that centring matters) and T targets linear in them
 * plus noise. `collinear`: every feature is one of 3 base columns plus 1e-6 noise, scaled from
 * 1e-2 to 1e2, so XᵀX is numerically singular and only λ makes the problem well posed.
 */
function makeData(n: number, K: number, T: number, seed: number, kind: 'plain' | 'collinear' = 'plain'): Data {
  const z = normals(seed);
  const X = new Float64Array(n * K);
  const base = Array.from({ length: 3 }, () => Float64Array.from({ length: n }, z));
  for (let i = 0; i < n; i++)
    for (let k = 0; k < K; k++) {
      const scale = 10 ** (-2 + (4 * k) / Math.max(1, K - 1));
      X[i * K + k] = kind === 'plain' ? 3 + 0.5 * k + z() : scale * (base[k % 3][i] + 1e-6 * z()) + 1;
    }
  const w = Float64Array.from({ length: K * T }, z);
  const Y = new Float64Array(n * T);
  for (let i = 0; i < n; i++)
    for (let t = 0; t < T; t++) {
      let v = 2 + t;
      for (let k = 0; k < K; k++) v += X[i * K + k] * w[k * T + t] * (kind === 'plain' ? 1 : 10 ** (2 - (4 * k) / Math.max(1, K - 1)));
      Y[i * T + t] = v + 0.5 * z();
    }
  const y = Array.from({ length: T }, (_, t) => Float64Array.from({ length: n }, (_, i) => Y[i * T + t]));
  return { n, K, T, X, Y, y };
}

let calls = 0;
/** Runs a Python reference on the data (written as little-endian binaries) and returns its JSON. */
function python(script: string, data: Data, params: Record<string, unknown>, folds?: Int32Array): Record<string, unknown> {
  const dir = join(work, `case-${calls++}`);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'X.bin'), new Uint8Array(data.X.buffer, data.X.byteOffset, data.X.byteLength));
  writeFileSync(join(dir, 'y.bin'), new Uint8Array(data.Y.buffer, data.Y.byteOffset, data.Y.byteLength));
  if (folds) writeFileSync(join(dir, 'folds.bin'), new Uint8Array(folds.buffer, folds.byteOffset, folds.byteLength));
  writeFileSync(join(dir, 'params.json'), JSON.stringify({ n: data.n, K: data.K, T: data.T, ...params }));
  const out = execFileSync(SYSTEM_PYTHON, [join(reference, script), dir], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return JSON.parse(out) as Record<string, unknown>;
}

/** max |a − b| / max |b|. */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0;
  let size = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    size = Math.max(size, Math.abs(b[i]));
  }
  return diff / size;
}

/** The model's coefficients as scikit-learn lays out `coef_`: T×K. */
function coefT(model: RidgeModel): number[] {
  const { columns: K, targets: T } = model;
  return Array.from({ length: T * K }, (_, j) => model.coefficients[(j % K) * T + Math.floor(j / K)]);
}

function expectSameRidge(model: RidgeModel, truth: Record<string, unknown>, coefKey = 'coef', interceptKey = 'intercept') {
  const coef = (truth[coefKey] as number[][]).flat();
  const intercept = truth[interceptKey] as number[];
  expect(relativeError(coefT(model), coef)).toBeLessThan(1e-8);
  intercept.forEach((b, t) => expect(Math.abs(model.intercept[t] - b)).toBeLessThan(1e-8 * Math.max(1, Math.abs(b))));
}

describe('fitRidge against scikit-learn Ridge', () => {
  const cases = [
    { name: 'n > K, one target', n: 300, K: 25, T: 1, lambda: 0.7 },
    { name: 'n > K, three targets', n: 300, K: 25, T: 3, lambda: 5 },
    { name: 'n < K (kernel form), one target', n: 60, K: 150, T: 1, lambda: 2 },
    { name: 'n < K (kernel form), two targets', n: 60, K: 150, T: 2, lambda: 0.05 },
    { name: 'ill-conditioned X (collinear columns over 4 decades)', n: 400, K: 30, T: 1, lambda: 1, kind: 'collinear' as const },
    { name: 'ill-conditioned X, kernel form', n: 40, K: 90, T: 2, lambda: 1, kind: 'collinear' as const },
  ];
  for (const c of cases)
    for (const intercept of [true, false])
      it(`${c.name}, intercept ${intercept}: coefficients and intercept to 1e-8`, async () => {
        const data = makeData(c.n, c.K, c.T, c.n + c.K + c.T, c.kind);
        const model = await fitRidge({ X: denseFeatures(data.X, c.K, 37), y: data.y, lambda: c.lambda, intercept });
        expectSameRidge(model, python('sklearn_ridge.py', data, { alpha: c.lambda, intercept }));
        if (!intercept) expect(Array.from(model.intercept)).toEqual(new Array(c.T).fill(0));
      });

  it('streams: rows from an async source in uneven chunks, over several BLAS batches per fold, give the same fit', async () => {
    const data = makeData(3000, 6, 2, 5);
    const sizes = [1, 700, 13, 1500, 786];
    const X = {
      rows: 3000,
      columns: 6,
      async *chunks() {
        let first = 0;
        for (const size of sizes) {
          yield data.X.slice(first * 6, (first + size) * 6);
          first += size;
        }
      },
    };
    const model = await fitRidge({ X, y: data.y, lambda: 3 });
    expectSameRidge(model, python('sklearn_ridge.py', data, { alpha: 3, intercept: true }));
    const short = { ...X, rows: 3001 };
    await expect(fitRidge({ X: short, y: [new Float64Array(3001)], lambda: 1 })).rejects.toThrow(
      'features: 3000 rows read, 3001 announced',
    );
  });

  it('fits only the rows asked for', async () => {
    const data = makeData(90, 5, 1, 8);
    const rows = Int32Array.from({ length: 45 }, (_, i) => 2 * i + 1);
    const subset = await fitRidge({ X: denseFeatures(data.X, 5), y: data.y, lambda: 2, rows });
    const X = Float64Array.from({ length: 45 * 5 }, (_, j) => data.X[rows[Math.floor(j / 5)] * 5 + (j % 5)]);
    const alone = await fitRidge({ X: denseFeatures(X, 5), y: Float64Array.from(rows, (r) => data.y[0][r]), lambda: 2 });
    expect(relativeError(subset.coefficients, alone.coefficients)).toBeLessThan(1e-12);
    expect(subset.intercept[0]).toBeCloseTo(alone.intercept[0], 10);
  });

  it('predicts xᵀβ + b, chunk by chunk, Float32 rows too', async () => {
    const data = makeData(120, 8, 2, 7);
    const model = await fitRidge({ X: denseFeatures(data.X, 8), y: data.y, lambda: 1 });
    const predicted = await predictRidge(model, denseFeatures(Float32Array.from(data.X), 8, 50));
    const i = 77;
    for (let t = 0; t < 2; t++) {
      let v = model.intercept[t];
      for (let k = 0; k < 8; k++) v += Math.fround(data.X[i * 8 + k]) * model.coefficients[k * 2 + t];
      expect(predicted[i * 2 + t]).toBeCloseTo(v, 10);
    }
  });

  it('log1p: fits log1p(y) and predicts in the units of y', async () => {
    const data = makeData(200, 6, 1, 11);
    const y = data.y[0].map((v) => Math.exp(v / 20));
    const model = await fitRidge({ X: denseFeatures(data.X, 6), y, lambda: 0.3, log1p: true });
    const logged = { ...data, Y: y.map(Math.log1p), y: [y.map(Math.log1p)] };
    expectSameRidge(model, python('sklearn_ridge.py', logged, { alpha: 0.3, intercept: true }));
    const predicted = await predictRidge(model, denseFeatures(data.X, 6));
    let linear = model.intercept[0];
    for (let k = 0; k < 6; k++) linear += data.X[k] * model.coefficients[k];
    expect(predicted[0]).toBeCloseTo(Math.expm1(linear), 12);
  });

  it('refuses what it cannot fit, with one line', async () => {
    const data = makeData(20, 3, 1, 1);
    const X = denseFeatures(data.X, 3);
    await expect(fitRidge({ X, y: data.y[0].subarray(1), lambda: 1 })).rejects.toThrow('target: 19 values for 20 feature rows');
    await expect(fitRidge({ X, y: data.y[0], lambda: 0 })).rejects.toThrow('λ must be a positive number, got 0');
    const nan = data.y[0].slice();
    nan[4] = NaN;
    await expect(fitRidge({ X, y: nan, lambda: 1 })).rejects.toThrow('target: row 5 is NaN, not a number');
    const belowMinusOne = data.y[0].map((v) => v - 100);
    await expect(fitRidge({ X, y: belowMinusOne, lambda: 1, log1p: true })).rejects.toThrow(/log1p needs values above −1/);
    const holes = data.X.slice();
    holes[3 * 7 + 1] = NaN;
    await expect(fitRidge({ X: denseFeatures(holes, 3), y: data.y[0], lambda: 1 })).rejects.toThrow(
      /features: row 8 has a value that is not a number/,
    );
    const model = await fitRidge({ X, y: data.y[0], lambda: 1 });
    await expect(predictRidge(model, denseFeatures(new Float64Array(8), 4))).rejects.toThrow(
      'features: 4 per row, the model was fitted on 3',
    );
  });
});

describe('fitRidgeCv against GridSearchCV(Ridge, cv=PredefinedSplit(folds), scoring="r2")', () => {
  const cases = [
    { name: 'random 5-fold, n > K', n: 250, K: 20, folds: (n: number) => kFold(n, 5, { shuffle: true, seed: 0 }) },
    { name: 'random 5-fold, n < K (kernel form)', n: 80, K: 120, folds: (n: number) => kFold(n, 5, { shuffle: true, seed: 3 }) },
    {
      name: 'spatial blocks, 4 folds',
      n: 300,
      K: 15,
      folds: (n: number) => {
        const z = normals(5);
        const x = Float64Array.from({ length: n }, () => 10 * z());
        const y = Float64Array.from({ length: n }, () => 10 * z());
        return blockFolds(x, y, 4, { size: 4, seed: 1 });
      },
    },
  ];
  for (const c of cases)
    for (const intercept of [true, false])
      it(`${c.name}, intercept ${intercept}: fold and mean R², chosen λ and refit equal`, async () => {
        const data = makeData(c.n, c.K, 1, c.n * 3 + c.K);
        // A weak signal, so that the best λ is inside the grid rather than at its smallest.
        const noisy = data.y[0].map((v, i) => v + 40 * Math.sin(i * 12.9898));
        const d = { ...data, Y: noisy, y: [noisy] };
        const folds = c.folds(c.n);
        const lambdas = [...DEFAULT_LAMBDAS, 1e4, 1e5];
        const cv = await fitRidgeCv({ X: denseFeatures(d.X, c.K, 64), y: d.y, folds, lambdas, intercept });
        const truth = python('sklearn_ridge.py', d, { lambdas, intercept }, folds);
        const foldR2 = truth.foldR2 as number[][];
        cv.foldScores.forEach((f, s) => f.r2.forEach(([r2], l) => expect(r2).toBeCloseTo(foldR2[s][l], 9)));
        cv.meanR2.forEach(([r2], l) => expect(r2).toBeCloseTo((truth.meanR2 as number[])[l], 9));
        expect(cv.best[0]).toBe(truth.bestIndex);
        expect(cv.illConditioned).toEqual(lambdas.map(() => false));
        expectSameRidge(cv.model, truth, 'bestCoef', 'bestIntercept');
      });

  it('chooses λ per target (each as GridSearchCV on that target alone) and flags a best λ at the edge of the grid', async () => {
    const data = makeData(200, 10, 2, 99);
    const noisy = data.y[1].map((v, i) => 0.01 * v + 30 * Math.sin(i * 7.77));
    const targets = [data.y[0], noisy];
    const folds = kFold(200, 5, { shuffle: true, seed: 0 });
    const lambdas = [...DEFAULT_LAMBDAS];
    const cv = await fitRidgeCv({ X: denseFeatures(data.X, 10), y: targets, folds, lambdas });
    // The noisy target wants the most shrinkage the grid offers, the clean one far less.
    expect(cv.best[1]).toBe(8);
    expect(cv.best[0]).toBeLessThan(8);
    expect(cv.edgeWarning).toEqual(cv.best.map((l) => l === 0 || l === 8));
    for (const t of [0, 1]) {
      const truth = python('sklearn_ridge.py', { ...data, T: 1, Y: targets[t], y: [] }, { lambdas, intercept: true }, folds);
      expect(cv.best[t]).toBe(truth.bestIndex);
      cv.meanR2.forEach((row, l) => expect(row[t]).toBeCloseTo((truth.meanR2 as number[])[l], 9));
      const single: RidgeModel = {
        ...cv.model,
        targets: 1,
        coefficients: Float64Array.from({ length: 10 }, (_, k) => cv.model.coefficients[k * 2 + t]),
        intercept: cv.model.intercept.subarray(t, t + 1),
      };
      expectSameRidge(single, truth, 'bestCoef', 'bestIntercept');
    }
  });

  it('clips held-out predictions to each fold’s training range, and the model to all the rows’', async () => {
    const data = makeData(150, 5, 1, 21);
    const folds = kFold(150, 3, { shuffle: true, seed: 2 });
    const cv = await fitRidgeCv({ X: denseFeatures(data.X, 5), y: data.y, folds, lambdas: [1e3], clip: 'train-range' });
    const y = data.y[0];
    for (let f = 0; f < 3; f++) {
      const train = y.filter((_, i) => folds[i] !== f);
      const [lo, hi] = [Math.min(...train), Math.max(...train)];
      y.forEach((_, i) => {
        if (folds[i] === f) expect(cv.outOfFold[i] >= lo && cv.outOfFold[i] <= hi).toBe(true);
      });
    }
    expect(cv.model.clip).toEqual([[Math.min(...y), Math.max(...y)]]);
  });

  it('refuses folds it cannot use', async () => {
    const data = makeData(20, 3, 1, 1);
    const X = denseFeatures(data.X, 3);
    await expect(fitRidgeCv({ X, y: data.y, folds: new Int32Array(20) })).rejects.toThrow(
      'cross-validation needs at least 2 folds with rows, got 1',
    );
    await expect(fitRidgeCv({ X, y: data.y, folds: new Int32Array(19) })).rejects.toThrow('folds: 19 fold numbers for 20 feature rows');
  });

  it('stops when its signal is aborted', async () => {
    const data = makeData(100, 4, 1, 2);
    const controller = new AbortController();
    controller.abort();
    await expect(
      fitRidgeCv({ X: denseFeatures(data.X, 4), y: data.y, folds: kFold(100, 5), signal: controller.signal }),
    ).rejects.toMatchObject({ kind: 'cancelled' });
  });
});

describe('paperProtocol against the MOSAIKS paper’s solve functions (tests/reference/mosaiks_solve.py)', () => {
  for (const intercept of [false, true])
    it(`80/20 split, KFold(5) on the 80 %, λ by mean fold R², pooled R², test R² (intercept ${intercept}, clipped)`, async () => {
      const data = makeData(400, 30, 2, 4242);
      const y = [data.y[0].map((v, i) => v + 25 * Math.sin(i * 3.3)), data.y[1]];
      const Y = Float64Array.from({ length: 800 }, (_, j) => y[j % 2][Math.floor(j / 2)]);
      const d = { ...data, Y, y };
      const clip: [number, number][] = [
        [-40, 60],
        [-1e9, 1e9],
      ];
      const lambdas = [...DEFAULT_LAMBDAS];
      const result = await paperProtocol({ X: denseFeatures(d.X, 30), y, lambdas, intercept, clip });
      const truth = python('mosaiks_solve.py', d, { lambdas, intercept, clip });
      expect(Array.from(result.train)).toEqual(truth.train);
      expect(Array.from(result.test)).toEqual(truth.test);
      // The paper's folds are KFold's over the training rows in split order: fold by fold equal.
      const foldR2 = truth.foldR2 as number[][][];
      const foldMse = truth.foldMse as number[][][];
      result.cv.foldScores.forEach((f, s) =>
        f.r2.forEach((row, l) =>
          row.forEach((r2, t) => {
            expect(r2).toBeCloseTo(foldR2[s][l][t], 9);
            expect(f.rmse[l][t] ** 2).toBeCloseTo(foldMse[s][l][t], 7);
          }),
        ),
      );
      expect(result.cv.meanR2.flat()).toEqual((truth.meanR2 as number[][]).flat().map((v) => expect.closeTo(v, 9)));
      expect(result.cv.pooledR2.flat()).toEqual((truth.pooledR2 as number[][]).flat().map((v) => expect.closeTo(v, 9)));
      expect(result.cv.best).toEqual(truth.best);
      // The two R² differ (they are different statistics), which is why the paper's choice is pinned.
      const best = result.cv.best[0];
      expect(Math.abs(result.cv.meanR2[best][0] - result.cv.pooledR2[best][0])).toBeGreaterThan(1e-6);
      result.testScores.forEach((s, t) => expect(s.r2).toBeCloseTo((truth.testR2 as number[])[t], 9));
    });

  it('flags the λ for which scipy warns (LinAlgWarning) and never chooses them', async () => {
    // Orthogonal columns scaled so that XᵀX is nearly diagonal, from 1e-6 to 3e15 (about 1.9e15 on a
    // fold's 64 % of the rows): rcond(XᵀX + λI) ≈ λ / 1.9e15, below machine epsilon for λ ≤ 0.18 and
    // above it for λ ≥ 1, by a factor of 2.4 either way, whichever condition number is taken.
    const n = 300;
    const K = 12;
    const z = normals(17);
    const X = new Float64Array(n * K);
    for (let k = 0; k < K; k++) {
      const column = Float64Array.from({ length: n }, z);
      for (let j = 0; j < k; j++) {
        let dot = 0;
        for (let i = 0; i < n; i++) dot += column[i] * X[i * K + j];
        for (let i = 0; i < n; i++) column[i] -= dot * X[i * K + j];
      }
      const norm = Math.hypot(...column);
      for (let i = 0; i < n; i++) X[i * K + k] = column[i] / norm;
    }
    const scales = Array.from({ length: K }, (_, k) => Math.sqrt(10 ** (-6 + (21.5 * k) / (K - 1))));
    for (let i = 0; i < n; i++) for (let k = 0; k < K; k++) X[i * K + k] *= scales[k];
    const y = Float64Array.from({ length: n }, (_, i) => X[i * K + 3] * 1e-3 + X[i * K] + 0.01 * z());
    const data = { n, K, T: 1, X, Y: y, y: [y] };
    const lambdas = [...DEFAULT_LAMBDAS];
    const result = await paperProtocol({ X: denseFeatures(X, K), y, lambdas, intercept: false });
    const truth = python('mosaiks_solve.py', data, { lambdas, intercept: false });
    expect(truth.warning).toEqual([true, true, true, true, false, false, false, false, false]);
    expect(result.cv.illConditioned).toEqual(truth.warning);
    expect(result.cv.best).toEqual(truth.best);
    expect(result.cv.illConditioned[result.cv.best[0]]).toBe(false);
  });
});
