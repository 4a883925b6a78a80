/**
 * Ridge regression as scikit-learn's `Ridge` defines it, cross-validated over a λ grid the way
 * the MOSAIKS paper's code does it, with one eigendecomposition per fold serving every λ.
 *
 * For a fold's training rows (centred on their own means when there is an intercept, which is
 * then not penalised) β(λ) = (XᵀX + λI)⁻¹Xᵀy. With XᵀX = V diag(s) Vᵀ (LAPACK's dsyevd) this is
 * V diag(1/(s+λ)) VᵀXᵀy for every λ at once. The features are streamed once into per-fold Gram
 * matrices (BLAS dsyrk) and a training fold's Gram matrix is the total minus its held-out rows.
 * When there are no more rows than features the n×n kernel XXᵀ is used instead (the dual form,
 * β = Xᵀ(XXᵀ + λI)⁻¹y), so the cost follows the smaller side. The final refit on all the rows of
 * the folds is one Cholesky solve (dposv) per chosen λ.
 *
 * A λ is flagged ill-conditioned when the reciprocal condition number of XᵀX + λI, from the
 * eigenvalues, is below machine epsilon on some fold: where scipy's `solve` raises the
 * LinAlgWarning after which the paper's code drops that λ from the choice.
 */
import { throwIfCancelled, UserError } from '../../../shared/errors/index.js';
import { DEFAULT_LAMBDAS, type FoldOf } from '../../../shared/model/index.js';
import { type FeatureSource, notFinite, rowChunks } from './features.js';
import { eigh, gemm, posv, syrk } from './linalg.js';
import { type RegressionScores, regressionScores } from './metrics.js';

export { DEFAULT_LAMBDAS };

/** Below this reciprocal condition number scipy's `solve` warns (LinAlgWarning): machine epsilon. */
export const ILL_CONDITIONED_RCOND = Number.EPSILON;

/** [min, max] of a target's predictions; ±Infinity leaves a side open. */
export type ClipBounds = readonly [min: number, max: number];

export interface RidgeOptions {
  /** Fit an unpenalised intercept, centring on the training rows (scikit-learn's `fit_intercept`). Default true. */
  intercept?: boolean;
  /** Clip predictions: to each fit's training range of the target, or to bounds given per target. Default: no clipping. */
  clip?: 'train-range' | readonly ClipBounds[];
  /** Fit log1p(y) and predict expm1 of the linear prediction (targets must exceed −1). Scores are in the target's units. */
  log1p?: boolean;
}

export interface FitProgress {
  stage: 'reading' | 'solving' | 'predicting' | 'refitting';
  done: number;
  total: number;
}

export interface FitHooks {
  /** Checked between chunks and between folds; an aborted fit throws CancelledError. */
  signal?: AbortSignal;
  onProgress?: (progress: FitProgress) => void;
}

/** A fitted ridge model: prediction = clip(inverse(xᵀβ + b)) per target. */
export interface RidgeModel {
  columns: number;
  targets: number;
  /** β, K×T row-major: coefficients[k·T + t]. */
  coefficients: Float64Array;
  /** b per target; 0 without an intercept. */
  intercept: Float64Array;
  /** λ per target. */
  lambda: number[];
  log1p: boolean;
  /** Bounds per target, in the target's units; null: not clipped. */
  clip: ClipBounds[] | null;
}

/** The targets: one Float64Array (one target) or one per target, each with a value per feature row. */
export type Targets = Float64Array | readonly Float64Array[];

export interface RidgeFitInput extends RidgeOptions, FitHooks {
  X: FeatureSource;
  y: Targets;
  /** λ for every target. */
  lambda: number;
  /** The rows to fit on; default all. */
  rows?: Int32Array;
}

export interface RidgeCvInput extends RidgeOptions, FitHooks {
  X: FeatureSource;
  y: Targets;
  /** A fold number per row (shared/model's FoldOf); rows with −1 take no part in the fit. */
  folds: FoldOf;
  /** Default DEFAULT_LAMBDAS. */
  lambdas?: readonly number[];
}

export interface FoldScores {
  /** The fold number, as in `folds`. */
  fold: number;
  trainRows: number;
  testRows: number;
  /** Scores on the fold's held-out rows, [λ][target]. */
  r2: number[][];
  rmse: number[][];
  mae: number[][];
  /** Reciprocal condition number of XᵀX + λI of the fold's training rows, per λ. */
  rcond: number[];
}

