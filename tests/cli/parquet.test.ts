// `rcf featurize … --out OUT.parquet` read back by DuckDB (an independent Parquet implementation): every value equal
// to the CSV export of the same run, the cell polygons (WKB decoded here, and as DuckDB's own ST_AsText gives them),
// GeoParquet 1.1's metadata, the provenance, and interrupting and resuming as for the other formats.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { rcf, rcfAtCells, tempDir, readCsv, ROOT } from '../helpers/cli.js';
import { decodeWkbPolygon, duckdb, sqlString } from '../helpers/duckdb.js';

const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
const BASE = ['featurize', SAMPLE, '--seed', '3', '--scale', '0.0001', '--cell-size', '32', '--threads', '1'];
// The sample's pixels are 30 m: a 32-pixel cell is 960 m on a side.
const HALF = 480;

type Row = Record<string, unknown>;

/** Every column of every row, in file order; geometry as raw WKB bytes. */
function readAll(path: string): Promise<Row[]> {
  return duckdb(`SELECT * FROM read_parquet(${sqlString(path)})`, { geoparquet: false });
}

async function kvMetadata(path: string): Promise<Record<string, string>> {
  const rows = await duckdb<{ key: string; value: string }>(
    `SELECT decode(key) AS key, decode(value) AS value FROM parquet_kv_metadata(${sqlString(path)})`,
  );
  return Object.fromEntries(rows.map((r) => [r.key, r.value]));
}

/** The features of a row, whichever layout the file uses (f0… columns, or the list `features`). */
function featuresOf(row: Row, k: number): (number | null)[] {
  if ('features' in row) return row.features as (number | null)[];
  return Array.from({ length: k }, (_, i) => row[`f${i}`] as number | null);
}

/** The file's rows equal the CSV's, value for value (features float32-exact, NaN as null), and hold the cell polygons. */
function expectSameAsCsv(rows: Row[], csvPath: string, k: number) {
  const csv = readCsv(csvPath);
  expect(rows).toHaveLength(csv.rows.length);
  const num = (text: string) => (text === '' ? null : Number(text));
  csv.rows.forEach((r, i) => {
    const row = rows[i];
    expect([row.cell_id, row.source, row.row, row.col]).toEqual([r[0], r[1], Number(r[2]), Number(r[3])]);
    expect([row.x, row.y, row.lon, row.lat]).toEqual([num(r[4]), num(r[5]), num(r[6]), num(r[7])]);
    expect(row.valid_fraction).toBe(Math.fround(Number(r[8])));
    const features = featuresOf(row, k);
    expect(features).toHaveLength(k);
    const expected = r.slice(9).map((v) => (v === '' ? null : Math.fround(Number(v))));
    expect(features).toEqual(expected);
    const [x, y] = [Number(r[4]), Number(r[5])];
    const ring: [number, number][] = [
      [x - HALF, y + HALF],
      [x + HALF, y + HALF],
      [x + HALF, y - HALF],
      [x - HALF, y - HALF],
      [x - HALF, y + HALF],
    ];
    expect(decodeWkbPolygon(row.geometry as Uint8Array)).toEqual([ring]);
    expect(row.bbox).toEqual({ xmin: x - HALF, ymin: y - HALF, xmax: x + HALF, ymax: y + HALF });
  });
}

