/**
 * Clusters of a run's cells: seeded k-means (kmeans.ts) on the standardised features of the usable cells, or on
 * their first N principal components (shared/analysis/pca.ts: randomized subspace iteration, seeded), with the
 * within-cluster sum of squares (inertia) for a range of k for an elbow plot. k-means revisits every row on each
 * iteration, so the rows are held, as float64, within the budget for rows read at once (LIMITS.featureRowsBytes).
 */
import { UserError } from '../../../shared/errors/index.js';
import { fitPca } from '../../../shared/analysis/pca.js';
import { LIMITS, LimitError, formatBytes } from '../limits.js';
import { kmeansPlusPlus, lloyd } from './kmeans.js';
import { standardisation, type Standardisation } from './standardise.js';
import { usableChunks, usableIndexes, type FeatureTable } from './table.js';

export interface ClusterSpec {
  /** The clusters to label the cells with (none: only the elbow). */
  k?: number;
  /** Also the inertia for every k in [lo, hi]. */
  elbow?: readonly [number, number];
  /** Cluster on the first N principal components. */
  pcs?: number;
  seed: number;
  /** For messages: the feature file's name. */
  name?: string;
}

export interface ClusterResult {
  /** Per cell: its cluster (0…k−1), NaN for a cell without usable features; absent without k. */
  labels?: Float64Array;
  /** Per cell: the distance to its cluster's centre in the space clustered; NaN for unusable cells. */
  distances?: Float64Array;
  inertia?: number;
  iterations?: number;
  /** The initial centres (k×d, in the space clustered), as k-means++ chose them. */
  init?: Float64Array;
  /** The space clustered: d dimensions (K features, or N components). */
  dimensions: number;
  elbow: { k: number; inertia: number }[];
  standardisation: Standardisation;
}

/** The usable rows, standardised (and projected on the first `pcs` components), as one n×d float64 array. */
export async function clusterData(
  table: FeatureTable,
  pcs: number | undefined,
  seed: number,
  signal?: AbortSignal,
  name = 'the features',
): Promise<{ X: Float64Array; n: number; d: number; standardisation: Standardisation }> {
  const n = table.usable.rows;
  const K = table.columns;
  const bytes = n * K * 8 * (pcs === undefined ? 1 : 2); // PCA centres a copy
  if (bytes > LIMITS.featureRowsBytes) {
    throw new LimitError(
      name,
      `clustering ${n} cells of ${K} features (${formatBytes(bytes)} held at once)`,
      formatBytes(LIMITS.featureRowsBytes),
    );
  }
  const s = await standardisation(table.usable, signal);
  const Z = new Float64Array(n * K);
  for await (const { first, chunk } of usableChunks(table, signal)) {
    for (let i = 0, at = first * K; i < chunk.length; i++) {
      const j = i % K;
      Z[at + i] = (chunk[i] - s.mean[j]) / s.scale[j];
    }
  }
  if (pcs === undefined) return { X: Z, n, d: K, standardisation: s };
  if (pcs > K) throw new UserError(`asks for ${pcs} principal components of ${K} features`);
  const rows = Array.from({ length: n }, (_, i) => Z.subarray(i * K, (i + 1) * K));
  const pca = fitPca(rows, pcs, { seed });
  const d = pca.components.length;
  const X = new Float64Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < d; c++) {
      const axis = pca.components[c];
      let v = 0;
      for (let j = 0, at = i * K; j < K; j++) v += (Z[at + j] - pca.mean[j]) * axis[j];
      X[i * d + c] = v;
    }
  }
  return { X, n, d, standardisation: s };
}

export async function clusterCells(table: FeatureTable, spec: ClusterSpec, signal?: AbortSignal): Promise<ClusterResult> {
  const n = table.usable.rows;
  const name = spec.name ?? 'the features';
  const largest = Math.max(spec.k ?? 0, spec.elbow?.[1] ?? 0);
  if (largest > n) {
    throw new UserError(`${name}: asks for ${largest} clusters, but only ${n} cells have usable features`);
  }
  const { X, d, standardisation: s } = await clusterData(table, spec.pcs, spec.seed, signal, name);
  const elbow: ClusterResult['elbow'] = [];
  if (spec.elbow) {
    for (let k = spec.elbow[0]; k <= spec.elbow[1]; k++) {
      if (signal?.aborted) break;
      elbow.push({ k, inertia: lloyd(X, n, d, kmeansPlusPlus(X, n, d, k, spec.seed)).inertia });
    }
  }
  const result: ClusterResult = { dimensions: d, elbow, standardisation: s };
  if (spec.k !== undefined) {
    const init = kmeansPlusPlus(X, n, d, spec.k, spec.seed);
    const fit = lloyd(X, n, d, init);
    const usable = usableIndexes(table);
    const labels = new Float64Array(table.cells.length).fill(NaN);
    const distances = new Float64Array(table.cells.length).fill(NaN);
    usable.forEach((cell, i) => {
      const c = fit.labels[i];
      labels[cell] = c;
      let sq = 0;
      for (let j = 0; j < d; j++) sq += (X[i * d + j] - fit.centres[c * d + j]) ** 2;
      distances[cell] = Math.sqrt(sq);
    });
    Object.assign(result, { labels, distances, inertia: fit.inertia, iterations: fit.iterations, init });
  }
  return result;
}
