/** Map coordinates to WGS84 lon/lat, datum shift included. */
import { execFileSync } from 'node:child_process';
import { describe, it, expect } from 'vitest';
import { lookupEpsg, makeLonLatTransformer } from '../../../electron/engine/crs/index.js';

describe('makeLonLatTransformer', () => {
  it('is null for an unknown CRS', () => {
    expect(makeLonLatTransformer(null)).toBeNull();
    expect(makeLonLatTransformer({ epsg: null, proj4: null })).toBeNull();
    expect(makeLonLatTransformer({ epsg: null, proj4: '+proj=nonsense' })).toBeNull();
  });

  it('shifts NAD27 to WGS84 as GDAL does here (a regional Helmert: PROJ has no NAD27 grid installed), not NaN', () => {
    const nad27 = lookupEpsg(4267)!; // its proj4 names an NTv2 grid that is not bundled
    const toLonLat = makeLonLatTransformer({ epsg: 4267, proj4: nad27.proj4 })!;
    const [lon, lat] = toLonLat(-100, 40);
    const gdal = execFileSync('gdaltransform', ['-s_srs', 'EPSG:4267', '-t_srs', 'EPSG:4326', '-output_xy'], {
      input: '-100 40\n',
      encoding: 'utf8',
    })
      .trim()
      .split(/\s+/)
      .map(Number);
    expect(Math.abs(lon - gdal[0])).toBeLessThan(1e-6);
    expect(Math.abs(lat - gdal[1])).toBeLessThan(1e-6);
    expect(Math.abs(lon + 100)).toBeGreaterThan(1e-5);
  });

  it('maps UTM zone 16N to lon/lat', () => {
    const toLonLat = makeLonLatTransformer({ epsg: 32616, proj4: lookupEpsg(32616)!.proj4 })!;
    const [lon, lat] = toLonLat(500000, 0);
    expect(lon).toBeCloseTo(-87, 9);
    expect(lat).toBeCloseTo(0, 9);
  });
});
