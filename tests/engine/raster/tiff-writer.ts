/**
 * Test helper: a byte-exact little-endian classic TIFF builder that writes whatever it is told, consistent or
 * not (hostile counts, offsets past the end, bombs in any IFD). Layout: header | blobs | IFDs with their values.
 */
export const SHORT = 3;
export const LONG = 4;
export const ASCII = 2;
export const DOUBLE = 12;
export const BYTE = 1;

const SIZES: Record<number, number> = { 1: 1, 2: 1, 3: 2, 4: 4, 12: 8 };

export interface Tag {
  tag: number;
  type: number;
  /** Numbers, or an ASCII string (NUL added). */
  values: number[] | string;
  /** Written instead of the real count. */
  count?: number;
  /** Written instead of the real offset of out-of-line values (the values are then not written). */
  offset?: number;
}

export class TiffWriter {
  private chunks: Buffer[] = [Buffer.from([0x49, 0x49, 42, 0, 0, 0, 0, 0])];
  private size = 8;
  /** Pointers to patch at the end: [position, value]. */
  private patches: [number, number][] = [];
  /** Position of the last IFD's next-IFD pointer (4: the header's first-IFD offset). */
  private lastPointer = 4;

  get length(): number {
    return this.size;
  }

  private push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
  }

  private align(): void {
    if (this.size % 2) this.push(Buffer.alloc(1));
  }

  /** Appends raw bytes (pixel data); returns their offset. */
  blob(data: Uint8Array): number {
    this.align();
    const at = this.size;
    this.push(Buffer.from(data));
    return at;
  }

  private encode(t: Tag): Buffer {
    if (typeof t.values === 'string') return Buffer.from(`${t.values}\0`, 'latin1');
    const size = SIZES[t.type];
    const buf = Buffer.alloc(t.values.length * size);
    t.values.forEach((v, i) => {
      if (size === 1) buf.writeUInt8(v, i);
      else if (size === 2) buf.writeUInt16LE(v, i * 2);
      else if (size === 4) buf.writeUInt32LE(v, i * 4);
      else buf.writeDoubleLE(v, i * 8);
    });
    return buf;
  }

  /** Appends an IFD (entries sorted by tag), chains it after the previous one (or from the header); returns its offset. */
  ifd(tags: Tag[]): number {
    this.align();
    const at = this.size;
    const sorted = [...tags].sort((a, b) => a.tag - b.tag);
    const tableSize = 2 + sorted.length * 12 + 4;
    const table = Buffer.alloc(tableSize);
    table.writeUInt16LE(sorted.length, 0);
    const values: Buffer[] = [];
    let valuesSize = 0;
    sorted.forEach((t, i) => {
      const raw = this.encode(t);
      const at12 = 2 + i * 12;
      table.writeUInt16LE(t.tag, at12);
      table.writeUInt16LE(t.type, at12 + 2);
      table.writeUInt32LE(t.count ?? raw.length / SIZES[t.type], at12 + 4);
      if (t.offset !== undefined) table.writeUInt32LE(t.offset, at12 + 8);
      else if (raw.length <= 4) raw.copy(table, at12 + 8);
      else {
        if (valuesSize % 2) {
          values.push(Buffer.alloc(1));
          valuesSize++;
        }
        table.writeUInt32LE(at + tableSize + valuesSize, at12 + 8);
        values.push(raw);
        valuesSize += raw.length;
      }
    });
    this.push(table);
    for (const v of values) this.push(v);
    this.patches.push([this.lastPointer, at]);
    this.lastPointer = at + tableSize - 4;
    return at;
  }

  toBuffer(): Buffer {
    const out = Buffer.concat(this.chunks);
    for (const [pos, value] of this.patches) out.writeUInt32LE(value, pos);
    return out;
  }
}

/** The tags of a plain image: size, one sample type, a block layout (tiles when `tile` is given, else strips). */
export function imageTags(o: {
  width: number;
  height: number;
  bits?: number;
  samples?: number;
  compression?: number;
  photometric?: number;
  subfile?: number;
  tile?: [number, number];
  rowsPerStrip?: number;
  offsets: number[];
  counts: number[];
  extra?: Tag[];
}): Tag[] {
  const samples = o.samples ?? 1;
  const perSample = (v: number) => Array.from({ length: samples }, () => v);
  const layout: Tag[] = o.tile
    ? [
        { tag: 322, type: LONG, values: [o.tile[0]] },
        { tag: 323, type: LONG, values: [o.tile[1]] },
        { tag: 324, type: LONG, values: o.offsets },
        { tag: 325, type: LONG, values: o.counts },
      ]
    : [
        { tag: 273, type: LONG, values: o.offsets },
        { tag: 278, type: LONG, values: [o.rowsPerStrip ?? o.height] },
        { tag: 279, type: LONG, values: o.counts },
      ];
  return [
    ...(o.subfile !== undefined ? [{ tag: 254, type: LONG, values: [o.subfile] }] : []),
    { tag: 256, type: LONG, values: [o.width] },
    { tag: 257, type: LONG, values: [o.height] },
    { tag: 258, type: SHORT, values: perSample(o.bits ?? 8) },
    { tag: 259, type: SHORT, values: [o.compression ?? 1] },
    { tag: 262, type: SHORT, values: [o.photometric ?? 1] },
    { tag: 277, type: SHORT, values: [samples] },
    { tag: 284, type: SHORT, values: [1] },
    { tag: 339, type: SHORT, values: perSample(1) },
    ...layout,
    ...(o.extra ?? []),
  ];
}

/** GeoTIFF tags placing the image at (x0, y0) with square pixels of `res` in EPSG `epsg` (projected). */
export function geoTags(epsg: number, x0: number, y0: number, res: number): Tag[] {
  return [
    { tag: 33550, type: DOUBLE, values: [res, res, 0] },
    { tag: 33922, type: DOUBLE, values: [0, 0, 0, x0, y0, 0] },
    { tag: 34735, type: SHORT, values: [1, 1, 0, 3, 1024, 0, 1, 1, 1025, 0, 1, 1, 3072, 0, 1, epsg] },
  ];
}