describe('rcf featurize to GeoParquet', () => {
  let dir: string;
  beforeAll(() => {
    dir = tempDir();
    for (const ext of ['parquet', 'csv']) {
      const r = rcf([...BASE, '--features', '16', '--out', join(dir, `k16.${ext}`)]);
      expect(r.code, r.stderr).toBe(0);
    }
  });

  it('DuckDB reads the same cells and features as the CSV, with float32 feature columns', async () => {
    const out = join(dir, 'k16.parquet');
    const rows = await readAll(out);
    expectSameAsCsv(rows, join(dir, 'k16.csv'), 16);
    const types = await duckdb<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${sqlString(out)}`, {
      geoparquet: false,
    });
    const typeOf = Object.fromEntries(types.map((t) => [t.column_name, t.column_type]));
    expect(Object.keys(typeOf)).toEqual([
      ...['cell_id', 'source', 'row', 'col', 'x', 'y', 'lon', 'lat', 'valid_fraction'],
      ...Array.from({ length: 16 }, (_, i) => `f${i}`),
      'geometry',
      'bbox',
    ]);
    expect(typeOf).toMatchObject({ cell_id: 'VARCHAR', row: 'INTEGER', x: 'DOUBLE', valid_fraction: 'FLOAT', f0: 'FLOAT', f15: 'FLOAT' });
    expect(typeOf.geometry).toBe('BLOB');
  });

  it('is GeoParquet 1.1: DuckDB reads the geometry column as polygons in the raster CRS (EPSG:32616, as PROJJSON)', async () => {
    const out = join(dir, 'k16.parquet');
    const geo = JSON.parse((await kvMetadata(out)).geo);
    expect(geo.version).toBe('1.1.0');
    expect(geo.primary_column).toBe('geometry');
    const column = geo.columns.geometry;
    expect(column).toMatchObject({ encoding: 'WKB', geometry_types: ['Polygon'] });
    expect(column.crs).toMatchObject({ type: 'ProjectedCRS', name: 'WGS 84 / UTM zone 16N', id: { authority: 'EPSG', code: 32616 } });
    expect(column.crs.base_crs.id).toEqual({ authority: 'EPSG', code: 4326 });
    expect(column.crs.conversion.method.name).toBe('Transverse Mercator');
    expect(column.covering.bbox.xmin).toEqual(['bbox', 'xmin']);
    // DuckDB's own GeoParquet reading: the column is GEOMETRY with that CRS, and its polygons are the cells'.
    const [first] = await duckdb<{ t: string; wkt: string; x: number; y: number }>(
      `SELECT typeof(geometry) AS t, ST_AsText(geometry) AS wkt, x, y FROM ${sqlString(out)} LIMIT 1`,
    );
    expect(first.t.startsWith(`GEOMETRY('{"$schema"`)).toBe(true);
    expect(first.t.endsWith(`"id":{"authority":"EPSG","code":32616}}')`)).toBe(true);
    const [x, y] = [first.x, first.y];
    const corners = [
      [x - HALF, y + HALF],
      [x + HALF, y + HALF],
      [x + HALF, y - HALF],
      [x - HALF, y - HALF],
      [x - HALF, y + HALF],
    ];
    expect(first.wkt).toBe(`POLYGON ((${corners.map(([cx, cy]) => `${cx} ${cy}`).join(', ')}))`);
    const rows = await readAll(out);
    const xs = rows.map((r) => r.x as number);
    const ys = rows.map((r) => r.y as number);
    expect(column.bbox).toEqual([Math.min(...xs) - HALF, Math.min(...ys) - HALF, Math.max(...xs) + HALF, Math.max(...ys) + HALF]);
  });

  it('holds the provenance in its key-value metadata, as the CSV sidecar does, and the checksum of its row groups', async () => {
    const out = join(dir, 'k16.parquet');
    const provenance = JSON.parse((await kvMetadata(out)).rcf);
    const sidecar = JSON.parse(readFileSync(join(dir, 'k16.csv.json'), 'utf8'));
    expect(provenance.version).toBe(sidecar.version);
    expect(provenance.run).toEqual(sidecar.run);
    expect(provenance.weights).toEqual(sidecar.weights);
    expect(provenance.cells).toEqual(sidecar.cells);
    expect(provenance.output.rows).toBe(342);
    const groups = await duckdb<{ n: number; rows: number }>(
      'SELECT count(DISTINCT row_group_id)::INTEGER AS n, sum(DISTINCT row_group_num_rows)::INTEGER AS rows ' +
        `FROM parquet_metadata(${sqlString(out)})`,
    );
    expect(groups).toEqual([{ n: 1, rows: 342 }]);
  });

  it('past 1024 features writes them as one list column of K float32 values (here K = 8192), equal to the CSV', async () => {
    const args = [...BASE, '--features', '8192'];
    const out = join(dir, 'k8192.parquet');
    expect(rcf([...args, '--out', out]).code).toBe(0);
    expect(rcf([...args, '--out', join(dir, 'k8192.csv')]).code).toBe(0);
    const types = await duckdb<{ column_name: string; column_type: string }>(`DESCRIBE SELECT * FROM ${sqlString(out)}`, {
      geoparquet: false,
    });
    expect(types.find((t) => t.column_name === 'features')?.column_type).toBe('FLOAT[]');
    expect(types.some((t) => t.column_name === 'f0')).toBe(false);
    expectSameAsCsv(await readAll(out), join(dir, 'k8192.csv'), 8192);
  });

  it('after SIGKILL and after SIGINT, --resume completes it to the same rows and row groups as an uninterrupted run', async () => {
    const args = [...BASE, '--features', '8192', '--progress', 'json'];
    const reference = join(dir, 'k8192.parquet');
    if (!existsSync(reference)) expect(rcf([...args, '--out', reference]).code).toBe(0);
    const dataOf = async (path: string) => JSON.parse((await kvMetadata(path)).rcf).output;

    const killed = join(dir, 'killed.parquet');
    // Past the first batches of 64 rows, so that the log holds checkpointed rows to keep.
    const kill = rcfAtCells([...args, '--out', killed], 150, (child) => child.kill('SIGKILL'));
    expect((await kill.closed).signal).toBe('SIGKILL');
    expect(existsSync(killed)).toBe(false);
    expect(existsSync(`${killed}.partial`)).toBe(true);
    const again = rcf([...args, '--out', killed]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/unfinished run; use --resume/);
    const resumed = rcf([...args, '--out', killed, '--resume']);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stderr).toMatch(/kept from the earlier run/);
    expect(existsSync(`${killed}.partial`)).toBe(false);
    // The row groups are byte for byte those of the uninterrupted run (only the provenance's times differ).
    expect(await dataOf(killed)).toEqual(await dataOf(reference));
    expect(await readAll(killed)).toEqual(await readAll(reference));

    const cancelled = join(dir, 'cancelled.parquet');
    const int = rcfAtCells([...args, '--out', cancelled], 19, (child) => child.kill('SIGINT'));
    const stopped = await int.closed;
    expect(stopped.code).toBe(130);
    expect(stopped.stderr).toMatch(/cancelled; finished cells are kept/);
    expect(existsSync(cancelled)).toBe(false);
    const record = JSON.parse(readFileSync(`${cancelled}.partial.json`, 'utf8'));
    expect(record.rows).toBeGreaterThanOrEqual(19);
    expect(record.rows).toBeLessThan(342);
    expect(rcf([...args, '--out', cancelled, '--resume']).code).toBe(0);
    expect(await dataOf(cancelled)).toEqual(await dataOf(reference));
  });

  it('refuses a partial that changed after rcf wrote it, and re-verifies a finished file before calling it complete', async () => {
    const args = [...BASE, '--features', '16', '--progress', 'json'];
    const out = join(dir, 'k16.parquet');
    expect(rcf([...args, '--out', out]).stderr).toMatch(/already exists; use --overwrite/);
    expect(rcf([...args, '--out', out, '--resume']).stderr).toMatch(/already complete/);
    const other = rcf([...args.map((a) => (a === '3' ? '4' : a)), '--out', out, '--resume']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/other settings/);

    // A byte of the row groups changed: the checksum in the file's own metadata no longer matches.
    const changed = join(dir, 'changed.parquet');
    writeFileSync(changed, readFileSync(out));
    const bytes = readFileSync(changed);
    bytes[100] ^= 0xff;
    writeFileSync(changed, bytes);
    const r = rcf([...args, '--out', changed, '--resume']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/changed\.parquet does not match the checksum in its metadata/);

    // An unfinished run whose log was edited is refused, naming the partial.
    const edited = join(dir, 'edited.parquet');
    const kill = rcfAtCells([...BASE, '--features', '8192', '--progress', 'json', '--out', edited], 150, (c) => c.kill('SIGKILL'));
    await kill.closed;
    const log = readFileSync(`${edited}.partial`);
    const checkpointed = JSON.parse(readFileSync(`${edited}.partial.json`, 'utf8')).bytes;
    expect(checkpointed).toBeGreaterThan(1000);
    log[checkpointed >> 1] ^= 0xff;
    writeFileSync(`${edited}.partial`, log);
    const e = rcf([...BASE, '--features', '8192', '--out', edited, '--resume']);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/edited\.parquet\.partial does not match the checksum/);
  });
});
