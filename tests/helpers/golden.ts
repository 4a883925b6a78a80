// Loads the golden RCF cases (tests/fixtures/golden) and checks their sha256.
import { readFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import type { Convention } from '../../shared/rcf/conventions.js';
import type { NodataPolicy } from '../../shared/rcf/cell-sums.js';
import { halfBiases } from '../../shared/rcf/conventions.js';
import { prepareCell, type PreparedCell } from '../../shared/rcf/features.js';

export const GOLDEN_DIR = fileURLToPath(new URL('../fixtures/golden/', import.meta.url));

interface ArrayEntry {
  file: string;
  dtype: 'float32' | 'float64' | 'int32';
  shape: number[];
  sha256: string;
}

export interface GoldenCase {
  id: string;
  weights: string;
  input: string;
  bias: number;
  convention: Convention;
  nan_policy: NodataPolicy;
  expected: (number | null)[];
  num_valid_windows: number;
  patch_coords?: string;
  raw_patches?: string;
  picked_pool_rows?: string;
  zca?: Record<string, unknown>;
}

export const manifest = JSON.parse(readFileSync(GOLDEN_DIR + 'manifest.json', 'utf8')) as {
  arrays: Record<string, ArrayEntry>;
  cases: GoldenCase[];
};

export function goldenArray(name: string): { shape: number[]; data: Float32Array | Float64Array | Int32Array } {
  const entry = manifest.arrays[name];
  if (!entry) throw new Error(`no golden array ${name}`);
  const bytes = readFileSync(GOLDEN_DIR + entry.file);
  const sha = createHash('sha256').update(bytes).digest('hex');
  if (sha !== entry.sha256) throw new Error(`golden array ${name} is corrupt (sha256 ${sha})`);
  const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  const data =
    entry.dtype === 'float32' ? new Float32Array(buffer) : entry.dtype === 'float64' ? new Float64Array(buffer) : new Int32Array(buffer);
  return { shape: entry.shape, data };
}

/** Asserts |actual − expected| ≤ 1e-4·max(1, |expected|), with null meaning NaN. Returns the worst ratio. */
export function worstGoldenError(actual: ArrayLike<number>, expected: (number | null)[]): number {
  if (actual.length !== expected.length) throw new Error(`length ${actual.length} ≠ ${expected.length}`);
  let worst = 0;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    if (e === null) {
      if (!Number.isNaN(a)) return Infinity;
      continue;
    }
    const ratio = Math.abs(a - e) / (1e-4 * Math.max(1, Math.abs(e)));
    if (!(ratio <= worst)) worst = Number.isNaN(ratio) ? Infinity : Math.max(worst, ratio);
  }
  return worst;
}

/** What every kernel needs to run a golden case: the filters, the biases and the prepared cell. */
export interface GoldenRun {
  weights: Float32Array;
  filters: number;
  channels: number;
  kernel: number;
  biasPos: Float32Array;
  biasNeg: Float32Array;
  cell: PreparedCell;
  /** Windows whose pixels are all finite, whatever the policy (what the manifest counts). */
  finiteWindows: number;
}

export function goldenRun(c: GoldenCase): GoldenRun {
  const w = goldenArray(c.weights);
  const [filters, channels, kernel] = w.shape;
  const input = goldenArray(c.input);
  const [, height, width] = input.shape;
  const cell = prepareCell({ data: Float32Array.from(input.data), channels, height, width }, kernel, c.nan_policy);
  const { biasPos, biasNeg } = halfBiases(c.convention, c.bias, filters);
  const finiteWindows = Math.round(cell.validFraction * (height - kernel + 1) * (width - kernel + 1));
  return { weights: w.data as Float32Array, filters, channels, kernel, biasPos, biasNeg, cell, finiteWindows };
}
