/**
 * Classifiers and classification metrics against scikit-learn 1.2 and scipy, run at test time
 * (tests/reference/sklearn_classify.py): RidgeClassifier, LogisticRegression(lbfgs), their
 * cross-validation on the same explicit folds (PredefinedSplit), and sklearn.metrics.
 * The data are generated here, seeded.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  type ClassLabel,
  ClassLabels,
  type LogisticModel,
  classificationScores,
  denseFeatures,
  fitLogistic,
  fitLogisticCv,
  fitRidgeClassifier,
  fitRidgeClassifierCv,
  minimizeLbfgs,
  predictLogistic,
  predictRidgeClassifier,
} from '../../../electron/engine/model/index.js';
import { kFold } from '../../../shared/model/index.js';
import { SYSTEM_PYTHON } from '../../helpers/python.js';

const reference = join(import.meta.dirname, '..', '..', 'reference');
const work = mkdtempSync(join(tmpdir(), 'rcf-classify-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A seeded uniform generator (mulberry32). */
function uniforms(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function normals(seed: number) {
  const u = uniforms(seed);
  return () => Math.sqrt(-2 * Math.log(1 - u())) * Math.cos(2 * Math.PI * u());
}

/** n rows of K features, labels drawn from a softmax of a random linear model over `names`. */
function makeData(n: number, K: number, names: readonly ClassLabel[], seed: number, signal = 1.5) {
  const z = normals(seed);
  const u = uniforms(seed + 1);
  const C = names.length;
  const X = Float64Array.from({ length: n * K }, () => 0.5 + z());
  const W = Float64Array.from({ length: K * C }, () => signal * z());
  const labels: ClassLabel[] = [];
  for (let i = 0; i < n; i++) {
    const logits = Array.from({ length: C }, (_, c) => {
      let v = 0;
      for (let k = 0; k < K; k++) v += X[i * K + k] * W[k * C + c];
      return v;
    });
    const max = Math.max(...logits);
    const p = logits.map((v) => Math.exp(v - max));
    let r = u() * p.reduce((a, b) => a + b, 0);
    let c = 0;
    while (c < C - 1 && (r -= p[c]) > 0) c++;
    labels.push(names[c]);
  }
  return { n, K, X, labels };
}

type Data = ReturnType<typeof makeData>;

/** The reference's JSON, read field by field in the tests. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Truth = Record<string, any>;

let calls = 0;
function python(params: Record<string, unknown>, data?: Data, folds?: Int32Array): Truth {
  const dir = join(work, `case-${calls++}`);
  mkdirSync(dir, { recursive: true });
  if (data) writeFileSync(join(dir, 'X.bin'), new Uint8Array(data.X.buffer, data.X.byteOffset, data.X.byteLength));
  if (folds) writeFileSync(join(dir, 'folds.bin'), new Uint8Array(folds.buffer, folds.byteOffset, folds.byteLength));
  const shape = data ? { n: data.n, K: data.K, labels: data.labels } : {};
  writeFileSync(join(dir, 'params.json'), JSON.stringify({ ...shape, ...params }));
  const out = execFileSync(SYSTEM_PYTHON, [join(reference, 'sklearn_classify.py'), dir], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return JSON.parse(out) as Truth;
}

/** max |a − b| / max |b| (the absolute difference when b is all zeros). */
function relativeError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let diff = 0;
  let size = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    size = Math.max(size, Math.abs(b[i]));
  }
  return size === 0 ? diff : diff / size;
}

/** K×O row-major as scikit-learn's coef_ (O×K), flattened. */
function transposed(coefficients: Float64Array, K: number, O: number): number[] {
  return Array.from({ length: O * K }, (_, j) => coefficients[(j % K) * O + Math.floor(j / K)]);
}

