/**
 * Cross-validation folds, as one fold number per row (−1: the row is in no
 * fold), which is what a fold loop needs and what the map draws. Random folds
 * are index for index scikit-learn's (`KFold`, `GroupKFold`) and the MOSAIKS
 * paper's train/test split; spatial folds hold out whole squares of the map,
 * so a model that only interpolates between neighbours scores worse there.
 */
import { NumpyRandomState } from './numpy-random.js';

export type FoldOf = Int32Array;

function checkFolds(rows: number, k: number, what: string): void {
  if (!Number.isInteger(k) || k < 2) throw new RangeError(`folds must be a whole number of at least 2, got ${k}`);
  if (rows < k) throw new RangeError(`${what}: ${rows} is fewer than the ${k} folds`);
}

/** `KFold(k, shuffle, random_state=seed).split(rows)`: fold f's test rows are the f-th run of consecutive (shuffled) indices. */
export function kFold(rows: number, k: number, options: { shuffle?: boolean; seed?: number } = {}): FoldOf {
  checkFolds(rows, k, 'rows');
  const order = new Int32Array(rows).map((_, i) => i);
  if (options.shuffle) new NumpyRandomState(options.seed ?? 0).shuffle(order);
  const fold = new Int32Array(rows);
  let start = 0;
  for (let f = 0; f < k; f++) {
    const size = Math.floor(rows / k) + (f < rows % k ? 1 : 0);
    for (let i = start; i < start + size; i++) fold[order[i]] = f;
    start += size;
  }
  return fold;
}

/**
 * `GroupKFold(k)` of scikit-learn 1.2: groups, largest first, each go to the fold with the
 * fewest rows so far (ties: the lower fold). Groups of equal size are taken later group first,
 * as NumPy's argsort orders them for small arrays (for large ones its order is unspecified).
 */
export function groupKFold(groups: readonly (string | number)[], k: number): FoldOf {
  const names = [...new Set(groups)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  checkFolds(names.length, k, 'groups');
  const indexOf = new Map(names.map((name, i) => [name, i]));
  const sizes = new Array<number>(names.length).fill(0);
  for (const g of groups) sizes[indexOf.get(g)!]++;
  const largestFirst = names.map((_, i) => i).sort((a, b) => sizes[b] - sizes[a] || b - a);
  const foldRows = new Array<number>(k).fill(0);
  const foldOfGroup = new Int32Array(names.length);
  for (const g of largestFirst) {
    let lightest = 0;
    for (let f = 1; f < k; f++) if (foldRows[f] < foldRows[lightest]) lightest = f;
    foldRows[lightest] += sizes[g];
    foldOfGroup[g] = lightest;
  }
  return Int32Array.from(groups, (g) => foldOfGroup[indexOf.get(g)!]);
}

/**
 * The MOSAIKS paper's held-out test set: `RandomState(seed).choice(n, n, replace=False)`, the first
 * n − ⌊testFraction · n⌋ indices for training (in that order) and the rest for the test.
 */
export function paperSplit(rows: number, testFraction = 0.2, seed = 0): { train: Int32Array; test: Int32Array } {
  if (!(testFraction > 0 && testFraction < 1)) throw new RangeError(`the test fraction must be between 0 and 1, got ${testFraction}`);
  const order = new NumpyRandomState(seed).permutation(rows);
  const trainSize = rows - Math.floor(testFraction * rows);
  return { train: order.slice(0, trainSize), test: order.slice(trainSize) };
}

/** A square of the map a row falls in, by its position (x, y) in the units of `size`. */
function squareOf(x: number, y: number, size: number, offset: readonly [number, number]): [number, number] {
  return [Math.floor((x - offset[0]) / size), Math.floor((y - offset[1]) / size)];
}

export interface SpatialFoldOptions {
  /** Side of the squares, in the units of the positions (degrees or metres). */
  size: number;
  /** Where the squares start; the seed jitters it when it is not given. */
  offset?: readonly [number, number];
  seed?: number;
}

function offsetOf(options: SpatialFoldOptions): readonly [number, number] {
  if (!(options.size > 0) || !Number.isFinite(options.size)) throw new RangeError(`the square size must be positive, got ${options.size}`);
  if (options.offset) return options.offset;
  const random = new NumpyRandomState(options.seed ?? 0);
  return [(random.nextUint32() / 2 ** 32) * options.size, (random.nextUint32() / 2 ** 32) * options.size];
}

/** The paper's checkerboard: two folds, the black and the white squares. */
export function checkerboard(x: ArrayLike<number>, y: ArrayLike<number>, options: SpatialFoldOptions): FoldOf {
  const offset = offsetOf(options);
  return Int32Array.from({ length: x.length }, (_, i) => {
    if (!Number.isFinite(x[i]) || !Number.isFinite(y[i])) return -1;
    const [column, row] = squareOf(x[i], y[i], options.size, offset);
    return (((column + row) % 2) + 2) % 2;
  });
}

/**
 * Square blocks assigned to k folds: the blocks, shuffled by the seed, then largest first, each go
 * to the fold with the fewest rows (so folds are balanced in rows, and every block is whole).
 */
export function blockFolds(x: ArrayLike<number>, y: ArrayLike<number>, k: number, options: SpatialFoldOptions): FoldOf {
  const offset = offsetOf(options);
  const blockOfRow: (string | null)[] = Array.from({ length: x.length }, (_, i) =>
    Number.isFinite(x[i]) && Number.isFinite(y[i]) ? squareOf(x[i], y[i], options.size, offset).join(',') : null,
  );
  const blocks = [...new Set(blockOfRow.filter((b): b is string => b !== null))].sort();
  checkFolds(blocks.length, k, 'squares with rows');
  new NumpyRandomState(options.seed ?? 0).shuffle(blocks);
  const rank = new Map(blocks.map((b, i) => [b, i]));
  const sizes = new Map<string, number>();
  for (const b of blockOfRow) if (b !== null) sizes.set(b, (sizes.get(b) ?? 0) + 1);
  const order = [...blocks].sort((a, b) => sizes.get(b)! - sizes.get(a)! || rank.get(a)! - rank.get(b)!);
  const foldRows = new Array<number>(k).fill(0);
  const foldOfBlock = new Map<string, number>();
  for (const b of order) {
    let lightest = 0;
    for (let f = 1; f < k; f++) if (foldRows[f] < foldRows[lightest]) lightest = f;
    foldRows[lightest] += sizes.get(b)!;
    foldOfBlock.set(b, lightest);
  }
  return Int32Array.from(blockOfRow, (b) => (b === null ? -1 : foldOfBlock.get(b)!));
}

/** The rows of fold f (test) and of the other folds (train), in row order. */
export function foldRows(fold: FoldOf, f: number): { train: Int32Array; test: Int32Array } {
  const train: number[] = [];
  const test: number[] = [];
  fold.forEach((g, i) => {
    if (g === f) test.push(i);
    else if (g >= 0) train.push(i);
  });
  return { train: Int32Array.from(train), test: Int32Array.from(test) };
}
