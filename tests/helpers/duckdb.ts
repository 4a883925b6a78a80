// DuckDB (its own Parquet reader, C++) reading what rcf wrote with hyparquet-writer: the independent reader of the
// GeoParquet tests. DuckDB's core reads GeoParquet's `geo` metadata (the column becomes GEOMETRY and ST_AsText works
// without the spatial extension, which is not available offline); with the conversion off it gives the raw WKB.
import { DuckDBInstance, type DuckDBValue } from '@duckdb/node-api';

export async function duckdb<T = Record<string, unknown>>(sql: string, options: { geoparquet?: boolean } = {}): Promise<T[]> {
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  try {
    if (options.geoparquet === false) await connection.run('SET enable_geoparquet_conversion = false');
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as T[];
  } finally {
    connection.closeSync();
    db.closeSync();
  }
}

export function sqlString(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

/** A little-endian WKB polygon decoded by hand: its rings as [x, y] points. */
export function decodeWkbPolygon(bytes: Uint8Array): [number, number][][] {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (view.getUint8(0) !== 1) throw new Error('not little-endian WKB');
  if (view.getUint32(1, true) !== 3) throw new Error(`WKB type ${view.getUint32(1, true)}, not a polygon`);
  const rings: [number, number][][] = [];
  let o = 9;
  for (let r = 0, n = view.getUint32(5, true); r < n; r++) {
    const points = view.getUint32(o, true);
    o += 4;
    const ring: [number, number][] = [];
    for (let p = 0; p < points; p++, o += 16) ring.push([view.getFloat64(o, true), view.getFloat64(o + 8, true)]);
    rings.push(ring);
  }
  if (o !== bytes.length) throw new Error(`WKB has ${bytes.length - o} bytes after the polygon`);
  return rings;
}

export type { DuckDBValue };
