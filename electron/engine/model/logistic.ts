/**
 * L2 logistic regression as scikit-learn 1.2's `LogisticRegression(C, solver='lbfgs')` with its
 * default `multi_class='auto'`: for two classes one binomial model (the log-odds of classes[1]),
 * for more the multinomial (softmax) model with a coefficient column per class. It minimises
 *   Σᵢ loss(xᵢᵀW + b, yᵢ) + ‖W‖² / (2C)
 * (the intercept b is not penalised) from zero by L-BFGS (lbfgs.ts, scipy's rules) with gtol = tol
 * (default 1e-4) and max_iter (default 100), as scikit-learn calls scipy.
 *
 * L-BFGS reads the rows every iteration, so the rows taking part are held in float64, at most
 * LIMITS.logisticFeatureBytes; XW and Xᵀ(P − Y) are BLAS products (linalg.ts).
 */
import { throwIfCancelled, UserError } from '../../../shared/errors/index.js';
import type { FoldOf } from '../../../shared/model/index.js';
import { LIMITS, LimitError, formatBytes } from '../limits.js';
import { type ClassLabel, ClassLabels } from './class-labels.js';
import { type ClassifierCvScores, type ClassifierPredictions, classOfScores, rowsInFolds, scoreClassifierCv } from './classifier-cv.js';
import { type FeatureSource, notFinite, rowChunks } from './features.js';
import { minimizeLbfgs } from './lbfgs.js';
import { gemm } from './linalg.js';
import { type FitHooks, slotsOf } from './ridge.js';

export interface LogisticOptions {
  /** Fit an unpenalised intercept; default true. */
  intercept?: boolean;
  /** L-BFGS iterations at most; default 100. */
  maxIter?: number;
  /** Stop when the gradient's largest entry is at most this; default 1e-4. */
  tol?: number;
}

export interface LogisticModel {
  /** The classes, in scikit-learn's order. */
  classes: string[] | number[];
  columns: number;
  /** Coefficient columns: 1 for two classes (log-odds of classes[1]), else one per class. */
  outputs: number;
  /** W, columns × outputs row-major (scikit-learn's coef_ transposed). */
  coefficients: Float64Array;
  /** b per output; 0 without an intercept. */
  intercept: Float64Array;
  C: number;
  iterations: number;
  /** False when max_iter was reached first (where scikit-learn warns ConvergenceWarning). */
  converged: boolean;
}

export interface LogisticFitInput extends LogisticOptions, FitHooks {
  X: FeatureSource;
  labels: ArrayLike<ClassLabel>;
  /** Inverse of the L2 strength; default 1. */
  C?: number;
  /** The rows to fit on; default all (the labels of other rows are not read). */
  rows?: Int32Array;
}

export interface LogisticCvInput extends LogisticOptions, FitHooks {
  X: FeatureSource;
  labels: ArrayLike<ClassLabel>;
  /** A fold number per row; rows with −1 take no part. */
  folds: FoldOf;
  /** The C to choose from by mean fold accuracy; default [1]. */
  Cs?: readonly number[];
}

export interface LogisticCvResult extends ClassifierCvScores {
  classes: string[] | number[];
  Cs: number[];
  /** Refit on every row of the folds with the chosen C. */
  model: LogisticModel;
}

function checkC(C: number): void {
  if (!(C > 0 && Number.isFinite(C))) throw new UserError(`C must be a positive number, got ${C}`);
}

/** log(1 + eˣ) without overflow, as scikit-learn's `log1pexp`. */
function log1pexp(x: number): number {
  if (x <= -37) return Math.exp(x);
  if (x <= -2) return Math.log1p(Math.exp(x));
  if (x <= 18) return Math.log(1 + Math.exp(x));
  if (x <= 33.3) return x + Math.exp(-x);
  return x;
}

function expit(x: number): number {
  return x >= 0 ? 1 / (1 + Math.exp(-x)) : Math.exp(x) / (1 + Math.exp(x));
}

/** The rows taking part, held in float64 and grouped by slot (fold), each slot's rows contiguous. */
interface HeldRows {
  K: number;
  x: Float64Array;
  /** Class index of each held row. */
  truth: Int32Array;
  /** [start, count] of each slot's rows in `x`. */
  slots: [number, number][];
  /** The feature row of each held row. */
  rowOf: Int32Array;
}

