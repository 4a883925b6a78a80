/**
 * Labels read and joined to a run's cells, against GDAL/OGR (tests/reference/label_joins.py): points assigned to
 * the cell polygon that Contains them after an OSR transform, and |cell ∩ polygon| from OGR's Intersection().GetArea().
 * The run is the provenance fixture's: the Landsat sample (EPSG:32616, 627×603 pixels of 30 m), 128-pixel cells, edge
 * drop (4×4 cells covering 512×512 pixels).
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseProvenanceText, type Provenance } from '../../../shared/provenance/index.js';
import { joinLabelRaster, joinLabels, joinPolygonsWeighted, readLabels, type RunCell } from '../../../electron/engine/labels/index.js';
import { SYSTEM_PYTHON, runPython } from '../../helpers/python.js';
import { REPO_ROOT, ogr2ogr } from '../aoi/gdal.js';

const X0 = 452475;
const Y0 = 3408645;
const PIX = 30;
const CELL = 128;
const provenance: Provenance = parseProvenanceText(
  readFileSync(join(REPO_ROOT, 'tests', 'fixtures', 'provenance', 'gaussian.csv.json'), 'utf8'),
  'gaussian.csv.json',
);
const SOURCE = provenance.inputs[0].name;
/** All 16 cells in row-major order (feature row i = row * 4 + col). */
const ALL: RunCell[] = Array.from({ length: 16 }, (_, i) => ({ source: SOURCE, row: Math.floor(i / 4), col: i % 4 }));
const GRID = { transform: [X0, PIX, 0, Y0, 0, -PIX], epsg: 32616, width: 627, height: 603, cw: CELL, ch: CELL, rows: 4, cols: 4 };

function gdal(job: object): unknown {
  const script = join(REPO_ROOT, 'tests', 'reference', 'label_joins.py');
  return JSON.parse(execFileSync(SYSTEM_PYTHON, [script], { input: JSON.stringify({ grid: GRID, ...job }), encoding: 'utf8' }));
}

