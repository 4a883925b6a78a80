/** What the exploring commands read from a feature file: its cells, and its usable rows streamed in file order. */
import { throwIfCancelled } from '../../../shared/errors/index.js';
import type { FeatureFile } from '../export/read-features.js';

/** A feature file (FeatureFile has these), or the same made in memory (tests, benchmarks). */
export type FeatureTable = Pick<FeatureFile, 'cells' | 'columns' | 'usable'>;

/** The indexes in `cells` of the usable cells, in file order: the i-th usable row belongs to cell `usableIndexes[i]`. */
export function usableIndexes(table: FeatureTable): Uint32Array {
  const out = new Uint32Array(table.usable.rows);
  let u = 0;
  table.cells.forEach((cell, i) => {
    if (cell.usable) out[u++] = i;
  });
  if (u !== out.length) throw new RangeError(`feature table: ${u} usable cells for ${out.length} rows`);
  return out;
}

/** One pass over the usable rows: each chunk with the number of usable rows before it. */
export async function* usableChunks(table: FeatureTable, signal?: AbortSignal): AsyncGenerator<{ first: number; chunk: Float32Array }> {
  let first = 0;
  for await (const chunk of table.usable.chunks()) {
    throwIfCancelled(signal);
    const data = chunk as Float32Array;
    yield { first, chunk: data };
    first += data.length / table.columns;
  }
  if (first !== table.usable.rows) throw new RangeError(`feature table: ${first} rows streamed, ${table.usable.rows} expected`);
}
