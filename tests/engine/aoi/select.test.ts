/**
 * The independent truth for AOIs: cells selected by an AOI written in another
 * CRS than the raster's must be exactly those GDAL/OGR selects (tests/reference/gdal_cells.py:
 * AOI transformed with OSR, each cell polygon tested with Intersects and not Touches).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { makeGrid, parseCellSize, type CellSize, type EdgePolicy } from '../../../shared/grid/cells.js';
import { resolveCellSize } from '../../../shared/grid/resolve.js';
import { AoiError, readAoi, selectCells } from '../../../electron/engine/aoi/index.js';
import { crsUnits } from '../../../electron/engine/crs/index.js';
import { aoiFixture, gdalCells, georef, ogr2ogr, GEOMATRIX, LANDSAT, NO_GEOREF, TERRA } from './gdal.js';

let dir: string;
let gpkg: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rcf-aoi-select-'));
  // The Web Mercator AOI as a GeoPackage whose first layer holds only points,
  // so the polygons must be asked for by layer name.
  gpkg = join(dir, 'landsat_3857.gpkg');
  writeFileSync(join(dir, 'points.geojson'), JSON.stringify({ type: 'Point', coordinates: [-87.4, 30.7] }));
  ogr2ogr(['-f', 'GPKG', gpkg, join(dir, 'points.geojson'), '-nln', 'points']);
  ogr2ogr(['-f', 'GPKG', '-update', gpkg, aoiFixture('landsat_multi_3857.geojson'), '-nln', 'zones']);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Our selection as [row, col] pairs, for a cell size given as on the command line. */
async function ours(
  raster: string,
  aoiPath: string,
  size: string,
  edge: EdgePolicy,
  layer?: string,
): Promise<{ cells: [number, number][]; pixels: CellSize }> {
  const g = await georef(raster);
  const { cellSize } = resolveCellSize(parseCellSize(size), g.transform, crsUnits(g.crs));
  const grid = makeGrid(g.width, g.height, cellSize, edge);
  const aoi = await readAoi(aoiPath, layer);
  return { cells: selectCells(grid, g.transform, g.crs, aoi).map((c): [number, number] => [c.row, c.col]), pixels: cellSize };
}

