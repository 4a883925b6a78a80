/**
 * Test helper: writes a minimal little-endian classic TIFF with one tile (or
 * one strip), whose compressed bytes the test crafts or takes from elsewhere
 * (hostile JPEG or LERC streams, a whole JPEG file). Only the tags a reader
 * needs: size, block layout, samples, compression.
 */
export interface TinyTiff {
  width: number;
  height: number;
  /** Tile width and height (the tile covers the whole image); 0 for one strip holding the whole image. */
  tile: number;
  samples: number;
  bits: number;
  /** SampleFormat: 1 unsigned, 2 signed, 3 float. */
  format: number;
  compression: number;
  photometric: number;
  /** The one tile's stored (compressed) bytes. */
  data: Uint8Array;
}

export function tinyTiff(t: TinyTiff): Uint8Array {
  const perSample = (value: number): number[] => Array.from({ length: t.samples }, () => value);
  // [tag, type (3 SHORT, 4 LONG), values]
  const entries: [number, number, number[]][] = [
    [256, 4, [t.width]],
    [257, 4, [t.height]],
    [258, 3, perSample(t.bits)],
    [259, 3, [t.compression]],
    [262, 3, [t.photometric]],
    [277, 3, [t.samples]],
    [284, 3, [1]],
    ...(t.tile > 0
      ? ([
          [322, 4, [t.tile]],
          [323, 4, [t.tile]],
          [324, 4, [0]], // patched below
          [325, 4, [t.data.length]],
        ] as [number, number, number[]][])
      : ([
          [273, 4, [0]], // patched below
          [278, 4, [t.height]],
          [279, 4, [t.data.length]],
        ] as [number, number, number[]][])),
    [339, 3, perSample(t.format)],
  ];
  entries.sort((a, b) => a[0] - b[0]);
  const ifdOffset = 8;
  const ifdSize = 2 + entries.length * 12 + 4;
  let extra = ifdOffset + ifdSize;
  const bytes = new Uint8Array(extra + 64 + t.data.length);
  const view = new DataView(bytes.buffer);
  bytes.set([0x49, 0x49, 42, 0]);
  view.setUint32(4, ifdOffset, true);
  view.setUint16(ifdOffset, entries.length, true);
  const dataOffset = extra + 64;
  entries.find((e) => e[0] === 324 || e[0] === 273)![2] = [dataOffset];
  entries.forEach(([tag, type, values], i) => {
    const at = ifdOffset + 2 + i * 12;
    const size = type === 3 ? 2 : 4;
    view.setUint16(at, tag, true);
    view.setUint16(at + 2, type, true);
    view.setUint32(at + 4, values.length, true);
    let where = at + 8;
    if (values.length * size > 4) {
      view.setUint32(at + 8, extra, true);
      where = extra;
      extra += values.length * size;
      if (extra > dataOffset) throw new Error('tinyTiff: too many out-of-line values');
    }
    values.forEach((v, k) => (size === 2 ? view.setUint16(where + k * 2, v, true) : view.setUint32(where + k * 4, v, true)));
  });
  view.setUint32(ifdOffset + 2 + entries.length * 12, 0, true);
  bytes.set(t.data, dataOffset);
  return bytes;
}