describe('ClassLabels', () => {
  it('orders classes as np.unique: numbers numerically, names by code point', () => {
    expect(ClassLabels.fromLabels([10, 2, -1, 2, 10, 0.5]).classes).toEqual([-1, 0.5, 2, 10]);
    // JavaScript's sort would put the astral "😀" (UTF-16 D83D…) before U+FF01; NumPy does not.
    const names = ['b', 'a', '\uff01', '😀', 'B', 'ab', 'a'];
    const labels = ClassLabels.fromLabels(names);
    expect(labels.classes).toEqual(python({ unique: names }).unique);
    expect(labels.classes).toEqual(['B', 'a', 'ab', 'b', '\uff01', '😀']);
    expect(Array.from(labels.encode(names))).toEqual([3, 1, 4, 5, 0, 2, 1]);
    expect(labels.label(4)).toBe('\uff01');
    expect(labels.indexOf('zz')).toBe(-1);
  });

  it('refuses mixed kinds, NaN, unknown labels and a single class, in one line', () => {
    expect(() => ClassLabels.fromLabels(['a', 1])).toThrow('labels: row 2 is 1, but the labels mix numbers and names');
    expect(() => ClassLabels.fromLabels([1, NaN])).toThrow('labels: row 2 is NaN, not a class');
    expect(() => ClassLabels.fromLabels(['a', 'b']).encode(['a', 'c'])).toThrow('labels: row 2 is "c", which is not one of the classes');
    expect(() => ClassLabels.fromLabels(['forest', 'forest']).requireTwo()).toThrow(
      'labels: only one class ("forest"); a classifier needs at least two',
    );
  });
});

describe('classification metrics against sklearn.metrics', () => {
  const cases = [
    { name: 'binary, scores with ties', classes: 2, n: 120, levels: 5, columns: 1 },
    { name: 'binary, probabilities (two columns)', classes: 2, n: 97, levels: 0, columns: 2 },
    { name: '4 classes, one never predicted, tied probabilities', classes: 4, n: 150, levels: 4, columns: 4, never: 2 },
    { name: '3 classes, continuous probabilities', classes: 3, n: 80, levels: 0, columns: 3 },
  ];
  for (const c of cases)
    it(c.name, () => {
      const u = uniforms(c.n + c.classes);
      const truth = Int32Array.from({ length: c.n }, (_, i) => (i < c.classes ? i : Math.floor(u() * c.classes)));
      const predicted = Int32Array.from(truth, (t) => {
        const p = u() < 0.6 ? t : Math.floor(u() * c.classes);
        return p === c.never ? (p + 1) % c.classes : p;
      });
      const raw = Float64Array.from({ length: c.n * c.columns }, (_, j) => {
        const v = u() + (truth[Math.floor(j / c.columns)] === j % c.columns ? 0.4 : 0);
        return c.levels ? Math.round(v * c.levels) / c.levels : v;
      });
      // Probabilities sum to 1 per row (scikit-learn checks it for multiclass AUC).
      const scores = raw.slice();
      if (c.columns > 1)
        for (let i = 0; i < c.n; i++) {
          let sum = 0;
          for (let k = 0; k < c.columns; k++) sum += raw[i * c.columns + k];
          for (let k = 0; k < c.columns; k++) scores[i * c.columns + k] = raw[i * c.columns + k] / sum;
        }
      const ours = classificationScores(truth, predicted, scores, c.columns, c.classes);
      const rows2d = Array.from({ length: c.n }, (_, i) => Array.from(scores.subarray(i * c.columns, (i + 1) * c.columns)));
      const truthPy = python({ metrics: { truth: [...truth], predicted: [...predicted], classes: c.classes, scores: rows2d } });
      expect(ours.accuracy).toBe(truthPy.accuracy);
      expect(ours.macroF1).toBeCloseTo(truthPy.macroF1, 12);
      expect(ours.rocAuc).toBeCloseTo(truthPy.rocAuc, 12);
      expect(ours.confusion).toEqual(truthPy.confusion);
      if (c.never !== undefined) expect(ours.confusion.every((row) => row[c.never] === 0)).toBe(true);
    });

  it('macro-F1 averages only the classes present as truth or prediction; AUC is NaN where scikit-learn refuses', () => {
    const truth = Int32Array.from([0, 0, 1, 1]);
    const predicted = Int32Array.from([0, 1, 1, 1]);
    const ours = classificationScores(truth, predicted, new Float64Array(12).fill(1 / 3), 3, 3);
    // Class 2 is neither true nor predicted: F1 = mean(2/3, 4/5).
    expect(ours.macroF1).toBeCloseTo((2 / 3 + 4 / 5) / 2, 15);
    expect(ours.rocAuc).toBeNaN();
    expect(classificationScores(truth, predicted, new Float64Array(4), 1, 2, [0, 1]).rocAuc).toBeNaN();
  });
});

