/**
 * Principal components for result colours, against numpy: the eigen-
 * decomposition of the sample covariance (np.linalg.eigh of np.cov) and the
 * SVD of the centred matrix are the truth for variances, axes, scores and the
 * total variance; np.percentile(method='nearest') for the colour stretch.
 * The matrices have a planted spectrum (a few strong directions over noise),
 * as feature vectors of real rasters do.
 */
import { describe, expect, it } from 'vitest';
import { fitPca, jacobiEigen, projectRow, scoresToRgb, type PcaModel } from '../../../shared/analysis/pca.js';
import { execFileSync } from 'node:child_process';
import { runPython, SYSTEM_PYTHON } from '../../helpers/python.js';

interface NumpyPca {
  rows: number[][];
  mean: number[];
  /** Eigenvalues of np.cov, largest first. */
  values: number[];
  /** Eigenvectors (rows), largest first, signed so the largest |entry| is positive. */
  vectors: number[][];
  /** Singular values of the centred matrix. */
  singular: number[];
  /** Right singular vectors (rows), same sign rule. */
  svdVectors: number[][];
  trace: number;
  /** (X − mean) · V for the first `count` vectors. */
  scores: number[][];
}

/**
 * numpy's decomposition of the rows `x` (and `count`) a script has defined:
 * eigh of the covariance (sorted, each vector signed so its largest entry is
 * positive, as fitPca does) and the SVD of the centred rows.
 */
const NUMPY_DECOMPOSE = `
mean = x.mean(axis=0)
c = np.cov(x, rowvar=False)
w, v = np.linalg.eigh(c)
order = np.argsort(w)[::-1]
w, v = w[order], v[:, order]
def signed(m):
    m = m.copy()
    for i in range(m.shape[0]):
        if m[i, np.argmax(np.abs(m[i]))] < 0: m[i] = -m[i]
    return m
vectors = signed(v.T[:count])
u, s, vt = np.linalg.svd(x - mean, full_matrices=False)
print(json.dumps(dict(rows=x.tolist(), mean=mean.tolist(), values=w[:count].tolist(), vectors=vectors.tolist(),
  singular=s[:count].tolist(), svdVectors=signed(vt[:count]).tolist(), trace=float(np.trace(c)),
  scores=((x - mean) @ vectors.T).tolist())))
`;

/** A deterministic N×K matrix with `planted` strong directions, and numpy's decomposition of it. */
function numpyPca(n: number, k: number, count: number, seed: number, planted = [12, 8, 5, 3, 2]): NumpyPca {
  const code = `
import json, sys
import numpy as np
n, k, count, seed = map(int, sys.argv[1:5])
planted = np.array(json.loads(sys.argv[5]), dtype=np.float64)
rng = np.random.default_rng(seed)
q, _ = np.linalg.qr(rng.standard_normal((k, len(planted))))
x = (rng.standard_normal((n, len(planted))) * planted) @ q.T + 0.1 * rng.standard_normal((n, k)) + rng.uniform(-3, 3, k)
${NUMPY_DECOMPOSE}`;
  return JSON.parse(runPython(code, [String(n), String(k), String(count), String(seed), JSON.stringify(planted)])) as NumpyPca;
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let j = 0; j < a.length; j++) {
    ab += a[j] * b[j];
    aa += a[j] * a[j];
    bb += b[j] * b[j];
  }
  return ab / Math.sqrt(aa * bb);
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let worst = 0;
  for (let j = 0; j < a.length; j++) worst = Math.max(worst, Math.abs(a[j] - b[j]));
  return worst;
}

function expectMatchesNumpy(model: PcaModel, truth: NumpyPca, count: number): void {
  const n = truth.rows.length;
  expect(model.components).toHaveLength(count);
  expect(model.variances).toHaveLength(count);
  expect(maxAbsDiff(model.mean, truth.mean)).toBeLessThan(1e-12);
  expect(Math.abs(model.totalVariance - truth.trace) / truth.trace).toBeLessThan(1e-12);
  for (let c = 0; c < count; c++) {
    // Variances: the covariance's eigenvalues, and the SVD's s²/(N−1).
    expect(Math.abs(model.variances[c] - truth.values[c]) / truth.values[c]).toBeLessThan(1e-6);
    expect(Math.abs(model.variances[c] - truth.singular[c] ** 2 / (n - 1)) / truth.values[c]).toBeLessThan(1e-6);
    // Axes: unit length, equal to numpy's up to sign, and the sign rule (largest entry positive) gives numpy's sign.
    expect(Math.abs(Math.hypot(...model.components[c]) - 1)).toBeLessThan(1e-9);
    expect(Math.abs(cosine(model.components[c], truth.vectors[c]))).toBeGreaterThan(0.9999);
    expect(Math.abs(cosine(model.components[c], truth.svdVectors[c]))).toBeGreaterThan(0.9999);
    expect(maxAbsDiff(model.components[c], truth.vectors[c])).toBeLessThan(1e-5);
  }
  // Scores of every row.
  let worst = 0;
  for (let i = 0; i < n; i++)
    worst = Math.max(worst, maxAbsDiff(projectRow(model, truth.rows[i]), truth.scores[i]) / Math.sqrt(truth.values[0]));
  expect(worst).toBeLessThan(1e-5);
}

