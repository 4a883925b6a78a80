/**
 * Feature rows as a fit reads them: whole rows in order, in chunks, read once per pass
 * (a Gram-form fit reads them twice: into the Gram matrices, then for the held-out
 * predictions), so a feature file larger than memory never has to be held at once.
 */
import { UserError } from '../../../shared/errors/index.js';

export type FeatureChunk = Float64Array | Float32Array;

export interface FeatureSource {
  /** Rows n. */
  readonly rows: number;
  /** Features per row K. */
  readonly columns: number;
  /** The n rows in order, row-major, each chunk a whole number of rows; called once per pass. */
  chunks(): Iterable<FeatureChunk> | AsyncIterable<FeatureChunk>;
}

/** A dense row-major n×K array as a source, in chunks of `chunkRows` rows (views, no copies). */
export function denseFeatures(data: FeatureChunk, columns: number, chunkRows = 4096): FeatureSource {
  if (!Number.isInteger(columns) || columns < 1 || data.length % columns !== 0)
    throw new RangeError(`features: ${data.length} values are not whole rows of ${columns}`);
  const rows = data.length / columns;
  return {
    rows,
    columns,
    *chunks() {
      for (let r = 0; r < rows; r += chunkRows) yield data.subarray(r * columns, Math.min(rows, r + chunkRows) * columns);
    },
  };
}

/**
 * Each chunk of `source` with the index of its first row; checks that the chunks are whole
 * rows and add up to `source.rows`. `check` runs before each chunk (it throws to stop).
 */
export async function* rowChunks(source: FeatureSource, check: () => void): AsyncGenerator<{ first: number; chunk: FeatureChunk }> {
  let first = 0;
  for await (const chunk of source.chunks()) {
    check();
    if (chunk.length % source.columns !== 0)
      throw new UserError(`features: a chunk of ${chunk.length} values is not whole rows of ${source.columns} features`);
    if (first + chunk.length / source.columns > source.rows) throw new UserError(`features: more than the ${source.rows} rows announced`);
    yield { first, chunk };
    first += chunk.length / source.columns;
  }
  if (first !== source.rows) throw new UserError(`features: ${first} rows read, ${source.rows} announced`);
}

/** The one wording for a feature value a fit cannot use. */
export function notFinite(row: number, v: number): UserError {
  return new UserError(`features: row ${row + 1} has a value that is not a number (${v}); leave out cells without valid features`);
}
