/**
 * Opening GeoTIFFs and reading pixel windows, with geotiff.js.
 *
 * The first image (IFD 0, full resolution) is the raster, as in GDAL. Internal
 * overviews (reduced-resolution IFDs) are listed in info.overviews and read
 * with readOverview; when there are none, the overviews of an external
 * `<file>.ovr` (as `gdaladdo -ro` writes it) are used instead, as GDAL does. Missing pixels become NaN in readWindow: pixels equal to
 * the nodata value, and, for every band but the alpha band itself, pixels
 * whose alpha (ExtraSamples 1 or 2) or internal per-dataset mask (an IFD with
 * NewSubfileType bit 4 and PhotometricInterpretation 4, GDAL's
 * GDAL_TIFF_INTERNAL_MASK) is 0, as GDAL's mask band says. Pixels are always
 * read by window, never the whole raster at once.
 */
import { existsSync } from 'node:fs';
import { GeoTIFF, type GeoTIFFImage, type TypedArray } from 'geotiff';
import { pixelToMap, type GeoTransform } from '../../../shared/geo/affine.js';
import { crsFromGeoKeys, geoKeyDirectoryProblem, geoKeysProblem, makeLonLatTransformer, type CrsInfo } from '../crs/index.js';
import { otherFormat, otherFormatError, RasterError, toRasterError } from './errors.js';
import {
  bandMetadata,
  compressionName,
  describeSampleType,
  gdalDataType,
  parseGdalMetadata,
  parseGdalNoData,
  SUPPORTED_COMPRESSIONS,
  type NoData,
} from './gdal-tags.js';
import { geoTransformFromTags } from './georef.js';
import { makeBlockReader, type BlockReader } from './blocks.js';
import { useBoundedDecoders } from './codecs.js';
import { openRasterFile, type CheckedFileSource } from './source.js';
import { checkTiffStructure, type TiffStructure } from './structure.js';

export interface RasterInfo {
  path: string;
  width: number;
  height: number;
  bands: number;
  /** GDAL-style names: 'Byte', 'Int8', 'UInt16', 'Int16', 'UInt32', 'Int32', 'Float32', 'Float64'. */
  dtype: string;
  /** Exactly GDAL's geotransform (see georef.ts for the rules). */
  transform: GeoTransform;
  /** null when the file has no CRS. */
  crs: CrsInfo | null;
  nodata: NoData;
  /** Per band, from GDAL_METADATA; 1 and 0 when absent. Not applied by readWindow. */
  scales: number[];
  offsets: number[];
  /** WGS84 [lon, lat] of the raster centre (pixel width/2, height/2); null when the CRS is unknown. */
  center_lonlat: [number, number] | null;
  // Extras below are always set by openRaster; optional so that code building a
  // RasterInfo by hand (tests, fakes) only needs the core fields above.
  /** Per band description from GDAL_METADATA ('' when absent). */
  descriptions?: string[];
  /** Internal tile or strip size [width, height] in pixels. */
  block_size?: [number, number];
  /** GDAL's compression name: 'NONE', 'DEFLATE', 'LZW', 'JPEG', ... */
  compression?: string;
  /** 'PIXEL' (samples interleaved) or 'BAND' (planar; also single-band files), as GDAL reports. */
  interleave?: 'PIXEL' | 'BAND';
  /**
   * Overviews, [width, height] each, in file order (largest first as GDAL
   * writes them); [] when none. Internal reduced-resolution IFDs, or else the
   * images of the external overview file `overview_file`.
   */
  overviews?: [number, number][];
  /** The external overview file (`<path>.ovr`) the overviews come from, when they are not internal. */
  overview_file?: string;
  /** Colour table of a palette image (PhotometricInterpretation=Palette), GDAL-style [r, g, b, 255] 0-255 entries; values stay indices. */
  palette?: [number, number, number, number][];
  /**
   * What marks pixels as missing in readWindow: 'nodata' (GDAL_NODATA value),
   * 'alpha' (band `alpha_band` is 0), 'mask' (internal per-dataset mask IFD is 0).
   */
  nodata_sources?: ('nodata' | 'alpha' | 'mask')[];
  /** 0-based index of the alpha band (ExtraSamples 1 or 2), when there is one. */
  alpha_band?: number;
}