export interface RidgeCvResult {
  lambdas: number[];
  /** Per fold, in increasing fold number. */
  foldScores: FoldScores[];
  /** Mean over folds of the fold R², [λ][target]: what λ is chosen by. */
  meanR2: number[][];
  /** R² of all out-of-fold predictions pooled, [λ][target]: what the paper reports as the CV R². */
  pooledR2: number[][];
  /** Per λ: ill-conditioned on at least one fold, so never chosen. */
  illConditioned: boolean[];
  /** Per target: the index in `lambdas` of the chosen λ (argmax of meanR2 among the well-conditioned, first of ties). */
  best: number[];
  /** Per target: the chosen λ is the smallest or largest well-conditioned λ of the grid (widen the grid). */
  edgeWarning: boolean[];
  /** n×T row-major: each row's held-out prediction at its target's chosen λ; NaN for rows in no fold. */
  outOfFold: Float64Array;
  /** Refit on every row of the folds with the chosen λ. */
  model: RidgeModel;
}

/** Rows copied per BLAS call: large enough for dsyrk to run near its peak, small next to a Gram matrix. */
function bufferRows(K: number): number {
  return Math.max(64, Math.min(1024, Math.floor(2 ** 21 / K)));
}

function checker(signal: AbortSignal | undefined): () => void {
  return () => {
    throwIfCancelled(signal);
  };
}

/** Targets as one column per target, checked against the rows. */
function targetColumns(y: Targets, n: number, log1p: boolean): Float64Array[] {
  const columns = y instanceof Float64Array ? [y] : [...y];
  if (columns.length === 0) throw new UserError('targets: none given');
  columns.forEach((column, t) => {
    const label = columns.length > 1 ? `target ${t + 1}` : 'target';
    if (column.length !== n) throw new UserError(`${label}: ${column.length} values for ${n} feature rows`);
    column.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new UserError(`${label}: row ${i + 1} is ${v}, not a number`);
      if (log1p && !(v > -1)) throw new UserError(`${label}: log1p needs values above −1; row ${i + 1} is ${v}`);
    });
  });
  return columns;
}

function checkLambda(lambda: number): void {
  if (!(lambda > 0 && Number.isFinite(lambda))) throw new UserError(`λ must be a positive number, got ${lambda}`);
}

function checkGrid(lambdas: readonly number[]): void {
  if (lambdas.length === 0) throw new UserError('λ: the grid is empty');
  lambdas.forEach(checkLambda);
}

/**
 * The rows of a fit, grouped by slot (a fold, numbered 0… in increasing fold number), with
 * the targets on the scale the model is fitted on.
 */
interface Problem {
  n: number;
  K: number;
  T: number;
  /** y per target in the fit's scale (log1p applied). */
  yFit: Float64Array[];
  /** Slot per row, −1 for rows taking no part. */
  slot: Int32Array;
  /** Rows per slot. */
  slotRows: Int32Array[];
  /** Rows in any slot. */
  rows: number;
  intercept: boolean;
}

function problemOf(X: FeatureSource, yFit: Float64Array[], slot: Int32Array, slots: number, intercept: boolean): Problem {
  const slotRows = Array.from({ length: slots }, () => [] as number[]);
  slot.forEach((s, i) => {
    if (s >= 0) slotRows[s].push(i);
  });
  const rows = slotRows.reduce((sum, r) => sum + r.length, 0);
  return { n: X.rows, K: X.columns, T: yFit.length, yFit, slot, slotRows: slotRows.map((r) => Int32Array.from(r)), rows, intercept };
}

/** What a fold needs to predict its held-out rows: prediction = xᵀB + b for every (λ, target). */
interface Solver {
  /** Reads the features (first pass). */
  accumulate(X: FeatureSource, hooks: FitHooks): Promise<void>;
  /** Per slot and λ the rcond; the held-out predictions (n × L·T, fit scale) come from `heldOut`. */
  solveFolds(lambdas: readonly number[], hooks: FitHooks): Promise<number[][]>;
  /** Out-of-fold predictions in the fit scale, n × L·T row-major ([row][λ][target]), NaN outside the folds. */
  heldOut(X: FeatureSource, hooks: FitHooks): Promise<Float64Array>;
  /** β (K×T) and b (T) fitted on every row in a slot, with λ per target. */
  refit(lambdaOfTarget: readonly number[]): Promise<{ coefficients: Float64Array; intercept: Float64Array }>;
}

/** Both forms subtract a shift from the features before any product, so that centring later loses no digits. */
function meanOfRows(data: ArrayLike<number>, K: number, rowList: ArrayLike<number>, rowOffset = 0): Float64Array {
  const mean = new Float64Array(K);
  for (let i = 0; i < rowList.length; i++) {
    const base = (rowList[i] - rowOffset) * K;
    for (let k = 0; k < K; k++) mean[k] += data[base + k];
  }
  for (let k = 0; k < K; k++) mean[k] /= rowList.length;
  return mean;
}

/** Distinct λ in use, each with its targets. */
function targetsByLambda(lambdaOfTarget: readonly number[]): Map<number, number[]> {
  const groups = new Map<number, number[]>();
  lambdaOfTarget.forEach((lambda, t) => groups.set(lambda, [...(groups.get(lambda) ?? []), t]));
  return groups;
}

