/**
 * Filter banks on disk and their making: `.npy` weights (float32
 * [F2, C, k, k]), Gaussian filters, and empirical filters sampled from rasters.
 */
import { readFile, writeFile, rename } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { fileProblem, UserError } from '../../../shared/errors/index.js';
import { SettingError } from '../../../shared/run/index.js';
import { parseNpy, serializeNpy } from '../../../shared/rcf/npy.js';
import { gaussianWeights } from '../../../shared/rcf/gaussian.js';
import { SeededRandom } from '../../../shared/rcf/random.js';
import { drawPatchCoords, extractPatch, whitenAndPick, DEFAULT_PATCH_POOL, type PatchCoord } from '../../../shared/rcf/empirical.js';
import type { FilterBank } from '../../../shared/rcf/features.js';
import type { Raster } from '../raster/index.js';
import { readBands, type InputScaling } from './input.js';

/** How a bank was made, for the provenance. */
export type BankOrigin =
  | { mode: 'file'; path: string }
  | { mode: 'gaussian'; seed: number }
  | {
      mode: 'empirical';
      seed: number;
      pool: number;
      train: string[];
      /** Training raster index and top-left pixel of each filter's patch, in filter order. */
      patches: PatchCoord[];
    };

export interface WeightsFile extends FilterBank {
  origin: BankOrigin;
  /** sha256 of the bank as a canonical float32 `.npy` file (what `rcf weights` writes). */
  sha256: string;
}

export class WeightsError extends UserError {
  override name = 'WeightsError';
}

export function bankSha256(bank: FilterBank): string {
  return createHash('sha256').update(bankToNpy(bank)).digest('hex');
}

function bankToNpy(bank: FilterBank): Uint8Array {
  return serializeNpy({ shape: [bank.filters, bank.channels, bank.kernel, bank.kernel], data: bank.weights });
}

/** Reads a `.npy` filter bank [F2, C, k, k]. */
export async function loadWeights(path: string): Promise<WeightsFile> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw new WeightsError(`${path}: ${fileProblem((e as NodeJS.ErrnoException).code) ?? `cannot read the weights file (${String(e)})`}`, {
      path,
    });
  }
  let array;
  try {
    array = parseNpy(bytes);
  } catch (e) {
    throw new WeightsError(`${path}: ${(e as Error).message}`);
  }
  const [filters, channels, kernel, kernel2] = array.shape;
  if (array.shape.length !== 4 || kernel !== kernel2 || filters < 1 || channels < 1 || kernel < 1) {
    throw new WeightsError(`${path}: weights must have shape [filters, channels, k, k], got [${array.shape.join(', ')}]`);
  }
  if (!array.data.every(Number.isFinite)) throw new WeightsError(`${path}: the weights contain NaN or infinite values`);
  const bank = { weights: array.data, filters, channels, kernel };
  return { ...bank, origin: { mode: 'file', path }, sha256: bankSha256(bank) };
}

/** Writes the bank as float32 `.npy` atomically (a finished file or none). */
export async function saveWeights(path: string, bank: FilterBank): Promise<void> {
  const partial = `${path}.partial`;
  await writeFile(partial, bankToNpy(bank));
  await rename(partial, path);
}

/** Checks a features count K: positive and even (K = 2·filters). */
export function filtersForFeatures(features: number): number {
  if (!Number.isInteger(features) || features < 2 || features % 2 !== 0) {
    throw new SettingError('features', `must be a positive even number (K = 2 × filters), got ${features}`);
  }
  return features / 2;
}

export function makeGaussianBank(features: number, channels: number, kernel: number, seed: number): WeightsFile {
  const filters = filtersForFeatures(features);
  const bank = { weights: gaussianWeights(filters, channels, kernel, seed), filters, channels, kernel };
  return { ...bank, origin: { mode: 'gaussian', seed }, sha256: bankSha256(bank) };
}

export interface EmpiricalOptions {
  features: number;
  kernel: number;
  seed: number;
  /** Patches to whiten over; at least the number of filters. */
  pool?: number;
  /** 0-based bands, the same for every training raster. */
  bands: number[];
  scaling: InputScaling;
}

/** Block edge, in pixels, used to read training rasters a window at a time. */
const SAMPLE_BLOCK = 512;
/** Rounds of redraws for patches that touched nodata before giving up. */
const MAX_SAMPLE_ROUNDS = 50;

/**
 * The paper's empirical filters: a pool of patches drawn uniformly over every
 * valid offset of the training rasters (skipping any that touch nodata),
 * ZCA-whitened together, then `features/2` of them picked without replacement.
 */
export async function makeEmpiricalBank(train: Raster[], options: EmpiricalOptions): Promise<WeightsFile> {
  const filters = filtersForFeatures(options.features);
  const { kernel, bands } = options;
  const pool = options.pool ?? Math.max(DEFAULT_PATCH_POOL, filters);
  if (pool < filters) throw new SettingError('patches', `(${pool}) must be at least the number of filters (${filters})`);
  const channels = bands.length;
  const dim = channels * kernel * kernel;
  const rng = new SeededRandom(options.seed);
  const sources = train.map((r) => ({ height: r.info.height, width: r.info.width }));
  const patches = new Float32Array(pool * dim);
  const coords: PatchCoord[] = [];
  for (let round = 0; coords.length < pool; round++) {
    if (round === MAX_SAMPLE_ROUNDS) {
      throw new WeightsError(
        `only ${coords.length} of ${pool} sampled ${kernel}×${kernel} patches were free of nodata; use other training rasters or fewer patches`,
      );
    }
    const drawn = drawPatchCoords(rng, sources, kernel, pool - coords.length);
    // Read each block of each raster once; a block window carries k−1 extra rows and columns.
    const byBlock = new Map<string, PatchCoord[]>();
    for (const c of drawn) {
      const key = `${c.source}:${Math.floor(c.y / SAMPLE_BLOCK)}:${Math.floor(c.x / SAMPLE_BLOCK)}`;
      const list = byBlock.get(key);
      if (list) list.push(c);
      else byBlock.set(key, [c]);
    }
    const kept = new Set<PatchCoord>();
    const scratch = new Float32Array(dim);
    const patchOf = new Map<PatchCoord, Float32Array>();
    for (const [key, list] of byBlock) {
      const [source, by, bx] = key.split(':').map(Number);
      const raster = train[source];
      const x0 = bx * SAMPLE_BLOCK;
      const y0 = by * SAMPLE_BLOCK;
      const w = Math.min(SAMPLE_BLOCK + kernel - 1, raster.info.width - x0);
      const h = Math.min(SAMPLE_BLOCK + kernel - 1, raster.info.height - y0);
      const image = await readBands(raster, { x0, y0, width: w, height: h }, bands, options.scaling);
      for (const c of list) {
        if (extractPatch(image, c.y - y0, c.x - x0, kernel, scratch, 0)) {
          kept.add(c);
          patchOf.set(c, scratch.slice());
        }
      }
    }
    // Keep draw order so the pool does not depend on block grouping.
    for (const c of drawn) {
      if (!kept.has(c)) continue;
      patches.set(patchOf.get(c)!, coords.length * dim);
      coords.push(c);
    }
  }
  const { weights, picked } = whitenAndPick(rng, patches, pool, dim, filters);
  const bank = { weights, filters, channels, kernel };
  return {
    ...bank,
    origin: {
      mode: 'empirical',
      seed: options.seed,
      pool,
      train: train.map((r) => basename(r.info.path)),
      patches: picked.map((i) => coords[i]),
    },
    sha256: bankSha256(bank),
  };
}