export interface Raster {
  readonly info: RasterInfo;
  /**
   * Reads a window of the given 0-based bands as float32, band-major
   * [bands.length, h, w]; nodata pixels (== nodata value, or NaN) become NaN.
   * Raw values: scale/offset are NOT applied. `into`, when given, receives
   * the pixels (its first bands·w·h values; the result is a view of it): reusing
   * buffers avoids fresh memory, whose first touch is slow on some systems.
   */
  readWindow(x0: number, y0: number, w: number, h: number, bands: number[], into?: Float32Array): Promise<Float32Array>;
  /**
   * Like readWindow, on overview `level` (0-based index into info.overviews,
   * internal or from the .ovr file; coordinates in that overview's pixels), for display.
   * Nodata applies; masks and alpha are not applied to overviews.
   */
  readOverview(level: number, x0: number, y0: number, w: number, h: number, bands: number[], into?: Float32Array): Promise<Float32Array>;
  close(): Promise<void>;
}

/** Every sample must share one decodable type: GDAL bands of a dataset have one dtype. */
function sampleType(path: string, image: GeoTIFFImage, bands: number): string {
  const dtypes = new Set<string>();
  for (let i = 0; i < bands; i++) {
    const format = image.getSampleFormat(i);
    const bits = image.getBitsPerSample(i);
    const dtype = gdalDataType(format, bits);
    if (dtype === null) throw new RasterError(path, `unsupported sample format: ${describeSampleType(format, bits)}`);
    dtypes.add(dtype);
  }
  if (dtypes.size > 1) throw new RasterError(path, `unsupported: bands have different data types (${[...dtypes].join(', ')})`);
  return [...dtypes][0];
}

/**
 * The nodata value as stored in the band's own type: the comparison must happen
 * on raw values (a Float32 band holds Math.fround(nodata)). null = nothing matches.
 */
function rawNoData(nodata: NoData, dtype: string): number | null {
  if (nodata === null || nodata === 'nan') return null; // NaN is handled by isNaN
  if (dtype === 'Float32') return Math.fround(nodata);
  if (dtype === 'Float64') return nodata;
  return Number.isInteger(nodata) ? nodata : null; // e.g. nodata 0.5 on a Byte band never matches
}

/**
 * The geokeys of the image, or null when there are none or GDAL would ignore them (a corrupt or unreadable
 * GeoKeyDirectory: the file then has no CRS, and its RasterPixelIsPoint key does not count either).
 */
function usableGeoKeys(image: GeoTIFFImage, unreadableTags: number[]): Record<string, unknown> | null {
  const fd = image.getFileDirectory();
  const tag = (name: string, code: number): unknown => (unreadableTags.includes(code) ? undefined : fd.getValue(name as never));
  const directory = tag('GeoKeyDirectory', 34735);
  if (directory === undefined) return null;
  const doubles = tag('GeoDoubleParams', 34736) as ArrayLike<number> | number | undefined;
  const ascii = tag('GeoAsciiParams', 34737);
  const doubleCount = doubles === undefined ? 0 : typeof doubles === 'number' ? 1 : doubles.length;
  if (geoKeyDirectoryProblem(directory, doubleCount, typeof ascii === 'string' ? ascii : undefined) !== null) return null;
  try {
    return image.getGeoKeys() as Record<string, unknown> | null;
  } catch {
    return null;
  }
}