/** b = ȳ − x̄ᵀβ per column of β (K × cols), with x̄ and ȳ in the features' and targets' own units. */
function interceptsOf(beta: Float64Array, cols: number, xMean: Float64Array, yMean: (j: number) => number): Float64Array {
  const b = new Float64Array(cols);
  for (let j = 0; j < cols; j++) {
    let dot = 0;
    for (let k = 0; k < xMean.length; k++) dot += xMean[k] * beta[k * cols + j];
    b[j] = yMean(j) - dot;
  }
  return b;
}

/** Gram form (more rows than features): K×K matrices per fold, the features read twice. */
class GramSolver implements Solver {
  private readonly K: number;
  private readonly T: number;
  private readonly slots: number;
  private foldGram: (Float64Array | null)[] = [];
  private foldSum: Float64Array[] = [];
  private foldXy: Float64Array[] = [];
  private foldYSum: Float64Array[] = [];
  private gram: Float64Array = new Float64Array(0);
  private sum: Float64Array = new Float64Array(0);
  private xy: Float64Array = new Float64Array(0);
  private ySum: Float64Array = new Float64Array(0);
  /** Feature and target shifts (0 without an intercept). */
  private shiftX: Float64Array;
  private readonly shiftY: Float64Array;
  private foldBeta: Float64Array[] = [];
  private foldB: Float64Array[] = [];
  private cols = 0;
  private readonly p: Problem;

  constructor(p: Problem) {
    this.p = p;
    this.K = p.K;
    this.T = p.T;
    this.slots = p.slotRows.length;
    this.shiftX = new Float64Array(p.K);
    this.shiftY = new Float64Array(p.T);
    if (p.intercept) {
      const all = p.slotRows.flatMap((r) => [...r]);
      for (let t = 0; t < p.T; t++) this.shiftY[t] = all.reduce((s, i) => s + p.yFit[t][i], 0) / all.length;
    }
  }

  async accumulate(X: FeatureSource, hooks: FitHooks): Promise<void> {
    const { K, T, p, slots } = this;
    const R = bufferRows(K);
    this.foldGram = Array.from({ length: slots }, () => new Float64Array(K * K));
    this.foldSum = Array.from({ length: slots }, () => new Float64Array(K));
    this.foldXy = Array.from({ length: slots }, () => new Float64Array(K * T));
    this.foldYSum = Array.from({ length: slots }, () => new Float64Array(T));
    const bx = Array.from({ length: slots }, () => new Float64Array(R * K));
    const by = Array.from({ length: slots }, () => new Float64Array(R * T));
    const fill = new Int32Array(slots);
    const flush = async (s: number) => {
      const rows = fill[s];
      if (rows === 0) return;
      await syrk(this.foldGram[s]!, bx[s], K, rows, 1, 1, true);
      await gemm(this.foldXy[s], bx[s], by[s], K, T, rows, { transA: true, beta: 1 });
      fill[s] = 0;
    };
    let shifted = !p.intercept;
    for await (const { first, chunk } of rowChunks(X, checker(hooks.signal))) {
      const count = chunk.length / K;
      if (!shifted) {
        const inFold = [];
        for (let r = 0; r < count; r++) if (p.slot[first + r] >= 0) inFold.push(r);
        if (inFold.length > 0) {
          this.shiftX = meanOfRows(chunk, K, inFold);
          if (!this.shiftX.every(Number.isFinite)) this.shiftX.fill(0); // the copy below names the bad row
          shifted = true;
        }
      }
      for (let r = 0; r < count; r++) {
        const row = first + r;
        const s = p.slot[row];
        if (s < 0) continue;
        const out = bx[s];
        const sum = this.foldSum[s];
        const base = fill[s] * K;
        for (let k = 0; k < K; k++) {
          const v = chunk[r * K + k];
          if (!Number.isFinite(v)) throw notFinite(row, v);
          const x = v - this.shiftX[k];
          out[base + k] = x;
          sum[k] += x;
        }
        for (let t = 0; t < T; t++) {
          const y = p.yFit[t][row] - this.shiftY[t];
          by[s][fill[s] * T + t] = y;
          this.foldYSum[s][t] += y;
        }
        if (++fill[s] === R) await flush(s);
      }
      hooks.onProgress?.({ stage: 'reading', done: first + count, total: X.rows });
    }
    for (let s = 0; s < slots; s++) await flush(s);
    this.totals();
  }

  private totals(): void {
    const add = (parts: Float64Array[]) => {
      if (parts.length === 1) return parts[0];
      const total = new Float64Array(parts[0].length);
      for (const part of parts) for (let i = 0; i < total.length; i++) total[i] += part[i];
      return total;
    };
    this.gram = add(this.foldGram as Float64Array[]);
    this.sum = add(this.foldSum);
    this.xy = add(this.foldXy);
    this.ySum = add(this.foldYSum);
  }

