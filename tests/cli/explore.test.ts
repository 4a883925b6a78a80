// `rcf similar`, `rcf cluster` and `rcf change` end to end on a Landsat fixture with NaN holes: the written files read
// back by Python's csv and OGR, the change against NumPy on the two CSVs, and bad input refused in one line with
// nothing written.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rcf, ROOT, tempDir } from '../helpers/cli.js';
import { runPython } from '../helpers/python.js';

const RASTER = join(ROOT, 'tests/fixtures/featurize/l8_300_nan_f32.tif');
const FEATURIZE = ['--seed', '1', '--cell-size', '24', '--features', '16', '--backend', 'cpu', '--progress', 'none'];
const SOURCE = 'l8_300_nan_f32.tif';

let dir: string;
const path = (name: string) => join(dir, name);

/** The second date: the same raster with its top-left 72×72 pixels (cells r0-2, c0-2) brightened and flipped. */
const SECOND_DATE = `
import sys
from osgeo import gdal
src = gdal.Open(sys.argv[1])
out = gdal.GetDriverByName('GTiff').CreateCopy(sys.argv[2], src)
for b in range(1, out.RasterCount + 1):
    band = out.GetRasterBand(b)
    a = band.ReadAsArray()
    a[:72, :72] = a[:72, :72][::-1, :] * 1.7 + 0.05
    band.WriteArray(a)
out = None
`;

/** NumPy on the two CSVs: pooled standardisation (StandardScaler's) over both runs' usable rows, then per cell 1 − cosine and ‖a − b‖. */
const CHANGE = `
import csv, json, sys, numpy as np
def read(p):
    rows = list(csv.DictReader(open(p)))
    K = sum(1 for k in rows[0] if k.startswith('f') and k[1:].isdigit())
    X = np.array([[float(r[f'f{k}']) if r[f'f{k}'] != '' else np.nan for k in range(K)] for r in rows], dtype=np.float32)
    return rows, X.astype(np.float64)
ra, A = read(sys.argv[1]); rb, B = read(sys.argv[2])
both = np.vstack([A, B]); both = both[np.isfinite(both).all(axis=1)]
mean, sd = both.mean(axis=0), both.std(axis=0)
sd[sd == 0] = 1  # constant features (ReLU features that are 0 everywhere) keep scale 1, as StandardScaler
ZA, ZB = (A - mean) / sd, (B - mean) / sd
cos = (ZA * ZB).sum(axis=1) / (np.linalg.norm(ZA, axis=1) * np.linalg.norm(ZB, axis=1))
euc = np.linalg.norm(ZA - ZB, axis=1)
clean = lambda v: [None if not np.isfinite(x) else float(x) for x in v]
print(json.dumps({'cosine': clean(1 - cos), 'euclidean': clean(euc), 'ids': [r['cell_id'] for r in ra]}))
`;

const READ_LAYER = `
import json, sys
from osgeo import ogr
ds = ogr.Open(sys.argv[1])
layer = ds.GetLayerByName(sys.argv[2])
names = sys.argv[3].split(',')
print(json.dumps([[f.GetField('cell_id')] + [f.GetField(n) for n in names] for f in layer]))
`;

function readCsv(file: string): Record<string, string>[] {
  const [header, ...lines] = readFileSync(file, 'utf8').trim().split('\n');
  const names = header.split(',');
  return lines.map((line) => Object.fromEntries(line.split(',').map((v, i) => [names[i], v])));
}

beforeAll(() => {
  dir = tempDir('rcf-explore-');
  runPython(SECOND_DATE, [RASTER, path('later.tif')]);
  for (const [out, raster, extra] of [
    ['a.csv', RASTER, []],
    ['b.csv', path('later.tif'), []],
    ['other-grid.csv', RASTER, ['--cell-size', '30']],
    ['other-filters.csv', RASTER, ['--seed', '2']],
  ] as const) {
    const r = rcf(['featurize', raster, '--out', path(out), ...FEATURIZE, ...extra]);
    expect(r.code, r.stderr).toBe(0);
  }
}, 120_000);

