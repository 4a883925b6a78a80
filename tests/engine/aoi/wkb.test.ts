/** GeoPackage binary geometries built byte by byte: header variants, byte orders, Z/M flavours. */
import { describe, it, expect } from 'vitest';
import { parseGpkgGeometry } from '../../../electron/engine/aoi/wkb.js';

/** Little helper to write bytes in a chosen order. */
class Bytes {
  private parts: Buffer[] = [];
  u8(v: number) {
    this.parts.push(Buffer.from([v]));
    return this;
  }
  u32(v: number, le: boolean) {
    const b = Buffer.alloc(4);
    if (le) b.writeUInt32LE(v);
    else b.writeUInt32BE(v);
    this.parts.push(b);
    return this;
  }
  f64(values: number[], le: boolean) {
    for (const v of values) {
      const b = Buffer.alloc(8);
      if (le) b.writeDoubleLE(v);
      else b.writeDoubleBE(v);
      this.parts.push(b);
    }
    return this;
  }
  raw(b: Buffer) {
    this.parts.push(b);
    return this;
  }
  done() {
    return Buffer.concat(this.parts);
  }
}

/** GPKG header: magic, version, flags (byte order + envelope code), srs_id, envelope doubles. */
const header = (le: boolean, envelopeCode: number, srsId = 4326) => {
  const sizes = [0, 4, 6, 6, 8];
  return new Bytes()
    .raw(Buffer.from('GP'))
    .u8(0)
    .u8((le ? 1 : 0) | (envelopeCode << 1))
    .u32(srsId, le)
    .f64(new Array(sizes[envelopeCode]).fill(0), le)
    .done();
};

const RING = [
  [0, 0],
  [4, 0],
  [4, 3],
  [0, 0],
];
/** WKB polygon with one ring, `extra` coordinates (Z/M) per point. */
const polygon = (le: boolean, type: number, extra = 0) => {
  const b = new Bytes()
    .u8(le ? 1 : 0)
    .u32(type, le)
    .u32(1, le)
    .u32(RING.length, le);
  for (const [x, y] of RING) b.f64([x, y, ...new Array(extra).fill(7)], le);
  return b.done();
};

describe('GeoPackage geometry blobs', () => {
  it('reads polygons in either byte order, with any envelope', () => {
    for (const le of [true, false]) {
      for (const env of [0, 1, 2, 3, 4]) {
        const g = parseGpkgGeometry(Buffer.concat([header(le, env, 3857), polygon(le, 3)]));
        expect(g.polygons).toEqual([[RING]]);
        expect(g.srsId).toBe(3857);
      }
    }
  });

  it('drops Z and M values (ISO codes and EWKB flags)', () => {
    expect(parseGpkgGeometry(Buffer.concat([header(true, 0), polygon(true, 1003, 1)])).polygons).toEqual([[RING]]);
    expect(parseGpkgGeometry(Buffer.concat([header(true, 0), polygon(true, 2003, 1)])).polygons).toEqual([[RING]]);
    expect(parseGpkgGeometry(Buffer.concat([header(false, 0), polygon(false, 3003, 2)])).polygons).toEqual([[RING]]);
    expect(parseGpkgGeometry(Buffer.concat([header(true, 0), polygon(true, 0x80000003, 1)])).polygons).toEqual([[RING]]);
  });

  it('reads multipolygons whose parts have their own byte order, and skips points and lines in collections', () => {
    const multi = new Bytes().u8(0).u32(6, false).u32(2, false).raw(polygon(true, 3)).raw(polygon(false, 3)).done();
    expect(parseGpkgGeometry(Buffer.concat([header(true, 0), multi])).polygons).toEqual([[RING], [RING]]);
    const point = new Bytes().u8(1).u32(1, true).f64([1, 2], true).done();
    const line = new Bytes().u8(1).u32(2, true).u32(2, true).f64([1, 2, 3, 4], true).done();
    const collection = new Bytes().u8(1).u32(7, true).u32(3, true).raw(point).raw(polygon(true, 3)).raw(line).done();
    const g = parseGpkgGeometry(Buffer.concat([header(true, 0), collection]));
    expect(g.polygons).toEqual([[RING]]);
    expect(g.skipped).toEqual(['Point', 'LineString']);
  });

  it('reads empty geometries as no polygon', () => {
    const empty = Buffer.from([0x47, 0x50, 0, 0x11, 0xe6, 0x10, 0, 0]);
    expect(parseGpkgGeometry(empty).polygons).toEqual([]);
  });

  it('rejects what it cannot read with a short message', () => {
    expect(() => parseGpkgGeometry(Buffer.from('XX\u0000\u0001\u0000\u0000\u0000\u0000'))).toThrow(/'GP' header/);
    expect(() => parseGpkgGeometry(Buffer.concat([header(true, 0), polygon(true, 3).subarray(0, 30)]))).toThrow(/truncated/);
    expect(() => parseGpkgGeometry(Buffer.concat([header(true, 0), polygon(true, 10)]))).toThrow(/unsupported geometry type CurvePolygon/);
    expect(() => parseGpkgGeometry(Buffer.concat([header(true, 5), polygon(true, 3)]))).toThrow(/envelope/);
    // A ring count far beyond the blob's size must not allocate or loop for ages.
    const huge = new Bytes().u8(1).u32(3, true).u32(0xffffffff, true).done();
    expect(() => parseGpkgGeometry(Buffer.concat([header(true, 0), huge]))).toThrow(/truncated/);
  });
});
