/**
 * The reference kernel and the nodata rules, in plain TypeScript.
 *
 * A cell image is float32 [C, H, W] (band-major). Output positions are the
 * (H−k+1)×(W−k+1) valid cross-correlation windows. The fast kernels
 * (electron/engine/rcf) implement exactly `accumulateRowsReference`.
 */

/** What to do with NaN (nodata) pixels. */
export const NODATA_POLICIES = ['mask', 'propagate'] as const;
export type NodataPolicy = (typeof NODATA_POLICIES)[number];

export interface CellImage {
  data: Float32Array;
  channels: number;
  height: number;
  width: number;
}

/**
 * Marks each k×k window whose C·k·k pixels are all finite (1) or not (0), and
 * counts the valid ones. `mask` is null when every window is valid.
 */
export function windowMask(image: CellImage, kernel: number): { mask: Uint8Array | null; validWindows: number; anyNonFinite: boolean } {
  const { data, channels, height, width } = image;
  const bad = new Uint8Array(height * width);
  let anyNonFinite = false;
  for (let c = 0; c < channels; c++) {
    const base = c * height * width;
    for (let i = 0; i < height * width; i++) {
      if (!Number.isFinite(data[base + i])) {
        bad[i] = 1;
        anyNonFinite = true;
      }
    }
  }
  return { ...maskFromBadPixels(anyNonFinite ? bad : null, height, width, kernel), anyNonFinite };
}

/**
 * The window mask from a map of bad pixels (1 = some band is not valid), or
 * from null when every pixel is valid.
 */
export function maskFromBadPixels(
  bad: Uint8Array | null,
  height: number,
  width: number,
  kernel: number,
): { mask: Uint8Array | null; validWindows: number } {
  const oh = height - kernel + 1;
  const ow = width - kernel + 1;
  if (oh < 1 || ow < 1) return { mask: new Uint8Array(0), validWindows: 0 };
  if (bad === null) return { mask: null, validWindows: oh * ow };
  // Summed-area table of bad pixels gives each window's count in O(1).
  const sat = new Int32Array((height + 1) * (width + 1));
  for (let y = 0; y < height; y++) {
    let rowSum = 0;
    for (let x = 0; x < width; x++) {
      rowSum += bad[y * width + x];
      sat[(y + 1) * (width + 1) + x + 1] = sat[y * (width + 1) + x + 1] + rowSum;
    }
  }
  const mask = new Uint8Array(oh * ow);
  let validWindows = 0;
  for (let i = 0; i < oh; i++) {
    for (let j = 0; j < ow; j++) {
      const n =
        sat[(i + kernel) * (width + 1) + j + kernel] -
        sat[i * (width + 1) + j + kernel] -
        sat[(i + kernel) * (width + 1) + j] +
        sat[i * (width + 1) + j];
      if (n === 0) {
        mask[i * ow + j] = 1;
        validWindows++;
      }
    }
  }
  return { mask, validWindows };
}

/** Replaces non-finite values with 0 in place; masked windows ignore them anyway. */
export function zeroNonFinite(data: Float32Array): void {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) data[i] = 0;
}

/**
 * Adds, for output rows [row0, row1) and every valid window,
 * relu(c_f + biasPos_f) to outPos[f] and relu(−c_f + biasNeg_f) to outNeg[f],
 * where c_f is the bias-free convolution of filter f (weights [F2, C, k, k]).
 * Accumulates in float64. Straightforward and slow: the specification.
 */
export function accumulateRowsReference(
  weights: Float32Array,
  filters: number,
  kernel: number,
  biasPos: Float32Array,
  biasNeg: Float32Array,
  image: CellImage,
  mask: Uint8Array | null,
  row0: number,
  row1: number,
  outPos: Float64Array,
  outNeg: Float64Array,
): void {
  const { data, channels, height, width } = image;
  const ow = width - kernel + 1;
  const dim = channels * kernel * kernel;
  const offsets = new Int32Array(dim);
  let d = 0;
  for (let c = 0; c < channels; c++)
    for (let u = 0; u < kernel; u++) for (let v = 0; v < kernel; v++) offsets[d++] = c * height * width + u * width + v;
  for (let i = row0; i < row1; i++) {
    for (let j = 0; j < ow; j++) {
      if (mask && !mask[i * ow + j]) continue;
      const at = i * width + j;
      for (let f = 0; f < filters; f++) {
        const w = f * dim;
        let conv = 0;
        for (let q = 0; q < dim; q++) conv += weights[w + q] * data[at + offsets[q]];
        const pos = conv + biasPos[f];
        const neg = -conv + biasNeg[f];
        if (pos > 0) outPos[f] += pos;
        if (neg > 0) outNeg[f] += neg;
      }
    }
  }
}

/** The feature vector [pos means…, neg means…]; NaN everywhere when no window is valid. */
export function meanFeatures(outPos: Float64Array, outNeg: Float64Array, validWindows: number): Float64Array {
  const filters = outPos.length;
  const features = new Float64Array(2 * filters);
  if (validWindows === 0) return features.fill(NaN);
  for (let f = 0; f < filters; f++) {
    features[f] = outPos[f] / validWindows;
    features[filters + f] = outNeg[f] / validWindows;
  }
  return features;
}