async function holdRows(X: FeatureSource, slotOf: Int32Array, slots: number, truth: Int32Array, hooks: FitHooks): Promise<HeldRows> {
  const K = X.columns;
  const counts = new Array<number>(slots).fill(0);
  for (const s of slotOf) if (s >= 0) counts[s]++;
  const N = counts.reduce((a, b) => a + b, 0);
  if (N * K * 8 > LIMITS.logisticFeatureBytes)
    throw new LimitError(
      'features',
      `a logistic fit asks to hold ${N} rows × ${K} features in float64 (${formatBytes(N * K * 8)})`,
      formatBytes(LIMITS.logisticFeatureBytes),
    );
  const slotList: [number, number][] = [];
  let start = 0;
  for (const count of counts) {
    slotList.push([start, count]);
    start += count;
  }
  const next = slotList.map(([s]) => s);
  const position = Int32Array.from(slotOf, (s) => (s >= 0 ? next[s]++ : -1));
  const x = new Float64Array(N * K);
  const heldTruth = new Int32Array(N);
  const rowOf = new Int32Array(N);
  for await (const { first, chunk } of rowChunks(X, () => throwIfCancelled(hooks.signal))) {
    const count = chunk.length / K;
    for (let r = 0; r < count; r++) {
      const at = position[first + r];
      if (at < 0) continue;
      for (let k = 0; k < K; k++) {
        const v = chunk[r * K + k];
        if (!Number.isFinite(v)) throw notFinite(first + r, v);
        x[at * K + k] = v;
      }
      heldTruth[at] = truth[first + r];
      rowOf[at] = first + r;
    }
    hooks.onProgress?.({ stage: 'reading', done: first + count, total: X.rows });
  }
  return { K, x, truth: heldTruth, slots: slotList, rowOf };
}

/** The objective and its gradient on the held rows of `blocks`, parameters [W (K×O row-major), b (O)]. */
function objectiveOf(held: HeldRows, blocks: [number, number][], O: number, C: number, intercept: boolean) {
  const { K, x, truth } = held;
  const size = Math.max(1, ...blocks.map(([, count]) => count));
  const z = new Float64Array(size * O);
  const l2 = 1 / C;
  return async (w: Float64Array, g: Float64Array): Promise<number> => {
    const W = w.subarray(0, K * O);
    const GW = g.subarray(0, K * O);
    g.fill(0);
    let loss = 0;
    for (const [start, count] of blocks) {
      if (count === 0) continue;
      const xb = x.subarray(start * K, (start + count) * K);
      const zb = z.subarray(0, count * O);
      await gemm(zb, xb, W, count, O, K);
      for (let i = 0; i < count; i++) {
        const y = truth[start + i];
        const row = i * O;
        if (intercept) for (let o = 0; o < O; o++) zb[row + o] += w[K * O + o];
        if (O === 1) {
          const v = zb[row];
          const target = y === 1 ? 1 : 0;
          loss += log1pexp(v) - target * v;
          zb[row] = expit(v) - target;
        } else {
          let max = -Infinity;
          for (let o = 0; o < O; o++) max = Math.max(max, zb[row + o]);
          let sum = 0;
          for (let o = 0; o < O; o++) sum += Math.exp(zb[row + o] - max);
          loss += Math.log(sum) + max - zb[row + y];
          for (let o = 0; o < O; o++) zb[row + o] = Math.exp(zb[row + o] - max) / sum - (o === y ? 1 : 0);
        }
        if (intercept) for (let o = 0; o < O; o++) g[K * O + o] += zb[row + o];
      }
      await gemm(GW, xb, zb, K, O, count, { transA: true, beta: 1 });
    }
    let penalty = 0;
    for (let j = 0; j < K * O; j++) {
      penalty += W[j] * W[j];
      GW[j] += l2 * W[j];
    }
    return loss + 0.5 * l2 * penalty;
  };
}

async function solve(
  held: HeldRows,
  blocks: [number, number][],
  classes: ClassLabels,
  C: number,
  options: LogisticOptions,
  hooks: FitHooks,
  onIteration?: (iteration: number) => void,
): Promise<LogisticModel> {
  const { intercept = true, maxIter = 100, tol = 1e-4 } = options;
  const K = held.K;
  const O = classes.count === 2 ? 1 : classes.count;
  const result = await minimizeLbfgs(objectiveOf(held, blocks, O, C, intercept), new Float64Array(K * O + (intercept ? O : 0)), {
    maxIter,
    gtol: tol,
    signal: hooks.signal,
    onIteration,
  });
  return {
    classes: classes.classes,
    columns: K,
    outputs: O,
    coefficients: result.x.slice(0, K * O),
    intercept: intercept ? result.x.slice(K * O) : new Float64Array(O),
    C,
    iterations: result.iterations,
    converged: result.converged,
  };
}

function checkOptions({ maxIter = 100, tol = 1e-4 }: LogisticOptions): void {
  if (!(Number.isInteger(maxIter) && maxIter >= 1)) throw new UserError(`iterations: must be a whole number of at least 1, got ${maxIter}`);
  if (!(tol > 0)) throw new UserError(`tolerance: must be positive, got ${tol}`);
}

function checkLabels(labels: ArrayLike<ClassLabel>, n: number): void {
  if (labels.length !== n) throw new UserError(`labels: ${labels.length} for ${n} feature rows`);
}

/** Fits `LogisticRegression(C, solver='lbfgs', fit_intercept)` on `rows` (default all). */
export async function fitLogistic(input: LogisticFitInput): Promise<LogisticModel> {
  const { X, labels, C = 1, maxIter = 100 } = input;
  checkC(C);
  checkOptions(input);
  checkLabels(labels, X.rows);
  const classes = ClassLabels.fromLabels(labels, input.rows);
  classes.requireTwo();
  const truth = classes.encode(labels, input.rows);
  const slot = new Int32Array(X.rows).fill(input.rows ? -1 : 0);
  if (input.rows) for (const r of input.rows) slot[r] = 0;
  const held = await holdRows(X, slot, 1, truth, input);
  return solve(held, held.slots, classes, C, input, input, (iteration) =>
    input.onProgress?.({ stage: 'solving', done: iteration, total: maxIter }),
  );
}

