/**
 * From a cell image to its feature vector: the nodata policy, the kernel's
 * relu sums, and the means. Kernels only ever see finite pixels plus a mask.
 */
import { windowMask, zeroNonFinite, type CellImage, type NodataPolicy } from './cell-sums.js';

/** A filter bank: float32 weights [filters, channels, kernel, kernel]. */
export interface FilterBank {
  weights: Float32Array;
  filters: number;
  channels: number;
  kernel: number;
}

/** A cell ready for a kernel: finite pixels, which windows count, and how many. */
export interface PreparedCell {
  image: CellImage;
  /** 1 per valid window, row-major [(H−k+1)×(W−k+1)]; null when all are valid. */
  mask: Uint8Array | null;
  /** Windows the means are taken over; 0 means every feature is NaN. */
  validWindows: number;
  /** Share of the cell's windows whose pixels are all valid, in [0, 1]. */
  validFraction: number;
  /** Output rows to run the kernel over (0 when nothing is to be computed). */
  outputRows: number;
}

/**
 * Applies the nodata policy to a cell in place (non-finite pixels become 0 and
 * are masked out). `propagate` is upstream's behaviour: any NaN makes every
 * feature NaN. `mask` averages over the windows whose C·k·k pixels are valid.
 */
export function prepareCell(image: CellImage, kernel: number, policy: NodataPolicy): PreparedCell {
  const windows = Math.max(0, image.height - kernel + 1) * Math.max(0, image.width - kernel + 1);
  const { mask, validWindows, anyNonFinite } = windowMask(image, kernel);
  const validFraction = windows === 0 ? 0 : validWindows / windows;
  if (anyNonFinite) zeroNonFinite(image.data);
  const usable = policy === 'propagate' ? (anyNonFinite ? 0 : validWindows) : validWindows;
  return {
    image,
    mask,
    validWindows: usable,
    validFraction,
    outputRows: usable === 0 ? 0 : image.height - kernel + 1,
  };
}
