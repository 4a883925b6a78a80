/** Shared helpers for the raster tests: fixture paths and GDAL's ground truth. */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { SYSTEM_PYTHON } from '../../helpers/python.js';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(here, '..', '..', '..');
export const FIXTURES = join(REPO_ROOT, 'tests', 'fixtures', 'rasters');

export interface GdalProbe {
  col: number;
  row: number;
  value: number | 'nan';
}
export interface GdalBand {
  nodata: number | 'nan' | null;
  scale: number;
  offset: number;
  block_size: [number, number];
  probes: GdalProbe[];
  window: [number, number, number, number];
  window_valid: number;
  window_sum: number;
  window_min: number | null;
  window_max: number | null;
}
export interface GdalFile {
  width: number;
  height: number;
  bands: number;
  dtype: string;
  geotransform: number[];
  epsg: number | null;
  has_crs: boolean;
  center_lonlat: [number, number] | null;
  compression: string | null;
  interleave: string;
  area_or_point: string | null;
  band: GdalBand[];
}

/** Written once by tests/fixtures/rasters/make_gdal_expected.py (GDAL 3.6). */
export const GDAL: { gdal_version: string; files: Record<string, GdalFile> } = JSON.parse(
  readFileSync(join(FIXTURES, 'gdal_expected.json'), 'utf8'),
);

/** Absolute path of a fixture key (a file name in tests/fixtures/rasters, or a repo-relative path). */
export function fixturePath(key: string): string {
  return key.includes('/') ? join(REPO_ROOT, key) : join(FIXTURES, key);
}

/**
 * OSR's lon/lat of pixel positions (col, row) of the raster: in WGS84, or in
 * the geographic CRS of the raster's own datum (no datum shift).
 */
export function osrLonLat(path: string, pixels: [number, number][], target: 'wgs84' | 'own datum' = 'wgs84'): [number, number][] {
  const script = `
import sys, json
from osgeo import gdal, osr
ds = gdal.Open(sys.argv[1])
gt = ds.GetGeoTransform()
src = ds.GetSpatialRef()
src.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
if sys.argv[2] == 'wgs84':
    dst = osr.SpatialReference()
    dst.ImportFromEPSG(4326)
else:
    dst = src.CloneGeogCS()
dst.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
ct = osr.CoordinateTransformation(src, dst)
out = []
for c, r in json.loads(sys.stdin.read()):
    x = gt[0] + c * gt[1] + r * gt[2]
    y = gt[3] + c * gt[4] + r * gt[5]
    lon, lat, _ = ct.TransformPoint(x, y)
    out.append([lon, lat])
print(json.dumps(out))
`;
  return JSON.parse(execFileSync(SYSTEM_PYTHON, ['-c', script, path, target], { input: JSON.stringify(pixels), encoding: 'utf8' })) as [
    number,
    number,
  ][];
}

/** The pixel positions of a raster's outline, as footprint.ts documents them: clockwise from the top-left corner, n per side, closed. */
export function ringPixels(width: number, height: number, n: number): [number, number][] {
  const corners: [number, number][] = [
    [0, 0],
    [width, 0],
    [width, height],
    [0, height],
  ];
  const out: [number, number][] = [];
  for (let side = 0; side < 4; side++) {
    const [c0, r0] = corners[side];
    const [c1, r1] = corners[(side + 1) % 4];
    for (let i = 0; i < n; i++) out.push([c0 + ((c1 - c0) * i) / n, r0 + ((r1 - r0) * i) / n]);
  }
  out.push(out[0]);
  return out;
}

/** The largest difference in degrees, lon or lat, between two lists of points. */
export function worstDegrees(a: [number, number][], b: [number, number][]): number {
  if (a.length !== b.length) throw new Error(`${a.length} points against ${b.length}`);
  return Math.max(...a.map(([lon, lat], i) => Math.max(Math.abs(lon - b[i][0]), Math.abs(lat - b[i][1]))));
}

/** GDAL's values of all bands of a raster as float32 band-major, its nodata value (if any) as NaN, as readWindow gives them. */
export function gdalPixels(path: string): Float32Array {
  const script = [
    'import sys',
    'from osgeo import gdal',
    'import numpy as np',
    'ds = gdal.Open(sys.argv[1])',
    'a = ds.ReadAsArray().astype(np.float32)',
    'nd = ds.GetRasterBand(1).GetNoDataValue()',
    'if nd is not None: a[a == np.float32(nd)] = np.nan',
    'sys.stdout.buffer.write(a.tobytes())',
  ].join('\n');
  const out = execFileSync(SYSTEM_PYTHON, ['-c', script, path], { maxBuffer: 64 << 20 });
  return new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
}
