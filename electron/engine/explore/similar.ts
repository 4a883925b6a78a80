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
  // Pass 2: the scores.
  const scores = new Float64Array(table.cells.length).fill(NaN);
  const inverse = scale.map((s) => 1 / s);
  let queryNorm = 0;
  for (let j = 0; j < K; j++) queryNorm += query[j] * query[j];
  queryNorm = Math.sqrt(queryNorm);
  const z = new Float64Array(K);
  for await (const { first, chunk } of usableChunks(table, signal)) {
    const rows = chunk.length / K;
    for (let r = 0; r < rows; r++) {
      const at = r * K;
      for (let j = 0; j < K; j++) z[j] = (chunk[at + j] - mean[j]) * inverse[j];
      scores[usable[first + r]] = metric === 'cosine' ? cosine(z, query, queryNorm) : euclidean(z, query);
    }
  }
  throwIfCancelled(signal);
  const key = Float64Array.from(usable, (i) => (metric === 'cosine' ? -scores[i] : scores[i]));
  const ranks = Uint32Array.from(usable.keys());
  ranks.sort((a, b) => key[a] - key[b] || a - b);
  const order = ranks.map((u) => usable[u]);
  return { metric, scores, order, standardisation, query };
}

function cosine(z: Float64Array, q: Float64Array, queryNorm: number): number {
  let dot = 0;
  let norm = 0;
  for (let j = 0; j < z.length; j++) {
    dot += z[j] * q[j];
    norm += z[j] * z[j];
  }
  return norm === 0 || queryNorm === 0 ? 0 : dot / (Math.sqrt(norm) * queryNorm);
}

function euclidean(z: Float64Array, q: Float64Array): number {
  let sum = 0;
  for (let j = 0; j < z.length; j++) {
    const d = z[j] - q[j];
    sum += d * d;
  }
  return Math.sqrt(sum);
}
