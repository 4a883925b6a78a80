/**
 * From a cell image to its feature vector: the nodata policy, the kernel's
 * relu sums, and the means. Kernels only ever see finite pixels plus a mask.
 */
import { maskFromBadPixels, windowMask, zeroNonFinite, type CellImage, type NodataPolicy } from './cell-sums.js';

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

/** A rectangle of pixels inside a larger image. */
export interface Rect {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/**
 * Cuts `rect` out of `source` into a cell ready for a kernel, in one pass:
 * each band is scaled (x·scale_c + offset_c), non-finite results become 0, and
 * their pixels are marked so the windows touching them are masked out.
 * Equivalent to copying, scaling and `prepareCell(…, 'mask')`, without the extra passes.
 * `into`, when given and large enough, holds the cell's pixels (buffer reuse).
 */
export function extractCell(
  source: CellImage,
  rect: Rect,
  scales: ArrayLike<number>,
  offsets: ArrayLike<number>,
  kernel: number,
  into?: Float32Array,
): PreparedCell {
  const { channels } = source;
  const { width, height } = rect;
  const src = source.data;
  const size = channels * width * height;
  const data = into && into.length >= size ? into.subarray(0, size) : new Float32Array(size);
  let bad: Uint8Array | null = null;
  for (let c = 0; c < channels; c++) {
    const s = scales[c];
    const o = offsets[c];
    for (let y = 0; y < height; y++) {
      const from = c * source.height * source.width + (rect.y0 + y) * source.width + rect.x0;
      const to = (c * height + y) * width;
      // Fast pass: v − v is 0 for finite v and NaN otherwise, so one sum flags the row
      // (checked after rounding to float32, which can overflow to infinity).
      let flag = 0;
      for (let x = 0; x < width; x++) {
        const v = Math.fround(src[from + x] * s + o);
        data[to + x] = v;
        flag += v - v;
      }
      if (flag === 0) continue;
      bad ??= new Uint8Array(width * height);
      for (let x = 0; x < width; x++) {
        const v = data[to + x];
        if (v - v !== 0) {
          data[to + x] = 0;
          bad[y * width + x] = 1;
        }
      }
    }
  }
  const windows = Math.max(0, height - kernel + 1) * Math.max(0, width - kernel + 1);
  const { mask, validWindows } = maskFromBadPixels(bad, height, width, kernel);
  return {
    image: { data, channels, height, width },
    mask,
    validWindows,
    validFraction: windows === 0 ? 0 : validWindows / windows,
    outputRows: validWindows === 0 ? 0 : height - kernel + 1,
  };
}
