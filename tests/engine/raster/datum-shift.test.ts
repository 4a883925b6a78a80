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
import { SYSTEM_PYTHON } from '../../helpers/python.js';
import { FIXTURES } from './fixtures.js';

const dir = mkdtempSync(join(tmpdir(), 'rcf-datum-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** OSR's WGS84 lon/lat and own-datum lon/lat of pixel positions. */
function osr(path: string, pixels: [number, number][]): { wgs84: [number, number][]; own: [number, number][] } {
  const script = `
import sys, json
from osgeo import gdal, osr
ds = gdal.Open(sys.argv[1])
gt = ds.GetGeoTransform()
src = ds.GetSpatialRef()
src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
out = {}
for name in ('wgs84', 'own'):
    if name == 'wgs84':
        dst = osr.SpatialReference(); dst.ImportFromEPSG(4326)
    else:
        dst = src.CloneGeogCS()
    dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
    ct = osr.CoordinateTransformation(src, dst)
    pts = []
    for c, r in json.loads(sys.argv[2]):
        lon, lat, _ = ct.TransformPoint(gt[0] + c * gt[1] + r * gt[2], gt[3] + c * gt[4] + r * gt[5])
        pts.append([lon, lat])
    out[name] = pts
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(SYSTEM_PYTHON, ['-c', script, path, JSON.stringify(pixels)], { encoding: 'utf8' })) as {
    wgs84: [number, number][];
    own: [number, number][];
  };
}

function ringPixels(width: number, height: number, n: number): [number, number][] {
  const corners: [number, number][] = [[0, 0], [width, 0], [width, height], [0, height]];
  const out: [number, number][] = [];
  for (let side = 0; side < 4; side++) {
    const [c0, r0] = corners[side];
    const [c1, r1] = corners[(side + 1) % 4];
    for (let i = 0; i < n; i++) out.push([c0 + ((c1 - c0) * i) / n, r0 + ((r1 - r0) * i) / n]);
  }
  out.push(out[0]);
  return out;
}

function worst(a: [number, number][], b: [number, number][]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map(([lon, lat], i) => Math.max(Math.abs(lon - b[i][0]), Math.abs(lat - b[i][1]))));
}

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
      execFileSync('gdal_translate', ['-q', '-a_srs', srs, '-a_ullr', String(ulx), String(uly), String(lrx), String(lry), join(FIXTURES, 'terra__elev.tif'), path]);
      const raster = await openRaster(path);
      await raster.close();
      const { width, height } = raster.info;
      const n = 16;
      const ring = footprintLonLat(raster.info, n)!;
      expect(ring).not.toBeNull();
      const gdal = osr(path, ringPixels(width, height, n));
      // The datum shift is real here (tens to hundreds of metres)...
      expect(worst(gdal.wgs84, gdal.own)).toBeGreaterThan(1e-5);
      // ...and ours is GDAL's.
      expect(worst(ring, gdal.wgs84)).toBeLessThan(1e-6);
    });
  });
});
