/**
 * Cross-validation scores of a classifier over a grid of one setting (ridge's λ, logistic's C),
 * chosen as `GridSearchCV(scoring='accuracy')` chooses: the highest mean fold accuracy, the first
 * of ties. Per fold and pooled over every held-out row, every score at the chosen value.
 */
import { type ClassificationScores, accuracy, classificationScores } from './classification-metrics.js';

export interface ClassifierFoldScores {
  /** The fold number, as in `folds`. */
  fold: number;
  trainRows: number;
  testRows: number;
  /** Accuracy on the fold's held-out rows, per grid value. */
  accuracy: number[];
  /** Every score on the fold's held-out rows at the chosen value. */
  scores: ClassificationScores;
}

export interface ClassifierCvScores {
  /** Per fold, in increasing fold number. */
  foldScores: ClassifierFoldScores[];
  /** Mean over folds of the fold accuracy, per grid value: what the value is chosen by. */
  meanAccuracy: number[];
  /** Accuracy of all out-of-fold predictions pooled, per grid value. */
  pooledAccuracy: number[];
  /** Index of the chosen value in the grid. */
  best: number;
  /** The chosen value is the smallest or largest that could be chosen (widen the grid). */
  edgeWarning: boolean;
  /** Every score of all out-of-fold predictions pooled, at the chosen value. */
  pooled: ClassificationScores;
  /** Each row's held-out class index at the chosen value; −1 for rows in no fold. */
  outOfFold: Int32Array;
  /** Each row's held-out scores at the chosen value, n × scoreColumns (see ClassifierPredictions); NaN outside the folds. */
  outOfFoldScores: Float64Array;
  scoreColumns: number;
}

/** A classifier's output for rows: the class index per row (−1 where a feature is missing) and its scores. */
export interface ClassifierPredictions {
  predicted: Int32Array;
  /**
   * n × columns: for a ridge classifier its decision values, for logistic regression the class
   * probabilities. One column (a ridge classifier on two classes) is the score of class 1.
   */
  scores: Float64Array;
  columns: number;
}

export interface HeldOutByValue {
  truth: Int32Array;
  classes: number;
  foldIds: number[];
  testRows: Int32Array[];
  inFold: Int32Array;
  /** Per grid value, every row's held-out predictions (rows outside the folds are not read). */
  heldOut: ClassifierPredictions[];
  /** Indices of the grid values that may be chosen, increasing. */
  eligible: number[];
}

export function scoreClassifierCv(input: HeldOutByValue): ClassifierCvScores {
  const { truth, classes, testRows, inFold, heldOut, eligible } = input;
  const foldAccuracy = testRows.map((test) => heldOut.map((h) => accuracy(truth, h.predicted, test)));
  const meanAccuracy = heldOut.map((_, v) => foldAccuracy.reduce((sum, f) => sum + f[v], 0) / testRows.length);
  const pooledAccuracy = heldOut.map((h) => accuracy(truth, h.predicted, inFold));
  const best = eligible.reduce((b, v) => (meanAccuracy[v] > meanAccuracy[b] ? v : b), eligible[0]);
  const chosen = heldOut[best];
  const { columns } = chosen;
  const foldScores = testRows.map((test, s) => ({
    fold: input.foldIds[s],
    trainRows: inFold.length - test.length,
    testRows: test.length,
    accuracy: foldAccuracy[s],
    scores: classificationScores(truth, chosen.predicted, chosen.scores, columns, classes, test),
  }));
  const outOfFold = new Int32Array(truth.length).fill(-1);
  const outOfFoldScores = new Float64Array(truth.length * columns).fill(NaN);
  for (const row of inFold) {
    outOfFold[row] = chosen.predicted[row];
    for (let c = 0; c < columns; c++) outOfFoldScores[row * columns + c] = chosen.scores[row * columns + c];
  }
  return {
    foldScores,
    meanAccuracy,
    pooledAccuracy,
    best,
    edgeWarning: best === eligible[0] || best === eligible.at(-1),
    pooled: classificationScores(truth, chosen.predicted, chosen.scores, columns, classes, inFold),
    outOfFold,
    outOfFoldScores,
    scoreColumns: columns,
  };
}

/** The class of each row from its scores (n × columns): one column, class 1 when > 0; else the first largest. −1 for NaN. */
export function classOfScores(scores: Float64Array, columns: number, rows = scores.length / columns): Int32Array {
  const out = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    if (columns === 1) {
      const s = scores[i];
      out[i] = Number.isNaN(s) ? -1 : s > 0 ? 1 : 0;
      continue;
    }
    let best = 0;
    for (let c = 0; c < columns; c++) {
      const s = scores[i * columns + c];
      if (Number.isNaN(s)) {
        best = -1;
        break;
      }
      if (s > scores[i * columns + best]) best = c;
    }
    out[i] = best;
  }
  return out;
}

/** The rows with a fold (≥ 0), increasing. */
export function rowsInFolds(folds: ArrayLike<number>): Int32Array {
  const rows: number[] = [];
  for (let i = 0; i < folds.length; i++) if (folds[i] >= 0) rows.push(i);
  return Int32Array.from(rows);
}