async function readInfo(path: string, image: GeoTIFFImage, structure: TiffStructure): Promise<RasterInfo> {
  const fd = image.getFileDirectory();
  const width = image.getWidth();
  const height = image.getHeight();
  const bands = image.getSamplesPerPixel();
  if (!(width > 0 && height > 0 && bands > 0)) throw new RasterError(path, `invalid raster size ${width}x${height} with ${bands} bands`);

  const dtype = sampleType(path, image, bands);
  const compressionCode = Number(fd.getValue('Compression') ?? 1);
  if (!SUPPORTED_COMPRESSIONS.has(compressionCode)) {
    throw new RasterError(path, `unsupported compression: ${compressionName(compressionCode)}`);
  }

  const geoKeys = usableGeoKeys(image, structure.unreadableGeoTags);
  const georef = geoTransformFromTags({
    pixelScale: fd.getValue('ModelPixelScale'),
    tiepoints: fd.getValue('ModelTiepoint'),
    transformation: fd.getValue('ModelTransformation'),
    rasterType: geoKeys?.GTRasterTypeGeoKey as number | undefined,
  });
  if ('problem' in georef) throw new RasterError(path, georef.problem);
  const transform = georef.transform;
  const keysProblem = geoKeysProblem(geoKeys);
  if (keysProblem !== null) throw new RasterError(path, keysProblem);
  const crs = crsFromGeoKeys(geoKeys);

  const nodata = parseGdalNoData(fd.getValue('GDAL_NODATA'));
  const metadata = fd.hasTag('GDAL_METADATA') ? parseGdalMetadata(await fd.loadValue('GDAL_METADATA')) : [];
  const { scales, offsets, descriptions } = bandMetadata(metadata, bands);

  let center: [number, number] | null = null;
  const toLonLat = makeLonLatTransformer(crs);
  if (toLonLat) {
    const [x, y] = pixelToMap(transform, width / 2, height / 2);
    const lonlat = toLonLat(x, y);
    center = Number.isFinite(lonlat[0]) && Number.isFinite(lonlat[1]) ? lonlat : null;
  }

  const palette = colorTable(
    fd.hasTag('ColorMap') ? ((await fd.loadValue('ColorMap')) as ArrayLike<number>) : undefined,
    Number(fd.getValue('PhotometricInterpretation')),
    image.getBitsPerSample(0),
  );
  const alphaBand = alphaBandOf(fd.getValue('ExtraSamples') as ArrayLike<number> | number | undefined, bands);

  const blockHeight = image.isTiled ? image.getTileHeight() : Math.min(image.getTileHeight(), height);
  return {
    path,
    width,
    height,
    bands,
    dtype,
    transform,
    crs,
    nodata,
    scales,
    offsets,
    descriptions,
    center_lonlat: center,
    block_size: [image.getTileWidth(), blockHeight],
    compression: compressionName(compressionCode),
    interleave: bands > 1 && image.planarConfiguration === 1 ? 'PIXEL' : 'BAND',
    ...(palette ? { palette } : {}),
    ...(alphaBand !== undefined ? { alpha_band: alphaBand } : {}),
  };
}

/**
 * The ColorMap of a palette image as GDAL reports it: 8-bit [r, g, b, 255]
 * entries, the 16-bit TIFF values divided by 257 (or taken as they are when
 * none exceeds 255, as GDAL's heuristic for files written by 8-bit tools).
 */
function colorTable(map: ArrayLike<number> | undefined, photometric: number, bits: number): [number, number, number, number][] | undefined {
  // GDAL gives 1-bit greyscale images a black/white (or white/black) colour table.
  if (bits === 1 && !map && (photometric === 0 || photometric === 1)) {
    return photometric === 1
      ? [
          [0, 0, 0, 255],
          [255, 255, 255, 255],
        ]
      : [
          [255, 255, 255, 255],
          [0, 0, 0, 255],
        ];
  }
  if (photometric !== 3 || !map || map.length < 3 || map.length % 3 !== 0) return undefined;
  const n = map.length / 3;
  let max = 0;
  for (let i = 0; i < map.length; i++) max = Math.max(max, map[i]);
  const div = max <= 255 ? 1 : 257;
  return Array.from({ length: n }, (_, i) => [
    Math.floor(map[i] / div),
    Math.floor(map[n + i] / div),
    Math.floor(map[2 * n + i] / div),
    255,
  ]);
}

/** The band holding alpha: the first ExtraSamples entry that is 1 (associated) or 2 (unassociated). */
function alphaBandOf(extra: ArrayLike<number> | number | undefined, bands: number): number | undefined {
  if (extra === undefined) return undefined;
  const list = typeof extra === 'number' ? [extra] : Array.from(extra);
  const i = list.findIndex((v) => v === 1 || v === 2);
  const band = bands - list.length + i;
  return i >= 0 && band >= 0 && band < bands ? band : undefined;
}

