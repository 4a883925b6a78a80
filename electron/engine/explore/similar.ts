/**
 * "Find more like this": every cell of a run scored against a query made of example cells, by exact brute force
 * over the run's rows, streamed in two passes (the standardisation with the examples' sums, then the scores).
 *
 * The query is built in standardised coordinates (standardise.ts) from the examples' mean, as GeoVibes builds its
 * query vector (Epoch-blue/geovibes, geovibes/ui/state.py, `update_query_vector`: `2 * pos_vec - neg_vec`):
 *   - with counter-examples: q = 2·mean(like) − mean(unlike);
 *   - with examples only: q = mean(like). (GeoVibes subtracts a zero vector then, i.e. q = 2·mean(like); under the
 *     cosine that ranks the cells the same, and under the Euclidean distance mean(like) keeps the examples nearest.)
 * Standardising is affine, so the mean of standardised rows is the standardised mean of raw rows.
 *
 * Scores: cosine similarity cos(z, q) (a cell at the run's mean, z = 0, scores 0, as scikit-learn's
 * cosine_similarity gives), or Euclidean distance ‖z − q‖. Cells without usable features score NaN.
 */
import { throwIfCancelled, UserError } from '../../../shared/errors/index.js';
import type { Metric } from '../../../shared/explore/options.js';
import { ascendingOrder } from './order.js';
import { StatsAccumulator, type Standardisation } from './standardise.js';
import { usableChunks, usableIndexes, type FeatureTable } from './table.js';

export interface Examples {
  /** Cell indexes (into the table's cells) of the examples; at least one. */
  like: readonly number[];
  /** Cell indexes of the counter-examples (may be empty). */
  unlike: readonly number[];
}

export interface SimilarResult {
  metric: Metric;
  /** Per cell of the table: the cosine similarity or the Euclidean distance to the query; NaN for unusable cells. */
  scores: Float64Array;
  /** The usable cells' indexes, most similar first (ties in file order). */
  order: Uint32Array;
  standardisation: Standardisation;
  /** The query, in standardised coordinates. */
  query: Float64Array;
}

/** Checks examples against the table: usable cells, none both an example and a counter-example. */
function exampleRoles(table: FeatureTable, examples: Examples, name: (index: number) => string): Int8Array {
  const role = new Int8Array(table.cells.length);
  if (examples.like.length === 0) throw new UserError('the search needs at least one example cell');
  for (const [list, value] of [
    [examples.like, 1],
    [examples.unlike, -1],
  ] as const) {
    for (const i of list) {
      if (!Number.isInteger(i) || i < 0 || i >= table.cells.length) throw new RangeError(`similar: no cell ${i}`);
      if (!table.cells[i].usable)
        throw new UserError(`cell ${name(i)} has no usable features (no valid pixels), so it cannot be an example`);
      if (role[i] === -value) throw new UserError(`cell ${name(i)} is both an example and a counter-example`);
      role[i] = value;
    }
  }
  return role;
}

