/**
 * Standardised features, as scikit-learn's `StandardScaler` makes them: per feature, the mean and the population
 * standard deviation (ddof 0) over a run's usable rows, z = (x − mean) / scale, a constant feature keeping scale 1.
 * The statistics are gathered in one streamed pass, so a run of millions of cells is never held.
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

/**
 * Streams running statistics: add chunks, then `finish`. Sums of x − s and (x − s)² in float64, s being the first
 * row (the "shifted data" algorithm: with s a row of the data, the cancellation of the plain sum of squares is gone).
 */
export class StatsAccumulator {
  readonly columns: number;
  private n = 0;
  private readonly shift: Float64Array;
  private readonly sum: Float64Array;
  private readonly squares: Float64Array;

  constructor(columns: number) {
    this.columns = columns;
    this.shift = new Float64Array(columns);
    this.sum = new Float64Array(columns);
    this.squares = new Float64Array(columns);
  }

  /** Rows of `chunk` (row-major, whole rows of `columns`). */
  add(chunk: ArrayLike<number>): void {
    const K = this.columns;
    const m = chunk.length / K;
    if (m === 0) return;
    const { shift, sum, squares } = this;
    if (this.n === 0) for (let j = 0; j < K; j++) shift[j] = chunk[j];
    // Four rows at a time: a quarter of the loads and stores of the sums.
    let r = 0;
    for (; r + 3 < m; r += 4) {
      const a = r * K;
      for (let j = 0; j < K; j++) {
        const t = shift[j];
        const d0 = chunk[a + j] - t;
        const d1 = chunk[a + K + j] - t;
        const d2 = chunk[a + 2 * K + j] - t;
        const d3 = chunk[a + 3 * K + j] - t;
        sum[j] += d0 + d1 + (d2 + d3);
        squares[j] += d0 * d0 + d1 * d1 + (d2 * d2 + d3 * d3);
      }
    }
    for (; r < m; r++) {
      for (let j = 0, at = r * K; j < K; j++) {
        const d = chunk[at + j] - shift[j];
        sum[j] += d;
        squares[j] += d * d;
      }
    }
    this.n += m;
  }

  finish(): Standardisation {
    const K = this.columns;
    const { n } = this;
    const mean = new Float64Array(K);
    const scale = new Float64Array(K);
    for (let j = 0; j < K; j++) {
      const m = n > 0 ? this.sum[j] / n : 0;
      mean[j] = this.shift[j] + m;
      const sd = n > 0 ? Math.sqrt(Math.max(0, this.squares[j] / n - m * m)) : 0;
      // Constant up to rounding (scikit-learn's _handle_zeros_in_scale uses 10·eps the same way): scale 1.
      scale[j] = sd <= 10 * Number.EPSILON * Math.max(1, Math.abs(mean[j])) ? 1 : sd;
    }
    return { rows: n, mean, scale };
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
