/**
 * The MOSAIKS paper's protocol (Rolf et al. 2021, its `solve` code): a held-out test set of
 * 20 % from `RandomState(0).choice(n, n, replace=False)`, `KFold(5, shuffle=True,
 * random_state=0)` on the other 80 %, λ = argmax of the mean fold R², the pooled
 * out-of-fold R² reported as the cross-validation R², the refit on the 80 % scored on the 20 %.
 */
import { type FoldOf, kFold, paperSplit } from '../../../shared/model/index.js';
import type { FeatureSource } from './features.js';
import { type RegressionScores, regressionScores } from './metrics.js';
import { type FitHooks, type RidgeCvResult, type RidgeOptions, type Targets, fitRidgeCv, predictRidge } from './ridge.js';

export interface PaperProtocolInput extends RidgeOptions, FitHooks {
  X: FeatureSource;
  y: Targets;
  lambdas?: readonly number[];
  /** Default 0.2. */
  testFraction?: number;
  /** Default 5. */
  folds?: number;
  /** Seeds both the split and the folds, as the paper's code does; default 0. */
  seed?: number;
}

export interface PaperProtocolResult {
  /** Cross-validation on the training rows (the test rows are fold −1), and the model refit on them. */
  cv: RidgeCvResult;
  /** The split's rows, in the order the paper's code takes them. */
  train: Int32Array;
  test: Int32Array;
  /** Fold per row: −1 for the test rows. */
  folds: FoldOf;
  /** The refit model's scores on the test rows, per target. */
  testScores: RegressionScores[];
  /** The refit model's predictions for every row, n×T row-major. */
  predictions: Float64Array;
}

export async function paperProtocol(input: PaperProtocolInput): Promise<PaperProtocolResult> {
  const { X, seed = 0 } = input;
  const { train, test } = paperSplit(X.rows, input.testFraction ?? 0.2, seed);
  // KFold splits the training rows in the order the split lists them.
  const trainFolds = kFold(train.length, input.folds ?? 5, { shuffle: true, seed });
  const folds: FoldOf = new Int32Array(X.rows).fill(-1);
  train.forEach((row, j) => (folds[row] = trainFolds[j]));
  const cv = await fitRidgeCv({ ...input, folds });
  const predictions = await predictRidge(cv.model, X, input);
  const T = cv.model.targets;
  const columns = input.y instanceof Float64Array ? [input.y] : input.y;
  const testScores = columns.map((y, t) => {
    const column = Float64Array.from({ length: X.rows }, (_, i) => predictions[i * T + t]);
    return regressionScores(y, column, test);
  });
  return { cv, train, test, folds, testScores, predictions };
}
