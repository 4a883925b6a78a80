/** Shared helpers for the raster tests: fixture paths and GDAL's ground truth. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(here, '..', '..', '..');
export const FIXTURES = join(REPO_ROOT, 'tests', 'fixtures', 'rasters');

export interface GdalProbe { col: number; row: number; value: number | 'nan' }
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
