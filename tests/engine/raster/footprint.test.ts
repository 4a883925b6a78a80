/**
 * Raster footprints in WGS84 against GDAL/OSR: every point of the ring (the
 * four corners and the points between them along the pixel grid's edges)
 * equals OSR's transform of the same pixel position, through GDAL's own
 * geotransform and CRS, to EPSG:4326 (lon, lat), within 1e-6°. The corners
 * are also checked with `gdaltransform -t_srs EPSG:4326`.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openRaster } from '../../../electron/engine/raster/index.js';
import { footprintLonLat } from '../../../electron/engine/raster/footprint.js';
import { FIXTURES, REPO_ROOT, osrLonLat, ringPixels, worstDegrees } from './fixtures.js';

const SAMPLE = join(REPO_ROOT, 'resources', 'sample', 'landsat8_b2-b5.tif');

/** gdaltransform's lon/lat of pixel positions. */
function gdaltransform(path: string, pixels: [number, number][]): [number, number][] {
  const out = execFileSync('gdaltransform', ['-t_srs', 'EPSG:4326', '-output_xy', path], {
    input: pixels.map(([c, r]) => `${c} ${r}`).join('\n') + '\n',
    encoding: 'utf8',
  });
  return out
    .trim()
    .split('\n')
    .map((line) => {
      // gdaltransform writes lon, lat (GDAL's traditional GIS order).
      const [lon, lat] = line.trim().split(/\s+/).map(Number);
      return [lon, lat];
    });
}

describe('footprintLonLat against GDAL/OSR', () => {
  const rasters: [string, string][] = [
    ['the sample (UTM 16N)', SAMPLE],
    ['Web Mercator COG', join(FIXTURES, 'rasterio__cogeo.tif')],
    ['UTM 12N', join(FIXTURES, 'rasterio__RGBA.uint16.tif')],
    ['rotated geotransform (UTM 11N)', join(FIXTURES, 'stars__geomatrix.tif')],
    ['State Plane in US feet (EPSG:2227)', join(FIXTURES, 'synthetic__epsg2227_ftus.tif')],
    ['ESRI WKT (Albers, ESRI:102039)', join(FIXTURES, 'rasterio__test_esri_wkt.tif')],
    ['geographic (EPSG:4326), whole world', join(FIXTURES, 'rasterio__world.byte.tif')],
    ['geographic, small', join(FIXTURES, 'terra__elev.tif')],
  ];
  for (const [name, path] of rasters) {
    it(name, async () => {
      const raster = await openRaster(path);
      await raster.close();
      const { width, height } = raster.info;
      for (const n of [16, 3]) {
        const ring = footprintLonLat(raster.info, n)!;
        expect(ring).not.toBeNull();
        expect(ring).toHaveLength(4 * n + 1);
        expect(ring[ring.length - 1]).toEqual(ring[0]);
        expect(worstDegrees(ring, osrLonLat(path, ringPixels(width, height, n)))).toBeLessThan(1e-6);
        // The corners (top-left, top-right, bottom-right, bottom-left) with gdaltransform.
        const corners = [0, n, 2 * n, 3 * n].map((i) => ring[i]);
        expect(
          worstDegrees(
            corners,
            gdaltransform(path, [
              [0, 0],
              [width, 0],
              [width, height],
              [0, height],
            ]),
          ),
        ).toBeLessThan(1e-6);
      }
    });
  }

  it("a user-defined CRS on NAD27 (cylindrical equal area): GDAL's NAD27 → WGS84 shift, to 1e-6°", async () => {
    const path = join(FIXTURES, 'rgdal__cea.tif');
    const raster = await openRaster(path);
    await raster.close();
    const { width, height } = raster.info;
    for (const n of [16, 3]) {
      const ring = footprintLonLat(raster.info, n)!;
      const pixels = ringPixels(width, height, n);
      expect(worstDegrees(ring, osrLonLat(path, pixels))).toBeLessThan(1e-6);
      const corners = [0, n, 2 * n, 3 * n].map((i) => ring[i]);
      expect(
        worstDegrees(
          corners,
          gdaltransform(path, [
            [0, 0],
            [width, 0],
            [width, height],
            [0, height],
          ]),
        ),
      ).toBeLessThan(1e-6);
      // The datum shift is really there: GDAL's WGS84 points are ~100 m from the NAD27 ones.
      expect(worstDegrees(osrLonLat(path, pixels), osrLonLat(path, pixels, 'own datum'))).toBeGreaterThan(1e-4);
    }
  });

  it('no CRS: null', async () => {
    for (const name of ['synthetic__no_georef.tif', 'rasterio__rotated.tif']) {
      const raster = await openRaster(join(FIXTURES, name));
      await raster.close();
      expect(footprintLonLat(raster.info)).toBeNull();
    }
  });
});