  /** Centres a Gram matrix (upper triangle) and Xᵀy of `rows` rows whose sums are `sum` and `ySum`, in place. */
  private centre(gram: Float64Array, xy: Float64Array, sum: Float64Array, ySum: Float64Array, rows: number) {
    const { K, T } = this;
    const mean = sum.map((v) => v / rows);
    const yMean = ySum.map((v) => v / rows);
    if (this.p.intercept) {
      for (let i = 0; i < K; i++) {
        const mi = rows * mean[i];
        for (let j = i; j < K; j++) gram[i * K + j] -= mi * mean[j];
        for (let t = 0; t < T; t++) xy[i * T + t] -= mi * yMean[t];
      }
    }
    return { mean, yMean };
  }

  async solveFolds(lambdas: readonly number[], hooks: FitHooks): Promise<number[][]> {
    const { K, T, p } = this;
    const L = lambdas.length;
    const cols = L * T;
    this.cols = cols;
    const rcond: number[][] = [];
    for (let s = 0; s < this.slots; s++) {
      checker(hooks.signal)();
      hooks.onProgress?.({ stage: 'solving', done: s, total: this.slots });
      const rows = p.rows - p.slotRows[s].length;
      // The training rows' statistics: the totals minus the held-out rows' (in the fold's own buffers).
      const gram = this.foldGram[s]!;
      for (let i = 0; i < K * K; i++) gram[i] = this.gram[i] - gram[i];
      const xy = this.xy.map((v, i) => v - this.foldXy[s][i]);
      const sum = this.sum.map((v, i) => v - this.foldSum[s][i]);
      const ySum = this.ySum.map((v, i) => v - this.foldYSum[s][i]);
      const { mean, yMean } = this.centre(gram, xy, sum, ySum, rows);
      const w = new Float64Array(K);
      await eigh(gram, K, w);
      const z = new Float64Array(K * T);
      await gemm(z, gram, xy, K, T, K); // Vᵀ Xᵀy
      const scaled = new Float64Array(K * cols);
      for (let k = 0; k < K; k++)
        for (let l = 0; l < L; l++) for (let t = 0; t < T; t++) scaled[k * cols + l * T + t] = z[k * T + t] / (w[k] + lambdas[l]);
      const beta = new Float64Array(K * cols);
      await gemm(beta, gram, scaled, K, cols, K, { transA: true }); // V diag(1/(s+λ)) Vᵀ Xᵀy
      const xMean = mean.map((v, k) => v + this.shiftX[k]);
      this.foldBeta[s] = beta;
      this.foldB[s] = p.intercept ? interceptsOf(beta, cols, xMean, (j) => this.shiftY[j % T] + yMean[j % T]) : new Float64Array(cols);
      rcond.push(lambdas.map((lambda) => Math.max(0, (w[0] + lambda) / (w[K - 1] + lambda))));
      this.foldGram[s] = null; // the largest buffers go as soon as they are used
    }
    return rcond;
  }

  async heldOut(X: FeatureSource, hooks: FitHooks): Promise<Float64Array> {
    const { K, p, cols, slots } = this;
    const R = bufferRows(K);
    const out = new Float64Array(p.n * cols).fill(NaN);
    const bx = Array.from({ length: slots }, () => new Float64Array(R * K));
    const rowOf = Array.from({ length: slots }, () => new Int32Array(R));
    const fill = new Int32Array(slots);
    const pred = new Float64Array(R * cols);
    const flush = async (s: number) => {
      const rows = fill[s];
      if (rows === 0) return;
      await gemm(pred, bx[s], this.foldBeta[s], rows, cols, K);
      const b = this.foldB[s];
      for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) out[rowOf[s][i] * cols + j] = pred[i * cols + j] + b[j];
      fill[s] = 0;
    };
    for await (const { first, chunk } of rowChunks(X, checker(hooks.signal))) {
      const count = chunk.length / K;
      for (let r = 0; r < count; r++) {
        const s = p.slot[first + r];
        if (s < 0) continue;
        bx[s].set(chunk.subarray(r * K, (r + 1) * K), fill[s] * K);
        rowOf[s][fill[s]] = first + r;
        if (++fill[s] === R) await flush(s);
      }
      hooks.onProgress?.({ stage: 'predicting', done: first + count, total: X.rows });
    }
    for (let s = 0; s < slots; s++) await flush(s);
    return out;
  }

  async refit(lambdaOfTarget: readonly number[]) {
    const { K, T, p } = this;
    const gram = this.gram.slice();
    const xy = this.xy.slice();
    const { mean, yMean } = this.centre(gram, xy, this.sum, this.ySum, p.rows);
    const coefficients = new Float64Array(K * T);
    for (const [lambda, targets] of targetsByLambda(lambdaOfTarget)) {
      const a = gram.slice();
      for (let k = 0; k < K; k++) a[k * K + k] += lambda;
      const solution = xy.slice();
      await posv(a, solution, K, T);
      for (let k = 0; k < K; k++) for (const t of targets) coefficients[k * T + t] = solution[k * T + t];
    }
    const xMean = mean.map((v, k) => v + this.shiftX[k]);
    const intercept = p.intercept ? interceptsOf(coefficients, T, xMean, (t) => this.shiftY[t] + yMean[t]) : new Float64Array(T);
    return { coefficients, intercept };
  }
}

