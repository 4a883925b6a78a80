/** Helpers for the AOI tests: fixture paths, GDAL's independent cell selection, raster georeferencing. */
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { SYSTEM_PYTHON } from '../../helpers/python.js';
import { openRaster } from '../../../electron/engine/raster/index.js';
import type { GeoTransform } from '../../../shared/geo/affine.js';
import type { CrsInfo } from '../../../electron/engine/crs/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO_ROOT = join(here, '..', '..', '..');
export const AOI_FIXTURES = join(REPO_ROOT, 'tests', 'fixtures', 'aoi');
export const LANDSAT = join(REPO_ROOT, 'resources', 'sample', 'landsat8_b2-b5.tif');
export const GEOMATRIX = join(REPO_ROOT, 'tests', 'fixtures', 'rasters', 'stars__geomatrix.tif');
export const TERRA = join(REPO_ROOT, 'tests', 'fixtures', 'rasters', 'terra__elev.tif');
export const NO_GEOREF = join(REPO_ROOT, 'tests', 'fixtures', 'rasters', 'synthetic__no_georef.tif');

export const aoiFixture = (name: string) => join(AOI_FIXTURES, name);

/** [row, col] of the cells GDAL/OGR finds sharing area with the AOI (see tests/reference/gdal_cells.py). */
export function gdalCells(
  raster: string,
  aoi: string,
  cellW: number,
  cellH: number,
  edge: 'drop' | 'keep',
  layer?: string,
): [number, number][] {
  const args = [
    join(REPO_ROOT, 'tests', 'reference', 'gdal_cells.py'),
    raster,
    aoi,
    String(cellW),
    String(cellH),
    edge,
    ...(layer ? [layer] : []),
  ];
  return JSON.parse(execFileSync(SYSTEM_PYTHON, args, { encoding: 'utf8' }));
}

/** Runs ogr2ogr (GDAL's command line). */
export function ogr2ogr(args: string[]): void {
  execFileSync('ogr2ogr', args, { stdio: 'pipe' });
}

export interface Georef {
  width: number;
  height: number;
  transform: GeoTransform;
  crs: CrsInfo | null;
}

export async function georef(path: string): Promise<Georef> {
  const raster = await openRaster(path);
  try {
    const { width, height, transform, crs } = raster.info;
    return { width, height, transform, crs };
  } finally {
    await raster.close();
  }
}
