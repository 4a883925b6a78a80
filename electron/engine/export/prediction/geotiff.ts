/**
 * A prediction as a GeoTIFF on the cell grid: one pixel per cell, one float32 band per prediction column (a class as
 * its index, the names in the band's RCF_CLASSES metadata), NaN as nodata (GDAL_NODATA "nan") where a cell has no
 * usable features or is not in the file. The geotransform is the raster's with the pixel size times the cell size in
 * pixels, so pixel (r, c) is cell (row r, col c); partial edge cells (edge `keep`) get a whole pixel. The CRS is
 * written as GeoKeys: the EPSG code when known; otherwise the WKT as an "ESRI PE String" citation, which GDAL reads;
 * a CRS known only as a proj4 string cannot be written (the writer says so in its notes).
 *
 * Written here rather than with geotiff.js's writeArrayBuffer, which holds the whole image and has neither
 * compression nor GDAL's nodata and band metadata: a classic little-endian TIFF, strips of about 256 KiB compressed
 * with DEFLATE, written one after the other, the IFD at the end.
 *
 * Several inputs go in one GeoTIFF only when their cell grids are one grid: the same CRS and cell and pixel sizes,
 * their origins a whole number of cells apart, no two cells on one pixel. Otherwise it is refused, naming the
 * alternatives (CSV, GeoPackage).
 */
import { deflateSync } from 'node:zlib';
import { UserError, throwIfCancelled } from '../../../../shared/errors/index.js';
import { cellPixels } from '../../../../shared/grid/cells.js';
import type { GeoTransform } from '../../../../shared/geo/affine.js';
import type { Provenance } from '../../../../shared/provenance/index.js';
import { crsUnits, type CrsInfo } from '../../crs/index.js';
import { sourceGrids, type SourceGrid } from '../../jobs/provenance-grid.js';
import { LIMITS, LimitError, formatBytes } from '../../limits.js';
import { sameSrs, srsFor } from '../gpkg/srs.js';
import { createExclusive } from '../output.js';
import { writeAtomically } from './atomic.js';
import { checkTable, type PredictionTable, type PredictionWriteOptions, type PredictionWritten } from './table.js';

/** The raster on the cell grid: its size, transform and CRS, and where each input's cell (0, 0) is on it. */
export interface CellRaster {
  width: number;
  height: number;
  transform: GeoTransform;
  crs: CrsInfo | null;
  offsets: Map<string, { row: number; col: number }>;
}

const ALTERNATIVE = 'write the prediction to CSV (.csv) or GeoPackage (.gpkg) instead';

/** The cell-grid raster of a run's inputs (all of them), or a one-line refusal when they are not on one grid. */
export function predictionRaster(path: string, provenance: Provenance): CellRaster {
  return cellRaster(path, sourceGrids(provenance));
}

function cellTransform(g: SourceGrid): GeoTransform {
  const { w, h } = cellPixels(g.shape.cellSize, g.shape.width, g.shape.height);
  const t = g.transform;
  return [t[0], t[1] * w, t[2] * h, t[3], t[4] * w, t[5] * h];
}

const close = (a: number, b: number) => Math.abs(a - b) <= 1e-9 * Math.max(Math.abs(a), Math.abs(b));

export function cellRaster(path: string, grids: SourceGrid[]): CellRaster {
  if (grids.length === 0) throw new RangeError('prediction: no grid');
  const first = grids[0];
  const t0 = cellTransform(first);
  const det = t0[1] * t0[5] - t0[2] * t0[4];
  const placed: { grid: SourceGrid; row: number; col: number }[] = [];
  for (const g of grids) {
    const t = cellTransform(g);
    const refuse = (why: string) =>
      new UserError(`${path}: one GeoTIFF holds one grid of cells, but ${first.name} and ${g.name} ${why}; ${ALTERNATIVE}`, { path });
    if ((first.crs === null) !== (g.crs === null) || (first.crs && g.crs && !sameSrs(srsFor(first.crs), srsFor(g.crs)))) {
      throw refuse('are in different CRSs');
    }
    if (![1, 2, 4, 5].every((i) => close(t[i], t0[i]))) throw refuse('have cells of different sizes or orientations');
    // The origin's offset in cells: the inverse of the cell transform's linear part.
    const dx = t[0] - t0[0];
    const dy = t[3] - t0[3];
    const col = (t0[5] * dx - t0[2] * dy) / det;
    const row = (-t0[4] * dx + t0[1] * dy) / det;
    if (Math.abs(col - Math.round(col)) > 1e-6 || Math.abs(row - Math.round(row)) > 1e-6) throw refuse('have cells that are not aligned');
    placed.push({ grid: g, row: Math.round(row), col: Math.round(col) });
  }
  const minRow = Math.min(...placed.map((p) => p.row));
  const minCol = Math.min(...placed.map((p) => p.col));
  const height = Math.max(...placed.map((p) => p.row + p.grid.shape.rows)) - minRow;
  const width = Math.max(...placed.map((p) => p.col + p.grid.shape.cols)) - minCol;
  const transform: GeoTransform =
    minRow === 0 && minCol === 0
      ? t0
      : [t0[0] + t0[1] * minCol + t0[2] * minRow, t0[1], t0[2], t0[3] + t0[4] * minCol + t0[5] * minRow, t0[4], t0[5]];
  const offsets = new Map(placed.map((p) => [p.grid.name, { row: p.row - minRow, col: p.col - minCol }] as const));
  return { width, height, transform, crs: first.crs, offsets };
}

