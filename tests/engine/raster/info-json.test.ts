/** The `rcf info` JSON of a raster. */
import { describe, it, expect } from 'vitest';
import { openRaster, rasterInfoJson, type RasterInfo } from '../../../electron/engine/raster/index.js';
import { fixturePath } from './fixtures.js';

async function info(name: string): Promise<RasterInfo> {
  const raster = await openRaster(fixturePath(name));
  await raster.close();
  return raster.info;
}

describe('rasterInfoJson (what `rcf info` prints)', () => {
  it('has the contract fields for the README sample', async () => {
    const path = fixturePath('resources/sample/landsat8_b2-b5.tif');
    const raster = await openRaster(path);
    await raster.close();
    const json = JSON.parse(JSON.stringify(rasterInfoJson(raster.info))) as Record<string, unknown>;
    expect(json).toMatchObject({
      path,
      width: 627,
      height: 603,
      bands: 4,
      dtype: 'UInt16',
      transform: [452475, 30, 0, 3408645, 0, -30],
      crs: { epsg: 32616, proj4: expect.stringContaining('+proj=utm +zone=16'), wkt: expect.stringContaining('UTM zone 16N') },
      nodata: null,
      scales: [1, 1, 1, 1],
      offsets: [0, 0, 0, 0],
      block_size: [256, 256],
      compression: 'DEFLATE',
      interleave: 'PIXEL',
    });
    const [lon, lat] = json.center_lonlat as number[];
    expect(lon).toBeCloseTo(-87.39818, 5);
    expect(lat).toBeCloseTo(30.72867, 5);
  });

  it('writes NaN nodata as "nan" and a missing CRS as null', async () => {
    const json = rasterInfoJson(await info('rasterio__float_nan.tif')) as Record<string, unknown>;
    expect(json.nodata).toBe('nan');
    expect(json.crs).toBeNull();
    expect(json.center_lonlat).toBeNull();
    expect(JSON.parse(JSON.stringify(json))).toEqual(json);
  });

  it('carries per-band scale and offset', async () => {
    const json = rasterInfoJson(await info('synthetic__float32_scale_offset.tif')) as Record<string, unknown>;
    expect(json.scales).toEqual([0.5, 2]);
    expect(json.offsets).toEqual([10, -1]);
    expect(json.nodata).toBe(-3.4028234663852886e38);
  });
});