describe('fitPca against numpy', () => {
  for (const k of [64, 512]) {
    it(`N=300, K=${k}, five planted components: the first three`, () => {
      const truth = numpyPca(300, k, 3, 7 + k);
      const model = fitPca(truth.rows, 3);
      expectMatchesNumpy(model, truth, 3);
      // Explained shares are what the results panel shows: variance / trace.
      const shares = model.variances.map((v) => v / model.totalVariance);
      shares.forEach((s, c) => expect(Math.abs(s - truth.values[c] / truth.trace)).toBeLessThan(1e-6 * (truth.values[c] / truth.trace)));
    });
  }

  it('N=300, K=64: all five planted components, from Float32Array rows as the CSV reader gives them', () => {
    const truth = numpyPca(300, 64, 5, 3);
    // The model is fitted to float32 rows: numpy's truth is recomputed from the same rounded values.
    const rows32 = truth.rows.map((r) => Float32Array.from(r));
    const rounded = numpyPcaOf(
      rows32.map((r) => Array.from(r)),
      5,
    );
    expectMatchesNumpy(fitPca(rows32, 5), rounded, 5);
  });

  it('asks for more components than dimensions: all of them, exactly', () => {
    const truth = numpyPca(40, 4, 4, 11, [3, 2]);
    const model = fitPca(truth.rows, 6);
    expect(model.components).toHaveLength(4);
    const all = numpyPcaOf(truth.rows, 4);
    for (let c = 0; c < 4; c++) {
      expect(Math.abs(model.variances[c] - all.values[c]) / all.values[0]).toBeLessThan(1e-9);
      expect(Math.abs(cosine(model.components[c], all.vectors[c]))).toBeGreaterThan(0.9999);
    }
    // Four axes of four dimensions capture all the variance.
    expect(Math.abs(model.variances.reduce((a, b) => a + b, 0) - all.trace) / all.trace).toBeLessThan(1e-9);
  });

  it('is deterministic for a seed', () => {
    const truth = numpyPca(50, 16, 3, 5);
    const a = fitPca(truth.rows, 3, { seed: 4 });
    const b = fitPca(truth.rows, 3, { seed: 4 });
    expect(a.components.map((c) => Array.from(c))).toEqual(b.components.map((c) => Array.from(c)));
  });

  it('refuses fewer than two rows', () => {
    expect(() => fitPca([[1, 2, 3]], 3)).toThrow(/at least two rows/);
    expect(() => fitPca([], 3)).toThrow(/at least two rows/);
  });
});

/** numpy's decomposition of given rows (no generation). */
function numpyPcaOf(rows: number[][], count: number): NumpyPca {
  const code = `
import json, sys
import numpy as np
x = np.array(json.loads(sys.stdin.read()), dtype=np.float64)
count = int(sys.argv[1])
${NUMPY_DECOMPOSE}`;
  return JSON.parse(runPythonStdin(code, JSON.stringify(rows), [String(count)])) as NumpyPca;
}

function runPythonStdin(code: string, input: string, args: string[]): string {
  return execFileSync(SYSTEM_PYTHON, ['-c', code, ...args], { input, encoding: 'utf8', maxBuffer: 1 << 28 });
}

describe('jacobiEigen against numpy.linalg.eigh', () => {
  for (const n of [2, 5, 12]) {
    it(`a random symmetric ${n}×${n} matrix`, () => {
      const { matrix, values } = JSON.parse(
        runPython(
          `import json, sys
import numpy as np
n = int(sys.argv[1])
a = np.random.default_rng(n).standard_normal((n, n))
a = a + a.T
print(json.dumps(dict(matrix=a.tolist(), values=np.linalg.eigh(a)[0].tolist())))`,
          [String(n)],
        ),
      ) as { matrix: number[][]; values: number[] };
      const input = matrix.map((r) => Float64Array.from(r));
      const result = jacobiEigen(input);
      const sorted = [...result.values].sort((a, b) => a - b);
      expect(Math.max(...sorted.map((v, i) => Math.abs(v - values[i])))).toBeLessThan(1e-10);
      // A·v = λ·v for every column, and the columns are orthonormal.
      for (let c = 0; c < n; c++) {
        for (let r = 0; r < n; r++) {
          let av = 0;
          for (let j = 0; j < n; j++) av += matrix[r][j] * result.vectors[j][c];
          expect(Math.abs(av - result.values[c] * result.vectors[r][c])).toBeLessThan(1e-10);
        }
        for (let d = 0; d < n; d++) {
          let dot = 0;
          for (let r = 0; r < n; r++) dot += result.vectors[r][c] * result.vectors[r][d];
          expect(Math.abs(dot - (c === d ? 1 : 0))).toBeLessThan(1e-12);
        }
      }
      // The input is left alone.
      expect(input.map((r) => Array.from(r))).toEqual(matrix);
    });
  }

  it('a diagonal matrix (with a repeated value) is returned as is', () => {
    const result = jacobiEigen([Float64Array.from([2, 0, 0]), Float64Array.from([0, 2, 0]), Float64Array.from([0, 0, -1])]);
    expect(result.values).toEqual([2, 2, -1]);
    expect(result.vectors.map((r) => Array.from(r))).toEqual([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ]);
  });
});