describe('minimizeLbfgs against scipy’s L-BFGS-B', () => {
  for (const x0 of [
    [-1.2, 1],
    [-1.2, 1, -0.5, 0.8, 1.3, -0.2],
    [3, -3, 2.5, -2, 4, -1, 0.1, 5, -4, 2],
  ])
    it(`Rosenbrock from ${JSON.stringify(x0)}: the same iterations, evaluations and minimum`, async () => {
      const rosenbrock = (x: Float64Array, g: Float64Array) => {
        g.fill(0);
        let f = 0;
        for (let i = 0; i < x.length - 1; i++) {
          const a = x[i + 1] - x[i] * x[i];
          f += 100 * a * a + (1 - x[i]) ** 2;
          g[i] += -400 * x[i] * a - 2 * (1 - x[i]);
          g[i + 1] += 200 * a;
        }
        return f;
      };
      const ours = await minimizeLbfgs(rosenbrock, Float64Array.from(x0), { maxIter: 200, gtol: 1e-8 });
      const scipy = python({ rosenbrock: { x0, maxIter: 200, gtol: 1e-8 } }).rosenbrock;
      expect(ours.iterations).toBe(scipy.nit);
      expect(ours.evaluations).toBe(scipy.nfev);
      expect(ours.converged).toBe(scipy.status === 0);
      expect(relativeError(ours.x, scipy.x)).toBeLessThan(1e-6);
    });

  it('stops when its signal is aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(
      minimizeLbfgs((x, g) => (g.set(x), 0.5 * x[0] ** 2), Float64Array.from([3]), { signal: controller.signal }),
    ).rejects.toMatchObject({ kind: 'cancelled' });
  });
});

describe('fitRidgeClassifier against RidgeClassifier', () => {
  const cases = [
    { name: 'binary, numbers', n: 150, K: 6, names: [3, 7], alpha: 1 },
    { name: '3 classes, names', n: 180, K: 8, names: ['water', 'forest', 'crops'], alpha: 2.5 },
    { name: '4 classes, n < K (kernel form)', n: 40, K: 60, names: [0, 1, 2, 3], alpha: 0.3 },
  ];
  for (const c of cases)
    for (const intercept of [true, false])
      it(`${c.name}, intercept ${intercept}: coefficients, decision values and predictions`, async () => {
        const data = makeData(c.n, c.K, c.names, c.n + c.K);
        const model = await fitRidgeClassifier({ X: denseFeatures(data.X, c.K, 33), labels: data.labels, lambda: c.alpha, intercept });
        const truth = python({ ridge: { alpha: c.alpha, intercept } }, data).ridge;
        expect(model.classes).toEqual(truth.classes);
        const T = model.ridge.targets;
        expect(relativeError(transposed(model.ridge.coefficients, c.K, T), truth.coef.flat())).toBeLessThan(1e-8);
        // Without an intercept scikit-learn's intercept_ is the scalar 0.
        const expectedIntercept = truth.intercept.length === T ? truth.intercept : new Array<number>(T).fill(truth.intercept[0]);
        expect(relativeError(model.ridge.intercept, expectedIntercept)).toBeLessThan(1e-8);
        const out = await predictRidgeClassifier(model, denseFeatures(data.X, c.K));
        expect(out.columns).toBe(c.names.length === 2 ? 1 : c.names.length);
        expect(relativeError(out.scores, truth.decision.flat())).toBeLessThan(1e-8);
        expect(Array.from(out.predicted, (i) => model.classes[i])).toEqual(truth.predict);
      });

  it('binary: a decision of exactly 0 is classes[0]; a row with a missing feature gets no class', async () => {
    // Symmetric data: x and −x with opposite labels, no intercept, so x = 0 decides exactly 0.
    const X = Float64Array.from([1, -1, 2, -2, 0, NaN]);
    const model = await fitRidgeClassifier({
      X: denseFeatures(X.subarray(0, 4), 1),
      labels: ['b', 'a', 'b', 'a'],
      lambda: 1,
      intercept: false,
    });
    const out = await predictRidgeClassifier(model, denseFeatures(X, 1));
    expect(out.scores[4]).toBe(0);
    expect(Array.from(out.predicted)).toEqual([1, 0, 1, 0, 0, -1]);
  });
});

