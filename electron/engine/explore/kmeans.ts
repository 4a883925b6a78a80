/**
 * k-means as scikit-learn 1.2's `KMeans(algorithm='lloyd')` computes it, so that the same data and initial centres
 * give the same labels and inertia:
 *   - Lloyd iterations: each row to its nearest centre (by ‖c‖² − 2·x·c), each centre to the mean of its rows; a
 *     cluster left empty takes the row farthest from its centre (as `_relocate_empty_clusters_dense`);
 *   - stop when the labels no longer change, or when the squared centre shifts sum to at most tol · the mean of the
 *     features' variances (`_tolerance`), at most `maxIter` iterations; then, unless the labels had settled, one
 *     last assignment to the final centres;
 *   - inertia: the sum of squared distances of the rows to their centres.
 * Initial centres come from greedy k-means++ (Arthur & Vassilvitskii 2007, with scikit-learn's 2 + ⌊ln k⌋ candidates
 * per centre, each the one that lowers the potential most), drawn from the project's seeded generator.
 */
import { SeededRandom } from '../../../shared/rcf/random.js';

export interface KmeansOptions {
  /** Most Lloyd iterations (scikit-learn's default 300). */
  maxIter?: number;
  /** Relative tolerance on the centres' shift (scikit-learn's default 1e-4). */
  tol?: number;
}

export interface KmeansResult {
  /** Each row's cluster. */
  labels: Int32Array;
  /** k×d row-major. */
  centres: Float64Array;
  inertia: number;
  iterations: number;
}

/** Rows X (n×d row-major): the squared distance of row i to point p (length d). */
function squaredDistance(X: Float64Array, i: number, d: number, p: Float64Array, pAt: number): number {
  let s = 0;
  for (let j = 0, at = i * d; j < d; j++) {
    const e = X[at + j] - p[pAt + j];
    s += e * e;
  }
  return s;
}

/** k initial centres (k×d) from greedy k-means++ over the n rows of X. */
export function kmeansPlusPlus(X: Float64Array, n: number, d: number, k: number, seed: number): Float64Array {
  if (!(k >= 1 && k <= n)) throw new RangeError(`k-means++: ${k} centres from ${n} rows`);
  const random = new SeededRandom(seed);
  const centres = new Float64Array(k * d);
  const trials = 2 + Math.floor(Math.log(k));
  const first = random.nextInt(n);
  centres.set(X.subarray(first * d, (first + 1) * d), 0);
  let closest = new Float64Array(n);
  for (let i = 0; i < n; i++) closest[i] = squaredDistance(X, i, d, X, first * d);
  let potential = closest.reduce((a, b) => a + b, 0);
  const cumulative = new Float64Array(n);
  let candidateBest = new Float64Array(n);
  let candidateNow = new Float64Array(n);
  for (let c = 1; c < k; c++) {
    let running = 0;
    for (let i = 0; i < n; i++) cumulative[i] = running += closest[i];
    let bestId = -1;
    let bestPotential = Infinity;
    for (let t = 0; t < trials; t++) {
      const target = random.nextDouble() * potential;
      // numpy.searchsorted (side 'left'): the first i with cumulative[i] ≥ target, clipped to n − 1.
      let lo = 0;
      let hi = n;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (cumulative[mid] < target) lo = mid + 1;
        else hi = mid;
      }
      const id = Math.min(lo, n - 1);
      let pot = 0;
      for (let i = 0; i < n; i++) {
        const v = Math.min(closest[i], squaredDistance(X, i, d, X, id * d));
        candidateNow[i] = v;
        pot += v;
      }
      if (pot < bestPotential) {
        bestPotential = pot;
        bestId = id;
        [candidateBest, candidateNow] = [candidateNow, candidateBest];
      }
    }
    centres.set(X.subarray(bestId * d, (bestId + 1) * d), c * d);
    potential = bestPotential;
    [closest, candidateBest] = [candidateBest, closest];
  }
  return centres;
}