describe('AOI cell selection matches GDAL/OGR', () => {
  for (const edge of ['drop', 'keep'] as const) {
    it(`landsat (EPSG:32616), WGS84 polygon with a hole, 64-px cells, edge ${edge}`, async () => {
      const { cells } = await ours(LANDSAT, aoiFixture('landsat_hole_4326.geojson'), '64', edge);
      expect(cells).toEqual(gdalCells(LANDSAT, aoiFixture('landsat_hole_4326.geojson'), 64, 64, edge));
      // The hole holds whole cells, which must not be selected; their ring is.
      expect(cells).not.toContainEqual([4, 4]);
      expect(cells).toContainEqual([3, 4]);
      // The polygon crosses the right edge: only `keep` has a column 9.
      expect(cells.some(([, col]) => col === 9)).toBe(edge === 'keep');
    });

    it(`landsat, Web Mercator multipolygon in a GeoPackage (named layer), edge ${edge}`, async () => {
      const { cells } = await ours(LANDSAT, gpkg, '64', edge, 'zones');
      expect(cells).toEqual(gdalCells(LANDSAT, gpkg, 64, 64, edge, 'zones'));
      expect(cells).toContainEqual([4, 4]); // the sliver lies inside that one cell
      // The same AOI as GeoJSON with an old-style crs member selects the same cells.
      expect((await ours(LANDSAT, aoiFixture('landsat_multi_3857.geojson'), '64', edge)).cells).toEqual(cells);
    });

    it(`rotated raster (EPSG:32611), polygon with a hole in WGS84 and in the raster's CRS, edge ${edge}`, async () => {
      const { cells } = await ours(GEOMATRIX, aoiFixture('geomatrix_4326.geojson'), '3', edge);
      expect(cells).toEqual(gdalCells(GEOMATRIX, aoiFixture('geomatrix_4326.geojson'), 3, 3, edge));
      expect(cells.length).toBeGreaterThan(5);
      expect((await ours(GEOMATRIX, aoiFixture('geomatrix_32611.geojson'), '3', edge)).cells).toEqual(cells);
    });

    it(`datum shifts as GDAL does them: a NAD27 AOI on a WGS84 raster, and a WGS84 AOI on a NAD27 raster, edge ${edge}`, async () => {
      // The AOI reprojected by OGR to NAD27 geographic (GDAL's NAD27 → WGS84 Helmert for California, ~100 m).
      const nad27Aoi = join(dir, `geomatrix_4267_${edge}.geojson`);
      ogr2ogr(['-f', 'GeoJSON', '-t_srs', 'EPSG:4267', nad27Aoi, aoiFixture('geomatrix_4326.geojson')]);
      const one = await ours(GEOMATRIX, nad27Aoi, '1', edge);
      expect(one.cells).toEqual(gdalCells(GEOMATRIX, nad27Aoi, 1, 1, edge));
      expect(one.cells.length).toBeGreaterThan(5);
      // The same grid on NAD27 / UTM 11N: GDAL shifts the WGS84 AOI by the inverse operation.
      const nad27Raster = join(dir, `geomatrix_26711_${edge}.tif`);
      execFileSync('gdal_translate', ['-q', '-a_srs', 'EPSG:26711', GEOMATRIX, nad27Raster]);
      const shifted = await ours(nad27Raster, aoiFixture('geomatrix_4326.geojson'), '1', edge);
      expect(shifted.cells).toEqual(gdalCells(nad27Raster, aoiFixture('geomatrix_4326.geojson'), 1, 1, edge));
      // ~100 m is several pixels here: the shift changes the selection.
      expect(shifted.cells).not.toEqual((await ours(GEOMATRIX, aoiFixture('geomatrix_4326.geojson'), '1', edge)).cells);
    });

    it(`geographic raster (EPSG:4326), Web Mercator AOI, 0.05deg cells, edge ${edge}`, async () => {
      const { cells, pixels } = await ours(TERRA, aoiFixture('terra_3857.geojson'), '0.05deg', edge);
      expect(pixels).toEqual({ kind: 'pixels', size: 6 });
      expect(cells).toEqual(gdalCells(TERRA, aoiFixture('terra_3857.geojson'), 6, 6, edge));
    });
  }

  it('landsat with 1000m cells (33 px)', async () => {
    const { cells, pixels } = await ours(LANDSAT, aoiFixture('landsat_hole_4326.geojson'), '1000m', 'keep');
    expect(pixels).toEqual({ kind: 'pixels', size: 33 });
    expect(cells).toEqual(gdalCells(LANDSAT, aoiFixture('landsat_hole_4326.geojson'), 33, 33, 'keep'));
  });

  it('long WGS84 edges are densified: a band along parallels across the raster', async () => {
    // The edges run 15° along parallels, which are curves in UTM: a chord between
    // the far-away corners would miss the raster's rows by kilometres.
    const path = join(dir, 'band.geojson');
    writeFileSync(
      path,
      JSON.stringify({
        type: 'Polygon',
        coordinates: [
          [
            [-95, 30.7],
            [-80, 30.7],
            [-80, 30.76],
            [-95, 30.76],
            [-95, 30.7],
          ],
        ],
      }),
    );
    const g = await georef(LANDSAT);
    const grid = makeGrid(g.width, g.height, { kind: 'pixels', size: 64 }, 'drop');
    const aoi = await readAoi(path);
    const rowsCols = (cells: { row: number; col: number }[]) => cells.map((c) => [c.row, c.col]);
    const cells = rowsCols(selectCells(grid, g.transform, g.crs, aoi));
    expect(cells).toEqual(gdalCells(LANDSAT, path, 64, 64, 'drop'));
    expect(cells.length).toBeGreaterThan(0);
    expect(rowsCols(selectCells(grid, g.transform, g.crs, aoi, { densify: Infinity }))).not.toEqual(cells);
  });

  it('whole-raster cells: the one cell is selected when the AOI overlaps the raster', async () => {
    expect((await ours(LANDSAT, aoiFixture('landsat_hole_4326.geojson'), 'whole', 'drop')).cells).toEqual([[0, 0]]);
  });
});

describe('AOI selection edge cases', () => {
  it('an AOI outside the raster selects no cells', async () => {
    const path = join(dir, 'far.geojson');
    writeFileSync(
      path,
      JSON.stringify({
        type: 'Polygon',
        coordinates: [
          [
            [10, 10],
            [11, 10],
            [11, 11],
            [10, 10],
          ],
        ],
      }),
    );
    const g = await georef(LANDSAT);
    const grid = makeGrid(g.width, g.height, { kind: 'pixels', size: 64 }, 'keep');
    expect(selectCells(grid, g.transform, g.crs, await readAoi(path))).toEqual([]);
  });

  it('an AOI covering the raster selects every cell', async () => {
    const path = join(dir, 'big.geojson');
    writeFileSync(
      path,
      JSON.stringify({
        type: 'Polygon',
        coordinates: [
          [
            [-88, 30],
            [-86, 30],
            [-86, 32],
            [-88, 32],
            [-88, 30],
          ],
        ],
      }),
    );
    const g = await georef(LANDSAT);
    const grid = makeGrid(g.width, g.height, { kind: 'pixels', size: 64 }, 'keep');
    expect(selectCells(grid, g.transform, g.crs, await readAoi(path))).toEqual(grid.cells);
  });

  it('refuses a raster without a CRS, naming the AOI file', async () => {
    const g = await georef(NO_GEOREF);
    const grid = makeGrid(g.width, g.height, { kind: 'pixels', size: 1 });
    const aoi = await readAoi(aoiFixture('landsat_hole_4326.geojson'));
    expect(() => selectCells(grid, g.transform, g.crs, aoi)).toThrow(AoiError);
    expect(() => selectCells(grid, g.transform, g.crs, aoi)).toThrow(/^landsat_hole_4326\.geojson: the raster has no CRS/);
  });
});