describe('fitRidgeClassifierCv against GridSearchCV(RidgeClassifier, cv=PredefinedSplit, scoring="accuracy")', () => {
  for (const names of [
    ['no', 'yes'],
    ['a', 'b', 'c', 'd'],
  ])
    it(`${names.length} classes: fold accuracy per λ, the chosen λ, the refit and the out-of-fold decisions`, async () => {
      const data = makeData(240, 10, names, 77 + names.length, 0.6);
      const folds = kFold(240, 5, { shuffle: true, seed: 1 });
      const lambdas = [0.01, 1, 30, 300, 3000, 30000];
      const cv = await fitRidgeClassifierCv({ X: denseFeatures(data.X, 10, 50), labels: data.labels, folds, lambdas });
      const truth = python({ ridgeCv: { lambdas } }, data, folds).ridgeCv;
      cv.foldScores.forEach((f, s) => f.accuracy.forEach((a, l) => expect(a).toBeCloseTo(truth.foldAccuracy[s][l], 12)));
      cv.meanAccuracy.forEach((a, l) => expect(a).toBeCloseTo(truth.meanAccuracy[l], 12));
      expect(cv.best).toBe(truth.bestIndex);
      const T = cv.model.ridge.targets;
      expect(relativeError(transposed(cv.model.ridge.coefficients, 10, T), truth.coef.flat())).toBeLessThan(1e-8);
      expect(relativeError(cv.outOfFoldScores, truth.decision.flat())).toBeLessThan(1e-8);
      // Pooled scores are those of the out-of-fold predictions.
      const labels = ClassLabels.fromLabels(data.labels);
      const again = classificationScores(labels.encode(data.labels), cv.outOfFold, cv.outOfFoldScores, T, names.length);
      expect(cv.pooled).toEqual(again);
      expect(cv.pooledAccuracy[cv.best]).toBe(cv.pooled.accuracy);
    });

  it('refuses a single class, bad folds, and stops when cancelled', async () => {
    const data = makeData(30, 3, ['x', 'y'], 5);
    const X = denseFeatures(data.X, 3);
    const folds = kFold(30, 3);
    await expect(fitRidgeClassifierCv({ X, labels: data.labels.map(() => 'x'), folds })).rejects.toThrow(
      'labels: only one class ("x"); a classifier needs at least two',
    );
    await expect(fitRidgeClassifierCv({ X, labels: data.labels, folds: new Int32Array(30) })).rejects.toThrow(
      'cross-validation needs at least 2 folds with rows, got 1',
    );
    await expect(fitRidgeClassifierCv({ X, labels: data.labels.slice(1), folds })).rejects.toThrow('labels: 29 for 30 feature rows');
    const controller = new AbortController();
    controller.abort();
    await expect(fitRidgeClassifierCv({ X, labels: data.labels, folds, signal: controller.signal })).rejects.toMatchObject({
      kind: 'cancelled',
    });
  });
});

function expectSameLogistic(model: LogisticModel, truth: Truth, tolerance: number) {
  expect(model.classes).toEqual(truth.classes);
  expect(relativeError(transposed(model.coefficients, model.columns, model.outputs), truth.coef.flat())).toBeLessThan(tolerance);
  expect(relativeError(model.intercept, truth.intercept)).toBeLessThan(tolerance);
}

