/**
 * Pixels into the featurizer: a window of chosen bands, as float32 with NaN for
 * nodata, with the input scaling applied.
 */
import type { CellImage } from '../../../shared/rcf/cell-sums.js';
import type { Raster } from '../raster/index.js';

/**
 * value = (raw · tagScale_b + tagOffset_b) · scale + offset, where the tag
 * scale/offset of band b is used only when `useRasterScale` is set (otherwise
 * 1 and 0). The default bias −1 only means something for inputs of order 1,
 * such as reflectance, so raw digital numbers usually need a scale.
 */
export interface InputScaling {
  scale: number;
  offset: number;
  useRasterScale: boolean;
}

export const NO_SCALING: InputScaling = { scale: 1, offset: 0, useRasterScale: false };

export interface PixelRect {
  x0: number;
  y0: number;
  width: number;
  height: number;
}

/** Reads bands (0-based) of a rectangle as a scaled float32 [C, h, w] image. */
export async function readBands(raster: Raster, rect: PixelRect, bands: number[], scaling: InputScaling): Promise<CellImage> {
  const data = await raster.readWindow(rect.x0, rect.y0, rect.width, rect.height, bands);
  const { scales, offsets } = bandScaling(raster, bands, scaling);
  const plane = rect.width * rect.height;
  bands.forEach((_, c) => {
    if (scales[c] === 1 && offsets[c] === 0) return;
    const values = data.subarray(c * plane, (c + 1) * plane);
    for (let i = 0; i < values.length; i++) values[i] = values[i] * scales[c] + offsets[c];
  });
  return { data, channels: bands.length, height: rect.height, width: rect.width };
}

/** The combined scale and offset of each selected band: value = raw·scale + offset. */
export function bandScaling(raster: Raster, bands: number[], scaling: InputScaling): { scales: number[]; offsets: number[] } {
  const scales = bands.map((b) => (scaling.useRasterScale ? raster.info.scales[b] : 1) * scaling.scale);
  const offsets = bands.map((b) => (scaling.useRasterScale ? raster.info.offsets[b] : 0) * scaling.scale + scaling.offset);
  return { scales, offsets };
}

/** Parses a 1-based `--bands` list like "1,2,3" against a raster's band count; returns 0-based bands. */
export function parseBands(text: string | undefined, bandCount: number): number[] {
  if (text === undefined) return Array.from({ length: bandCount }, (_, i) => i);
  const bands = text.split(',').map((s) => s.trim());
  return bands.map((s) => {
    const n = Number(s);
    if (!/^[0-9]+$/.test(s) || n < 1 || n > bandCount) throw new Error(`--bands: '${s}' is not a band of this raster (it has ${bandCount}; bands count from 1)`);
    return n - 1;
  });
}
