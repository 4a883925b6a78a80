// Hostile areas of interest through `rcf featurize --aoi`, each under 10 s / 1 GiB measured from outside:
// an area that can be afforded selects exactly GDAL/OGR's cells; one that cannot is refused in one line
// naming the file, before the work; no message quotes the file's content.
import { describe, it, expect, beforeAll } from 'vitest';
import { execFileSync } from 'node:child_process';
import { truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rcfBounded, describeOutcome } from './bounded.js';
import { readCsv, tempDir, ROOT } from '../helpers/cli.js';
import { runPython } from '../helpers/python.js';
import { gdalCells, ogr2ogr, aoiFixture } from '../engine/aoi/gdal.js';

const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
// The sample's footprint in WGS84 (lon, lat).
const [WEST, EAST, SOUTH, NORTH] = [-87.4968, -87.2997, 30.6467, 30.8106];

type Ring = [number, number][];
const polygon = (ring: Ring) => ({ type: 'Polygon', coordinates: [[...ring, ring[0]]] });

/** A comb whose `teeth` reach across the raster from beyond its west edge: two long edges per tooth. */
function comb(teeth: number): Ring {
  const ring: Ring = [];
  const [x0, x1] = [WEST - 0.01, EAST - 0.01];
  const dy = (NORTH - SOUTH) / teeth;
  for (let i = 0; i < teeth; i++) {
    const y = SOUTH + i * dy;
    ring.push([x0, y], [x1, y + dy * 0.25], [x1, y + dy * 0.5], [x0 + 0.02, y + dy * 0.75]);
  }
  ring.push([x0 - 0.01, NORTH], [x0 - 0.01, SOUTH]);
  return ring;
}

/** A continent-sized area around the raster, its outline far away with many vertices. */
function continent(perSide: number): Ring {
  const ring: Ring = [];
  const [w, e, s, n] = [-170, -50, 10, 75];
  for (let i = 0; i < perSide; i++) ring.push([w + ((e - w) * i) / perSide, s]);
  for (let i = 0; i < perSide; i++) ring.push([e, s + ((n - s) * i) / perSide]);
  for (let i = 0; i < perSide; i++) ring.push([e - ((e - w) * i) / perSide, n]);
  for (let i = 0; i < perSide; i++) ring.push([w, n - ((n - s) * i) / perSide]);
  return ring;
}