export async function similarCells(table: FeatureTable, examples: Examples, metric: Metric, signal?: AbortSignal): Promise<SimilarResult> {
  const K = table.columns;
  const role = exampleRoles(table, examples, (i) => table.cells[i].cellId);
  const usable = usableIndexes(table);
  // Pass 1: the standardisation, and the raw sums of the examples and counter-examples.
  const stats = new StatsAccumulator(K);
  const likeSum = new Float64Array(K);
  const unlikeSum = new Float64Array(K);
  let likes = 0;
  let unlikes = 0;
  for await (const { first, chunk } of usableChunks(table, signal)) {
    stats.add(chunk);
    const rows = chunk.length / K;
    for (let r = 0; r < rows; r++) {
      const which = role[usable[first + r]];
      if (which === 0) continue;
      const sum = which > 0 ? likeSum : unlikeSum;
      for (let j = 0, at = r * K; j < K; j++) sum[j] += chunk[at + j];
      if (which > 0) likes++;
      else unlikes++;
    }
  }
  const standardisation = stats.finish();
  const { mean, scale } = standardisation;
  const query = new Float64Array(K);
  for (let j = 0; j < K; j++) {
    const raw = unlikes > 0 ? (2 * likeSum[j]) / likes - unlikeSum[j] / unlikes : likeSum[j] / likes;
    query[j] = (raw - mean[j]) / scale[j];
  }
  // Pass 2: the scores, each row standardised as it is read.
  const scores = new Float64Array(table.cells.length).fill(NaN);
  const inverse = scale.map((v) => 1 / v);
  let queryNorm = 0;
  for (let j = 0; j < K; j++) queryNorm += query[j] * query[j];
  queryNorm = Math.sqrt(queryNorm);
  for await (const { first, chunk } of usableChunks(table, signal)) {
    if (metric === 'cosine') cosineScores(chunk, K, mean, inverse, query, queryNorm, scores, usable, first);
    else euclideanScores(chunk, K, mean, inverse, query, scores, usable, first);
  }
  throwIfCancelled(signal);
  // Most similar first: the cosine descending, the distance ascending; ties in file order.
  const key = new Float64Array(usable.length);
  const sign = metric === 'cosine' ? -1 : 1;
  for (let u = 0; u < usable.length; u++) key[u] = sign * scores[usable[u]];
  const order = ascendingOrder(key);
  for (let u = 0; u < order.length; u++) order[u] = usable[order[u]];
  return { metric, scores, order, standardisation, query };
}

/** The rows of `chunk` (usable rows first…): cos(z, q), z = (x − mean)·inverse, into scores[usable[…]]. */
function cosineScores(
  chunk: Float32Array,
  K: number,
  mean: Float64Array,
  inverse: Float64Array,
  q: Float64Array,
  queryNorm: number,
  scores: Float64Array,
  usable: Uint32Array,
  first: number,
): void {
  const rows = chunk.length / K;
  for (let r = 0; r < rows; r++) {
    // Two sums of each kind, over even and odd features: four independent chains of additions.
    let dot0 = 0;
    let dot1 = 0;
    let norm0 = 0;
    let norm1 = 0;
    const at = r * K;
    let j = 0;
    for (; j + 1 < K; j += 2) {
      const z0 = (chunk[at + j] - mean[j]) * inverse[j];
      const z1 = (chunk[at + j + 1] - mean[j + 1]) * inverse[j + 1];
      dot0 += z0 * q[j];
      dot1 += z1 * q[j + 1];
      norm0 += z0 * z0;
      norm1 += z1 * z1;
    }
    if (j < K) {
      const z = (chunk[at + j] - mean[j]) * inverse[j];
      dot0 += z * q[j];
      norm0 += z * z;
    }
    const dot = dot0 + dot1;
    const norm = norm0 + norm1;
    scores[usable[first + r]] = norm === 0 || queryNorm === 0 ? 0 : dot / (Math.sqrt(norm) * queryNorm);
  }
}

/** The rows of `chunk`: ‖z − q‖, z = (x − mean)·inverse, into scores[usable[…]]. */
function euclideanScores(
  chunk: Float32Array,
  K: number,
  mean: Float64Array,
  inverse: Float64Array,
  q: Float64Array,
  scores: Float64Array,
  usable: Uint32Array,
  first: number,
): void {
  const rows = chunk.length / K;
  for (let r = 0; r < rows; r++) {
    let sum0 = 0;
    let sum1 = 0;
    const at = r * K;
    let j = 0;
    for (; j + 1 < K; j += 2) {
      const e0 = (chunk[at + j] - mean[j]) * inverse[j] - q[j];
      const e1 = (chunk[at + j + 1] - mean[j + 1]) * inverse[j + 1] - q[j + 1];
      sum0 += e0 * e0;
      sum1 += e1 * e1;
    }
    if (j < K) {
      const e = (chunk[at + j] - mean[j]) * inverse[j] - q[j];
      sum0 += e * e;
    }
    scores[usable[first + r]] = Math.sqrt(sum0 + sum1);
  }
}
