/** Regression scores as scikit-learn 1.2 computes them (`r2_score`, `mean_squared_error`, `mean_absolute_error`). */

export interface RegressionScores {
  r2: number;
  rmse: number;
  mae: number;
}

/**
 * Scores of predictions `predicted[i]` against `observed[i]` over the indices `rows`.
 * R² is 1 − SSE/SST around the mean of these rows; a constant target scores 1 when
 * predicted exactly and 0 otherwise (scikit-learn's convention).
 */
export function regressionScores(observed: ArrayLike<number>, predicted: ArrayLike<number>, rows: ArrayLike<number>): RegressionScores {
  const n = rows.length;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += observed[rows[i]];
  mean /= n;
  let sse = 0;
  let sst = 0;
  let sae = 0;
  for (let i = 0; i < n; i++) {
    const y = observed[rows[i]];
    const e = y - predicted[rows[i]];
    sse += e * e;
    sae += Math.abs(e);
    sst += (y - mean) * (y - mean);
  }
  const r2 = sst !== 0 ? 1 - sse / sst : sse === 0 ? 1 : 0;
  return { r2, rmse: Math.sqrt(sse / n), mae: sae / n };
}