describe('scoresToRgb', () => {
  /** numpy's colours: each component stretched between its nearest-rank 2nd and 98th percentiles, rounded half up. */
  function numpyRgb(scores: (number[] | null)[]): ([number, number, number] | null)[] {
    const code = `
import json, sys
import numpy as np
scores = json.loads(sys.argv[1])
out = [None if s is None else [128, 128, 128] for s in scores]
for c in range(3):
    vals = np.array([s[c] for s in scores if s is not None and c < len(s)], dtype=np.float64)
    if len(vals) == 0: continue
    lo, hi = np.percentile(vals, [2, 98], method='nearest')
    for i, s in enumerate(scores):
        if s is None or c >= len(s) or hi <= lo: continue
        out[i][c] = int(np.floor(255 * np.clip((s[c] - lo) / (hi - lo), 0, 1) + 0.5))
print(json.dumps(out))`;
    return JSON.parse(runPython(code, [JSON.stringify(scores)])) as ([number, number, number] | null)[];
  }

  function randomScores(count: number, seed: number): number[][] {
    return JSON.parse(
      runPython(
        `import json, sys
import numpy as np
rng = np.random.default_rng(int(sys.argv[2]))
print(json.dumps((rng.standard_normal((int(sys.argv[1]), 3)) * [5, 2, 0.5]).tolist()))`,
        [String(count), String(seed)],
      ),
    ) as number[][];
  }

  it('stretches each component between its 2nd and 98th percentile (200 cells, nulls kept in place)', () => {
    // 200 non-null values: the percentile ranks (3.98 and 195.02) are not ties, so nearest is unambiguous.
    const scores: (number[] | null)[] = randomScores(200, 1);
    for (const at of [0, 17, 100, 205]) scores.splice(at, 0, null);
    const rgb = scoresToRgb(scores);
    expect(rgb).toEqual(numpyRgb(scores));
    expect(rgb.map((c) => c === null)).toEqual(scores.map((s) => s === null));
    // The stretch saturates the tails: a few cells at 0 and at 255 per component, not more than 2% each (plus ties).
    for (let c = 0; c < 3; c++) {
      const values = rgb.filter((v) => v !== null).map((v) => v![c]);
      const low = values.filter((v) => v === 0).length;
      const high = values.filter((v) => v === 255).length;
      expect(low).toBeGreaterThanOrEqual(1);
      expect(high).toBeGreaterThanOrEqual(1);
      expect(low).toBeLessThanOrEqual(6);
      expect(high).toBeLessThanOrEqual(6);
    }
  });

  it('outliers do not wash out the rest', () => {
    const scores = randomScores(100, 2);
    scores[10] = [1e6, -1e6, 1e6];
    const rgb = scoresToRgb(scores);
    expect(rgb).toEqual(numpyRgb(scores));
    expect(rgb[10]).toEqual([255, 0, 255]);
    // The bulk still spreads over most of the range.
    const reds = rgb.filter((v, i) => v !== null && i !== 10).map((v) => v![0]);
    expect(Math.max(...reds) - Math.min(...reds)).toBe(255);
  });

  it('missing components, flat components and all-null input', () => {
    const scores: (number[] | null)[] = [[1, 5], [2, 5], null, [3, 5], [4, 5]];
    const rgb = scoresToRgb(scores);
    expect(rgb).toEqual(numpyRgb(scores));
    // Flat second component and absent third: mid-grey.
    expect(rgb.filter((v) => v !== null).map((v) => [v![1], v![2]])).toEqual([
      [128, 128],
      [128, 128],
      [128, 128],
      [128, 128],
    ]);
    expect(rgb[2]).toBeNull();
    expect(scoresToRgb([null, null])).toEqual([null, null]);
    expect(scoresToRgb([])).toEqual([]);
  });

  it('colours cells from a fitted model, as the results view does', () => {
    const truth = numpyPca(120, 32, 3, 9);
    const model = fitPca(truth.rows, 3);
    // numpy's scores may differ from ours in the last bits only; the colours agree.
    const ours = scoresToRgb(truth.rows.map((r) => projectRow(model, r)));
    const theirs = numpyRgb(truth.scores);
    let differing = 0;
    ours.forEach((c, i) => c!.forEach((v, j) => (differing += Math.abs(v - theirs[i]![j]) > 1 ? 1 : 0)));
    expect(differing).toBe(0);
  });
});