/** Kernel form (no more rows than features): the rows are held, and each fold works on its n×n block of XXᵀ. */
class KernelSolver implements Solver {
  private readonly K: number;
  private readonly T: number;
  private readonly N: number;
  /** Position of each row of the folds in `x`, −1 for the others. */
  private readonly position: Int32Array;
  /** The rows of the folds, shifted by their mean when there is an intercept, N×K. */
  private x = new Float64Array(0);
  private shiftX: Float64Array;
  /** Targets of the rows of the folds, shifted likewise, N×T. */
  private readonly y: Float64Array;
  private readonly shiftY: Float64Array;
  private kernel = new Float64Array(0);
  private predictions = new Float64Array(0);
  private readonly p: Problem;

  constructor(p: Problem) {
    this.p = p;
    this.K = p.K;
    this.T = p.T;
    this.N = p.rows;
    this.position = new Int32Array(p.n).fill(-1);
    let next = 0;
    p.slot.forEach((s, i) => {
      if (s >= 0) this.position[i] = next++;
    });
    this.shiftX = new Float64Array(p.K);
    this.shiftY = new Float64Array(p.T);
    this.y = new Float64Array(this.N * p.T);
    for (let i = 0; i < p.n; i++) {
      const at = this.position[i];
      if (at >= 0) for (let t = 0; t < p.T; t++) this.y[at * p.T + t] = p.yFit[t][i];
    }
    if (p.intercept) {
      for (let t = 0; t < p.T; t++) {
        for (let i = 0; i < this.N; i++) this.shiftY[t] += this.y[i * p.T + t] / this.N;
        for (let i = 0; i < this.N; i++) this.y[i * p.T + t] -= this.shiftY[t];
      }
    }
  }

  async accumulate(X: FeatureSource, hooks: FitHooks): Promise<void> {
    const { K, N } = this;
    this.x = new Float64Array(N * K);
    for await (const { first, chunk } of rowChunks(X, checker(hooks.signal))) {
      const count = chunk.length / K;
      for (let r = 0; r < count; r++) {
        const at = this.position[first + r];
        if (at < 0) continue;
        for (let k = 0; k < K; k++) {
          const v = chunk[r * K + k];
          if (!Number.isFinite(v)) throw notFinite(first + r, v);
          this.x[at * K + k] = v;
        }
      }
      hooks.onProgress?.({ stage: 'reading', done: first + count, total: X.rows });
    }
    if (this.p.intercept) {
      this.shiftX = meanOfRows(
        this.x,
        K,
        Int32Array.from({ length: N }, (_, i) => i),
      );
      for (let i = 0; i < N; i++) for (let k = 0; k < K; k++) this.x[i * K + k] -= this.shiftX[k];
    }
    this.kernel = new Float64Array(N * N);
    await syrk(this.kernel, this.x, N, K, 1, 0, false);
    for (let i = 0; i < N; i++) for (let j = 0; j < i; j++) this.kernel[i * N + j] = this.kernel[j * N + i];
  }

  /** Rows `a` × columns `b` of XXᵀ, centred on the means of the rows `b` (the training rows) when there is an intercept. */
  private block(a: Int32Array, b: Int32Array, centre: { columnMean: Float64Array; mean: number } | null): Float64Array {
    const { N } = this;
    const out = new Float64Array(a.length * b.length);
    for (let i = 0; i < a.length; i++) {
      const row = a[i] * N;
      let rowMean = 0;
      for (let j = 0; j < b.length; j++) rowMean += out[i * b.length + j] = this.kernel[row + b[j]];
      rowMean /= b.length;
      if (centre) for (let j = 0; j < b.length; j++) out[i * b.length + j] += centre.mean - rowMean - centre.columnMean[j];
    }
    return out;
  }

