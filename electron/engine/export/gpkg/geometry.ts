/**
 * GeoPackage geometry blobs (spec §2.1.3): an 8-byte header ("GP", version 0,
 * flags, srs_id), an XY envelope, then standard little-endian WKB.
 */

export interface Envelope {
  minX: number;
  minY: number;
  maxX: number;
  maxY: number;
}

/** Flags byte: bit 0 = little-endian header, bits 1–3 = 1 (envelope [minx, maxx, miny, maxy]), not empty, standard geometry. */
const FLAGS_LE_XY_ENVELOPE = 0b0000_0011;
const HEADER_BYTES = 8 + 32;
const WKB_POLYGON = 3;

/** A one-ring polygon (the ring closed, as given) with its envelope in the header. */
export function polygonBlob(ring: readonly (readonly [number, number])[], srsId: number): Uint8Array {
  const bytes = new Uint8Array(HEADER_BYTES + 1 + 4 + 4 + 4 + 16 * ring.length);
  const view = new DataView(bytes.buffer);
  const env = ringEnvelope(ring);
  bytes[0] = 0x47; // 'G'
  bytes[1] = 0x50; // 'P'
  bytes[2] = 0; // version 1 of the blob format
  bytes[3] = FLAGS_LE_XY_ENVELOPE;
  view.setInt32(4, srsId, true);
  view.setFloat64(8, env.minX, true);
  view.setFloat64(16, env.maxX, true);
  view.setFloat64(24, env.minY, true);
  view.setFloat64(32, env.maxY, true);
  let o = HEADER_BYTES;
  bytes[o] = 1; // WKB little-endian
  view.setUint32(o + 1, WKB_POLYGON, true);
  view.setUint32(o + 5, 1, true); // rings
  view.setUint32(o + 9, ring.length, true); // points
  o += 13;
  for (const [x, y] of ring) {
    view.setFloat64(o, x, true);
    view.setFloat64(o + 8, y, true);
    o += 16;
  }
  return bytes;
}

export function ringEnvelope(ring: readonly (readonly [number, number])[]): Envelope {
  let minX = Infinity;
  let minY = Infinity;
  let maxX = -Infinity;
  let maxY = -Infinity;
  for (const [x, y] of ring) {
    if (x < minX) minX = x;
    if (x > maxX) maxX = x;
    if (y < minY) minY = y;
    if (y > maxY) maxY = y;
  }
  return { minX, minY, maxX, maxY };
}

/** The envelope stored in a blob written by polygonBlob (null for other layouts). */
export function blobEnvelope(blob: Uint8Array): Envelope | null {
  if (blob.length < HEADER_BYTES || blob[0] !== 0x47 || blob[1] !== 0x50 || blob[3] !== FLAGS_LE_XY_ENVELOPE) return null;
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  return {
    minX: view.getFloat64(8, true),
    maxX: view.getFloat64(16, true),
    minY: view.getFloat64(24, true),
    maxY: view.getFloat64(32, true),
  };
}
