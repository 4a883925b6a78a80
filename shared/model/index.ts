/** Models fitted on features: cross-validation folds (more to come: ridge, classifiers, metrics). */
export { NumpyRandomState } from './numpy-random.js';
export { blockFolds, checkerboard, foldRows, groupKFold, kFold, paperSplit, type FoldOf, type SpatialFoldOptions } from './folds.js';
export * from './fit-options.js';
export * from './model-file.js';
