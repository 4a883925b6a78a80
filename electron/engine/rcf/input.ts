/**
 * Pixels into the featurizer: a window of chosen bands, as float32 with NaN for
 * nodata, with the input scaling applied.
 */
import type { CellImage } from '../../../shared/rcf/cell-sums.js';
import { RasterError, type Raster } from '../raster/index.js';

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

/**
 * The 0-based band indexes the kernels use, from the 1-based band numbers
 * people choose (all bands when none are chosen), checked against a raster.
 */
export function bandIndexes(bands: number[] | undefined, bandCount: number, path: string): number[] {
  const chosen = bands ?? Array.from({ length: bandCount }, (_, i) => i + 1);
  const bad = chosen.find((b) => b < 1 || b > bandCount);
  if (bad !== undefined) throw new RasterError(path, `has ${bandCount} band${bandCount === 1 ? '' : 's'}, so band ${bad} cannot be used`);
  return chosen.map((b) => b - 1);
}
