/**
 * Empirical ("RCF–Empirical", the MOSAIKS paper's) filters: k×k patches sampled
 * from training images, ZCA-whitened over a pool larger than the number of
 * filters, then F2 of them picked without replacement.
 *
 * Differences from torchgeo, on purpose: every valid offset 0…H−k is allowed
 * (torchgeo never draws H−k), patches that touch nodata are skipped, and the
 * sampled coordinates are returned so they can be recorded.
 */
import type { SeededRandom } from './random.js';
import { zcaWhiten, ZCA_EPSILON } from './zca.js';
import type { CellImage } from './cell-sums.js';

/** Where a patch came from: training image index and its top-left pixel. */
export interface PatchCoord {
  source: number;
  y: number;
  x: number;
}

/** Default pool size: the paper's 10 × int(1e5/16) = 62,500 patches. */
export const DEFAULT_PATCH_POOL = 62_500;

/**
 * Draws `count` patch positions uniformly over all valid offsets of all
 * sources (a source with more offsets is drawn proportionally more often).
 */
export function drawPatchCoords(
  rng: SeededRandom,
  sources: readonly { height: number; width: number }[],
  kernel: number,
  count: number,
): PatchCoord[] {
  const sizes = sources.map((s) => Math.max(0, s.height - kernel + 1) * Math.max(0, s.width - kernel + 1));
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total === 0) throw new Error(`no training image is at least ${kernel}×${kernel} pixels`);
  const coords: PatchCoord[] = [];
  for (let n = 0; n < count; n++) {
    // Two draws make offsets beyond 2^32 reachable for huge mosaics.
    let r = Math.floor(rng.nextDouble() * total);
    let source = 0;
    while (r >= sizes[source]) r -= sizes[source++];
    const ow = sources[source].width - kernel + 1;
    coords.push({ source, y: Math.floor(r / ow), x: r % ow });
  }
  return coords;
}

/**
 * Copies the k×k patch at (y, x) of `image` (relative to the image's own
 * origin) into `out` at `outOffset` in [C, k, k] order. Returns false, leaving
 * garbage, when any value is not finite.
 */
export function extractPatch(
  image: CellImage,
  y: number,
  x: number,
  kernel: number,
  out: Float32Array | Float64Array,
  outOffset: number,
): boolean {
  const { data, channels, height, width } = image;
  let at = outOffset;
  for (let c = 0; c < channels; c++) {
    for (let u = 0; u < kernel; u++) {
      const row = c * height * width + (y + u) * width + x;
      for (let v = 0; v < kernel; v++) {
        const value = data[row + v];
        if (!Number.isFinite(value)) return false;
        out[at++] = value;
      }
    }
  }
  return true;
}

/** `m` distinct indices from [0, n), in draw order (partial Fisher–Yates). */
export function pickWithoutReplacement(rng: SeededRandom, n: number, m: number): number[] {
  if (m > n) throw new Error(`cannot pick ${m} of ${n} without replacement`);
  const order = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < m; i++) {
    const j = i + rng.nextInt(n - i);
    [order[i], order[j]] = [order[j], order[i]];
  }
  return order.slice(0, m);
}

/**
 * Whitens the pool and picks `filters` rows of it: the paper's filter bank.
 * `pool` is [poolSize, C·k·k]. Returns float32 weights [filters, C, k, k] and
 * the picked pool rows.
 */
export function whitenAndPick(
  rng: SeededRandom,
  pool: Float32Array | Float64Array,
  poolSize: number,
  dim: number,
  filters: number,
  epsilon = ZCA_EPSILON,
): { weights: Float32Array; picked: number[] } {
  if (poolSize < filters) throw new Error(`the patch pool (${poolSize}) must hold at least as many patches as filters (${filters})`);
  const white = zcaWhiten(pool, poolSize, dim, epsilon);
  const picked = pickWithoutReplacement(rng, poolSize, filters);
  const weights = new Float32Array(filters * dim);
  picked.forEach((row, f) => weights.set(white.subarray(row * dim, (row + 1) * dim), f * dim));
  return { weights, picked };
}