describe('fitLogistic against LogisticRegression(solver="lbfgs")', () => {
  const cases = [
    { name: 'binary', n: 200, K: 6, names: [0, 1], C: 1 },
    { name: '3 classes (multinomial), names', n: 240, K: 8, names: ['c', 'a', 'b'], C: 1 },
    { name: '4 classes, C = 0.1', n: 300, K: 12, names: [1, 2, 3, 4], C: 0.1 },
  ];
  for (const c of cases)
    for (const intercept of [true, false])
      it(`${c.name}, intercept ${intercept}: coef_, intercept_ to 1e-4 and predict_proba`, async () => {
        const data = makeData(c.n, c.K, c.names, 3 * c.n + c.K);
        const model = await fitLogistic({ X: denseFeatures(data.X, c.K, 64), labels: data.labels, C: c.C, intercept });
        const truth = python({ logistic: { C: c.C, intercept } }, data).logistic;
        // The iterates follow scipy's step for step, so the fit agrees far beyond the 1e-4 promised.
        expectSameLogistic(model, truth, 1e-9);
        expect(model.converged).toBe(true);
        expect(model.iterations).toBe(truth.nIter);
        const out = await predictLogistic(model, denseFeatures(data.X, c.K));
        expect(out.columns).toBe(c.names.length);
        expect(relativeError(out.scores, truth.proba.flat())).toBeLessThan(1e-9);
        expect(Array.from(out.predicted, (i) => model.classes[i])).toEqual(truth.predict);
      });

  it('stops at max_iter as scikit-learn does (ConvergenceWarning there, converged false here)', async () => {
    const data = makeData(300, 12, [1, 2, 3, 4], 912);
    const model = await fitLogistic({ X: denseFeatures(data.X, 12), labels: data.labels, maxIter: 5 });
    const truth = python({ logistic: { C: 1, intercept: true, maxIter: 5 } }, data).logistic;
    expect(model.converged).toBe(false);
    expect(model.iterations).toBe(5);
    expect(truth.nIter).toBe(5);
    expectSameLogistic(model, truth, 1e-9);
  });

  it('reports progress per iteration, stops when cancelled, and refuses what it cannot fit', async () => {
    const data = makeData(60, 4, ['p', 'q', 'r'], 9);
    const X = denseFeatures(data.X, 4);
    const seen: number[] = [];
    const model = await fitLogistic({ X, labels: data.labels, onProgress: (p) => p.stage === 'solving' && seen.push(p.done) });
    expect(seen.length).toBe(model.iterations);
    expect(seen.at(-1)).toBe(model.iterations);
    const controller = new AbortController();
    await expect(
      fitLogistic({ X, labels: data.labels, signal: controller.signal, onProgress: (p) => p.stage === 'solving' && controller.abort() }),
    ).rejects.toMatchObject({ kind: 'cancelled' });
    await expect(fitLogistic({ X, labels: data.labels, C: 0 })).rejects.toThrow('C must be a positive number, got 0');
    await expect(fitLogistic({ X, labels: data.labels, maxIter: 0 })).rejects.toThrow(
      'iterations: must be a whole number of at least 1, got 0',
    );
    await expect(fitLogisticCv({ X, labels: data.labels, folds: new Int32Array(60).fill(-1) })).rejects.toThrow(
      'cross-validation needs at least 2 folds with rows, got 0',
    );
    await expect(fitLogisticCv({ X, labels: data.labels, folds: kFold(60, 3), Cs: [] })).rejects.toThrow('C: the grid is empty');
    const stop = new AbortController();
    await expect(
      fitLogisticCv({
        X,
        labels: data.labels,
        folds: kFold(60, 3),
        signal: stop.signal,
        onProgress: (p) => p.stage === 'solving' && stop.abort(),
      }),
    ).rejects.toMatchObject({ kind: 'cancelled' });
    await expect(fitLogistic({ X, labels: data.labels.map(() => 7) })).rejects.toThrow(
      'labels: only one class (7); a classifier needs at least two',
    );
    const holes = data.X.slice();
    holes[9] = NaN;
    await expect(fitLogistic({ X: denseFeatures(holes, 4), labels: data.labels })).rejects.toThrow(
      /features: row 3 has a value that is not a number/,
    );
    const huge = { rows: 300_000, columns: 4096, chunks: () => [] };
    await expect(fitLogistic({ X: huge, labels: new Array<number>(300_000).fill(0).map((_, i) => i % 2) })).rejects.toThrow(
      /^features: a logistic fit asks to hold 300000 rows × 4096 features in float64 \(9\.2 GiB\); the limit is 1\.0 GiB$/,
    );
  });
});

describe('fitLogisticCv against cross_val_score / cross_val_predict(LogisticRegression, cv=PredefinedSplit)', () => {
  for (const names of [
    [0, 1],
    ['x', 'y', 'z'],
  ])
    it(`${names.length} classes: fold accuracy and out-of-fold probabilities`, async () => {
      const data = makeData(200, 6, names, 500 + names.length, 0.8);
      const folds = kFold(200, 4, { shuffle: true, seed: 2 });
      const cv = await fitLogisticCv({ X: denseFeatures(data.X, 6), labels: data.labels, folds, Cs: [1] });
      const truth = python({ logisticCv: { C: 1 } }, data, folds).logisticCv;
      cv.foldScores.forEach((f, s) => expect(f.accuracy[0]).toBeCloseTo(truth.foldAccuracy[s], 12));
      expect(relativeError(cv.outOfFoldScores, truth.proba.flat())).toBeLessThan(1e-4);
      expect(cv.scoreColumns).toBe(names.length);
      const full = python({ logistic: { C: 1, intercept: true } }, data).logistic;
      expectSameLogistic(cv.model, full, 1e-4);
    });
});