  /** XᵀX's centring in kernel terms: the column means of the training block and their mean. */
  private centring(train: Int32Array) {
    if (!this.p.intercept) return null;
    const raw = this.block(train, train, null);
    const n = train.length;
    const columnMean = new Float64Array(n);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) columnMean[j] += raw[i * n + j] / n;
    return { columnMean, mean: columnMean.reduce((s, v) => s + v, 0) / n };
  }

  /** Centred targets of `rows` and their mean (in the shifted units). */
  private targets(rows: Int32Array) {
    const { T } = this;
    const mean = new Float64Array(T);
    if (this.p.intercept) for (const r of rows) for (let t = 0; t < T; t++) mean[t] += this.y[r * T + t] / rows.length;
    const centred = new Float64Array(rows.length * T);
    rows.forEach((r, i) => {
      for (let t = 0; t < T; t++) centred[i * T + t] = this.y[r * T + t] - mean[t];
    });
    return { centred, mean };
  }

  private positions(rows: ArrayLike<number>): Int32Array {
    return Int32Array.from(rows, (r) => this.position[r]);
  }

  async solveFolds(lambdas: readonly number[], hooks: FitHooks): Promise<number[][]> {
    const { T, p } = this;
    const L = lambdas.length;
    const cols = L * T;
    this.predictions = new Float64Array(p.n * cols).fill(NaN);
    const rcond: number[][] = [];
    const slots = p.slotRows.length;
    for (let s = 0; s < slots; s++) {
      checker(hooks.signal)();
      hooks.onProgress?.({ stage: 'solving', done: s, total: slots });
      const trainRows = p.slotRows.flatMap((r, other) => (other === s ? [] : [...r])).sort((a, b) => a - b);
      const train = this.positions(trainRows);
      const test = this.positions(p.slotRows[s]);
      const n = train.length;
      const centre = this.centring(train);
      const gram = this.block(train, train, centre);
      const { centred, mean } = this.targets(train);
      const w = new Float64Array(n);
      await eigh(gram, n, w);
      const z = new Float64Array(n * T);
      await gemm(z, gram, centred, n, T, n);
      const scaled = new Float64Array(n * cols);
      for (let i = 0; i < n; i++)
        for (let l = 0; l < L; l++) for (let t = 0; t < T; t++) scaled[i * cols + l * T + t] = z[i * T + t] / (w[i] + lambdas[l]);
      const dual = new Float64Array(n * cols);
      await gemm(dual, gram, scaled, n, cols, n, { transA: true });
      const cross = this.block(test, train, centre);
      const pred = new Float64Array(test.length * cols);
      await gemm(pred, cross, dual, test.length, cols, n);
      p.slotRows[s].forEach((row, i) => {
        for (let j = 0; j < cols; j++) this.predictions[row * cols + j] = pred[i * cols + j] + this.shiftY[j % T] + mean[j % T];
      });
      // Fewer training rows than features: XᵀX has zero eigenvalues besides the kernel's.
      rcond.push(lambdas.map((lambda) => Math.max(0, lambda / (w[n - 1] + lambda))));
    }
    return rcond;
  }

  heldOut(): Promise<Float64Array> {
    return Promise.resolve(this.predictions);
  }

  async refit(lambdaOfTarget: readonly number[]) {
    const { K, T, N } = this;
    const all = Int32Array.from({ length: N }, (_, i) => i);
    const centre = this.centring(all);
    const gram = this.block(all, all, centre);
    const { centred, mean } = this.targets(all);
    const xMean = meanOfRows(this.x, K, all);
    const coefficients = new Float64Array(K * T);
    for (const [lambda, targets] of targetsByLambda(lambdaOfTarget)) {
      const a = gram.slice();
      for (let i = 0; i < N; i++) a[i * N + i] += lambda;
      const dual = centred.slice();
      await posv(a, dual, N, T);
      const beta = new Float64Array(K * T);
      await gemm(beta, this.x, dual, K, T, N, { transA: true });
      if (this.p.intercept) {
        // β = Xcᵀα with Xc the rows minus their mean: subtract x̄·Σα.
        for (let t = 0; t < T; t++) {
          let total = 0;
          for (let i = 0; i < N; i++) total += dual[i * T + t];
          for (let k = 0; k < K; k++) beta[k * T + t] -= xMean[k] * total;
        }
      }
      for (let k = 0; k < K; k++) for (const t of targets) coefficients[k * T + t] = beta[k * T + t];
    }
    const rawMean = xMean.map((v, k) => v + this.shiftX[k]);
    const intercept = this.p.intercept ? interceptsOf(coefficients, T, rawMean, (t) => this.shiftY[t] + mean[t]) : new Float64Array(T);
    return { coefficients, intercept };
  }
}

function solverFor(p: Problem): Solver {
  return p.rows <= p.K ? new KernelSolver(p) : new GramSolver(p);
}

/** Clip bounds per target for a fit on `rows`. */
function boundsFor(clip: RidgeOptions['clip'], yObs: Float64Array[], rows: ArrayLike<number>): ClipBounds[] | null {
  if (!clip) return null;
  if (clip !== 'train-range') {
    if (clip.length !== yObs.length) throw new UserError(`clip: ${clip.length} bounds for ${yObs.length} targets`);
    clip.forEach(([min, max]) => {
      if (Number.isNaN(min) || Number.isNaN(max) || min > max) throw new UserError(`clip: [${min}, ${max}] is not a range`);
    });
    return clip.map(([min, max]) => [min, max] as const);
  }
  return yObs.map((y) => {
    let min = Infinity;
    let max = -Infinity;
    for (let i = 0; i < rows.length; i++) {
      min = Math.min(min, y[rows[i]]);
      max = Math.max(max, y[rows[i]]);
    }
    return [min, max] as const;
  });
}