/** Each row's nearest centre (ties: the lower index, as numpy's argmin). */
function assign(X: Float64Array, n: number, d: number, centres: Float64Array, k: number, labels: Int32Array): void {
  const norms = new Float64Array(k);
  for (let c = 0; c < k; c++) {
    let s = 0;
    for (let j = 0, at = c * d; j < d; j++) s += centres[at + j] * centres[at + j];
    norms[c] = s;
  }
  for (let i = 0; i < n; i++) {
    const at = i * d;
    let best = 0;
    let bestValue = Infinity;
    for (let c = 0; c < k; c++) {
      let dot = 0;
      for (let j = 0, ct = c * d; j < d; j++) dot += X[at + j] * centres[ct + j];
      const value = norms[c] - 2 * dot;
      if (value < bestValue) {
        bestValue = value;
        best = c;
      }
    }
    labels[i] = best;
  }
}

/** scikit-learn's tolerance: tol times the mean over features of their variances. */
function absoluteTolerance(X: Float64Array, n: number, d: number, tol: number): number {
  let total = 0;
  for (let j = 0; j < d; j++) {
    let mean = 0;
    for (let i = 0; i < n; i++) mean += X[i * d + j];
    mean /= n;
    let v = 0;
    for (let i = 0; i < n; i++) v += (X[i * d + j] - mean) ** 2;
    total += v / n;
  }
  return (total / d) * tol;
}

/** Lloyd's k-means from the k×d centres `init`. */
export function lloyd(X: Float64Array, n: number, d: number, init: Float64Array, options: KmeansOptions = {}): KmeansResult {
  const k = init.length / d;
  if (!Number.isInteger(k) || k < 1 || k > n) throw new RangeError(`k-means: ${init.length} initial values for ${n} rows of ${d}`);
  const maxIter = options.maxIter ?? 300;
  const tol = absoluteTolerance(X, n, d, options.tol ?? 1e-4);
  let centres = Float64Array.from(init);
  let next = new Float64Array(k * d);
  const labels = new Int32Array(n);
  const previous = new Int32Array(n).fill(-1);
  const counts = new Float64Array(k);
  let settled = false;
  let iterations = 0;
  for (let it = 0; it < maxIter; it++) {
    iterations = it + 1;
    assign(X, n, d, centres, k, labels);
    next.fill(0);
    counts.fill(0);
    for (let i = 0; i < n; i++) {
      const c = labels[i];
      counts[c]++;
      for (let j = 0, at = i * d, ct = c * d; j < d; j++) next[ct + j] += X[at + j];
    }
    relocateEmpty(X, n, d, centres, labels, next, counts);
    let shift = 0;
    for (let c = 0; c < k; c++) {
      for (let j = 0, ct = c * d; j < d; j++) {
        if (counts[c] > 0) next[ct + j] /= counts[c];
        const e = next[ct + j] - centres[ct + j];
        shift += e * e;
      }
    }
    [centres, next] = [next, centres];
    if (labels.every((l, i) => l === previous[i])) {
      settled = true;
      break;
    }
    if (shift <= tol) break;
    previous.set(labels);
  }
  if (!settled) assign(X, n, d, centres, k, labels);
  let inertia = 0;
  for (let i = 0; i < n; i++) inertia += squaredDistance(X, i, d, centres, labels[i] * d);
  return { labels, centres, inertia, iterations };
}

/** Empty clusters take the rows farthest from their (old) centres, farthest first; sums and counts move with them. */
function relocateEmpty(
  X: Float64Array,
  n: number,
  d: number,
  old: Float64Array,
  labels: Int32Array,
  sums: Float64Array,
  counts: Float64Array,
): void {
  const empty: number[] = [];
  counts.forEach((count, c) => count === 0 && empty.push(c));
  if (empty.length === 0) return;
  const distance = Float64Array.from({ length: n }, (_, i) => squaredDistance(X, i, d, old, labels[i] * d));
  const far = Array.from({ length: n }, (_, i) => i)
    .sort((a, b) => distance[b] - distance[a] || a - b)
    .slice(0, empty.length);
  empty.forEach((c, e) => {
    const i = far[e];
    const from = labels[i];
    for (let j = 0; j < d; j++) {
      sums[from * d + j] -= X[i * d + j];
      sums[c * d + j] = X[i * d + j];
    }
    counts[c] = 1;
    counts[from] -= 1;
  });
}