/** Pixels of one IFD (the raster or an overview) as float32 planes; nodata → NaN, no masks. */
class ImageReader {
  readonly image: GeoTIFFImage;
  private readonly noDataRaw: number | null;
  /** The block path (every codec we decode off-thread, JPEG and LERC included); null means geotiff.js's readRasters. */
  private readonly blocks: BlockReader | null;

  constructor(image: GeoTIFFImage, noDataRaw: number | null, blocks: BlockReader | null) {
    this.image = image;
    this.noDataRaw = noDataRaw;
    this.blocks = blocks;
  }

  async read(x0: number, y0: number, w: number, h: number, bands: number[], out: Float32Array): Promise<void> {
    // Nodata is compared on the raw values (before float32 rounding, which would
    // merge e.g. UInt32 4294967295 with 4294967294); for YCbCr JPEG the raw
    // values are already RGB (jpeg.ts), where GDAL applies nodata too.
    if (this.blocks) {
      await this.blocks.read(x0, y0, w, h, bands, this.noDataRaw, out);
      return;
    }
    const n = w * h;
    const samples = [...new Set(bands)];
    const decoded: TypedArray[] = await this.image.readRasters({ window: [x0, y0, x0 + w, y0 + h], samples, interleave: false });
    const planes = new Map<number, Float32Array>();
    for (const [i, s] of samples.entries()) {
      const src = decoded[i];
      if (!src || src.length < n) throw new Error('decoder returned too few pixels');
      planes.set(s, toFloat32(src, n, this.noDataRaw));
    }
    for (const [i, b] of bands.entries()) out.set(planes.get(b)!, i * n);
  }
}

class GeoTiffRaster implements Raster {
  readonly info: RasterInfo;
  private tiff: GeoTIFF | null;
  /** The external overview file, when the overviews come from one. */
  private sidecar: GeoTIFF | null;
  private readonly main: ImageReader;
  private readonly overviewReaders: ImageReader[];
  /** The internal per-dataset mask IFD's reader (1 = valid), or null. */
  private readonly mask: ImageReader | null;

  constructor(
    info: RasterInfo,
    tiff: GeoTIFF,
    sidecar: GeoTIFF | null,
    main: ImageReader,
    overviews: ImageReader[],
    mask: ImageReader | null,
  ) {
    this.info = info;
    this.tiff = tiff;
    this.sidecar = sidecar;
    this.main = main;
    this.overviewReaders = overviews;
    this.mask = mask;
  }

  private check(x0: number, y0: number, w: number, h: number, bands: number[], width: number, height: number, into?: Float32Array): void {
    const path = this.info.path;
    if (this.tiff === null) throw new RasterError(path, 'cannot read: the raster is closed');
    if (![x0, y0, w, h].every(Number.isInteger) || w <= 0 || h <= 0 || x0 < 0 || y0 < 0 || x0 + w > width || y0 + h > height) {
      throw new RasterError(path, `window x=${x0} y=${y0} ${w}x${h} is outside the ${width}x${height} raster`);
    }
    for (const b of bands) {
      if (!Number.isInteger(b) || b < 0 || b >= this.info.bands) {
        throw new RasterError(path, `band index ${b} does not exist (the raster has bands 0..${this.info.bands - 1})`);
      }
    }
    if (into && into.length < bands.length * w * h)
      throw new RasterError(path, `reading window x=${x0} y=${y0} ${w}x${h}: the buffer given is too small`);
  }

  async readWindow(x0: number, y0: number, w: number, h: number, bands: number[], into?: Float32Array): Promise<Float32Array> {
    const { path, width, height } = this.info;
    this.check(x0, y0, w, h, bands, width, height, into);
    const n = w * h;
    const out = into ? into.subarray(0, bands.length * n) : new Float32Array(bands.length * n);
    if (bands.length === 0) return out;
    try {
      await this.main.read(x0, y0, w, h, bands, out);
      await this.applyMask(x0, y0, w, h, bands, out);
    } catch (err) {
      throw toRasterError(path, err, `reading window x=${x0} y=${y0} ${w}x${h}`);
    }
    return out;
  }

