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
} from './ridge.js';