export async function writePredictionGeoTiff(
  path: string,
  table: PredictionTable,
  options: PredictionWriteOptions = {},
): Promise<PredictionWritten> {
  const t = checkTable(table);
  const raster = cellRaster(path, t.grids);
  const bands = t.width;
  const bytes = raster.width * raster.height * bands * 4;
  if (bytes > LIMITS.predictionRasterBytes) {
    throw new LimitError(
      { path },
      `asks for a ${raster.width} × ${raster.height} raster of ${bands} band${bands === 1 ? '' : 's'} (${formatBytes(bytes)})`,
      `${formatBytes(LIMITS.predictionRasterBytes)}; ${ALTERNATIVE}`,
    );
  }
  // Each cell's pixel, and the cells in pixel order.
  const keys = new Float64Array(t.cells.length);
  t.cells.forEach((cell, i) => {
    const o = raster.offsets.get(cell.source)!;
    keys[i] = (o.row + cell.row) * raster.width + o.col + cell.col;
  });
  const order = Array.from({ length: t.cells.length }, (_, i) => i).sort((a, b) => keys[a] - keys[b]);
  for (let j = 1; j < order.length; j++) {
    if (keys[order[j]] === keys[order[j - 1]]) {
      const [a, b] = [t.cells[order[j - 1]].cellId, t.cells[order[j]].cellId];
      throw new UserError(`${path}: cells ${a} and ${b} fall on the same pixel of the cell grid (their inputs overlap); ${ALTERNATIVE}`, {
        path,
      });
    }
  }
  const { keys: geoKeys, notes } = geoKeyTags(raster.crs, path);
  await writeAtomically(path, options, false, async (partial) => {
    const handle = await createExclusive(partial);
    try {
      const rowBytes = raster.width * bands * 4;
      const rowsPerStrip = Math.max(1, Math.min(raster.height, Math.floor(STRIP_BYTES / rowBytes)));
      const offsets: number[] = [];
      const counts: number[] = [];
      let at = 8;
      await handle.write(Buffer.alloc(8), 0, 8, 0); // the header, written last (it points at the IFD)
      let next = 0;
      for (let r0 = 0; r0 < raster.height; r0 += rowsPerStrip) {
        throwIfCancelled(options.signal);
        const rows = Math.min(rowsPerStrip, raster.height - r0);
        const strip = new Float32Array(rows * raster.width * bands).fill(NaN);
        const end = (r0 + rows) * raster.width;
        for (; next < order.length && keys[order[next]] < end; next++) {
          const i = order[next];
          const base = (keys[i] - r0 * raster.width) * bands;
          for (let b = 0; b < bands; b++) strip[base + b] = t.values[i * bands + b];
        }
        const data = deflateSync(littleEndian(strip));
        await handle.write(data, 0, data.length, at);
        offsets.push(at);
        counts.push(data.length);
        at += data.length;
      }
      if (at % 2 === 1) at++;
      const ifd = ifdBytes(at, [
        { tag: 256, type: LONG, values: [raster.width] },
        { tag: 257, type: LONG, values: [raster.height] },
        { tag: 258, type: SHORT, values: Array(bands).fill(32) },
        { tag: 259, type: SHORT, values: [8] }, // Adobe DEFLATE
        { tag: 262, type: SHORT, values: [1] }, // BlackIsZero
        { tag: 273, type: LONG, values: offsets },
        { tag: 277, type: SHORT, values: [bands] },
        { tag: 278, type: LONG, values: [rowsPerStrip] },
        { tag: 279, type: LONG, values: counts },
        { tag: 284, type: SHORT, values: [1] }, // chunky
        ...(bands > 1 ? [{ tag: 338, type: SHORT, values: Array(bands - 1).fill(0) }] : []),
        { tag: 339, type: SHORT, values: Array(bands).fill(3) }, // IEEE float
        ...transformTags(raster.transform),
        ...geoKeys,
        { tag: 42112, type: ASCII, values: gdalMetadata(t.names, t.classColumn, t.classes) },
        { tag: 42113, type: ASCII, values: 'nan' },
      ]);
      await handle.write(ifd, 0, ifd.length, at);
      const header = Buffer.alloc(8);
      header.write('II', 0, 'latin1');
      header.writeUInt16LE(42, 2);
      header.writeUInt32LE(at, 4);
      await handle.write(header, 0, 8, 0);
      await handle.sync();
    } finally {
      await handle.close();
    }
  });
  return { notes };
}

/** Uncompressed bytes of one strip. */
const STRIP_BYTES = 256 * 1024;