  /** NaN where the alpha band or the mask IFD is 0, in every band but the alpha band. */
  private async applyMask(x0: number, y0: number, w: number, h: number, bands: number[], out: Float32Array): Promise<void> {
    const alpha = this.info.alpha_band;
    const targets = bands.map((b, i) => [b, i]).filter(([b]) => b !== alpha);
    if (targets.length === 0 || (alpha === undefined && this.mask === null)) return;
    const n = w * h;
    let m: Float32Array;
    if (this.mask) {
      m = new Float32Array(n);
      await this.mask.read(x0, y0, w, h, [0], m);
    } else {
      const at = bands.indexOf(alpha!);
      if (at >= 0) m = out.subarray(at * n, (at + 1) * n);
      else {
        m = new Float32Array(n);
        await this.main.read(x0, y0, w, h, [alpha!], m);
      }
    }
    for (const [, i] of targets) {
      const plane = out.subarray(i * n, (i + 1) * n);
      for (let k = 0; k < n; k++) if (m[k] === 0) plane[k] = NaN;
    }
  }

  async readOverview(
    level: number,
    x0: number,
    y0: number,
    w: number,
    h: number,
    bands: number[],
    into?: Float32Array,
  ): Promise<Float32Array> {
    const path = this.info.path;
    const reader = this.overviewReaders[level];
    if (!Number.isInteger(level) || reader === undefined) {
      throw new RasterError(path, `overview ${level} does not exist (the raster has ${this.overviewReaders.length} overviews)`);
    }
    const [ow, oh] = [reader.image.getWidth(), reader.image.getHeight()];
    this.check(x0, y0, w, h, bands, ow, oh, into);
    const out = into ? into.subarray(0, bands.length * w * h) : new Float32Array(bands.length * w * h);
    if (bands.length === 0) return out;
    try {
      await reader.read(x0, y0, w, h, bands, out);
    } catch (err) {
      throw toRasterError(path, err, `reading overview ${level} window x=${x0} y=${y0} ${w}x${h}`);
    }
    return out;
  }

  async close(): Promise<void> {
    const [tiff, sidecar] = [this.tiff, this.sidecar];
    this.tiff = null;
    this.sidecar = null;
    if (tiff) await closeQuietly(tiff);
    if (sidecar) await closeQuietly(sidecar);
  }
}

/** The first n values as float32, with raw values equal to `nodata` turned into NaN. */
function toFloat32(src: TypedArray, n: number, nodata: number | null): Float32Array {
  const plane = new Float32Array(n);
  if (nodata === null) {
    plane.set(src.subarray(0, n));
  } else {
    for (let k = 0; k < n; k++) {
      const v = src[k];
      plane[k] = v === nodata ? NaN : v;
    }
  }
  return plane;
}

async function closeQuietly(tiff: GeoTIFF): Promise<void> {
  try {
    await tiff.close();
  } catch {
    // Closing a file we only read cannot lose data; nothing useful to report.
  }
}

/** At most this many IFDs are looked at for overviews and masks. */
const MAX_IFDS = 64;

/**
 * The overviews of the external overview file next to `path` (`path.ovr`, or
 * `path.OVR`), as GDAL finds them: the file's first image is overview 0 and
 * its reduced-resolution IFDs the next ones; masks are skipped. Only images
 * with the raster's band count and data type, smaller than the raster, are
 * used. Like GDAL, a sidecar that cannot be used (corrupt, other bands) is
 * ignored rather than making the raster unreadable: overviews are for display.
 */
