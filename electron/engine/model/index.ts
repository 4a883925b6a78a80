/**
 * Models fitted on features: ridge regression with cross-validation over a λ grid, in float64
 * through OpenBLAS (the folds themselves come from shared/model).
 */
export { type FeatureChunk, type FeatureSource, denseFeatures } from './features.js';
export { linalgLibrary } from './linalg.js';
export { type RegressionScores, regressionScores } from './metrics.js';
export { type PaperProtocolInput, type PaperProtocolResult, paperProtocol } from './protocol.js';
export {
  type ClipBounds,
  DEFAULT_LAMBDAS,
  type FitHooks,
  type FitProgress,
  type FoldScores,
  ILL_CONDITIONED_RCOND,
  type RidgeCvInput,
  type RidgeCvResult,
  type RidgeFitInput,
  type RidgeModel,
  type RidgeOptions,
  type Targets,
  fitRidge,
  fitRidgeCv,
  predictRidge,
  type RidgeFolds,
  type RidgeFoldsInput,
  ridgeFolds,
} from './ridge.js';
export { type ClassLabel, ClassLabels } from './class-labels.js';
export {
  type ClassificationScores,
  accuracy,
  binaryRocAuc,
  classificationScores,
  confusionMatrix,
  macroF1,
  rocAuc,
} from './classification-metrics.js';
export { type ClassifierCvScores, type ClassifierFoldScores, type ClassifierPredictions } from './classifier-cv.js';
export { type LbfgsOptions, type LbfgsResult, type Objective, minimizeLbfgs } from './lbfgs.js';
export {
  type LogisticCvInput,
  type LogisticCvResult,
  type LogisticFitInput,
  type LogisticModel,
  type LogisticOptions,
  fitLogistic,
  fitLogisticCv,
  predictLogistic,
} from './logistic.js';
export {
  type RidgeClassifierCvInput,
  type RidgeClassifierCvResult,
  type RidgeClassifierFitInput,
  type RidgeClassifierModel,
  fitRidgeClassifier,
  fitRidgeClassifierCv,
  predictRidgeClassifier,
} from './ridge-classifier.js';
