// `rcf featurize --aoi`: the cells written are exactly those GDAL/OGR finds overlapping
// the area (given in another CRS), with map-unit cell sizes and partial edge cells.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rcf, tempDir, readCsv, ROOT } from '../helpers/cli.js';
import { gdalCells } from '../engine/aoi/gdal.js';

const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
const AOI = join(ROOT, 'tests/fixtures/aoi');

describe('rcf featurize --aoi', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
  });

  for (const [aoi, cellSize, pixels, edge] of [
    ['landsat_hole_4326.geojson', '64', 64, 'drop'],
    ['landsat_multi_3857.geojson', '1000m', 33, 'keep'],
  ] as const) {
    it(`selects GDAL's cells for ${aoi} with --cell-size ${cellSize} --edge ${edge}`, () => {
      const out = join(dir, `${aoi}.csv`);
      const r = rcf([
        'featurize',
        SAMPLE,
        '--aoi',
        join(AOI, aoi),
        '--cell-size',
        cellSize,
        '--edge',
        edge,
        '--features',
        '8',
        '--scale',
        '0.0001',
        '--out',
        out,
      ]);
      expect(r.stderr).toMatch(/wrote/);
      expect(r.code).toBe(0);
      const got = readCsv(out).rows.map((row) => [Number(row[2]), Number(row[3])]);
      const expected = gdalCells(SAMPLE, join(AOI, aoi), pixels, pixels, edge);
      expect(expected.length).toBeGreaterThan(0);
      expect(got).toEqual(expected.sort((a, b) => a[0] - b[0] || a[1] - b[1]));
      const grid = JSON.parse(readFileSync(`${out}.json`, 'utf8')).grid;
      expect(grid).toMatchObject({ cell_size: cellSize, edge, per_input: [{ cell_pixels: String(pixels), cells: got.length }] });
      expect(grid.aoi.sha256).toMatch(/^[0-9a-f]{64}$/);
    });
  }

  it('gives partial edge cells with --edge keep, their features over their own windows', () => {
    const out = join(dir, 'keep.csv');
    expect(
      rcf(['featurize', SAMPLE, '--cell-size', '256', '--edge', 'keep', '--features', '8', '--scale', '0.0001', '--out', out]).code,
    ).toBe(0);
    const rows = readCsv(out).rows;
    // 627×603 px: 3×3 cells, the last column 115 px wide and the last row 91 px high.
    expect(rows.map((r) => `${r[2]},${r[3]}`)).toEqual(['0,0', '0,1', '0,2', '1,0', '1,1', '1,2', '2,0', '2,1', '2,2']);
    const corner = rows[8];
    const transform = JSON.parse(rcf(['info', SAMPLE]).stdout).transform as number[];
    expect(Number(corner[4])).toBeCloseTo(transform[0] + (512 + 115 / 2) * transform[1], 6);
    expect(Number(corner[5])).toBeCloseTo(transform[3] + (512 + 91 / 2) * transform[5], 6);
  });

  it('says so when the area misses every cell', () => {
    const r = rcf(['featurize', SAMPLE, '--aoi', join(AOI, 'geomatrix_4326.geojson'), '--features', '8', '--out', join(dir, 'none.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/geomatrix_4326\.geojson: the area does not overlap any cell/);
  });
});