/** Decision values xᵀW + b, rows × outputs. */
async function decisions(model: LogisticModel, X: FeatureSource, hooks: FitHooks): Promise<Float64Array> {
  const { columns: K, outputs: O } = model;
  if (X.columns !== K) throw new UserError(`features: ${X.columns} per row, the model was fitted on ${K}`);
  const out = new Float64Array(X.rows * O);
  for await (const { first, chunk } of rowChunks(X, () => throwIfCancelled(hooks.signal))) {
    const rows = chunk.length / K;
    const x = chunk instanceof Float64Array ? chunk : Float64Array.from(chunk);
    const z = out.subarray(first * O, (first + rows) * O);
    await gemm(z, x, model.coefficients, rows, O, K);
    for (let i = 0; i < rows; i++) for (let o = 0; o < O; o++) z[i * O + o] += model.intercept[o];
    hooks.onProgress?.({ stage: 'predicting', done: first + rows, total: X.rows });
  }
  return out;
}

/** Probabilities as `predict_proba` (rows × classes) and the class as `predict`; a row with a missing feature gets NaN and −1. */
export async function predictLogistic(model: LogisticModel, X: FeatureSource, hooks: FitHooks = {}): Promise<ClassifierPredictions> {
  const z = await decisions(model, X, hooks);
  const O = model.outputs;
  const classes = model.classes.length;
  const predicted = classOfScores(z, O);
  const scores = new Float64Array(X.rows * classes);
  for (let i = 0; i < X.rows; i++) {
    if (O === 1) {
      const p = expit(z[i]);
      scores[i * 2] = 1 - p;
      scores[i * 2 + 1] = p;
      continue;
    }
    let max = -Infinity;
    for (let o = 0; o < O; o++) max = Math.max(max, z[i * O + o]);
    let sum = 0;
    for (let o = 0; o < O; o++) sum += Math.exp(z[i * O + o] - max);
    for (let o = 0; o < O; o++) scores[i * O + o] = Math.exp(z[i * O + o] - max) / sum;
  }
  return { predicted, scores, columns: classes };
}

/**
 * Cross-validates `LogisticRegression` over `Cs` on the given folds (each fold fitted from zero,
 * as `GridSearchCV`/`cross_val_score` do), chooses C by mean fold accuracy (first of ties) and
 * refits on every row of the folds. Scores are from the held-out probabilities.
 */
export async function fitLogisticCv(input: LogisticCvInput): Promise<LogisticCvResult> {
  const { X, labels, folds } = input;
  const Cs = [...(input.Cs ?? [1])];
  if (Cs.length === 0) throw new UserError('C: the grid is empty');
  Cs.forEach(checkC);
  checkLabels(labels, X.rows);
  checkOptions(input);
  const { slot, foldIds } = slotsOf(folds, X.rows);
  const used = rowsInFolds(folds);
  const classes = ClassLabels.fromLabels(labels, used);
  classes.requireTwo();
  const truth = classes.encode(labels, used);
  const held = await holdRows(X, slot, foldIds.length, truth, input);
  const S = foldIds.length;
  const total = S * Cs.length + 1;
  let fitted = 0;
  const heldOut = Cs.map(() => ({
    predicted: new Int32Array(X.rows).fill(-1),
    scores: new Float64Array(X.rows * classes.count).fill(NaN),
    columns: classes.count,
  }));
  for (let s = 0; s < S; s++) {
    const [start, count] = held.slots[s];
    const test = held.x.subarray(start * held.K, (start + count) * held.K);
    for (let v = 0; v < Cs.length; v++) {
      input.onProgress?.({ stage: 'solving', done: fitted++, total });
      const model = await solve(
        held,
        held.slots.filter((_, other) => other !== s),
        classes,
        Cs[v],
        input,
        input,
      );
      const out = await predictLogistic(model, { rows: count, columns: held.K, chunks: () => [test] }, { signal: input.signal });
      for (let i = 0; i < count; i++) {
        const row = held.rowOf[start + i];
        heldOut[v].predicted[row] = out.predicted[i];
        heldOut[v].scores.set(out.scores.subarray(i * classes.count, (i + 1) * classes.count), row * classes.count);
      }
    }
  }
  const testRows = held.slots.map(([start, count]) => Int32Array.from(held.rowOf.subarray(start, start + count)).sort());
  const scores = scoreClassifierCv({
    truth,
    classes: classes.count,
    foldIds,
    testRows,
    inFold: used,
    heldOut,
    eligible: Cs.map((_, v) => v),
  });
  input.onProgress?.({ stage: 'refitting', done: fitted, total });
  const model = await solve(held, held.slots, classes, Cs[scores.best], input, input);
  return { ...scores, classes: classes.classes, Cs, model };
}