describe('hostile areas', () => {
  let dir: string;
  const featurize = (aoi: string, cellSize: number, extra: string[] = []) => {
    const out = join(dir, `out-${cellSize}-${Math.random().toString(36).slice(2)}.csv`);
    const args = ['featurize', SAMPLE, '--aoi', aoi, ...extra, '--cell-size', String(cellSize), '--features', '8'];
    return { out, r: rcfBounded([...args, '--scale', '0.0001', '--backend', 'cpu', '--out', out]) };
  };
  const write = (name: string, content: string | object) => {
    const path = join(dir, name);
    writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
    return path;
  };
  const expectRefused = (r: ReturnType<typeof rcfBounded>, name: string, message: RegExp) => {
    expect(describeOutcome(r), r.stderr).toBe('refused');
    expect(r.stderr).toContain(name);
    expect(r.stderr).toMatch(message);
  };

  beforeAll(() => {
    dir = tempDir('rcf-hostile-areas-');
  });

  it("a zig-zag area: GDAL's cells where the grid affords it, refused where its edges would make millions of pieces", () => {
    const small = write('comb-small.geojson', polygon(comb(500)));
    const { out, r } = featurize(small, 128);
    expect(describeOutcome(r), r.stderr).toBe('ok');
    const got = readCsv(out).rows.map((row) => [Number(row[2]), Number(row[3])]);
    expect(got.length).toBeGreaterThan(0);
    expect(got).toEqual(gdalCells(SAMPLE, small, 128, 128, 'drop').sort((a, b) => a[0] - b[0] || a[1] - b[1]));

    // 447 KB, 10,000 edges across the raster: on 16-pixel cells, ~7,500,000 pieces of 0.8 pixels.
    const big = write('comb-big.geojson', polygon(comb(2500)));
    expectRefused(
      featurize(big, 16).r,
      'comb-big.geojson',
      /its edges make \d+ pieces on the raster's grid of cells; the limit is 2000000/,
    );
  });

  it('a continent-sized area over a small raster with 8-pixel cells: every cell, as GDAL says, not a refusal', () => {
    // Densified everywhere, its 33,000 km outline would make ~2,750,000 pieces of 12 m; far from the grid it stays whole.
    const area = write('continent.geojson', polygon(continent(100)));
    const { out, r } = featurize(area, 8);
    expect(describeOutcome(r), r.stderr).toBe('ok');
    const got = readCsv(out).rows.map((row) => [Number(row[2]), Number(row[3])]);
    expect(got).toEqual(gdalCells(SAMPLE, area, 8, 8, 'drop').sort((a, b) => a[0] - b[0] || a[1] - b[1]));
    expect(got).toHaveLength(Math.floor(627 / 8) * Math.floor(603 / 8));
  });

  it('a 400 MB GeoJSON is refused by its size before it is parsed', () => {
    const big = write('big.geojson', '{"type": "FeatureCollection", "features": [');
    truncateSync(big, 400 * 10 ** 6);
    expectRefused(featurize(big, 128).r, 'big.geojson', /a GeoJSON area of 382 MiB; the limit is 64 MiB/);
  });

  it('an area of more than 1,000,000 vertices is refused', () => {
    const n = 1_100_000;
    const ring: Ring = Array.from({ length: n }, (_, i) => [
      -87.4 + 0.05 * Math.cos((2 * Math.PI * i) / n),
      30.73 + 0.05 * Math.sin((2 * Math.PI * i) / n),
    ]);
    const area = write('dense.geojson', polygon(ring));
    expectRefused(featurize(area, 128).r, 'dense.geojson', /has more than 1000000 vertices; the limit is 1000000 vertices/);
  });

  it('GeoPackage layers that never end, or hold a billion rows, are refused', () => {
    const views = (name: string, sql: string) => {
      const gpkg = join(dir, `${name}.gpkg`);
      ogr2ogr(['-f', 'GPKG', gpkg, aoiFixture('landsat_hole_4326.geojson'), '-nln', 'area']);
      runPython(
        `
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.executescript(sys.argv[3])
db.execute("INSERT INTO gpkg_contents (table_name, data_type, identifier, srs_id) VALUES (?, 'features', ?, 4326)", (sys.argv[2],) * 2)
db.execute("INSERT INTO gpkg_geometry_columns VALUES (?, 'geom', 'POLYGON', 4326, 0, 0)", (sys.argv[2],))
db.commit()
`,
        [gpkg, name, sql],
      );
      return gpkg;
    };
    const endless = views(
      'endless',
      'CREATE VIEW endless AS WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r) ' +
        'SELECT i AS fid, NULL AS geom FROM r WHERE i < 0;',
    );
    expectRefused(
      featurize(endless, 128, ['--aoi-layer', 'endless']).r,
      'endless.gpkg',
      /layer 'endless' is a view over a recursive query/,
    );
    const gpkg = views(
      'billion',
      `CREATE TABLE thousand (fid INTEGER PRIMARY KEY, geom BLOB);
       WITH RECURSIVE r(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM r WHERE i < 1000) INSERT INTO thousand SELECT i, NULL FROM r;
       CREATE VIEW billion AS SELECT a.fid AS fid, a.geom AS geom FROM thousand a, thousand b, thousand c;`,
    );
    expectRefused(featurize(gpkg, 128, ['--aoi-layer', 'billion']).r, 'billion.gpkg', /layer 'billion' has more than 1000000 features/);
    // The table beside them still reads, and selects GDAL's cells.
    const { out, r } = featurize(gpkg, 128, ['--aoi-layer', 'area']);
    expect(describeOutcome(r), r.stderr).toBe('ok');
    const got = readCsv(out).rows.map((row) => [Number(row[2]), Number(row[3])]);
    expect(got).toEqual(gdalCells(SAMPLE, gpkg, 128, 128, 'drop', 'area').sort((a, b) => a[0] - b[0] || a[1] - b[1]));
  });

  it('files that are no area are refused naming the file, without quoting what is in them', () => {
    const secret = 'TOP-SECRET-CONTENT';
    const cases: [string, RegExp][] = [
      [write('notes.txt', `${secret}\nline two\n`), /notes\.txt: not valid JSON/],
      [
        write('binary.bin', Buffer.from([0x89, 0x50, 0x4e, 0x47, ...Buffer.from(secret)]).toString('latin1')),
        /binary\.bin: not valid JSON/,
      ],
      [write('typed.json', { type: secret, coordinates: [] }), /typed\.json: no polygon in the file \(found objects of other types\)/],
      [
        write('position.json', {
          type: 'Polygon',
          coordinates: [
            [
              [secret, 1],
              [0, 0],
              [1, 1],
            ],
          ],
        }),
        /position\.json: invalid position/,
      ],
      [write('crs.json', { ...polygon(comb(1)), crs: { type: secret, properties: {} } }), /crs\.json: unsupported "crs" member/],
    ];
    for (const [path, message] of cases) {
      const { r } = featurize(path, 128);
      expect(describeOutcome(r), r.stderr).toBe('refused');
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toContain(secret);
    }
  });

  it('FIFOs, devices and folders are refused before reading', () => {
    const fifo = join(dir, 'area.fifo');
    execFileSync('mkfifo', [fifo]);
    for (const [path, message] of [
      [fifo, /area\.fifo: is a named pipe \(FIFO\), not a regular file/],
      ['/dev/zero', /zero: is a device, not a regular file/],
      [dir, /is a folder, not a file/],
    ] as const) {
      const { r } = featurize(path, 128);
      expect(describeOutcome(r), `${path}: ${r.stderr}`).toBe('refused');
      expect(r.stderr).toMatch(message);
    }
  });
});
