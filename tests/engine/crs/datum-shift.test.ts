/**
 * Datum shifts against GDAL: rasters on NAD27, OSGB36, ED50 and on datums
 * whose shift PROJ does with an NTv2 grid here (DHDN, NTF, NZGD49), built with
 * gdal_translate -a_srs; their footprints in WGS84 equal OSR's transform of the
 * same pixel positions to EPSG:4326 within 1e-6°.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRaster } from '../../../electron/engine/raster/index.js';
import { footprintLonLat } from '../../../electron/engine/raster/footprint.js';
import { FIXTURES, osrLonLat, ringPixels, worstDegrees } from '../raster/fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'rcf-datum-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// [label, CRS, upper-left x, upper-left y, lower-right x, lower-right y] in CRS units.
const CASES: [string, string, number, number, number, number][] = [
  ['NAD27 / UTM 11N (EPSG:26711), California', 'EPSG:26711', 300000, 4000000, 420000, 3880000],
  // Straddles CONUS regions: west and east of the Mississippi (different Helmerts per point).
  ['NAD27 geographic (EPSG:4267), across the Mississippi', 'EPSG:4267', -95, 40, -85, 34],
  ['NAD27 / UTM 17N (EPSG:26717), Ontario and Ohio (Canada vs USA)', 'EPSG:26717', 300000, 4900000, 700000, 4500000],
  ['OSGB36 / British National Grid (EPSG:27700)', 'EPSG:27700', 300000, 500000, 500000, 300000],
  ['ED50 / UTM 31N (EPSG:23031)', 'EPSG:23031', 300000, 4800000, 500000, 4600000],
  ['DHDN / 3-degree Gauss-Kruger zone 3 (EPSG:31467), BETA2007 grid', 'EPSG:31467', 3400000, 5800000, 3600000, 5600000],
  // NTF geographic on Greenwich; the NTF (Paris) CRSs (EPSG:4807, Lambert zones) are not in the table.
  ['NTF geographic (EPSG:4275), ntf_r93 grid', 'EPSG:4275', 2, 48, 4, 46],
  ['NZGD49 / New Zealand Map Grid (EPSG:27200), nzgd2kgrid0005 grid', 'EPSG:27200', 2600000, 6100000, 2800000, 5900000],
];

describe('datum shifts against GDAL/OSR', () => {
  CASES.forEach(([label, srs, ulx, uly, lrx, lry], k) => {
    it(label, async () => {
      const path = join(dir, `case${k}.tif`);
      execFileSync('gdal_translate', [
        '-q',
        '-a_srs',
        srs,
        '-a_ullr',
        String(ulx),
        String(uly),
        String(lrx),
        String(lry),
        join(FIXTURES, 'terra__elev.tif'),
        path,
      ]);
      const raster = await openRaster(path);
      await raster.close();
      const { width, height } = raster.info;
      const n = 16;
      const ring = footprintLonLat(raster.info, n)!;
      expect(ring).not.toBeNull();
      const pixels = ringPixels(width, height, n);
      const wgs84 = osrLonLat(path, pixels);
      // The datum shift is real here (tens to hundreds of metres)...
      expect(worstDegrees(wgs84, osrLonLat(path, pixels, 'own datum'))).toBeGreaterThan(1e-5);
      // ...and ours is GDAL's.
      expect(worstDegrees(ring, wgs84)).toBeLessThan(1e-6);
    });
  });
});
