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
  applyScaling(data, rect.width * rect.height, bands, raster, scaling);
  return { data, channels: bands.length, height: rect.height, width: rect.width };
}

function applyScaling(data: Float32Array, plane: number, bands: number[], raster: Raster, scaling: InputScaling): void {
  bands.forEach((band, c) => {
    const tagScale = scaling.useRasterScale ? raster.info.scales[band] : 1;
    const tagOffset = scaling.useRasterScale ? raster.info.offsets[band] : 0;
    const s = tagScale * scaling.scale;
    const o = tagOffset * scaling.scale + scaling.offset;
    if (s === 1 && o === 0) return;
    const values = data.subarray(c * plane, (c + 1) * plane);
    for (let i = 0; i < values.length; i++) values[i] = values[i] * s + o;
  });
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
