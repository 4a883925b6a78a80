/**
 * Exploring a run's features without labels (issue 14): "find more like this" (similar.ts), k-means clusters
 * (cluster.ts, kmeans.ts) and change between two runs of one grid (change.ts), all on standardised features
 * (standardise.ts), and the jobs behind `rcf similar`, `rcf cluster` and `rcf change` (jobs.ts).
 */
export { StatsAccumulator, standardisation, type Standardisation } from './standardise.js';
export { type FeatureTable } from './table.js';
export { similarCells, type Examples, type SimilarResult } from './similar.js';
export { kmeansPlusPlus, lloyd, type KmeansOptions, type KmeansResult } from './kmeans.js';
export { clusterCells, clusterData, type ClusterResult, type ClusterSpec } from './cluster.js';
export { changeBetween, checkComparable, type ChangeResult } from './change.js';
export {
  cellIndexesInArea,
  cellIndexesOf,
  runChangeJob,
  runClusterJob,
  runSimilarJob,
  scoreName,
  type ChangeJobResult,
  type ChangeJobSpec,
  type ClusterJobResult,
  type ClusterJobSpec,
  type ExampleSpec,
  type JobHooks,
  type SimilarJobResult,
  type SimilarJobSpec,
} from './jobs.js';
