// The GeoParquet writer on its own: row groups, missing values, the CRS as PROJJSON, and the refusals; read back
// by DuckDB (tests/helpers/duckdb.ts), an independent Parquet implementation.
import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crsFromEpsg } from '../../../electron/engine/crs/index.js';
import {
  ParquetCellWriter,
  parquetLayout,
  projJson,
  rowGroupRows,
  writeParquetCells,
  type ParquetCell,
} from '../../../electron/engine/export/parquet/index.js';
import { decodeWkbPolygon, duckdb, sqlString } from '../../helpers/duckdb.js';

function cell(i: number, features: number[]): ParquetCell {
  const [x, y] = [100 + 10 * i, 50];
  return {
    cellId: `a.tif:r0c${i}`,
    source: 'a.tif',
    row: 0,
    col: i,
    x,
    y,
    lon: NaN,
    lat: NaN,
    validFraction: features.some(Number.isNaN) ? 0 : 1,
    features,
    ring: [
      [x - 5, y + 5],
      [x + 5, y + 5],
      [x + 5, y - 5],
      [x - 5, y - 5],
      [x - 5, y + 5],
    ],
  };
}

describe('the GeoParquet writer', () => {
  it('splits rows into row groups by K, keeps NaN as null, and writes crs null for a raster without a CRS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rcf-parquet-'));
    const path = join(dir, 'many.parquet');
    const per = rowGroupRows(2);
    expect(per).toBe(65536);
    expect([rowGroupRows(1024), rowGroupRows(1026), rowGroupRows(8192)]).toEqual([16384, 2044, 256]);
    const n = per + 100;
    const cells = function* () {
      for (let i = 0; i < n; i++) yield cell(i, i % 1000 === 7 ? [NaN, NaN] : [i / 3, -i]);
    };
    const summary = await writeParquetCells(path, { features: 2, crs: null }, cells(), { note: 'test' });
    expect(summary.rows).toBe(n);
    const groups = await duckdb<{ g: number; rows: number }>(
      'SELECT DISTINCT row_group_id::INTEGER AS g, row_group_num_rows::INTEGER AS rows ' +
        `FROM parquet_metadata(${sqlString(path)}) ORDER BY g`,
    );
    expect(groups).toEqual([
      { g: 0, rows: per },
      { g: 1, rows: 100 },
    ]);
    const rows = await duckdb<Record<string, unknown>>(
      `SELECT col, lon, lat, f0, f1, geometry FROM read_parquet(${sqlString(path)}) WHERE col IN (6, 7, 65600)`,
      { geoparquet: false },
    );
    expect(rows.map((r) => [r.col, r.lon, r.lat, r.f0, r.f1])).toEqual([
      [6, null, null, Math.fround(6 / 3), -6],
      [7, null, null, null, null],
      [65600, null, null, Math.fround(65600 / 3), -65600],
    ]);
    expect(decodeWkbPolygon(rows[0].geometry as Uint8Array)).toEqual([cell(6, []).ring]);
    const [geo] = await duckdb<{ v: string }>(
      `SELECT decode(value) AS v FROM parquet_kv_metadata(${sqlString(path)}) WHERE decode(key) = 'geo'`,
    );
    const column = JSON.parse(geo.v).columns.geometry;
    expect(column.crs).toBeNull();
    expect(column.bbox).toEqual([95, 45, 100 + 10 * (n - 1) + 5, 55]);
    const [meta] = await duckdb<{ v: string }>(
      `SELECT decode(value) AS v FROM parquet_kv_metadata(${sqlString(path)}) WHERE decode(key) = 'rcf'`,
    );
    expect(JSON.parse(meta.v)).toEqual({ note: 'test', output: summary });
    expect(readdirSync(dir)).toEqual(['many.parquet']);
  });

  it('shows nothing under the final name until finished, and leaves nothing when aborted', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rcf-parquet-'));
    const path = join(dir, 'one.parquet');
    const writer = await ParquetCellWriter.create(path, { features: 2, crs: null });
    await writer.add(cell(0, [1, 2]));
    expect(existsSync(path)).toBe(false);
    await writer.abort();
    expect(readdirSync(dir)).toEqual([]);
    await expect(writeParquetCells(path, { features: 3, crs: null }, [cell(0, [1, 2, 3]), cell(1, [1, 2])], {})).rejects.toThrow(
      /has 2 features, the file 3/,
    );
    expect(readdirSync(dir)).toEqual([]);
  });

  it('refuses sources in two CRSs, naming them (a geometry column has one CRS)', () => {
    expect(() =>
      parquetLayout('out.parquet', 2, [
        { name: 'a.tif', crs: crsFromEpsg(32633) },
        { name: 'b.tif', crs: crsFromEpsg(32634) },
      ]),
    ).toThrow(/out\.parquet: a GeoParquet file's geometry column has one CRS, but a\.tif is in .*32633.* and b\.tif in .*32634/);
  });
});

describe('the CRS as PROJJSON', () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- PROJJSON is nested JSON read field by field here
  const of = (code: number) => projJson(crsFromEpsg(code)!) as Record<string, any>;

  it('describes a geographic CRS with its datum, ellipsoid and EPSG ids', () => {
    const crs = of(4326);
    expect(crs).toMatchObject({ type: 'GeographicCRS', name: 'WGS 84', id: { authority: 'EPSG', code: 4326 } });
    expect(crs.datum.ellipsoid).toMatchObject({ semi_major_axis: 6378137, inverse_flattening: 298.257223563 });
    expect(crs.datum.id).toEqual({ authority: 'EPSG', code: 6326 });
    expect(crs.coordinate_system.axis.map((a: { direction: string }) => a.direction)).toEqual(['north', 'east']);
  });

  it('describes the common projections with their EPSG methods and parameters', () => {
    const utm = of(32633);
    expect(utm.conversion.method).toEqual({ name: 'Transverse Mercator', id: { authority: 'EPSG', code: 9807 } });
    const params = Object.fromEntries(utm.conversion.parameters.map((p: { id: { code: number }; value: number }) => [p.id.code, p.value]));
    expect(params).toEqual({ 8801: 0, 8802: 15, 8805: 0.9996, 8806: 500000, 8807: 0 });
    expect(utm.base_crs.id).toEqual({ authority: 'EPSG', code: 4326 });
    // EPSG:3857's WKT 1 says Mercator_1SP; its method is the spherical Pseudo-Mercator, without a scale factor.
    const web = of(3857);
    expect(web.conversion.method.id.code).toBe(1024);
    expect(web.conversion.parameters.map((p: { id: { code: number } }) => p.id.code)).toEqual([8801, 8802, 8806, 8807]);
    expect(of(2154).conversion.method.id.code).toBe(9802);
    expect(of(5070).conversion.method.id.code).toBe(9822);
    expect(of(3035).conversion.method.id.code).toBe(9820);
    expect(of(3035).id).toEqual({ authority: 'EPSG', code: 3035 });
  });

  it('gives null (an unknown CRS) for a method it cannot describe or a CRS without an EPSG code', () => {
    expect(projJson(crsFromEpsg(3413)!)).toBeNull(); // polar stereographic
    expect(projJson({ epsg: null, proj4: '+proj=utm +zone=33 +datum=WGS84' })).toBeNull();
  });
});
