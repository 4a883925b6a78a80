// Strips in column chunks (a strip budget far below the raster's width) give the features of whole-width strips:
// byte for byte for grid cells (each cell is still read and summed whole), to float32 rounding for a `whole` cell
// (its windows are summed in another order); and a small budget really does cut the strips.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { join } from 'node:path';
import { ROOT } from '../../helpers/cli.js';
import { openRaster, type Raster } from '../../../electron/engine/raster/index.js';
import { makeGaussianBank } from '../../../electron/engine/rcf/weights.js';
import { featurize, type CellResult, type FeaturizeSettings } from '../../../electron/engine/rcf/featurize.js';
import { parseCellSize } from '../../../shared/grid/cells.js';

const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
const NAN = join(ROOT, 'tests/fixtures/featurize/l8_300_nan_f32.tif');

async function run(raster: Raster, cellSize: string, stripBytes?: number, kernel = 3) {
  const channels = raster.info.bands;
  const bank = makeGaussianBank(16, channels, kernel, 7);
  const settings: FeaturizeSettings = {
    bandIndexes: Array.from({ length: channels }, (_, i) => i),
    scaling: { scale: 0.0001, offset: 0, useRasterScale: false },
    cellSize: parseCellSize(cellSize),
    nodata: 'mask',
    convention: 'torchgeo',
    bias: -1,
    backend: 'cpu',
    threads: 2,
    stripBytes,
  };
  const windows: [number, number][] = [];
  const cells: CellResult[] = [];
  const reading = raster.readWindow.bind(raster);
  // Watch the strips' widths: a chunked run must read narrower windows.
  raster.readWindow = (x0, y0, w, h, ...rest) => (windows.push([w, h]), reading(x0, y0, w, h, ...rest));
  try {
    await featurize([{ raster, name: 'r' }], bank, settings, { onCell: (c) => void cells.push(c) });
  } finally {
    raster.readWindow = reading;
  }
  return { cells, widest: Math.max(...windows.map(([w]) => w)), largest: Math.max(...windows.map(([w, h]) => w * h)) };
}

describe('strips in column chunks', () => {
  let sample: Raster;
  let nan: Raster;
  beforeAll(async () => {
    sample = await openRaster(SAMPLE);
    nan = await openRaster(NAN);
  });
  afterAll(async () => {
    await sample.close();
    await nan.close();
  });

  for (const [name, cellSize] of [
    ['sample', '64'],
    ['nan', '50'],
  ] as const) {
    it(`gives the same cells, byte for byte, for --cell-size ${cellSize} on ${name}`, async () => {
      const raster = name === 'sample' ? sample : nan;
      const full = await run(raster, cellSize);
      // 2 cells of 64 (or 50) rows of 4 bands per strip at most.
      const size = Number(cellSize);
      const chunked = await run(raster, cellSize, 2 * size * size * 4 * raster.info.bands);
      expect(full.widest).toBeGreaterThan(2 * size);
      expect(chunked.widest).toBe(2 * size);
      expect(chunked.cells.length).toBe(full.cells.length);
      expect(chunked.cells.length).toBeGreaterThan(10);
      chunked.cells.forEach((c, i) => {
        expect(c.cellId).toBe(full.cells[i].cellId);
        expect(c.validFraction).toBe(full.cells[i].validFraction);
        expect(Float32Array.from(c.features)).toEqual(Float32Array.from(full.cells[i].features));
      });
    });
  }

  for (const kernel of [3, 7]) {
    it(`gives the same whole-raster features with chunks that overlap by k−1 columns (k = ${kernel})`, async () => {
      for (const raster of [sample, nan]) {
        const full = await run(raster, 'whole', undefined, kernel);
        // 40 columns of (256 + k − 1) rows per chunk: several chunks across, and bands of rows down.
        const pixels = 40 * (256 + kernel - 1);
        const chunked = await run(raster, 'whole', pixels * 4 * raster.info.bands, kernel);
        expect(full.widest).toBe(raster.info.width);
        expect(chunked.widest).toBeLessThan(raster.info.width);
        expect(chunked.largest).toBeLessThanOrEqual(pixels);
        const [a, b] = [chunked.cells[0], full.cells[0]];
        expect(chunked.cells).toHaveLength(1);
        expect(a.validFraction).toBe(b.validFraction);
        expect(a.features.some(Number.isNaN)).toBe(false);
        a.features.forEach((v, f) => expect(v).toBeCloseTo(b.features[f], 6));
      }
    });
  }
});
