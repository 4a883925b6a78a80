/**
 * GeoPackage binary geometries (GPKG header + WKB): Polygon, MultiPolygon,
 * Point, MultiPoint and those inside a GeometryCollection. Either byte order,
 * ISO (1003, 2003, 3003) and EWKB-style (0x80000000) Z/M flags. Lines are
 * skipped; points are kept apart (label files use them, an AOI skips them).
 *
 * Spec: GeoPackage 1.3 §2.1.3 "Geometry Encoding"; OGC Simple Features WKB.
 */
import type { Position } from './geometry.js';

/** Names of WKB geometry types, for messages. */
const TYPE_NAMES: Record<number, string> = {
  1: 'Point',
  2: 'LineString',
  3: 'Polygon',
  4: 'MultiPoint',
  5: 'MultiLineString',
  6: 'MultiPolygon',
  7: 'GeometryCollection',
  8: 'CircularString',
  9: 'CompoundCurve',
  10: 'CurvePolygon',
  11: 'MultiCurve',
  12: 'MultiSurface',
  15: 'PolyhedralSurface',
  16: 'TIN',
  17: 'Triangle',
};

/** What one geometry holds: its polygons (rings of positions), its points, and the names of the non-polygon parts skipped. */
export interface ParsedGeometry {
  polygons: Position[][][];
  /** Points and the parts of MultiPoints (label files use them; an AOI skips them). */
  points: Position[];
  skipped: string[];
  /** The srs_id in the GPKG header. */
  srsId: number;
}

/** Sequential reader over a byte buffer whose byte order can change per WKB geometry. */
class Reader {
  private readonly view: DataView;
  offset = 0;
  little = true;

  constructor(bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  need(n: number): void {
    if (this.offset + n > this.view.byteLength) throw new Error('geometry blob is truncated');
  }
  byte(): number {
    this.need(1);
    return this.view.getUint8(this.offset++);
  }
  uint32(): number {
    this.need(4);
    const v = this.view.getUint32(this.offset, this.little);
    this.offset += 4;
    return v;
  }
  float64(): number {
    this.need(8);
    const v = this.view.getFloat64(this.offset, this.little);
    this.offset += 8;
    return v;
  }
  /** A count that must fit in the rest of the buffer at `minBytes` each (guards against garbage counts). */
  count(minBytes: number): number {
    const n = this.uint32();
    if (n * minBytes > this.view.byteLength - this.offset) throw new Error('geometry blob is truncated');
    return n;
  }
}

/**
 * Parses a GeoPackage geometry blob. Throws an Error with a short message when
 * the blob is malformed or holds an unsupported geometry (curves, surfaces).
 */
export function parseGpkgGeometry(blob: Uint8Array): ParsedGeometry {
  const r = new Reader(blob);
  if (blob.length < 8 || blob[0] !== 0x47 || blob[1] !== 0x50)
    throw new Error("geometry blob does not start with GeoPackage's 'GP' header");
  r.offset = 3;
  const flags = r.byte();
  r.little = (flags & 1) === 1;
  const envelope = (flags >> 1) & 7;
  const empty = ((flags >> 4) & 1) === 1;
  if ((flags >> 5) & 1) throw new Error('extended GeoPackage geometries are not supported');
  const srsId = r.uint32() | 0; // signed: -1 and 0 are the spec's undefined CRSs
  const envelopeBytes = [0, 32, 48, 48, 64][envelope];
  if (envelopeBytes === undefined) throw new Error(`invalid envelope code ${envelope} in a geometry header`);
  r.offset += envelopeBytes;
  const result: ParsedGeometry = { polygons: [], points: [], skipped: [], srsId };
  if (empty) return result;
  readGeometry(r, result);
  return result;
}

/** Reads one WKB geometry at the reader's offset (byte order byte first). */
function readGeometry(r: Reader, out: ParsedGeometry): void {
  const order = r.byte();
  if (order > 1) throw new Error(`invalid WKB byte order ${order}`);
  r.little = order === 1;
  const code = r.uint32();
  // EWKB flags in the high bits, ISO dimensions in the thousands.
  let hasZ = (code & 0x80000000) !== 0;
  let hasM = (code & 0x40000000) !== 0;
  if (code & 0x20000000) r.uint32(); // EWKB SRID, not used by GeoPackage but harmless
  const iso = code & 0x0fffffff;
  const base = iso % 1000;
  const dims = Math.floor(iso / 1000);
  if (dims === 1 || dims === 3) hasZ = true;
  if (dims === 2 || dims === 3) hasM = true;
  const stride = 2 + (hasZ ? 1 : 0) + (hasM ? 1 : 0);

  const points = (): Position[] => {
    const n = r.count(stride * 8);
    const ring: Position[] = [];
    for (let i = 0; i < n; i++) {
      const x = r.float64();
      const y = r.float64();
      r.offset += (stride - 2) * 8;
      ring.push([x, y]);
    }
    return ring;
  };

  switch (base) {
    case 3: {
      const rings: Position[][] = [];
      const n = r.count(4);
      for (let i = 0; i < n; i++) rings.push(points());
      out.polygons.push(rings);
      return;
    }
    case 4:
    case 5:
    case 6:
    case 7: {
      // Multi* and collections: each part is a full WKB geometry with its own byte order.
      const n = r.count(5);
      for (let i = 0; i < n; i++) readGeometry(r, out);
      return;
    }
    case 1: {
      r.need(stride * 8);
      const x = r.float64();
      const y = r.float64();
      r.offset += (stride - 2) * 8;
      if (!Number.isNaN(x) || !Number.isNaN(y)) out.points.push([x, y]); // WKB's POINT EMPTY is NaN, NaN
      out.skipped.push('Point');
      return;
    }
    case 2:
      points();
      out.skipped.push('LineString');
      return;
    default:
      throw new Error(`unsupported geometry type ${TYPE_NAMES[base] ?? `#${code}`} (only polygons and multipolygons)`);
  }
}
