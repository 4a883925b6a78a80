import { describe, it, expect } from 'vitest';
import {
  determinant,
  geoTransformProblem,
  invertGeoTransform,
  isAxisAligned,
  mapToPixel,
  pixelToMap,
  rasterBounds,
  type GeoTransform,
} from '../../../shared/geo/affine.js';

const NORTH_UP: GeoTransform = [452475, 30, 0, 3408645, 0, -30];
// rasterio__rotated.tif: 30° rotation with different x/y pixel sizes.
const ROTATED: GeoTransform = [100, 17.320508075688775, 4.999999999999999, 200, 9.999999999999998, -8.660254037844387];
const SOUTH_UP: GeoTransform = [0, 100, 0, 0, 0, 100];

describe('pixelToMap', () => {
  it('maps pixel corners and centres of a north-up grid', () => {
    expect(pixelToMap(NORTH_UP, 0, 0)).toEqual([452475, 3408645]);
    expect(pixelToMap(NORTH_UP, 0.5, 0.5)).toEqual([452490, 3408630]);
    expect(pixelToMap(NORTH_UP, 627, 603)).toEqual([452475 + 627 * 30, 3408645 - 603 * 30]);
  });

  it('applies rotation terms', () => {
    const [x, y] = pixelToMap(ROTATED, 1, 0);
    expect(x).toBeCloseTo(117.320508, 6);
    expect(y).toBeCloseTo(210, 9);
    const [x2, y2] = pixelToMap(ROTATED, 0, 1);
    expect(x2).toBeCloseTo(105, 9);
    expect(y2).toBeCloseTo(191.339746, 6);
  });

  it('keeps y growing downwards for south-up grids', () => {
    expect(pixelToMap(SOUTH_UP, 3, 2)).toEqual([300, 200]);
  });
});

describe('inverse transform', () => {
  it.each([
    ['north-up', NORTH_UP],
    ['rotated', ROTATED],
    ['south-up', SOUTH_UP],
  ] as const)('round-trips pixel → map → pixel (%s)', (_name, t) => {
    for (const [c, r] of [
      [0, 0],
      [10.5, 3.25],
      [627, 603],
    ]) {
      const [x, y] = pixelToMap(t, c, r);
      const [c2, r2] = mapToPixel(t, x, y);
      expect(c2).toBeCloseTo(c, 9);
      expect(r2).toBeCloseTo(r, 9);
    }
  });

  it('returns null / throws for singular transforms', () => {
    expect(invertGeoTransform([0, 1, 2, 0, 2, 4])).toBeNull();
    expect(() => mapToPixel([0, 0, 0, 0, 0, 0], 1, 1)).toThrow(/singular/);
  });
});

describe('geoTransformProblem', () => {
  it('accepts valid transforms, including tiny degree pixels', () => {
    expect(geoTransformProblem(NORTH_UP)).toBeNull();
    expect(geoTransformProblem(ROTATED)).toBeNull();
    expect(geoTransformProblem([5.74, 0.0000083, 0, 50.19, 0, -0.0000083])).toBeNull();
  });

  it('rejects zero, NaN, infinite and singular transforms', () => {
    expect(geoTransformProblem([0, 0, 0, 0, 0, -1])).toMatch(/singular/);
    expect(geoTransformProblem([0, 1, 0, 0, 0, 0])).toMatch(/singular/);
    expect(geoTransformProblem([0, 1, 1, 0, 1, 1])).toMatch(/singular/);
    expect(geoTransformProblem([NaN, 1, 0, 0, 0, -1])).toMatch(/NaN/);
    expect(geoTransformProblem([0, Infinity, 0, 0, 0, -1])).toMatch(/infinite/);
    expect(geoTransformProblem([0, 1, 0, 0, 0])).toMatch(/6/);
  });
});

describe('helpers', () => {
  it('determinant, axis alignment and bounds', () => {
    expect(determinant(NORTH_UP)).toBe(-900);
    expect(isAxisAligned(NORTH_UP)).toBe(true);
    expect(isAxisAligned(ROTATED)).toBe(false);
    expect(rasterBounds(NORTH_UP, 2, 3)).toEqual([452475, 3408645 - 90, 452535, 3408645]);
    expect(rasterBounds(SOUTH_UP, 3, 2)).toEqual([0, 0, 300, 200]);
  });
});
