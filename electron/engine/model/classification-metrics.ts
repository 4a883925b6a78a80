/**
 * Classification scores as scikit-learn 1.2 computes them: `accuracy_score`, `f1_score(average='macro')`,
 * `roc_auc_score` and `confusion_matrix(labels=classes)`. Truths and predictions are class indices
 * (ClassLabels order); every function scores the entries at `rows` (default all).
 */

export interface ClassificationScores {
  accuracy: number;
  /** Mean F1 over the classes that are true or predicted in these rows (scikit-learn's labels); 0/0 counts 0. */
  macroF1: number;
  /** ROC AUC (see `rocAuc`); NaN where scikit-learn refuses to compute it. */
  rocAuc: number;
  /** confusion[true][predicted], every class in order, whether present or not. */
  confusion: number[][];
}

function indices(n: number, rows?: ArrayLike<number>): ArrayLike<number> {
  return rows ?? Int32Array.from({ length: n }, (_, i) => i);
}

/** The share of rows whose prediction is their true class. */
export function accuracy(truth: ArrayLike<number>, predicted: ArrayLike<number>, rows?: ArrayLike<number>): number {
  const r = indices(truth.length, rows);
  let correct = 0;
  for (let j = 0; j < r.length; j++) if (truth[r[j]] === predicted[r[j]]) correct++;
  return correct / r.length;
}

/** Rows true class t, columns predicted class p, for `classes` classes. A prediction of −1 (none) is not counted. */
export function confusionMatrix(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number, rows?: ArrayLike<number>) {
  const r = indices(truth.length, rows);
  const matrix = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let j = 0; j < r.length; j++) {
    const p = predicted[r[j]];
    if (p >= 0) matrix[truth[r[j]]][p]++;
  }
  return matrix;
}

/**
 * Macro F1 over the classes that occur in these rows as truth or prediction (scikit-learn's
 * `unique_labels`): precision or recall with a zero denominator is 0 (the 1.2 default,
 * `zero_division='warn'`, warns and uses 0), and F1 = 2·p·r/(p + r), 0 when p + r is 0.
 */
export function macroF1(truth: ArrayLike<number>, predicted: ArrayLike<number>, classes: number, rows?: ArrayLike<number>): number {
  const confusion = confusionMatrix(truth, predicted, classes, rows);
  let sum = 0;
  let labels = 0;
  for (let c = 0; c < classes; c++) {
    const tp = confusion[c][c];
    let trueSum = 0;
    let predSum = 0;
    for (let o = 0; o < classes; o++) {
      trueSum += confusion[c][o];
      predSum += confusion[o][c];
    }
    if (trueSum === 0 && predSum === 0) continue;
    labels++;
    const precision = predSum > 0 ? tp / predSum : 0;
    const recall = trueSum > 0 ? tp / trueSum : 0;
    const denom = precision + recall;
    sum += denom === 0 ? 0 : (2 * precision * recall) / denom;
  }
  return sum / labels;
}

/**
 * Area under the ROC curve of `score` for the rows where `positive` holds: the trapezoid over
 * the distinct thresholds (tied scores are one step), as `roc_curve` + `auc`. NaN when the
 * rows hold only one of the two sides (scikit-learn raises) or a score is NaN.
 */
export function binaryRocAuc(positive: (row: number) => boolean, score: (row: number) => number, rows: ArrayLike<number>): number {
  if (Array.prototype.some.call(rows, (row: number) => Number.isNaN(score(row)))) return NaN;
  const order = Array.from(rows).sort((a, b) => score(b) - score(a));
  let tp = 0;
  let fp = 0;
  let area = 0;
  for (let j = 0; j < order.length;) {
    const [tp0, fp0] = [tp, fp];
    const s = score(order[j]);
    for (; j < order.length && score(order[j]) === s; j++) {
      if (positive(order[j])) tp++;
      else fp++;
    }
    area += ((fp - fp0) * (tp + tp0)) / 2;
  }
  return tp === 0 || fp === 0 ? NaN : area / (tp * fp);
}

/**
 * ROC AUC of scores laid out n × `columns`. One column: the score of class 1 (two classes),
 * as `roc_auc_score(y, decision)`. Two classes with two columns: column 1, as
 * `roc_auc_score(y, proba[:, 1])`. More classes: the one-vs-rest macro average of each
 * class's column, as `roc_auc_score(y, proba, multi_class='ovr', average='macro')`; NaN when
 * a class has no rows here (scikit-learn raises). scikit-learn accepts only probabilities in
 * the multiclass case; the same average is taken of any scores (a ridge classifier's decisions).
 */
export function rocAuc(truth: ArrayLike<number>, scores: ArrayLike<number>, columns: number, classes: number, rows?: ArrayLike<number>) {
  const r = indices(truth.length, rows);
  if (classes === 2) {
    const column = columns === 1 ? 0 : 1;
    return binaryRocAuc(
      (row) => truth[row] === 1,
      (row) => scores[row * columns + column],
      r,
    );
  }
  let sum = 0;
  for (let c = 0; c < classes; c++) {
    const auc = binaryRocAuc(
      (row) => truth[row] === c,
      (row) => scores[row * columns + c],
      r,
    );
    if (Number.isNaN(auc)) return NaN;
    sum += auc;
  }
  return sum / classes;
}

/** Every score at once, for `classes` classes and scores n × `columns` (see `rocAuc`). */
export function classificationScores(
  truth: ArrayLike<number>,
  predicted: ArrayLike<number>,
  scores: ArrayLike<number>,
  columns: number,
  classes: number,
  rows?: ArrayLike<number>,
): ClassificationScores {
  return {
    accuracy: accuracy(truth, predicted, rows),
    macroF1: macroF1(truth, predicted, classes, rows),
    rocAuc: rocAuc(truth, scores, columns, classes, rows),
    confusion: confusionMatrix(truth, predicted, classes, rows),
  };
}
