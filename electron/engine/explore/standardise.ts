/**
 * Standardised features, as scikit-learn's `StandardScaler` makes them: per feature, the mean and the population
 * standard deviation (ddof 0) over a run's usable rows, z = (x − mean) / scale, a constant feature keeping scale 1.
 * The statistics are gathered in one streamed pass, chunk by chunk (each chunk's mean and sum of squared deviations in
 * float64, merged as Chan, Golub & LeVeque 1979 do), so a run of millions of cells is never held.
 */
import { throwIfCancelled } from '../../../shared/errors/index.js';
import type { FeatureSource } from '../model/index.js';

export interface Standardisation {
  /** Rows the statistics are of. */
  rows: number;
  mean: Float64Array;
  /** The standard deviation (ddof 0), 1 for a constant feature. */
  scale: Float64Array;
}

/** Streams running statistics: add chunks, then `finish`. */
export class StatsAccumulator {
  private n = 0;
  private readonly mean: Float64Array;
  private readonly m2: Float64Array;
  private readonly chunkMean: Float64Array;
  private readonly chunkM2: Float64Array;

  readonly columns: number;

  constructor(columns: number) {
    this.columns = columns;
    this.mean = new Float64Array(columns);
    this.m2 = new Float64Array(columns);
    this.chunkMean = new Float64Array(columns);
    this.chunkM2 = new Float64Array(columns);
  }

  /** Rows of `chunk` (row-major, whole rows of `columns`). */
  add(chunk: ArrayLike<number>): void {
    const K = this.columns;
    const m = chunk.length / K;
    if (m === 0) return;
    const { chunkMean, chunkM2, mean, m2 } = this;
    chunkMean.fill(0);
    chunkM2.fill(0);
    for (let r = 0; r < m; r++) for (let j = 0, at = r * K; j < K; j++) chunkMean[j] += chunk[at + j];
    for (let j = 0; j < K; j++) chunkMean[j] /= m;
    for (let r = 0; r < m; r++) {
      for (let j = 0, at = r * K; j < K; j++) {
        const d = chunk[at + j] - chunkMean[j];
        chunkM2[j] += d * d;
      }
    }
    const n = this.n + m;
    for (let j = 0; j < K; j++) {
      const delta = chunkMean[j] - mean[j];
      mean[j] += (delta * m) / n;
      m2[j] += chunkM2[j] + ((delta * delta * this.n) / n) * m;
    }
    this.n = n;
  }

  finish(): Standardisation {
    const K = this.columns;
    const scale = new Float64Array(K);
    for (let j = 0; j < K; j++) {
      const sd = this.n > 0 ? Math.sqrt(this.m2[j] / this.n) : 0;
      // Constant up to rounding (scikit-learn's _handle_zeros_in_scale uses 10·eps the same way): scale 1.
      scale[j] = sd <= 10 * Number.EPSILON * Math.max(1, Math.abs(this.mean[j])) ? 1 : sd;
    }
    return { rows: this.n, mean: Float64Array.from(this.mean), scale };
  }
}

/** The standardisation of a source's rows, in one pass. */
export async function standardisation(source: FeatureSource, signal?: AbortSignal): Promise<Standardisation> {
  const stats = new StatsAccumulator(source.columns);
  for await (const chunk of source.chunks()) {
    throwIfCancelled(signal);
    stats.add(chunk);
  }
  return stats.finish();
}
