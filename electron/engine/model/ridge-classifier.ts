/**
 * scikit-learn's `RidgeClassifier`: ridge regression (ridge.ts, unchanged) on ±1 targets, one
 * per class one-vs-rest, or a single one for two classes (+1 for classes[1], as `LabelBinarizer`
 * gives it). The predicted class is the argmax of the decision values (first of ties); with two
 * classes, classes[1] when the decision is > 0, else classes[0].
 *
 * Cross-validation reuses ridge's one factorisation per fold for every λ and chooses λ by the
 * mean fold accuracy (as `GridSearchCV(RidgeClassifier(), {'alpha': λs}, scoring='accuracy')`),
 * among the λ that are not ill-conditioned on any fold (ridge's rule). Every class is a target
 * in every fold: a class missing from a fold's training rows is all −1 there, where
 * scikit-learn would fit that fold without it.
 */
import { UserError } from '../../../shared/errors/index.js';
import type { FoldOf } from '../../../shared/model/index.js';
import { type ClassLabel, ClassLabels } from './class-labels.js';
import { type ClassifierCvScores, type ClassifierPredictions, classOfScores, rowsInFolds, scoreClassifierCv } from './classifier-cv.js';
import type { FeatureSource } from './features.js';
import { DEFAULT_LAMBDAS, type FitHooks, type RidgeModel, fitRidge, predictRidge, ridgeFolds, slotsOf, wellConditioned } from './ridge.js';

export interface RidgeClassifierModel {
  /** The classes, in scikit-learn's order (ClassLabels). */
  classes: string[] | number[];
  /** The ridge fit on the ±1 targets: one target for two classes, else one per class in order. */
  ridge: RidgeModel;
}

export interface RidgeClassifierFitInput extends FitHooks {
  X: FeatureSource;
  /** A label per feature row (numbers or class names). */
  labels: ArrayLike<ClassLabel>;
  lambda: number;
  /** Default true. */
  intercept?: boolean;
  /** The rows to fit on; default all (the labels of other rows are not read). */
  rows?: Int32Array;
}

export interface RidgeClassifierCvInput extends FitHooks {
  X: FeatureSource;
  labels: ArrayLike<ClassLabel>;
  /** A fold number per row; rows with −1 take no part (their labels are not read). */
  folds: FoldOf;
  /** Default DEFAULT_LAMBDAS. */
  lambdas?: readonly number[];
  intercept?: boolean;
}

export interface RidgeClassifierCvResult extends ClassifierCvScores {
  classes: string[] | number[];
  lambdas: number[];
  /** Per λ: ill-conditioned on at least one fold, so never chosen. */
  illConditioned: boolean[];
  /** Refit on every row of the folds with the chosen λ. */
  model: RidgeClassifierModel;
}

function checkRows(labels: ArrayLike<ClassLabel>, n: number): void {
  if (labels.length !== n) throw new UserError(`labels: ${labels.length} for ${n} feature rows`);
}

/** The ±1 target columns of class indices `truth` (rows at −1 get 0, unread). */
function signTargets(truth: Int32Array, classes: number): Float64Array[] {
  const targets = classes === 2 ? [1] : Array.from({ length: classes }, (_, c) => c);
  return targets.map((c) => Float64Array.from(truth, (t) => (t < 0 ? 0 : t === c ? 1 : -1)));
}

/** Fits `RidgeClassifier(alpha=λ, fit_intercept)` on `rows` (default all). */
export async function fitRidgeClassifier(input: RidgeClassifierFitInput): Promise<RidgeClassifierModel> {
  const { X, labels, rows } = input;
  checkRows(labels, X.rows);
  const classLabels = ClassLabels.fromLabels(labels, rows);
  classLabels.requireTwo();
  const truth = classLabels.encode(labels, rows);
  const ridge = await fitRidge({ ...input, y: signTargets(truth, classLabels.count) });
  return { classes: classLabels.classes, ridge };
}

/** Decision values (n × 1 for two classes, else n × classes) and the class of each row. */
export async function predictRidgeClassifier(
  model: RidgeClassifierModel,
  X: FeatureSource,
  hooks: FitHooks = {},
): Promise<ClassifierPredictions> {
  const scores = await predictRidge(model.ridge, X, hooks);
  const columns = model.ridge.targets;
  return { predicted: classOfScores(scores, columns), scores, columns };
}

/** Cross-validates `RidgeClassifier` over `lambdas` on the given folds and refits on every row of the folds with the chosen λ. */
export async function fitRidgeClassifierCv(input: RidgeClassifierCvInput): Promise<RidgeClassifierCvResult> {
  const { X, labels, folds, intercept = true } = input;
  const lambdas = [...(input.lambdas ?? DEFAULT_LAMBDAS)];
  checkRows(labels, X.rows);
  slotsOf(folds, X.rows); // refuses bad folds before the labels are read
  const used = rowsInFolds(folds);
  const classLabels = ClassLabels.fromLabels(labels, used);
  classLabels.requireTwo();
  const truth = classLabels.encode(labels, used);
  const C = classLabels.count;
  const cv = await ridgeFolds({ ...input, y: signTargets(truth, C), lambdas, intercept });
  const T = C === 2 ? 1 : C;
  const L = lambdas.length;
  const heldOut = lambdas.map((_, l) => {
    const scores = new Float64Array(X.rows * T).fill(NaN);
    for (const row of cv.inFold) for (let t = 0; t < T; t++) scores[row * T + t] = cv.heldOut[row * L * T + l * T + t];
    return { predicted: classOfScores(scores, T), scores, columns: T };
  });
  const eligible = wellConditioned(cv.illConditioned);
  const scores = scoreClassifierCv({ truth, classes: C, foldIds: cv.foldIds, testRows: cv.testRows, inFold: cv.inFold, heldOut, eligible });
  input.onProgress?.({ stage: 'refitting', done: 0, total: 1 });
  const lambda = lambdas[scores.best];
  const fitted = await cv.refit(new Array<number>(T).fill(lambda));
  const ridge: RidgeModel = {
    columns: X.columns,
    targets: T,
    ...fitted,
    lambda: new Array<number>(T).fill(lambda),
    log1p: false,
    clip: null,
  };
  return {
    ...scores,
    classes: classLabels.classes,
    lambdas,
    illConditioned: cv.illConditioned,
    model: { classes: classLabels.classes, ridge },
  };
}
