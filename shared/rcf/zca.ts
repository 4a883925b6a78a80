/**
 * ZCA whitening of image patches, exactly as torchgeo's `RCF._normalize` and the
 * MOSAIKS paper's `normalize_patches` compute it:
 *
 *   P ← P − rowmean(P);  P ← P / ‖P‖₂ (norms below 1e-8 count as 1);
 *   Σ = PᵀP / N;  output P·(Σ + εI)⁻¹   (ε = 1e-3).
 *
 * Upstream multiplies by Z·Zᵀ with Z = V·diag((E+ε)^−½)·Vᵀ from an
 * eigendecomposition, which is the same matrix (Σ+εI)⁻¹. Here it is computed in
 * float64 with a Cholesky factorisation, which is stable for the SPD matrix and
 * never produces the complex eigenvalues numpy's `eig` can return.
 */

/** Default ε added to the covariance diagonal (torchgeo `zca_bias`, paper `filter_scale`). */
export const ZCA_EPSILON = 1e-3;
/** Norms below this are treated as 1 (torchgeo `min_divisor`). */
export const ZCA_MIN_DIVISOR = 1e-8;

/**
 * Whitens `count` patches of `dim` values each (row-major [count, dim]).
 * Returns float64 [count, dim].
 */
export function zcaWhiten(patches: ArrayLike<number>, count: number, dim: number, epsilon = ZCA_EPSILON): Float64Array {
  if (patches.length !== count * dim) throw new Error(`expected ${count}×${dim} patch values, got ${patches.length}`);
  if (count < 1) throw new Error('ZCA needs at least one patch');
  const p = new Float64Array(count * dim);
  for (let n = 0; n < count; n++) {
    const row = n * dim;
    let mean = 0;
    for (let d = 0; d < dim; d++) mean += patches[row + d];
    mean /= dim;
    let norm = 0;
    for (let d = 0; d < dim; d++) {
      const v = patches[row + d] - mean;
      p[row + d] = v;
      norm += v * v;
    }
    norm = Math.sqrt(norm);
    if (norm < ZCA_MIN_DIVISOR) norm = 1;
    for (let d = 0; d < dim; d++) p[row + d] /= norm;
  }

  // A = PᵀP / N + εI (only the lower triangle is needed by Cholesky).
  const a = new Float64Array(dim * dim);
  for (let n = 0; n < count; n++) {
    const row = n * dim;
    for (let i = 0; i < dim; i++) {
      const pi = p[row + i];
      if (pi === 0) continue;
      const ai = i * dim;
      for (let j = 0; j <= i; j++) a[ai + j] += pi * p[row + j];
    }
  }
  for (let i = 0; i < dim; i++) {
    for (let j = 0; j <= i; j++) a[i * dim + j] /= count;
    a[i * dim + i] += epsilon;
  }
  const l = choleskyLower(a, dim);

  // Each output row solves A·x = pᵀ (A is symmetric, so x = (P·A⁻¹)ᵀ row by row).
  const out = new Float64Array(count * dim);
  const y = new Float64Array(dim);
  for (let n = 0; n < count; n++) {
    const row = n * dim;
    for (let i = 0; i < dim; i++) {
      let s = p[row + i];
      for (let j = 0; j < i; j++) s -= l[i * dim + j] * y[j];
      y[i] = s / l[i * dim + i];
    }
    for (let i = dim - 1; i >= 0; i--) {
      let s = y[i];
      for (let j = i + 1; j < dim; j++) s -= l[j * dim + i] * out[row + j];
      out[row + i] = s / l[i * dim + i];
    }
  }
  return out;
}

/** Cholesky factor L (lower, row-major) of a symmetric positive definite matrix given by its lower triangle. */
export function choleskyLower(a: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
      if (i === j) {
        if (!(s > 0)) throw new Error('covariance matrix is not positive definite');
        l[i * n + i] = Math.sqrt(s);
      } else {
        l[i * n + j] = s / l[j * n + j];
      }
    }
  }
  return l;
}
