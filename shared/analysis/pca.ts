/**
 * Principal components of feature vectors, for colouring result cells: the
 * first three components become red, green and blue, so cells with similar
 * features get similar colours.
 *
 * Randomized subspace iteration (Halko, Martinsson & Tropp 2011, alg. 4.4):
 * a few passes of XᵀX over an oversampled random basis, then the exact
 * eigen-decomposition of the small projected covariance (Jacobi). It costs
 * O(N·K·m) per pass instead of the O(K²) memory of a covariance matrix, which
 * matters at K = 4096.
 */
import { SeededRandom } from '../rcf/random.js';

export interface PcaModel {
  /** Column means, length K. */
  mean: Float64Array;
  /** Unit-length principal axes, largest variance first; each of length K, signed so its largest entry is positive. */
  components: Float64Array[];
  /** Variance along each component (sample variance, N−1). */
  variances: number[];
  /** Total variance (the trace of the covariance): explained share = variance / total. */
  totalVariance: number;
}

export interface PcaOptions {
  /** Extra basis vectors beyond `count` (default 6). */
  oversample?: number;
  /** Passes of XᵀX (default 8). */
  iterations?: number;
  seed?: number;
}

/** Fits `count` principal components to rows (each of length K, no NaN). */
export function fitPca(rows: ArrayLike<number>[], count: number, options: PcaOptions = {}): PcaModel {
  const n = rows.length;
  if (n < 2) throw new Error('principal components need at least two rows');
  const k = rows[0].length;
  const mean = new Float64Array(k);
  for (const row of rows) for (let j = 0; j < k; j++) mean[j] += row[j];
  for (let j = 0; j < k; j++) mean[j] /= n;
  const centred = rows.map((row) => Float64Array.from({ length: k }, (_, j) => row[j] - mean[j]));
  let totalVariance = 0;
  for (const row of centred) for (let j = 0; j < k; j++) totalVariance += row[j] * row[j];
  totalVariance /= n - 1;

  const m = Math.min(k, n, count + (options.oversample ?? 6));
  const random = new SeededRandom(options.seed ?? 0);
  let basis: Float64Array[] = Array.from({ length: m }, () => Float64Array.from({ length: k }, () => random.nextNormal()));
  orthonormalize(basis);
  for (let it = 0; it < (options.iterations ?? 8); it++) {
    basis = gramTimes(centred, basis);
    orthonormalize(basis);
  }
  // The covariance restricted to the basis: C = (XQ)ᵀ(XQ)/(N−1), m×m.
  const projected = centred.map((row) => basis.map((q) => dot(row, q)));
  const small = Array.from({ length: m }, (_, a) =>
    Float64Array.from({ length: m }, (_, b) => {
      let s = 0;
      for (const p of projected) s += p[a] * p[b];
      return s / (n - 1);
    }),
  );
  const { values, vectors } = jacobiEigen(small);
  const order = values
    .map((v, i) => [v, i] as const)
    .sort((x, y) => y[0] - x[0])
    .slice(0, Math.min(count, m));
  const components = order.map(([, i]) => {
    const axis = new Float64Array(k);
    for (let a = 0; a < m; a++) {
      const w = vectors[a][i];
      for (let j = 0; j < k; j++) axis[j] += w * basis[a][j];
    }
    let largest = 0;
    for (let j = 0; j < k; j++) if (Math.abs(axis[j]) > Math.abs(largest)) largest = axis[j];
    if (largest < 0) for (let j = 0; j < k; j++) axis[j] = -axis[j];
    return axis;
  });
  return { mean, components, variances: order.map(([v]) => Math.max(0, v)), totalVariance };
}

/** The scores of one row on the model's components. */
export function projectRow(model: PcaModel, row: ArrayLike<number>): number[] {
  return model.components.map((axis) => {
    let s = 0;
    for (let j = 0; j < axis.length; j++) s += (row[j] - model.mean[j]) * axis[j];
    return s;
  });
}

/**
 * Scores → 0–255 per component, each stretched between its 2nd and 98th
 * percentile so a few outliers do not wash out the rest. null scores stay null.
 */
export function scoresToRgb(scores: (number[] | null)[]): ([number, number, number] | null)[] {
  const components = 3;
  const ranges = Array.from({ length: components }, (_, c) => {
    const values = scores
      .filter((s): s is number[] => s !== null && c < s.length)
      .map((s) => s[c])
      .sort((a, b) => a - b);
    if (values.length === 0) return [0, 0] as const;
    const at = (q: number) => values[Math.min(values.length - 1, Math.max(0, Math.round(q * (values.length - 1))))];
    return [at(0.02), at(0.98)] as const;
  });
  return scores.map((s) => {
    if (s === null) return null;
    const rgb = ranges.map(([lo, hi], c) => {
      if (c >= s.length || hi <= lo) return 128;
      return Math.round(255 * Math.min(1, Math.max(0, (s[c] - lo) / (hi - lo))));
    });
    return [rgb[0], rgb[1], rgb[2]];
  });
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let j = 0; j < a.length; j++) s += a[j] * b[j];
  return s;
}

/** XᵀX·Q, column by column, without forming XᵀX. */
function gramTimes(rows: Float64Array[], basis: Float64Array[]): Float64Array[] {
  const k = basis[0].length;
  const out = basis.map(() => new Float64Array(k));
  for (const row of rows) {
    for (let a = 0; a < basis.length; a++) {
      const s = dot(row, basis[a]);
      const o = out[a];
      for (let j = 0; j < k; j++) o[j] += s * row[j];
    }
  }
  return out;
}

/** Modified Gram–Schmidt, twice for stability; a vector that collapses is replaced by a unit axis. */
function orthonormalize(vectors: Float64Array[]): void {
  for (let pass = 0; pass < 2; pass++) {
    for (let a = 0; a < vectors.length; a++) {
      const v = vectors[a];
      for (let b = 0; b < a; b++) {
        const p = dot(v, vectors[b]);
        for (let j = 0; j < v.length; j++) v[j] -= p * vectors[b][j];
      }
      const norm = Math.sqrt(dot(v, v));
      if (norm > 1e-300) for (let j = 0; j < v.length; j++) v[j] /= norm;
      else {
        v.fill(0);
        v[a % v.length] = 1;
      }
    }
  }
}

/** Eigenvalues and eigenvectors (columns of `vectors`) of a small symmetric matrix, by cyclic Jacobi rotations. */
export function jacobiEigen(matrix: Float64Array[]): { values: number[]; vectors: Float64Array[] } {
  const n = matrix.length;
  const a = matrix.map((row) => Float64Array.from(row));
  const v = Array.from({ length: n }, (_, i) => Float64Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)));
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p][q] * a[p][q];
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        if (Math.abs(a[p][q]) < 1e-300) continue;
        const theta = (a[q][q] - a[p][p]) / (2 * a[p][q]);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let r = 0; r < n; r++) {
          const arp = a[r][p];
          const arq = a[r][q];
          a[r][p] = c * arp - s * arq;
          a[r][q] = s * arp + c * arq;
        }
        for (let r = 0; r < n; r++) {
          const apr = a[p][r];
          const aqr = a[q][r];
          a[p][r] = c * apr - s * aqr;
          a[q][r] = s * apr + c * aqr;
        }
        for (let r = 0; r < n; r++) {
          const vrp = v[r][p];
          const vrq = v[r][q];
          v[r][p] = c * vrp - s * vrq;
          v[r][q] = s * vrp + c * vrq;
        }
      }
    }
  }
  return { values: a.map((row, i) => row[i]), vectors: v };
}
