// `rcf info` against gdalinfo -json, run at test time on the bundled sample and a rotated file.
import { describe, it, expect } from 'vitest';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { rcf, ROOT } from '../helpers/cli.js';

const FILES = [
  'resources/sample/landsat8_b2-b5.tif',
  'tests/fixtures/rasters/stars__geomatrix.tif',
  'tests/fixtures/featurize/l8_300_nan_f32.tif',
];

describe('rcf info', () => {
  for (const file of FILES) {
    it(`agrees with gdalinfo on ${file}`, () => {
      const r = rcf(['info', join(ROOT, file)]);
      expect(r.code).toBe(0);
      const info = JSON.parse(r.stdout);
      const gdal = JSON.parse(execFileSync('gdalinfo', ['-json', join(ROOT, file)], { encoding: 'utf8' }));
      expect([info.width, info.height]).toEqual(gdal.size);
      expect(info.bands).toBe(gdal.bands.length);
      expect(info.dtype).toBe(gdal.bands[0].type);
      info.transform.forEach((v: number, i: number) => expect(v).toBeCloseTo(gdal.geoTransform[i], 9));
      const nodata = gdal.bands[0].noDataValue;
      expect(info.nodata).toEqual(nodata === undefined ? null : nodata === 'NaN' ? 'nan' : nodata);
      const epsg = /ID\["EPSG",(\d+)\]\]$/.exec(gdal.coordinateSystem.wkt.trim())?.[1];
      expect(info.crs.epsg).toBe(epsg ? Number(epsg) : null);
      // gdalinfo's wgs84Extent is the footprint polygon; its centre is not the centre pixel for
      // rotated rasters, so compare with the transformed centre from cornerCoordinates instead.
      const [cx, cy] = gdal.cornerCoordinates.center;
      const lonlat = execFileSync('gdaltransform', ['-s_srs', gdal.coordinateSystem.wkt, '-t_srs', 'EPSG:4326', '-output_xy'], {
        input: `${cx} ${cy}\n`,
        encoding: 'utf8',
      })
        .trim()
        .split(/\s+/)
        .map(Number);
      expect(Math.abs(info.center_lonlat[0] - lonlat[0])).toBeLessThan(1e-6);
      expect(Math.abs(info.center_lonlat[1] - lonlat[1])).toBeLessThan(1e-6);
    });
  }
});