/** A linear prediction (fit scale) as the model reports it: back from log1p, then clipped. */
function finish(value: number, log1p: boolean, bounds: ClipBounds | null): number {
  const v = log1p ? Math.expm1(value) : value;
  return bounds ? Math.min(bounds[1], Math.max(bounds[0], v)) : v;
}

/** Slot (0… in increasing fold number) per row, −1 outside the folds; refuses folds that cannot cross-validate. */
export function slotsOf(folds: FoldOf, n: number): { slot: Int32Array; foldIds: number[] } {
  if (folds.length !== n) throw new UserError(`folds: ${folds.length} fold numbers for ${n} feature rows`);
  const foldIds = [...new Set(folds)].filter((f) => f >= 0).sort((a, b) => a - b);
  if (foldIds.length < 2) throw new UserError(`cross-validation needs at least 2 folds with rows, got ${foldIds.length}`);
  const slotOf = new Map(foldIds.map((f, s) => [f, s]));
  return { slot: Int32Array.from(folds, (f) => (f >= 0 ? slotOf.get(f)! : -1)), foldIds };
}

/** What `ridgeFolds` needs: targets already on the scale they are fitted on. */
export interface RidgeFoldsInput extends FitHooks {
  X: FeatureSource;
  /** One column per target, a value per feature row (checked). */
  y: Float64Array[];
  folds: FoldOf;
  lambdas: readonly number[];
  intercept: boolean;
}

/**
 * Every fold's held-out predictions for every λ, from one factorisation per fold, and the refit on
 * all the rows of the folds: what fitRidgeCv scores by R², and a ridge classifier by accuracy.
 */
export interface RidgeFolds {
  /** The fold numbers with rows, increasing. */
  foldIds: number[];
  /** Per fold: its held-out rows, increasing. */
  testRows: Int32Array[];
  /** Rows in any fold, increasing. */
  inFold: Int32Array;
  /** n × L·T row-major ([row][λ][target]) in the fit scale; NaN for rows in no fold. */
  heldOut: Float64Array;
  /** Per fold, per λ: reciprocal condition number of XᵀX + λI of its training rows. */
  rcond: number[][];
  /** Per λ: ill-conditioned on at least one fold. */
  illConditioned: boolean[];
  /** β (K×T) and b (T) on every row of the folds, with λ per target. */
  refit(lambdaOfTarget: readonly number[]): Promise<{ coefficients: Float64Array; intercept: Float64Array }>;
}

export async function ridgeFolds(input: RidgeFoldsInput): Promise<RidgeFolds> {
  const { X, y, lambdas, intercept } = input;
  checkGrid(lambdas);
  const { slot, foldIds } = slotsOf(input.folds, X.rows);
  const p = problemOf(X, y, slot, foldIds.length, intercept);
  const solver = solverFor(p);
  await solver.accumulate(X, input);
  const rcond = await solver.solveFolds(lambdas, input);
  const heldOut = await solver.heldOut(X, input);
  const inFold = Int32Array.from(p.slotRows.flatMap((r) => [...r])).sort();
  const illConditioned = lambdas.map((_, l) => rcond.some((r) => r[l] < ILL_CONDITIONED_RCOND));
  return { foldIds, testRows: p.slotRows, inFold, heldOut, rcond, illConditioned, refit: (lambdaOfTarget) => solver.refit(lambdaOfTarget) };
}

