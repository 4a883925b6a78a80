import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { AoiError, describeAoi, readAoi, selectCells } from '../../../electron/engine/aoi/index.js';
import { makeGrid } from '../../../shared/grid/cells.js';
import { aoiFixture, gdalCells, georef, ogr2ogr, LANDSAT } from './gdal.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rcf-aoi-read-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Writes a temporary file and returns its path. */
function file(name: string, content: string | object): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

const square = [
  [
    [0, 0],
    [1, 0],
    [1, 1],
    [0, 1],
    [0, 0],
  ],
];
const expectAoiError = async (promise: Promise<unknown>, message: RegExp) => {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AoiError);
  expect((error as Error).message).toMatch(message);
  expect((error as Error).message).not.toContain('\n');
};

describe('GeoJSON AOIs', () => {
  it('reads a Polygon in WGS84 (RFC 7946), closing open rings', async () => {
    const aoi = await readAoi(
      file('open.geojson', {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [2, 0],
            [2, 2, 5],
          ],
        ],
      }),
    );
    expect(aoi.polygons).toEqual([
      [
        [
          [0, 0],
          [2, 0],
          [2, 2],
          [0, 0],
        ],
      ],
    ]);
    expect(aoi.crs.epsg).toBe(4326);
    expect(aoi.layer).toBeUndefined();
  });

  it('reads MultiPolygon, Feature, FeatureCollection (polygons only) and GeometryCollection', async () => {
    expect((await readAoi(file('m.geojson', { type: 'MultiPolygon', coordinates: [square, square] }))).polygons).toHaveLength(2);
    expect(
      (await readAoi(file('f.geojson', { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: square } }))).polygons,
    ).toHaveLength(1);
    const fc = {
      type: 'FeatureCollection',
      features: [
        { type: 'Feature', properties: {}, geometry: { type: 'Polygon', coordinates: square } },
        { type: 'Feature', properties: {}, geometry: null },
        {
          type: 'Feature',
          properties: {},
          geometry: {
            type: 'LineString',
            coordinates: [
              [0, 0],
              [1, 1],
            ],
          },
        },
        { type: 'Feature', properties: {}, geometry: { type: 'MultiPolygon', coordinates: [square, square] } },
      ],
    };
    expect((await readAoi(file('fc.geojson', fc))).polygons).toHaveLength(3);
    const gc = {
      type: 'GeometryCollection',
      geometries: [
        { type: 'Point', coordinates: [0, 0] },
        { type: 'Polygon', coordinates: square },
      ],
    };
    expect((await readAoi(file('gc.geojson', gc))).polygons).toHaveLength(1);
  });

  it('keeps holes and drops degenerate rings', async () => {
    const withHole = [
      square[0].map(([x, y]) => [x * 10, y * 10]),
      [
        [2, 2],
        [3, 2],
        [3, 3],
        [2, 2],
      ],
      [
        [5, 5],
        [5, 5],
        [5, 5],
      ],
    ];
    const aoi = await readAoi(file('hole.geojson', { type: 'Polygon', coordinates: withHole }));
    expect(aoi.polygons[0]).toHaveLength(2);
  });

  it("honours an old-style crs member: 'EPSG:xxxx', OGC URNs, CRS84", async () => {
    for (const [name, epsg] of [
      ['EPSG:3857', 3857],
      ['urn:ogc:def:crs:EPSG::32616', 32616],
      ['urn:ogc:def:crs:EPSG:6.6:2154', 2154],
      ['urn:ogc:def:crs:OGC:1.3:CRS84', 4326],
    ] as const) {
      const aoi = await readAoi(file('crs.geojson', { type: 'Polygon', crs: { type: 'name', properties: { name } }, coordinates: square }));
      expect(aoi.crs.epsg).toBe(epsg);
      expect(aoi.crs.proj4).toBeTruthy();
    }
  });

  it('reports problems in one line naming the file', async () => {
    await expectAoiError(readAoi(file('bad.geojson', '{"type": "Polygon", ')), /^bad\.geojson: not valid JSON/);
    await expectAoiError(
      readAoi(file('points.geojson', { type: 'MultiPoint', coordinates: [[0, 0]] })),
      /^points\.geojson: no polygon in the file \(found MultiPoint\)/,
    );
    await expectAoiError(readAoi(file('empty-fc.geojson', { type: 'FeatureCollection', features: [] })), /^empty-fc\.geojson: no polygon/);
    await expectAoiError(
      readAoi(
        file('nums.geojson', {
          type: 'Polygon',
          coordinates: [
            [
              [0, 'a'],
              [1, 0],
              [1, 1],
            ],
          ],
        }),
      ),
      /^nums\.geojson: invalid position/,
    );
    await expectAoiError(readAoi(file('notgeo.json', { hello: 1 })), /^notgeo\.json: not a GeoJSON object/);
    const crs = (name: string) => ({ type: 'Polygon', crs: { type: 'name', properties: { name } }, coordinates: square });
    await expectAoiError(readAoi(file('crs1.geojson', crs('EPSG:999999'))), /^crs1\.geojson: unknown CRS EPSG:999999/);
    await expectAoiError(readAoi(file('crs2.geojson', crs('urn:x-foo:bar'))), /^crs2\.geojson: unknown CRS 'urn:x-foo:bar'/);
    await expectAoiError(readAoi(join(dir, 'missing.geojson')), /^missing\.geojson: no such file or folder$/);
    await expectAoiError(readAoi(file('zero.geojson', '')), /^zero\.geojson: empty file/);
    await expectAoiError(
      readAoi(file('layer.geojson', { type: 'Polygon', coordinates: square }), 'x'),
      /^layer\.geojson: a layer \('x'\) can only be chosen in a GeoPackage/,
    );
    mkdirSync(join(dir, 'folder.geojson'));
    await expectAoiError(readAoi(join(dir, 'folder.geojson')), /is a folder, not a file/);
  });
});