async function externalOverviews(
  path: string,
  info: RasterInfo,
  reader: (img: GeoTIFFImage) => Promise<ImageReader>,
): Promise<{ path: string; tiff: GeoTIFF; readers: ImageReader[] } | null> {
  const ovr = [`${path}.ovr`, `${path}.OVR`].find((p) => existsSync(p));
  if (ovr === undefined) return null;
  let tiff: GeoTIFF | null = null;
  let source: CheckedFileSource | null = null;
  try {
    source = await openRasterFile(ovr);
    await checkTiffStructure(ovr, source);
    tiff = await GeoTIFF.fromSource(source as never);
    const readers: ImageReader[] = [];
    const count = Math.min(await tiff.getImageCount(), MAX_IFDS);
    for (let i = 0; i < count; i++) {
      const img = await tiff.getImage(i);
      const kind = Number(img.getFileDirectory().getValue('NewSubfileType') ?? 0);
      if (kind & 4 || (i > 0 && !(kind & 1))) continue;
      const [w, h] = [img.getWidth(), img.getHeight()];
      if (img.getSamplesPerPixel() !== info.bands || sampleType(ovr, img, info.bands) !== info.dtype) return unusable();
      if (w >= info.width && h >= info.height) return unusable();
      readers.push(await reader(img));
    }
    if (readers.length === 0) return unusable();
    return { path: ovr, tiff, readers };
  } catch {
    return unusable();
  }

  async function unusable(): Promise<null> {
    if (tiff) await closeQuietly(tiff);
    else if (source) await source.close().catch(() => undefined);
    return null;
  }
}

/** Opens a GeoTIFF; throws RasterError (one line, naming the file) on any problem. */
export async function openRaster(path: string): Promise<Raster> {
  if (typeof path !== 'string' || path === '') throw new RasterError(String(path ?? ''), 'no file path given');
  let source: CheckedFileSource | null = null;
  let tiff: GeoTIFF | null = null;
  let sidecar: GeoTIFF | null = null;
  try {
    // A regular file within the size budget, read through checked reads only (source.ts).
    source = await openRasterFile(path);
    const format = otherFormat(Buffer.from(await source.read(0, Math.min(64, source.fileSize))));
    if (format) throw otherFormatError(path, format);
    // Our own walk of the header, IFDs and block layout first: geotiff.js trusts
    // the file and can hang, exhaust memory or read zeros past its end.
    const structure = await checkTiffStructure(path, source);
    await useBoundedDecoders();
    tiff = await GeoTIFF.fromSource(source as never);
    const image = await tiff.getImage(0);
    const info = await readInfo(path, image, structure);
    const noDataRaw = rawNoData(info.nodata, info.dtype);
    const fill = info.nodata === null ? 0 : info.nodata === 'nan' ? NaN : info.nodata;
    const reader = async (img: GeoTIFFImage) => new ImageReader(img, noDataRaw, await makeBlockReader(img, { fill }));
    const overviews: ImageReader[] = [];
    let mask: ImageReader | null = null;
    const count = Math.min(await tiff.getImageCount(), MAX_IFDS);
    for (let i = 1; i < count; i++) {
      const sub = await tiff.getImage(i);
      const sfd = sub.getFileDirectory();
      const kind = Number(sfd.getValue('NewSubfileType') ?? 0);
      const photometric = Number(sfd.getValue('PhotometricInterpretation'));
      if (kind & 4) {
        // Mask of the full-resolution image (GDAL's per-dataset mask); overview masks are not used.
        if (mask === null && !(kind & 1) && photometric === 4 && sub.getWidth() === info.width && sub.getHeight() === info.height) {
          const blocks = await makeBlockReader(sub, { fill: 1 });
          mask = new ImageReader(sub, null, blocks);
        }
      } else if (kind & 1 && sub.getSamplesPerPixel() === info.bands) {
        overviews.push(await reader(sub));
      }
    }
    // GDAL reads an external .ovr only when the file has no internal overviews.
    const external = overviews.length === 0 ? await externalOverviews(path, info, reader) : null;
    if (external) {
      sidecar = external.tiff;
      overviews.push(...external.readers);
      info.overview_file = external.path;
    }
    info.overviews = overviews.map((o) => [o.image.getWidth(), o.image.getHeight()]);
    const sources: ('nodata' | 'alpha' | 'mask')[] = [];
    if (info.nodata !== null) sources.push('nodata');
    if (mask) sources.push('mask');
    else if (info.alpha_band !== undefined) sources.push('alpha');
    info.nodata_sources = sources;
    return new GeoTiffRaster(info, tiff, sidecar, await reader(image), overviews, mask);
  } catch (err) {
    if (tiff) await closeQuietly(tiff);
    else if (source) await source.close().catch(() => undefined);
    if (sidecar) await closeQuietly(sidecar);
    throw toRasterError(path, err);
  }
}
