// Feature tables made in memory for the explore engine's tests, and float64 files for NumPy / scikit-learn to read.
import { writeFileSync } from 'node:fs';
import { denseFeatures } from '../../../electron/engine/model/index.js';
import type { FeatureTable } from '../../../electron/engine/explore/index.js';
import { SeededRandom } from '../../../shared/rcf/random.js';

/**
 * n rows of K float32 features around `centres` blobs (spread 1, blob centres spread `separation`), each feature
 * on its own scale and offset so standardising matters; the rows listed in `holes` are unusable (NaN).
 */
export function blobs(n: number, K: number, centres: number, seed: number, separation = 3, holes: number[] = []) {
  const random = new SeededRandom(seed);
  const middles = Array.from({ length: centres * K }, () => separation * random.nextNormal());
  const scales = Array.from({ length: K }, (_, j) => 0.01 * 10 ** (j % 4));
  const offsets = Array.from({ length: K }, (_, j) => j * 5 - 7);
  const all = new Float32Array(n * K);
  for (let i = 0; i < n; i++) {
    const c = random.nextInt(centres);
    for (let j = 0; j < K; j++) all[i * K + j] = offsets[j] + scales[j] * (middles[c * K + j] + random.nextNormal());
  }
  for (const h of holes) all.fill(NaN, h * K, (h + 1) * K);
  return { all, table: tableOf(all, K) };
}

/** A table over row-major float32 rows (NaN rows are unusable cells), streamed in chunks of 64 rows. */
export function tableOf(all: Float32Array, K: number): FeatureTable {
  const n = all.length / K;
  const cells = Array.from({ length: n }, (_, i) => {
    const usable = all.subarray(i * K, (i + 1) * K).every(Number.isFinite);
    return { cellId: `t.tif:r${i}c0`, source: 't.tif', row: i, col: 0, validFraction: usable ? 1 : 0, usable };
  });
  const usableRows = cells.flatMap((c, i) => (c.usable ? [i] : []));
  const data = new Float32Array(usableRows.length * K);
  usableRows.forEach((i, u) => data.set(all.subarray(i * K, (i + 1) * K), u * K));
  return { cells, columns: K, usable: denseFeatures(data, K, 64) };
}

/** Writes values as float64 little-endian (np.fromfile(path, '<f8')). */
export function writeFloat64(path: string, values: ArrayLike<number>): string {
  writeFileSync(path, Buffer.from(Float64Array.from(values).buffer));
  return path;
}