const SHORT = 3;
const LONG = 4;
const ASCII = 2;
const DOUBLE = 12;
const TYPE_BYTES: Record<number, number> = { [SHORT]: 2, [LONG]: 4, [ASCII]: 1, [DOUBLE]: 8 };

interface Tag {
  tag: number;
  type: number;
  values: number[] | string;
}

function littleEndian(values: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(values.length * 4);
  for (let i = 0; i < values.length; i++) out.writeFloatLE(values[i], i * 4);
  return out;
}

/** One IFD at file offset `at`: the entries in tag order, values over 4 bytes after them. */
function ifdBytes(at: number, tags: Tag[]): Buffer {
  tags.sort((a, b) => a.tag - b.tag);
  const encoded = tags.map((t) => {
    if (typeof t.values === 'string')
      return { ...t, count: Buffer.byteLength(t.values, 'latin1') + 1, data: Buffer.from(t.values + '\0', 'latin1') };
    const data = Buffer.alloc(t.values.length * TYPE_BYTES[t.type]);
    t.values.forEach((v, i) => {
      if (t.type === SHORT) data.writeUInt16LE(v, 2 * i);
      else if (t.type === LONG) data.writeUInt32LE(v, 4 * i);
      else data.writeDoubleLE(v, 8 * i);
    });
    return { ...t, count: t.values.length, data };
  });
  const head = 2 + 12 * tags.length + 4;
  let extra = 0;
  for (const e of encoded) if (e.data.length > 4) extra += e.data.length + (e.data.length % 2);
  const out = Buffer.alloc(head + extra);
  out.writeUInt16LE(tags.length, 0);
  let data = head;
  encoded.forEach((e, i) => {
    const o = 2 + 12 * i;
    out.writeUInt16LE(e.tag, o);
    out.writeUInt16LE(e.type, o + 2);
    out.writeUInt32LE(e.count, o + 4);
    if (e.data.length <= 4) e.data.copy(out, o + 8);
    else {
      out.writeUInt32LE(at + data, o + 8);
      e.data.copy(out, data);
      data += e.data.length + (e.data.length % 2);
    }
  });
  return out;
}

/** ModelPixelScale and ModelTiepoint for a north-up grid, ModelTransformation otherwise. */
function transformTags(t: GeoTransform): Tag[] {
  if (t[2] === 0 && t[4] === 0 && t[1] > 0 && t[5] < 0) {
    return [
      { tag: 33550, type: DOUBLE, values: [t[1], -t[5], 0] },
      { tag: 33922, type: DOUBLE, values: [0, 0, 0, t[0], t[3], 0] },
    ];
  }
  return [{ tag: 34264, type: DOUBLE, values: [t[1], t[2], 0, t[0], t[4], t[5], 0, t[3], 0, 0, 0, 0, 0, 0, 0, 1] }];
}

/** The GeoKey directory (and its ASCII parameters) for a CRS, with a note when it cannot be written. */
function geoKeyTags(crs: CrsInfo | null, path: string): { keys: Tag[]; notes: string[] } {
  if (!crs) return { keys: [], notes: [] };
  const geographic = crsUnits(crs)?.kind === 'geographic';
  const model = geographic ? 2 : 1;
  const typeKey = geographic ? 2048 : 3072; // GeographicTypeGeoKey or ProjectedCSTypeGeoKey
  const entries: number[][] = [
    [1024, 0, 1, model],
    [1025, 0, 1, 1], // PixelIsArea
  ];
  let ascii = '';
  if (crs.epsg !== null) entries.push([typeKey, 0, 1, crs.epsg]);
  else if (crs.wkt) {
    ascii = `ESRI PE String = ${crs.wkt.replace(/\|/g, ' ')}|`;
    // As GDAL writes an ESRI WKT: a user-defined model, the string in PCSCitationGeoKey.
    entries[0][3] = 32767;
    entries.push([3073, 34737, ascii.length, 0], [typeKey, 0, 1, 32767]);
  } else {
    return { keys: [], notes: [`${path}: the CRS has no EPSG code or WKT (only a proj4 string), so the GeoTIFF carries no CRS`] };
  }
  entries.sort((a, b) => a[0] - b[0]);
  const directory = [1, 1, 0, entries.length, ...entries.flat()];
  const keys: Tag[] = [{ tag: 34735, type: SHORT, values: directory }];
  if (ascii) keys.push({ tag: 34737, type: ASCII, values: ascii });
  return { keys, notes: [] };
}

function xml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** GDAL's metadata: each band's description (its column name), and a class band's class names. */
function gdalMetadata(names: readonly string[], classColumn: number, classes: readonly string[] | undefined): string {
  const items = names.map((n, b) => `<Item name="DESCRIPTION" sample="${b}" role="description">${xml(n)}</Item>`);
  if (classColumn >= 0) items.push(`<Item name="RCF_CLASSES" sample="${classColumn}">${xml(JSON.stringify(classes))}</Item>`);
  return `<GDALMetadata>${items.join('')}</GDALMetadata>`;
}
