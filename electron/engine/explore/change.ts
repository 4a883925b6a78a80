/**
 * Change between two runs of one grid (two dates of one place): per cell, the distance between its standardised
 * feature vectors in run A and in run B, 1 − cosine or Euclidean. Both runs are standardised with the same
 * statistics, pooled over the usable rows of both, so the distance is symmetric and a feature that moves everywhere
 * counts as much in both. Cells are paired by position (the i-th input's row and col): the inputs of two dates are
 * other files of the same grid. Runs on different grids, or made with different filters, are refused in one line.
 */
import { basename } from 'node:path';
import { throwIfCancelled, UserError } from '../../../shared/errors/index.js';
import type { Metric } from '../../../shared/explore/options.js';
import { bankDifference, featureBank } from '../../../shared/model/index.js';
import { formatCellSize } from '../../../shared/grid/cells.js';
import { sameCrs } from '../crs/index.js';
import type { FeatureFile } from '../export/read-features.js';
import { sourceGrids, type SourceGrid } from '../jobs/provenance-grid.js';
import { StatsAccumulator, type Standardisation } from './standardise.js';
import { usableChunks, usableIndexes } from './table.js';

export interface ChangeResult {
  metric: Metric;
  /** Per cell of A: the change, NaN where the cell has no usable features in A or B, or is not in B. */
  change: Float64Array;
  /** Cells of A with a value. */
  paired: number;
  standardisation: Standardisation;
}

/** What differs between two grids of input i, in words, or null. */
function gridDifference(a: SourceGrid, b: SourceGrid): string | null {
  if (a.shape.width !== b.shape.width || a.shape.height !== b.shape.height) {
    return `${a.shape.width}×${a.shape.height} pixels against ${b.shape.width}×${b.shape.height}`;
  }
  const sizeA = formatCellSize(a.shape.cellSize);
  const sizeB = formatCellSize(b.shape.cellSize);
  if (sizeA !== sizeB || a.shape.edge !== b.shape.edge)
    return `cells of ${sizeA} (edge ${a.shape.edge}) against ${sizeB} (edge ${b.shape.edge})`;
  if (a.transform.some((v, i) => v !== b.transform[i])) return 'another geotransform';
  if ((a.crs === null) !== (b.crs === null) || (a.crs && b.crs && !sameCrs(a.crs, b.crs))) return 'another CRS';
  return null;
}

/** Refuses two runs that are not on one grid or not made with the same filters. */
export function checkComparable(a: FeatureFile, b: FeatureFile): void {
  const [nameA, nameB] = [basename(a.path), basename(b.path)];
  const bank = bankDifference(featureBank(a.provenance), featureBank(b.provenance));
  if (bank) {
    throw new UserError(`${nameA} and ${nameB} were made with other filters (${bank} differ); featurize both with the same filters`);
  }
  const [gridsA, gridsB] = [sourceGrids(a.provenance), sourceGrids(b.provenance)];
  const refuse = (why: string) =>
    new UserError(`${nameA} and ${nameB} are not on the same grid (${why}); featurize both dates on one grid`);
  if (gridsA.length !== gridsB.length) throw refuse(`${gridsA.length} inputs against ${gridsB.length}`);
  gridsA.forEach((g, i) => {
    const why = gridDifference(g, gridsB[i]);
    if (why) throw refuse(gridsA.length > 1 ? `input ${i + 1}: ${why}` : why);
  });
}

/** A cell's place on the run's grids: its input's position, row and col. */
function placeKey(inputs: Map<string, number>, cell: { source: string; row: number; col: number }): string {
  return `${inputs.get(cell.source)}:${cell.row}:${cell.col}`;
}

/** Rows of a file's usable cells as they stream, one at a time, in file order: each with its cell index. */
async function* usableRows(file: FeatureFile, signal?: AbortSignal): AsyncGenerator<{ cell: number; row: Float32Array }> {
  const usable = usableIndexes(file);
  const K = file.columns;
  for await (const { first, chunk } of usableChunks(file, signal)) {
    for (let r = 0; r * K < chunk.length; r++) yield { cell: usable[first + r], row: chunk.subarray(r * K, (r + 1) * K) };
  }
}

export async function changeBetween(a: FeatureFile, b: FeatureFile, metric: Metric, signal?: AbortSignal): Promise<ChangeResult> {
  checkComparable(a, b);
  const K = a.columns;
  const inputsA = new Map(sourceGrids(a.provenance).map((g, i) => [g.name, i] as const));
  const inputsB = new Map(sourceGrids(b.provenance).map((g, i) => [g.name, i] as const));
  const inB = new Map(b.cells.map((cell, j) => [placeKey(inputsB, cell), j] as const));
  // partner[i]: the cell of B at A's cell i, when both have usable features.
  const partner = new Int32Array(a.cells.length).fill(-1);
  a.cells.forEach((cell, i) => {
    const j = inB.get(placeKey(inputsA, cell));
    if (cell.usable && j !== undefined && b.cells[j].usable) partner[i] = j;
  });
  const stats = new StatsAccumulator(K);
  for (const file of [a, b]) for await (const { chunk } of usableChunks(file, signal)) stats.add(chunk);
  const standardisation = stats.finish();
  const { mean, scale } = standardisation;
  const change = new Float64Array(a.cells.length).fill(NaN);
  // Both files are in grid order, so B's partners come in A's order: one merged pass over both.
  const rowsB = usableRows(b, signal);
  let current = await rowsB.next();
  let paired = 0;
  for await (const { cell, row } of usableRows(a, signal)) {
    const j = partner[cell];
    if (j < 0) continue;
    while (!current.done && current.value.cell < j) current = await rowsB.next();
    if (current.done || current.value.cell !== j) throw new RangeError(`change: the cells of ${b.path} are not in the order of ${a.path}`);
    change[cell] = distance(row, current.value.row, mean, scale, metric);
    paired++;
  }
  await rowsB.return(undefined);
  throwIfCancelled(signal);
  return { metric, change, paired, standardisation };
}

function distance(x: Float32Array, y: Float32Array, mean: Float64Array, scale: Float64Array, metric: Metric): number {
  let dot = 0;
  let nx = 0;
  let ny = 0;
  let sq = 0;
  for (let j = 0; j < x.length; j++) {
    const zx = (x[j] - mean[j]) / scale[j];
    const zy = (y[j] - mean[j]) / scale[j];
    dot += zx * zy;
    nx += zx * zx;
    ny += zy * zy;
    sq += (zx - zy) ** 2;
  }
  if (metric === 'euclidean') return Math.sqrt(sq);
  return 1 - (nx === 0 || ny === 0 ? 0 : dot / Math.sqrt(nx * ny));
}