describe('rcf similar', () => {
  it('writes the top N cells, most similar first, the example first of all', () => {
    const r = rcf(['similar', path('a.csv'), '--like', `${SOURCE}:r5c6`, '--top', '5', '--out', path('top.csv')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/^rcf: wrote .*top\.csv \(5 cells, cosine similarity to 1 example; the most similar other cell is \S+\)\n$/);
    const rows = readCsv(path('top.csv'));
    expect(rows.map((row) => row.rank)).toEqual(['1', '2', '3', '4', '5']);
    expect(rows[0].cell_id).toBe(`${SOURCE}:r5c6`);
    expect(Number(rows[0].similarity)).toBeCloseTo(1, 12);
    const scores = rows.map((row) => Number(row.similarity));
    expect([...scores].sort((x, y) => y - x)).toEqual(scores);
  });

  it('takes the examples from an area: a GeoPackage layer "similarity" of every cell, NULL where a cell has no features', () => {
    const features = readCsv(path('a.csv'));
    const cell = features.find((row) => row.cell_id === `${SOURCE}:r2c9`)!;
    const [lon, lat] = [Number(cell.lon), Number(cell.lat)];
    const d = 0.0001; // well inside the cell (24 × 30 m)
    const ring = [
      [lon - d, lat - d],
      [lon + d, lat - d],
      [lon + d, lat + d],
      [lon - d, lat + d],
      [lon - d, lat - d],
    ];
    writeFileSync(path('area.geojson'), JSON.stringify({ type: 'Polygon', coordinates: [ring] }));
    const r = rcf(['similar', path('a.csv'), '--like-area', path('area.geojson'), '--metric', 'euclidean', '--out', path('all.gpkg')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/euclidean distance to 1 example;/);
    const rows = JSON.parse(runPython(READ_LAYER, [path('all.gpkg'), 'similarity', 'distance,rank'])) as [
      string,
      number | null,
      number | null,
    ][];
    expect(rows.length).toBe(features.length);
    const best = rows.find((row) => row[2] === 1)!;
    expect(best[0]).toBe(`${SOURCE}:r2c9`);
    expect(best[1]).toBeLessThan(1e-12);
    const empty = features.filter((row) => row.f0 === '').map((row) => row.cell_id);
    expect(empty.length).toBeGreaterThan(0);
    for (const row of rows) expect(row[1] === null).toBe(empty.includes(row[0]));
  });

  it('refuses a cell of another run in one line, writing nothing', () => {
    const r = rcf(['similar', path('a.csv'), '--like', 'elsewhere.tif:r1c1', '--out', path('no.csv')]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('rcf: a.csv has no cell "elsewhere.tif:r1c1" (a cell of another run?)\n');
    expect(existsSync(path('no.csv'))).toBe(false);
  });
});

describe('rcf cluster', () => {
  it('labels every cell with features, prints the elbow, and refuses more clusters than cells', () => {
    const r = rcf(['cluster', path('a.csv'), '--k', '3', '--elbow', '2..4', '--out', path('clusters.gpkg')]);
    expect(r.code, r.stderr).toBe(0);
    const elbow = r.stdout.trim().split('\n');
    expect(elbow[0]).toBe('k,inertia');
    expect(elbow.slice(1).map((line) => line.split(',')[0])).toEqual(['2', '3', '4']);
    const rows = JSON.parse(runPython(READ_LAYER, [path('clusters.gpkg'), 'clusters', 'cluster,distance'])) as [string, number | null][];
    expect(new Set(rows.map((row) => row[1]).filter((v) => v !== null))).toEqual(new Set([0, 1, 2]));
    expect(r.stderr).toMatch(/in 3 clusters on standardised features; inertia /);
    const inertia = Number(/inertia ([0-9.e+-]+)/.exec(r.stderr)![1]);
    expect(Number(elbow[2].split(',')[1])).toBe(inertia);

    const tooMany = rcf(['cluster', path('a.csv'), '--k', '500', '--out', path('no.gpkg')]);
    expect(tooMany.code).toBe(1);
    expect(tooMany.stderr).toMatch(/^rcf: a\.csv: asks for 500 clusters, but only \d+ cells have usable features\n$/);
    expect(existsSync(path('no.gpkg'))).toBe(false);
  });
});

describe('rcf change', () => {
  it('gives 1 − cosine per cell as NumPy does on the two CSVs; only the changed corner passes the threshold', () => {
    const r = rcf(['change', path('a.csv'), path('b.csv'), '--threshold', '0.2', '--out', path('change.csv')]);
    expect(r.code, r.stderr).toBe(0);
    const truth = JSON.parse(runPython(CHANGE, [path('a.csv'), path('b.csv')])) as Record<string, (number | null)[]> & { ids: string[] };
    const rows = readCsv(path('change.csv'));
    expect(rows.map((row) => row.cell_id)).toEqual(truth.ids);
    const changed: string[] = [];
    rows.forEach((row, i) => {
      const want = truth.cosine[i];
      if (want === null) expect(row.change).toBe('');
      else expect(Math.abs(Number(row.change) - want)).toBeLessThan(1e-9);
      if (row.changed === '1') changed.push(`${row.row},${row.col}`);
    });
    expect(changed.length).toBeGreaterThan(0);
    for (const place of changed) expect(['0', '1', '2']).toContain(place.split(',')[0]);
    for (const place of changed) expect(['0', '1', '2']).toContain(place.split(',')[1]);
    expect(r.stderr).toMatch(new RegExp(`; ${changed.length} cells? changed by at least 0\\.2\\)\\n$`));

    const e = rcf(['change', path('a.csv'), path('b.csv'), '--metric', 'euclidean', '--out', path('change.gpkg')]);
    expect(e.code, e.stderr).toBe(0);
    const layer = JSON.parse(runPython(READ_LAYER, [path('change.gpkg'), 'change', 'change'])) as [string, number | null][];
    layer.forEach(([id, v], i) => {
      expect(id).toBe(truth.ids[i]);
      if (truth.euclidean[i] === null) expect(v).toBeNull();
      else expect(Math.abs(v! - truth.euclidean[i]!)).toBeLessThan(1e-9);
    });
  });

  it('refuses runs on different grids, or made with other filters, in one line, writing nothing', () => {
    const grid = rcf(['change', path('a.csv'), path('other-grid.csv'), '--out', path('no.csv')]);
    expect(grid.code).toBe(1);
    expect(grid.stderr).toBe(
      'rcf: a.csv and other-grid.csv are not on the same grid (cells of 24 (edge drop) against 30 (edge drop)); ' +
        'featurize both dates on one grid\n',
    );
    const filters = rcf(['change', path('a.csv'), path('other-filters.csv'), '--out', path('no.csv')]);
    expect(filters.code).toBe(1);
    expect(filters.stderr).toBe(
      'rcf: a.csv and other-filters.csv were made with other filters (the filters differ); featurize both with the same filters\n',
    );
    expect(existsSync(path('no.csv'))).toBe(false);
  });
});