let dir: string;
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rcf-labels-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A deterministic generator (mulberry32) for the point clouds. */
function random(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The WGS84 lon/lat of UTM 16N points, by OSR. */
function toLonLat(points: [number, number][]): [number, number][] {
  const code = `
import json, sys
from osgeo import osr
a = osr.SpatialReference(); a.ImportFromEPSG(32616); b = osr.SpatialReference(); b.ImportFromEPSG(4326)
b.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
t = osr.CoordinateTransformation(a, b)
print(json.dumps([list(t.TransformPoint(x, y)[:2]) for x, y in json.loads(sys.argv[1])]))`;
  return JSON.parse(runPython(code, [JSON.stringify(points)]));
}

describe('points', () => {
  it('WGS84 points on the UTM grid go to the cells GDAL finds; outside points are counted', async () => {
    const next = random(7);
    // Over the raster and a margin around it (some points fall outside, some in the dropped edge strip).
    const utm = Array.from({ length: 300 }, (): [number, number] => [X0 - 1500 + next() * 22000, Y0 + 1500 - next() * 21000]);
    const lonlat = toLonLat(utm);
    const csv = file('points.csv', 'id,Longitude,Latitude,yield\n' + lonlat.map(([x, y], i) => `${i},${x},${y},${i}`).join('\n') + '\n');
    const labels = await readLabels(csv, { target: 'yield' });
    expect(labels.geometry).toBe('points');
    expect(labels.crs.epsg).toBe(4326);
    const truth = gdal({ epsg: 4326, points: lonlat }) as ([number, number] | null)[];
    const joined = joinLabels(labels, provenance, ALL);
    // Rebuild the truth's per-cell means.
    const byCell = new Map<number, number[]>();
    truth.forEach((hit, i) => hit && byCell.set(hit[0] * 4 + hit[1], [...(byCell.get(hit[0] * 4 + hit[1]) ?? []), i]));
    expect(joined.rows.map((r) => r.cells[0])).toEqual([...byCell.keys()].sort((a, b) => a - b));
    for (const row of joined.rows) {
      const values = byCell.get(row.cells[0])!;
      expect(row.count).toBe(values.length);
      expect(row.value).toBeCloseTo(values.reduce((s, v) => s + v, 0) / values.length, 12);
    }
    const outside = truth.filter((h) => h === null).length;
    expect(outside).toBeGreaterThan(10);
    expect(joined.outside).toBe(outside);
    expect(joined.summary).toBe(`points.csv: 300 points → ${byCell.size} cells; ${outside} outside every cell`);
  });

  it('a point on a cell boundary goes to the cell right of / below it; on the grid edge it is outside', async () => {
    const b = CELL * PIX;
    const rows = [
      [X0, Y0, 1], // the grid's top-left corner: cell (0, 0)
      [X0 + b, Y0 - 10, 2], // on the line between columns 0 and 1: column 1
      [X0 + 10, Y0 - b, 3], // on the line between rows 0 and 1: row 1
      [X0 + 2 * b, Y0 - 2 * b, 4], // a corner of four cells: (2, 2)
      [X0 + 4 * b, Y0 - 10, 5], // the right edge of the (dropped-edge) grid: outside
      [X0 + 10, Y0 - 4 * b, 6], // the bottom edge: outside
    ];
    const csv = file('edges.csv', 'X,Y,v\n' + rows.map((r) => r.join(',')).join('\n'));
    const joined = joinLabels(await readLabels(csv, { target: 'v', crs: 'EPSG:32616' }), provenance, ALL);
    expect(joined.rows.map((r) => [r.cells[0], r.value])).toEqual([
      [0, 1],
      [1, 2],
      [4, 3],
      [10, 4],
    ]);
    expect(joined.outside).toBe(2);
  });

  it('several points in a cell: the mean and count of numbers, the majority and fractions of classes, the groups kept', async () => {
    const at = (col: number, row: number) => `${X0 + (col + 0.5) * CELL * PIX},${Y0 - (row + 0.5) * CELL * PIX}`;
    const csv = file(
      'classes.csv',
      ['x,y,crop,n,region', `${at(0, 0)},maize,1,A`, `${at(0, 0)},wheat,2,A`, `${at(0, 0)},maize,6,B`, `${at(3, 1)},wheat,10,B`].join('\n'),
    );
    const classes = joinLabels(await readLabels(csv, { target: 'crop', group: 'region', crs: 'EPSG:32616' }), provenance, ALL);
    expect(classes.numeric).toBe(false);
    expect(classes.classes).toEqual(['maize', 'wheat']);
    expect(classes.rows.map((r) => [r.cells[0], r.value, r.count, [...r.fractions!], r.group])).toEqual([
      [0, 'maize', 3, [2 / 3, 1 / 3], 'A'],
      [7, 'wheat', 1, [0, 1], 'B'],
    ]);
    const numbers = joinLabels(await readLabels(csv, { target: 'n', crs: 'EPSG:32616' }), provenance, ALL);
    expect(numbers.rows.map((r) => [r.cells[0], r.value, r.count])).toEqual([
      [0, 3, 3],
      [7, 10, 1],
    ]);
    // Numbers read as classes (codes).
    const codes = await readLabels(csv, { target: 'n', values: 'classes', crs: 'EPSG:32616' });
    expect(codes.classes).toEqual(['1', '2', '6', '10']);
  });

  it('a point in a cell without features is outside the usable cells', async () => {
    const csv = file('one.csv', `x,y,v\n${X0 + 100},${Y0 - 100},1\n${X0 + 5000},${Y0 - 100},2\n`);
    const joined = joinLabels(await readLabels(csv, { target: 'v', crs: 'EPSG:32616' }), provenance, ALL.slice(1));
    expect(joined.rows.map((r) => [r.cells[0], r.value])).toEqual([[0, 2]]); // feature row 0 is cell (0, 1) now
    expect(joined.outside).toBe(1);
  });

  it('NA, NaN, null and empty values are dropped and counted', async () => {
    const csv = file('na.csv', `lat,lon,v\n30.7,-87.4,1\n30.7,-87.4,NA\n30.7,-87.4,\n30.7,-87.4,nan\n30.7,-87.4,NULL\n30.7,-87.4, \n`);
    const labels = await readLabels(csv, { target: 'V' });
    expect(labels.rows.length).toBe(1);
    expect(labels.dropped).toEqual([
      { reason: 'NA', count: 1 },
      { reason: 'empty', count: 2 },
      { reason: 'NaN', count: 1 },
      { reason: 'null', count: 1 },
    ]);
    expect(labels.read).toBe(6);
    const near = file('na-utm.csv', `x,y,v\n${X0 + 100},${Y0 - 100},1\n${X0 + 100},${Y0 - 100},NA\n${X0 + 100},${Y0 - 100},\n1,1,2\n`);
    const joined = joinLabels(await readLabels(near, { target: 'v', crs: 'EPSG:32616' }), provenance, ALL);
    expect(joined.summary).toBe('na-utm.csv: 2 points → 1 cell; 1 outside every cell; 1 NA value, 1 empty value dropped');
  });
});

/** A polygon in UTM 16N: pixel box (c0, r0)–(c1, r1) as a GeoJSON ring. */
const box = (c0: number, r0: number, c1: number, r1: number) => [
  [X0 + c0 * PIX, Y0 - r0 * PIX],
  [X0 + c1 * PIX, Y0 - r0 * PIX],
  [X0 + c1 * PIX, Y0 - r1 * PIX],
  [X0 + c0 * PIX, Y0 - r1 * PIX],
  [X0 + c0 * PIX, Y0 - r0 * PIX],
];

function featureCollection(geometries: object[], epsg: number, values: (number | string)[]) {
  return JSON.stringify({
    type: 'FeatureCollection',
    crs: { type: 'name', properties: { name: `EPSG:${epsg}` } },
    features: geometries.map((geometry, i) => ({ type: 'Feature', properties: { v: values[i], district: `d${i}` }, geometry })),
  });
}

/** Our weights as [row, col, weight] sorted, for comparison with GDAL's. */
const triples = (cells: Int32Array, weights: Float64Array) =>
  [...cells].map((c, i) => [Math.floor(c / 4), c % 4, weights[i]] as [number, number, number]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);

function expectWeights(ours: [number, number, number][], truth: [number, number, number][], relative: number) {
  const positive = truth.filter((t) => t[2] > 0).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  expect(ours.map(([r, c]) => [r, c])).toEqual(positive.map(([r, c]) => [r, c]));
  ours.forEach(([, , w], i) => expect(Math.abs(w - positive[i][2])).toBeLessThanOrEqual(relative * positive[i][2]));
}

describe('polygons', () => {
  // A slanted quadrilateral with a hole, one partly outside the raster (left and top), and a multipolygon.
  const withHole = {
    type: 'Polygon',
    coordinates: [
      [
        [X0 + 1000, Y0 - 700],
        [X0 + 11000, Y0 - 2500],
        [X0 + 9000, Y0 - 12500],
        [X0 + 1500, Y0 - 9000],
        [X0 + 1000, Y0 - 700],
      ],
      box(100, 100, 170, 150),
    ],
  };
  const partlyOutside = { type: 'Polygon', coordinates: [box(-60, -40, 200, 90)] };
  const multi = { type: 'MultiPolygon', coordinates: [[box(300, 300, 400, 350)], [box(10, 400, 50, 500)]] };
  const geometries = [withHole, partlyOutside, multi];

  it('area weights |cell ∩ polygon| equal OGR Intersection().GetArea(), holes, parts outside and multipolygons included', async () => {
    const path = file('districts.geojson', featureCollection(geometries, 32616, [1.5, 2, 3]));
    const joined = joinLabels(await readLabels(path, { target: 'v', group: 'district' }), provenance, ALL);
    const truth = gdal({ epsg: 32616, polygons: geometries, segment: 1e9 }) as [number, number, number][][];
    expect(joined.rows.length).toBe(3);
    joined.rows.forEach((row, i) => expectWeights(triples(row.cells, row.weights), truth[i], 1e-9));
    expect(joined.rows.map((r) => [r.value, r.group, r.count])).toEqual([
      [1.5, 'd0', 1],
      [2, 'd1', 1],
      [3, 'd2', 1],
    ]);
    // The hole's 70×50 pixels are not counted: cell (0, 0) holds the whole hole (pixels 100–170 × 100–150 cut the cell edge at 128).
    const total = joined.rows[1].weights.reduce((s, w) => s + w, 0);
    expect(total).toBeCloseTo(200 * 90 * PIX * PIX, 3); // only the part over the raster's cells
    expect(joined.summary).toBe('districts.geojson: 3 polygons → 3 rows');
  });

  it('a WGS84 polygon on the UTM grid: weights equal OGR on the segmentized polygon', async () => {
    const ring = toLonLat(withHole.coordinates[0] as [number, number][]);
    const hole = toLonLat(withHole.coordinates[1] as [number, number][]);
    const geometry = { type: 'Polygon', coordinates: [ring, hole] };
    const path = file('wgs84.geojson', JSON.stringify({ type: 'Feature', properties: { v: 'forest' }, geometry }));
    const joined = joinLabels(await readLabels(path, { target: 'v' }), provenance, ALL);
    expect(joined.classes).toEqual(['forest']);
    const truth = gdal({ epsg: 4326, polygons: [geometry], segment: 1e-5 }) as [number, number, number][][];
    // Our edges are densified to 1/20 of a cell (192 m) before reprojection, OGR's to about 1 m: a few 1e-6 apart.
    expectWeights(triples(joined.rows[0].cells, joined.rows[0].weights), truth[0], 1e-5);
  });

  it('weights from a raster (population): the sum of its pixels whose centres fall in cell ∩ polygon, as OGR finds them', async () => {
    const path = file('pop-districts.geojson', featureCollection(geometries, 32616, [1.5, 2, 3]));
    const weights = join(dir, 'population.tif');
    // 60 m pixels off the grid's lines (no centre on a polygon edge, where OGR's Contains and our half-open rule differ);
    // a nodata block; truth: OGR Contains of each pixel centre in the polygon, and the cell by the same floor rule.
    const truth = JSON.parse(
      runPython(
        `
import json, sys
import numpy as np
from osgeo import gdal, ogr, osr
ogr.UseExceptions()
path, x0, y0 = sys.argv[1], ${X0} - 43.7, ${Y0} + 41.3
w, h = 340, 330
a = ((np.arange(w)[None, :] * 7 + np.arange(h)[:, None] * 3) % 11).astype('float32')
a[100:140, 50:120] = -9
d = gdal.GetDriverByName('GTiff').Create(path, w, h, 1, gdal.GDT_Float32)
d.SetGeoTransform([x0, 60, 0, y0, 0, -60])
s = osr.SpatialReference(); s.ImportFromEPSG(32616); d.SetProjection(s.ExportToWkt())
b = d.GetRasterBand(1); b.SetNoDataValue(-9); b.WriteArray(a); d = None
r = gdal.Open(path); v = r.GetRasterBand(1).ReadAsArray()
out = []
for geometry in json.loads(sys.argv[2]):
    g = ogr.CreateGeometryFromJson(json.dumps(geometry)); sums = {}
    for i in range(h):
        for j in range(w):
            if v[i, j] <= 0: continue
            cx = x0 + (j + 0.5) * 60; cy = y0 - (i + 0.5) * 60
            p = ogr.Geometry(ogr.wkbPoint); p.AddPoint_2D(cx, cy)
            col = int(np.floor((cx - ${X0}) / ${PIX} / ${CELL})); row = int(np.floor((${Y0} - cy) / ${PIX} / ${CELL}))
            if 0 <= col < 4 and 0 <= row < 4 and g.Contains(p):
                sums[row * 4 + col] = sums.get(row * 4 + col, 0) + float(v[i, j])
    out.append(sorted([k, s] for k, s in sums.items()))
print(json.dumps(out))
`,
        [weights, JSON.stringify(geometries)],
      ),
    ) as [number, number][][];
    const joined = await joinPolygonsWeighted(await readLabels(path, { target: 'v' }), provenance, ALL, weights);
    expect(joined.rows.map((r) => [...r.cells].map((c, i) => [c, r.weights[i]]))).toEqual(truth);
    expect(truth[0].length).toBeGreaterThan(3);
  });

  it('a GeoPackage layer of polygons gives the same weights', async () => {
    const geojson = file('g.geojson', featureCollection(geometries, 32616, [1.5, 2, 3]));
    const gpkg = join(dir, 'districts.gpkg');
    ogr2ogr(['-f', 'GPKG', gpkg, geojson, '-nln', 'districts']);
    const a = joinLabels(await readLabels(geojson, { target: 'v' }), provenance, ALL);
    const b = joinLabels(await readLabels(gpkg, { target: 'V', layer: 'districts' }), provenance, ALL);
    expect(b.rows.map((r) => [[...r.cells], r.value])).toEqual(a.rows.map((r) => [[...r.cells], r.value]));
    b.rows.forEach((r, i) => r.weights.forEach((w, j) => expect(w).toBeCloseTo(a.rows[i].weights[j], 6)));
  });

  it('GeoPackage points are read too', async () => {
    const geojson = file(
      'p.geojson',
      featureCollection(
        [
          {
            type: 'MultiPoint',
            coordinates: [
              [X0 + 100, Y0 - 100],
              [X0 + 4000, Y0 - 100],
            ],
          },
        ],
        32616,
        [4],
      ),
    );
    const gpkg = join(dir, 'points.gpkg');
    ogr2ogr(['-f', 'GPKG', gpkg, geojson]);
    const joined = joinLabels(await readLabels(gpkg, { target: 'v' }), provenance, ALL);
    expect(joined.rows.map((r) => [r.cells[0], r.value])).toEqual([
      [0, 4],
      [1, 4],
    ]);
  });
});

describe('a label raster', () => {
  it('per cell: the mean of the valid pixels whose centres fall in it, nodata left out; or the majority class and fractions', async () => {
    // 60 m pixels offset by 15 m from the cell grid, values = col + 100·row, nodata 7 in a block and outside the grid.
    const path = join(dir, 'labels.tif');
    const truth = JSON.parse(
      runPython(
        `
import json, sys
import numpy as np
from osgeo import gdal, osr
path, x0, y0 = sys.argv[1], ${X0} + 15, ${Y0} - 15
w, h = 330, 320
a = (np.arange(w)[None, :] % 5 + 10 * (np.arange(h)[:, None] % 3)).astype('float32')
a[20:60, 30:90] = 7
d = gdal.GetDriverByName('GTiff').Create(path, w, h, 1, gdal.GDT_Float32)
d.SetGeoTransform([x0, 60, 0, y0, 0, -60])
s = osr.SpatialReference(); s.ImportFromEPSG(32616); d.SetProjection(s.ExportToWkt())
b = d.GetRasterBand(1); b.SetNoDataValue(7); b.WriteArray(a); d = None
# Read back with GDAL; each pixel centre to the cell grid by the same rule, independently.
r = gdal.Open(path); v = r.GetRasterBand(1).ReadAsArray().astype('float64'); nd = r.GetRasterBand(1).GetNoDataValue()
cells = {}
for i in range(h):
    for j in range(w):
        cx = x0 + (j + 0.5) * 60; cy = y0 - (i + 0.5) * 60
        col = int(np.floor((cx - ${X0}) / ${PIX} / ${CELL})); row = int(np.floor((${Y0} - cy) / ${PIX} / ${CELL}))
        if 0 <= col < 4 and 0 <= row < 4 and v[i, j] != nd:
            cells.setdefault(row * 4 + col, []).append(v[i, j])
print(json.dumps({str(k): vs for k, vs in cells.items()}))
`,
        [path],
      ),
    ) as Record<string, number[]>;
    const numbers = await joinLabelRaster(path, provenance, ALL);
    const keys = Object.keys(truth)
      .map(Number)
      .sort((a, b) => a - b);
    expect(numbers.rows.map((r) => r.cells[0])).toEqual(keys);
    for (const row of numbers.rows) {
      const vs = truth[row.cells[0]];
      expect(row.count).toBe(vs.length);
      expect(row.value).toBeCloseTo(vs.reduce((s, v) => s + v, 0) / vs.length, 9);
    }
    expect(numbers.dropped).toEqual([{ reason: 'nodata', count: expect.any(Number) }]);
    expect(numbers.dropped[0].count).toBeGreaterThan(0);

    const classes = await joinLabelRaster(path, provenance, ALL, { values: 'classes' });
    expect(classes.classes).toEqual(['0', '1', '2', '3', '4', '10', '11', '12', '13', '14', '20', '21', '22', '23', '24']);
    for (const row of classes.rows) {
      const vs = truth[row.cells[0]];
      const share = (name: string) => vs.filter((v) => String(v) === name).length / vs.length;
      expect([...row.fractions!]).toEqual(classes.classes!.map(share));
      const best = Math.max(...classes.classes!.map(share));
      expect(row.value).toBe(classes.classes!.find((c) => share(c) === best));
    }
  });
});

describe('bad label files: one line naming the file', () => {
  it('refuses what cannot be used', async () => {
    const lonlat = file('ll.csv', 'lon,lat,value\n-87.4,30.7,1\n-87.4,30.7,high\n-87.4,30.7,low\n');
    await expect(readLabels(lonlat, { target: 'yield' })).rejects.toThrow("ll.csv: no column 'yield' (columns: lon, lat, value)");
    await expect(readLabels(lonlat, { target: 'value', values: 'numbers' })).rejects.toThrow(
      "ll.csv: column 'value' is not numeric at lines 3, 4 (e.g. 'high'); numbers are needed",
    );
    const empty = file('empty.csv', 'lon,lat,value\n-87.4,30.7,NA\n-87.4,30.7,\n');
    await expect(readLabels(empty, { target: 'value' })).rejects.toThrow(
      'empty.csv: no usable label rows (2 read: 1 NA value, 1 empty value)',
    );
    const xy = file('xy.csv', 'x,y,value\n1,2,3\n');
    await expect(readLabels(xy, { target: 'value' })).rejects.toThrow(
      "xy.csv: no CRS for the coordinates in 'x' and 'y'; give one (e.g. crs: 'EPSG:32633')",
    );
    const far = file('far.csv', 'lon,lat,value\n10,50,1\n');
    await expect(async () => joinLabels(await readLabels(far, { target: 'value' }), provenance, ALL)).rejects.toThrow(
      'far.csv: no label falls in a cell of the run (1 points, all outside the cells with features)',
    );
    const geo = file('props.geojson', featureCollection([{ type: 'Point', coordinates: [0, 0] }], 4326, [1]));
    await expect(readLabels(geo, { target: 'yield' })).rejects.toThrow("props.geojson: no property 'yield' (properties: v, district)");
  });

  it('refuses mixed geometries, polygons over no cell, a label raster without a CRS, and too many classes', async () => {
    const mixed = featureCollection(
      [
        { type: 'Point', coordinates: [X0 + 100, Y0 - 100] },
        { type: 'Polygon', coordinates: [box(0, 0, 10, 10)] },
      ],
      32616,
      [1, 2],
    );
    await expect(readLabels(file('mixed.geojson', mixed), { target: 'v' })).rejects.toThrow(
      'mixed.geojson: mixes points (feature 1) and polygons (feature 2); use one kind of label',
    );
    const away = file('away.geojson', featureCollection([{ type: 'Polygon', coordinates: [box(600, 600, 700, 700)] }], 32616, [1]));
    await expect(async () => joinLabels(await readLabels(away, { target: 'v' }), provenance, ALL)).rejects.toThrow(
      'away.geojson: no label falls in a cell of the run (1 polygons, all outside the cells with features)',
    );
    const noGeoref = join(REPO_ROOT, 'tests', 'fixtures', 'rasters', 'synthetic__no_georef.tif');
    await expect(joinLabelRaster(noGeoref, provenance, ALL)).rejects.toThrow(
      "synthetic__no_georef.tif: has no CRS, so its pixels cannot be placed on the run's cells",
    );
    const noisy = join(dir, 'noisy.tif');
    runPython(
      `
import sys
import numpy as np
from osgeo import gdal, osr
d = gdal.GetDriverByName('GTiff').Create(sys.argv[1], 64, 64, 1, gdal.GDT_Float32)
d.SetGeoTransform([${X0}, 60, 0, ${Y0}, 0, -60])
s = osr.SpatialReference(); s.ImportFromEPSG(32616); d.SetProjection(s.ExportToWkt())
d.GetRasterBand(1).WriteArray(np.arange(64 * 64, dtype='float32').reshape(64, 64)); d = None
`,
      [noisy],
    );
    expect((await joinLabelRaster(noisy, provenance, ALL)).rows.length).toBe(1); // 64 pixels of 60 m: cell (0, 0); as numbers, fine
    await expect(joinLabelRaster(noisy, provenance, ALL, { values: 'classes' })).rejects.toThrow(
      'noisy.tif: has more than 1000 distinct values as classes; the limit is 1000 classes',
    );
  });
});
