/**
 * Filter banks on disk and their making: `.npy` weights (float32
 * [F2, C, k, k]), Gaussian filters, and empirical filters sampled from rasters.
 */
import { writeFileAtomic } from '../write-file.js';
import { createHash } from 'node:crypto';
import { endianness } from 'node:os';
import { basename } from 'node:path';
import { UserError } from '../../../shared/errors/index.js';
import { runSettingError } from '../../../shared/run/index.js';
import { checkNpySize, npyHeaderBytes, NPY_HEADER_BYTES, parseNpy, parseNpyHeader, serializeNpy } from '../../../shared/rcf/npy.js';
import { gaussianWeights } from '../../../shared/rcf/gaussian.js';
import { SeededRandom } from '../../../shared/rcf/random.js';
import { drawPatchCoords, extractPatch, whitenAndPick, DEFAULT_PATCH_POOL, type PatchCoord } from '../../../shared/rcf/empirical.js';
import type { FilterBank } from '../../../shared/rcf/features.js';
import type { Raster } from '../raster/index.js';
import { readBands, type InputScaling } from './input.js';
import { formatBytes, LimitError, LIMITS } from '../limits.js';
import { openInputFile, readExactly } from '../input-file.js';

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
  if (endianness() !== 'LE') return createHash('sha256').update(bankToNpy(bank)).digest('hex');
  // The file's data is the weights' own little-endian bytes: hash them in place rather than copying the bank.
  const { weights } = bank;
  return createHash('sha256')
    .update(npyHeaderBytes([bank.filters, bank.channels, bank.kernel, bank.kernel]))
    .update(new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength))
    .digest('hex');
}

function bankToNpy(bank: FilterBank): Uint8Array {
  return serializeNpy({ shape: [bank.filters, bank.channels, bank.kernel, bank.kernel], data: bank.weights });
}

/**
 * Reads a `.npy` filter bank [F2, C, k, k]. Only a regular file within `LIMITS.weightsFileBytes` is read, and
 * only once its header's shape matches its size.
 */
export async function loadWeights(path: string): Promise<WeightsFile> {
  const fail = (problem: string) => new WeightsError(`${path}: ${problem}`, { path });
  const file = await openInputFile(path, Number.MAX_SAFE_INTEGER, fail);
  let bytes: Buffer;
  try {
    if (file.size > LIMITS.weightsFileBytes) {
      throw new LimitError({ path }, `a weights file of ${formatBytes(file.size)}`, `${formatBytes(LIMITS.weightsFileBytes)}`);
    }
    const head = await readExactly(file, 0, Math.min(file.size, NPY_HEADER_BYTES), fail);
    try {
      const header = parseNpyHeader(head);
      checkNpySize(header, file.size);
      checkBankShape(header.shape, path);
    } catch (e) {
      throw e instanceof UserError ? e : fail((e as Error).message);
    }
    bytes = await readExactly(file, 0, file.size, fail);
  } finally {
    await file.handle.close();
  }
  let array;
  try {
    array = parseNpy(bytes);
  } catch (e) {
    throw fail((e as Error).message);
  }
  const [filters, channels, kernel] = array.shape;
  if (!array.data.every(Number.isFinite)) throw fail('the weights contain NaN or infinite values');
  const bank = { weights: array.data, filters, channels, kernel };
  return { ...bank, origin: { mode: 'file', path }, sha256: bankSha256(bank) };
}

function checkBankShape(shape: number[], path: string): void {
  const [filters, channels, kernel, kernel2] = shape;
  if (shape.length !== 4 || kernel !== kernel2 || filters < 1 || channels < 1 || kernel < 1) {
    throw new WeightsError(`${path}: weights must have shape [filters, channels, k, k], got [${shape.join(', ')}]`, { path });
  }
}

/** Writes the bank as float32 `.npy` atomically (a finished file or none). */
export async function saveWeights(path: string, bank: FilterBank): Promise<void> {
  await writeFileAtomic(path, bankToNpy(bank));
}

/** Checks a features count K: positive and even (K = 2·filters). */
export function filtersForFeatures(features: number): number {
  if (!Number.isInteger(features) || features < 2 || features % 2 !== 0) {
    throw runSettingError('features', `must be a positive even number (K = 2 × filters), got ${features}`);
  }
  return features / 2;
}

/** Refuses a bank of float32 filters [filters, C, k, k] that would not fit in the run's memory, before making it. */
function checkBankMemory(filters: number, channels: number, kernel: number): void {
  const bytes = filters * channels * kernel * kernel * 4;
  if (bytes > LIMITS.runMemoryBytes) {
    throw new LimitError(
      'filter bank',
      `${filters} filters of ${channels}×${kernel}×${kernel} values need ${formatBytes(bytes)}`,
      `${formatBytes(LIMITS.runMemoryBytes)} of memory (use fewer features or bands, or a smaller kernel)`,
    );
  }
}

/** How many patches empirical filters are whitened over: those asked for, else the paper's pool (at least one per filter). */
export function patchPool(features: number, patches?: number): number {
  return patches ?? Math.max(DEFAULT_PATCH_POOL, filtersForFeatures(features));
}

/**
 * Refuses empirical filters whose sampling and whitening would not fit in the run's memory, before any
 * patch is read: the pool in float32, its two float64 copies, the covariance and its Cholesky factor, the bank.
 */
export function checkEmpiricalMemory(features: number, channels: number, kernel: number, patches?: number): void {
  const filters = filtersForFeatures(features);
  checkBankMemory(filters, channels, kernel);
  const pool = patchPool(features, patches);
  const dim = channels * kernel * kernel;
  const bytes = pool * dim * (4 + 8 + 8) + 2 * dim * dim * 8 + filters * dim * 4;
  if (bytes > LIMITS.runMemoryBytes) {
    throw new LimitError(
      'empirical filters',
      `whitening ${pool} patches of ${channels}×${kernel}×${kernel} values needs ${formatBytes(bytes)}`,
      `${formatBytes(LIMITS.runMemoryBytes)} of memory (use fewer patches or bands, or a smaller kernel)`,
    );
  }
}

export function makeGaussianBank(features: number, channels: number, kernel: number, seed: number): WeightsFile {
  const filters = filtersForFeatures(features);
  checkBankMemory(filters, channels, kernel);
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
  checkEmpiricalMemory(options.features, bands.length, kernel, options.pool);
  const pool = patchPool(options.features, options.pool);
  if (pool < filters) throw runSettingError('patches', `(${pool}) must be at least the number of filters (${filters})`);
  const channels = bands.length;
  const dim = channels * kernel * kernel;
  const rng = new SeededRandom(options.seed);
  const sources = train.map((r) => ({ height: r.info.height, width: r.info.width }));
  const patches = new Float32Array(pool * dim);
  const coords: PatchCoord[] = [];
  for (let round = 0; coords.length < pool; round++) {
    if (round === MAX_SAMPLE_ROUNDS) {
      throw new WeightsError(
        `only ${coords.length} of ${pool} sampled ${kernel}×${kernel} patches were free of nodata; ` +
          'use other training rasters or fewer patches',
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
