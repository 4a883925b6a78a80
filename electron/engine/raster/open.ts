/**
 * Opening GeoTIFFs and reading pixel windows, with geotiff.js.
 *
 * Only the first image (IFD 0, full resolution) is used, as GDAL does; internal
 * overviews and masks are ignored. Pixels are always read by window
 * (`readRasters({ window, samples })`), never the whole raster at once.
 */
import { fromFile, type GeoTIFF, type GeoTIFFImage, type TypedArray } from 'geotiff';
import { pixelToMap, type GeoTransform } from '../../../shared/geo/affine.js';
import { crsFromGeoKeys, geoKeysProblem, makeLonLatTransformer, type CrsInfo } from './crs.js';
import { RasterError, toRasterError } from './errors.js';
import { bandMetadata, compressionName, describeSampleType, gdalDataType, parseGdalMetadata, parseGdalNoData, SUPPORTED_COMPRESSIONS, type NoData } from './gdal-tags.js';
import { geoTransformFromTags } from './georef.js';
import { makeBlockReader, type BlockReader } from './blocks.js';
import { useBoundedDecoders } from './codecs.js';
import { checkTiffStructure } from './structure.js';
import { COMPRESSION_JPEG, PHOTOMETRIC_YCBCR, ycbcrToRgbInPlace } from './ycbcr.js';

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

async function readInfo(path: string, image: GeoTIFFImage): Promise<RasterInfo> {
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

  const geoKeys = image.getGeoKeys();
  const georef = geoTransformFromTags({
    pixelScale: fd.getValue('ModelPixelScale'),
    tiepoints: fd.getValue('ModelTiepoint'),
    transformation: fd.getValue('ModelTransformation'),
    rasterType: geoKeys?.GTRasterTypeGeoKey,
  });
  if ('problem' in georef) throw new RasterError(path, georef.problem);
  const transform = georef.transform;
  const keysProblem = geoKeysProblem(fd.getValue('GeoKeyDirectory') as ArrayLike<number> | undefined, geoKeys);
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
  };
}

class GeoTiffRaster implements Raster {
  readonly info: RasterInfo;
  private tiff: GeoTIFF | null;
  private readonly image: GeoTIFFImage;
  private readonly noDataRaw: number | null;
  /** JPEG-compressed YCbCr: bands 0-2 must be read together and converted to RGB. */
  private readonly ycbcr: boolean;
  /** The fast block path for common layouts; null means geotiff.js's readRasters. */
  private readonly blocks: BlockReader | null;

  constructor(info: RasterInfo, tiff: GeoTIFF, image: GeoTIFFImage, blocks: BlockReader | null) {
    this.info = info;
    this.tiff = tiff;
    this.image = image;
    this.blocks = blocks;
    this.noDataRaw = rawNoData(info.nodata, info.dtype);
    const fd = image.getFileDirectory();
    this.ycbcr =
      info.bands >= 3 && Number(fd.getValue('PhotometricInterpretation')) === PHOTOMETRIC_YCBCR && Number(fd.getValue('Compression')) === COMPRESSION_JPEG;
  }

  async readWindow(x0: number, y0: number, w: number, h: number, bands: number[], into?: Float32Array): Promise<Float32Array> {
    const { path, width, height } = this.info;
    if (this.tiff === null) throw new RasterError(path, 'cannot read: the raster is closed');
    if (![x0, y0, w, h].every(Number.isInteger) || w <= 0 || h <= 0 || x0 < 0 || y0 < 0 || x0 + w > width || y0 + h > height) {
      throw new RasterError(path, `window x=${x0} y=${y0} ${w}x${h} is outside the ${width}x${height} raster`);
    }
    for (const b of bands) {
      if (!Number.isInteger(b) || b < 0 || b >= this.info.bands) {
        throw new RasterError(path, `band index ${b} does not exist (the raster has bands 0..${this.info.bands - 1})`);
      }
    }
    const n = w * h;
    if (into && into.length < bands.length * n) throw new RasterError(path, `reading window x=${x0} y=${y0} ${w}x${h}: the buffer given is too small`);
    const out = into ? into.subarray(0, bands.length * n) : new Float32Array(bands.length * n);
    if (bands.length === 0) return out;

    if (this.blocks && !this.ycbcr) {
      try {
        await this.blocks.read(x0, y0, w, h, bands, this.noDataRaw, out);
      } catch (err) {
        throw toRasterError(path, err, `reading window x=${x0} y=${y0} ${w}x${h}`);
      }
      return out;
    }

    // Which samples to decode: each requested band once (plus Y, Cb, Cr together for YCbCr JPEG).
    const wanted = this.ycbcr && bands.some((b) => b < 3) ? [0, 1, 2, ...bands.filter((b) => b >= 3)] : bands;
    const samples = [...new Set(wanted)];
    let decoded: TypedArray[];
    try {
      decoded = await this.image.readRasters({ window: [x0, y0, x0 + w, y0 + h], samples, interleave: false });
    } catch (err) {
      throw toRasterError(path, err, `reading window x=${x0} y=${y0} ${w}x${h}`);
    }

    // Nodata is compared on the raw values (before float32 rounding, which would
    // merge e.g. UInt32 4294967295 with 4294967294), except for YCbCr JPEG where,
    // as in GDAL, it applies to the RGB values.
    const nd = this.noDataRaw;
    const planes = new Map<number, Float32Array>();
    for (const [i, s] of samples.entries()) {
      const src = decoded[i];
      if (!src || src.length < n) throw new RasterError(path, `reading window x=${x0} y=${y0} ${w}x${h}: decoder returned too few pixels`);
      planes.set(s, toFloat32(src, n, this.ycbcr ? null : nd));
    }
    if (this.ycbcr && planes.has(0)) {
      const [y, cb, cr] = [planes.get(0)!, planes.get(1)!, planes.get(2)!];
      ycbcrToRgbInPlace(y, cb, cr);
      if (nd !== null) for (const p of [y, cb, cr]) for (let k = 0; k < n; k++) if (p[k] === nd) p[k] = NaN;
    }

    for (const [i, b] of bands.entries()) out.set(planes.get(b)!, i * n);
    return out;
  }

  async close(): Promise<void> {
    const tiff = this.tiff;
    this.tiff = null;
    if (tiff) await closeQuietly(tiff);
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

/** Opens a GeoTIFF; throws RasterError (one line, naming the file) on any problem. */
export async function openRaster(path: string): Promise<Raster> {
  if (typeof path !== 'string' || path === '') throw new RasterError(String(path ?? ''), 'no file path given');
  let tiff: GeoTIFF | null = null;
  try {
    // Our own walk of the header, IFDs and block layout first: geotiff.js trusts
    // the file and can hang, exhaust memory or read zeros past its end.
    await checkTiffStructure(path);
    await useBoundedDecoders();
    tiff = await fromFile(path);
    const image = await tiff.getImage(0);
    const info = await readInfo(path, image);
    return new GeoTiffRaster(info, tiff, image, await makeBlockReader(image));
  } catch (err) {
    if (tiff) await closeQuietly(tiff);
    throw toRasterError(path, err);
  }
}