/** Cross-validates ridge over `lambdas` on the given folds, chooses λ per target and refits on every row of the folds. */
export async function fitRidgeCv(input: RidgeCvInput): Promise<RidgeCvResult> {
  const { X, intercept = true, log1p = false } = input;
  const lambdas = [...(input.lambdas ?? DEFAULT_LAMBDAS)];
  checkGrid(lambdas);
  const yObs = targetColumns(input.y, X.rows, log1p);
  const yFit = log1p ? yObs.map((y) => y.map(Math.log1p)) : yObs;
  const T = yObs.length;
  const L = lambdas.length;
  const cvFolds = await ridgeFolds({ ...input, y: yFit, lambdas, intercept });
  const { foldIds, testRows, inFold, heldOut: raw, rcond, illConditioned } = cvFolds;
  const n = X.rows;

  // Every row's held-out prediction per (λ, target), in the target's units, clipped by its fold's bounds.
  const predicted = Array.from({ length: L * T }, () => new Float64Array(n).fill(NaN));
  const foldScores: FoldScores[] = testRows.map((test, s) => {
    const train = testRows.flatMap((r, other) => (other === s ? [] : [...r]));
    const bounds = boundsFor(input.clip, yObs, train);
    const scores: RegressionScores[][] = lambdas.map((_, l) =>
      yObs.map((y, t) => {
        const column = predicted[l * T + t];
        for (const row of test) column[row] = finish(raw[row * L * T + l * T + t], log1p, bounds?.[t] ?? null);
        return regressionScores(y, column, test);
      }),
    );
    return {
      fold: foldIds[s],
      trainRows: train.length,
      testRows: test.length,
      r2: scores.map((row) => row.map((sc) => sc.r2)),
      rmse: scores.map((row) => row.map((sc) => sc.rmse)),
      mae: scores.map((row) => row.map((sc) => sc.mae)),
      rcond: rcond[s],
    };
  });
  const meanR2 = lambdas.map((_, l) => yObs.map((_, t) => foldScores.reduce((sum, f) => sum + f.r2[l][t], 0) / foldScores.length));
  const pooledR2 = lambdas.map((_, l) => yObs.map((y, t) => regressionScores(y, predicted[l * T + t], inFold).r2));

  const acceptable = wellConditioned(illConditioned);
  const best = yObs.map((_, t) => acceptable.reduce((b, l) => (meanR2[l][t] > meanR2[b][t] ? l : b), acceptable[0]));
  const edgeWarning = best.map((l) => l === acceptable[0] || l === acceptable.at(-1));
  const outOfFold = new Float64Array(n * T);
  for (let i = 0; i < n; i++) for (let t = 0; t < T; t++) outOfFold[i * T + t] = predicted[best[t] * T + t][i];

  input.onProgress?.({ stage: 'refitting', done: 0, total: 1 });
  const chosen = best.map((l) => lambdas[l]);
  const fitted = await cvFolds.refit(chosen);
  const model: RidgeModel = { columns: X.columns, targets: T, ...fitted, lambda: chosen, log1p, clip: boundsFor(input.clip, yObs, inFold) };
  return { lambdas, foldScores, meanR2, pooledR2, illConditioned, best, edgeWarning, outOfFold, model };
}

/** The indices of the λ that may be chosen; refuses a grid where none may. */
export function wellConditioned(illConditioned: readonly boolean[]): number[] {
  const acceptable = illConditioned.map((_, l) => l).filter((l) => !illConditioned[l]);
  if (acceptable.length === 0)
    throw new UserError(`every λ of the grid is ill-conditioned on some fold (XᵀX + λI is numerically singular); try larger λ`);
  return acceptable;
}

/** Fits ridge with one λ for every target on `rows` (default: all rows), as scikit-learn's `Ridge(alpha=λ)`. */
export async function fitRidge(input: RidgeFitInput): Promise<RidgeModel> {
  const { X, intercept = true, log1p = false, lambda } = input;
  checkLambda(lambda);
  const yObs = targetColumns(input.y, X.rows, log1p);
  const yFit = log1p ? yObs.map((y) => y.map(Math.log1p)) : yObs;
  const slot = new Int32Array(X.rows).fill(input.rows ? -1 : 0);
  if (input.rows) for (const r of input.rows) slot[r] = 0;
  const p = problemOf(X, yFit, slot, 1, intercept);
  if (p.rows === 0) throw new UserError('ridge: no rows to fit');
  const solver = solverFor(p);
  await solver.accumulate(X, input);
  input.onProgress?.({ stage: 'refitting', done: 0, total: 1 });
  const fitted = await solver.refit(yObs.map(() => lambda));
  return { columns: p.K, targets: p.T, ...fitted, lambda: yObs.map(() => lambda), log1p, clip: boundsFor(input.clip, yObs, p.slotRows[0]) };
}

/** The model's predictions for every row of `X`, n×T row-major; a row with a missing feature gets NaN. */
export async function predictRidge(model: RidgeModel, X: FeatureSource, hooks: FitHooks = {}): Promise<Float64Array> {
  const { columns: K, targets: T } = model;
  if (X.columns !== K) throw new UserError(`features: ${X.columns} per row, the model was fitted on ${K}`);
  const out = new Float64Array(X.rows * T);
  for await (const { first, chunk } of rowChunks(X, checker(hooks.signal))) {
    const rows = chunk.length / K;
    const x = chunk instanceof Float64Array ? chunk : Float64Array.from(chunk);
    const pred = out.subarray(first * T, (first + rows) * T);
    await gemm(pred, x, model.coefficients, rows, T, K);
    for (let i = 0; i < rows; i++)
      for (let t = 0; t < T; t++) pred[i * T + t] = finish(pred[i * T + t] + model.intercept[t], model.log1p, model.clip?.[t] ?? null);
    hooks.onProgress?.({ stage: 'predicting', done: first + rows, total: X.rows });
  }
  return out;
}
