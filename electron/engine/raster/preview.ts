/**
 * Display previews: a raster decimated to fit `maxSize` pixels on its longer
 * side, for the map. The smallest internal overview that is still at least
 * that large is read when there is one (a COG costs a few tiles); otherwise
 * the full-resolution raster is read in bands of rows and sampled (or, when
 * its strips are shorter than the sampling step, only the sampled rows), so
 * memory stays bounded by one band of rows whatever the raster's size.
 */
import type { Raster } from './open.js';

export interface RasterPreviewPixels {
  width: number;
  height: number;
  /** Band-major float32 [bands, height, width], NaN for missing pixels. */
  data: Float32Array;
  /** Where the pixels came from, for the layer's details: 'overview 2 (686×686)' or 'full resolution, sampled'. */
  source: string;
}

/** Rows read at once when sampling the full-resolution raster: about this many bytes. */
const ROW_BAND_BYTES = 64 * 1024 * 1024;

/** Reads bands (0-based) of `raster` decimated to at most maxSize×maxSize, nearest pixel centres; `signal` stops it between reads. */
export async function readPreview(raster: Raster, bands: number[], maxSize: number, signal?: AbortSignal): Promise<RasterPreviewPixels> {
  const { width, height } = raster.info;
  const factor = Math.max(1, Math.max(width, height) / maxSize);
  const outW = Math.max(1, Math.round(width / factor));
  const outH = Math.max(1, Math.round(height / factor));

  const overviews = raster.info.overviews ?? [];
  // Largest first: the last one still at least as large as the output.
  let level = -1;
  for (let i = 0; i < overviews.length; i++) if (overviews[i][0] >= outW && overviews[i][1] >= outH) level = i;

  const [srcW, srcH] = level >= 0 ? overviews[level] : [width, height];
  const data = new Float32Array(bands.length * outW * outH);
  const colOf = Int32Array.from({ length: outW }, (_, i) => Math.min(srcW - 1, Math.floor(((i + 0.5) * srcW) / outW)));
  const rowOf = Int32Array.from({ length: outH }, (_, j) => Math.min(srcH - 1, Math.floor(((j + 0.5) * srcH) / outH)));
  const read = (y0: number, rows: number) =>
    level >= 0 ? raster.readOverview(level, 0, y0, srcW, rows, bands) : raster.readWindow(0, y0, srcW, rows, bands);

  // Blocks shorter than the step between sampled rows (striped files, often one
  // row per strip): read just the sampled rows and skip decoding the rest.
  const blockHeight = level >= 0 ? srcH : (raster.info.block_size?.[1] ?? srcH);
  const sparse = blockHeight < srcH / outH;
  const rowsPerRead = sparse ? 1 : Math.max(1, Math.floor(ROW_BAND_BYTES / (srcW * bands.length * 4)));
  let j = 0;
  while (j < outH) {
    const y0 = rowOf[j];
    const y1 = Math.min(srcH, y0 + rowsPerRead);
    const rows = y1 - y0;
    signal?.throwIfAborted();
    const band = await read(y0, rows);
    for (; j < outH && rowOf[j] < y1; j++) {
      const srcRow = rowOf[j] - y0;
      for (let b = 0; b < bands.length; b++) {
        const src = b * rows * srcW + srcRow * srcW;
        const dst = (b * outH + j) * outW;
        for (let i = 0; i < outW; i++) data[dst + i] = band[src + colOf[i]];
      }
    }
  }
  const source = level >= 0 ? `overview ${level + 1} (${srcW}×${srcH})` : factor > 1 ? 'full resolution, sampled' : 'full resolution';
  return { width: outW, height: outH, data, source };
}