describe('GeoPackage AOIs', () => {
  it('reads the first features layer, or the one named, with its EPSG CRS', async () => {
    const gpkg = join(dir, 'two.gpkg');
    ogr2ogr(['-f', 'GPKG', gpkg, aoiFixture('landsat_hole_4326.geojson'), '-nln', 'first']);
    ogr2ogr(['-f', 'GPKG', '-update', gpkg, aoiFixture('landsat_multi_3857.geojson'), '-nln', 'second']);
    const first = await readAoi(gpkg);
    expect([first.layer, first.crs.epsg, first.polygons.length, first.polygons[0].length]).toEqual(['first', 4326, 1, 2]);
    const second = await readAoi(gpkg, 'second');
    expect([second.layer, second.crs.epsg, second.polygons.length]).toEqual(['second', 3857, 4]);
    // Same coordinates as the GeoJSON it was made from.
    expect(second.polygons).toEqual((await readAoi(aoiFixture('landsat_multi_3857.geojson'))).polygons);
    await expectAoiError(readAoi(gpkg, 'third'), /^two\.gpkg: no layer 'third' \(layers: first, second\)$/);
  });

  it('reads a CRS given only as WKT (no EPSG code) and selects the cells GDAL does', async () => {
    const gpkg = join(dir, 'aeqd.gpkg');
    ogr2ogr([
      '-f',
      'GPKG',
      gpkg,
      aoiFixture('landsat_hole_4326.geojson'),
      '-t_srs',
      '+proj=aeqd +lat_0=30.7 +lon_0=-87.4 +datum=WGS84 +units=m',
      '-nln',
      'custom',
    ]);
    const aoi = await readAoi(gpkg);
    expect(aoi.crs.epsg).toBeNull();
    expect(aoi.crs.wkt).toMatch(/Azimuthal_Equidistant/);
    const g = await georef(LANDSAT);
    const grid = makeGrid(g.width, g.height, { kind: 'pixels', size: 64 }, 'keep');
    const cells = selectCells(grid, g.transform, g.crs, aoi).map((c) => [c.row, c.col]);
    expect(cells).toEqual(gdalCells(LANDSAT, gpkg, 64, 64, 'keep'));
  });

  it('reads big-endian geometry blobs', async () => {
    const gpkg = join(dir, 'be.gpkg');
    ogr2ogr(['-f', 'GPKG', gpkg, aoiFixture('terra_3857.geojson'), '-nln', 'be', '-lco', 'SPATIAL_INDEX=NO']);
    const little = await readAoi(gpkg);
    const ring = little.polygons[0][0];
    // GPKG header (big-endian flags, no envelope) + big-endian WKB Polygon.
    const blob = Buffer.alloc(8 + 9 + 4 + ring.length * 16);
    blob.write('GP', 0, 'latin1');
    blob.writeUInt8(0, 2);
    blob.writeUInt8(0, 3);
    blob.writeInt32BE(3857, 4);
    blob.writeUInt8(0, 8);
    blob.writeUInt32BE(3, 9);
    blob.writeUInt32BE(1, 13);
    blob.writeUInt32BE(ring.length, 17);
    ring.forEach(([x, y], i) => {
      blob.writeDoubleBE(x, 21 + i * 16);
      blob.writeDoubleBE(y, 29 + i * 16);
    });
    const db = new DatabaseSync(gpkg);
    db.prepare('UPDATE be SET geom = ?').run(blob);
    db.close();
    expect((await readAoi(gpkg)).polygons).toEqual(little.polygons);
  });

  it('reports problems in one line naming the file', async () => {
    const points = join(dir, 'points.gpkg');
    ogr2ogr(['-f', 'GPKG', points, file('pts.geojson', { type: 'Point', coordinates: [1, 2] }), '-nln', 'pts']);
    await expectAoiError(readAoi(points), /^points\.gpkg: no polygon in layer 'pts' \(found Point\)/);
    const plain = join(dir, 'plain.gpkg');
    new DatabaseSync(plain).exec('CREATE TABLE t (x)');
    await expectAoiError(readAoi(plain), /^plain\.gpkg: not a GeoPackage/);
    const corrupt = join(dir, 'corrupt.gpkg');
    ogr2ogr(['-f', 'GPKG', corrupt, aoiFixture('terra_3857.geojson'), '-nln', 'c', '-lco', 'SPATIAL_INDEX=NO']);
    const db = new DatabaseSync(corrupt);
    db.prepare('UPDATE c SET geom = ?').run(Buffer.from('GP\u0000\u0001\u0011\u000f\u0000\u0000\u0001\u0003', 'latin1'));
    db.close();
    await expectAoiError(readAoi(corrupt), /^corrupt\.gpkg: layer 'c', feature 1: geometry blob is truncated/);
  });
});

describe('describeAoi', () => {
  it('gives file, CRS, bounds, polygon count and optionally sha256', async () => {
    const path = file('describe.geojson', {
      type: 'MultiPolygon',
      coordinates: [
        square,
        [
          [
            [5, -1],
            [6, -1],
            [6, 3],
            [5, -1],
          ],
        ],
      ],
    });
    const d = await describeAoi(await readAoi(path), { sha256: true });
    expect(d).toEqual({
      file: path,
      crs: 'EPSG:4326',
      crs_name: 'WGS 84',
      bounds: [0, -1, 6, 3],
      polygons: 2,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect((await describeAoi(await readAoi(path))).sha256).toBeUndefined();
  });
});
