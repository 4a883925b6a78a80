/**
 * A raster preview to RGBA pixels: one band as grey or three as red, green,
 * blue, each through its stretch. A pixel missing in any shown band is
 * transparent, so the basemap shows through nodata.
 */
import { stretchByte, type Stretch } from './stretch.js';

export interface PreviewPixels {
  width: number;
  height: number;
  /** Band-major [bands, height, width]. */
  data: Float32Array;
  /** How many bands `data` holds: 1 (grey) or 3 (RGB). */
  bands: number;
}

export function paintRgba(preview: PreviewPixels, stretches: (Stretch | null)[]): Uint8ClampedArray<ArrayBuffer> {
  const { width, height, data, bands } = preview;
  const plane = width * height;
  const rgba = new Uint8ClampedArray(new ArrayBuffer(plane * 4));
  for (let p = 0; p < plane; p++) {
    let missing = false;
    const out = [0, 0, 0];
    for (let c = 0; c < 3; c++) {
      const b = bands === 1 ? 0 : c;
      const v = data[b * plane + p];
      const s = stretches[b];
      if (!Number.isFinite(v) || !s) {
        missing = true;
        break;
      }
      out[c] = stretchByte(v, s);
    }
    if (missing) continue;
    rgba[p * 4] = out[0];
    rgba[p * 4 + 1] = out[1];
    rgba[p * 4 + 2] = out[2];
    rgba[p * 4 + 3] = 255;
  }
  return rgba;
}

/** Default display bands (1-based): the first three as RGB, or the first as grey. */
export function defaultDisplayBands(bandCount: number): number[] {
  return bandCount >= 3 ? [1, 2, 3] : [1];
}
