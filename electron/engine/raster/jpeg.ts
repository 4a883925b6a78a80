/**
 * JPEG tiles and strips decoded the way GDAL decodes them (libtiff on
 * libjpeg-turbo), so that the pixels are GDAL's exactly.
 *
 * geotiff.js's JPEG decoder (a port of pdf.js's) is kept for what it does
 * right, reading the markers and the entropy-coded data into DCT
 * coefficients. What it does differently from libjpeg is replaced here:
 *
 * - the inverse DCT is libjpeg's default "ISLOW" integer IDCT (jidctint.c:
 *   13-bit constants, 2 extra bits after the column pass, the post-IDCT range
 *   limit table), where geotiff.js uses poppler's IDCT with other rounding;
 * - subsampled chroma is upsampled with libjpeg's "fancy" triangle filter
 *   (jdsample.c h2v1 / h1v2 / h2v2, with its alternating rounding biases, the
 *   edge samples replicated at the component's real width and height), where
 *   geotiff.js replicates each chroma sample;
 * - for PhotometricInterpretation=YCbCr, YCbCr is converted to RGB with
 *   libjpeg's integer tables (jdcolor.c, 16-bit fixed point), as libtiff asks
 *   libjpeg to do when GDAL sets JPEGCOLORMODE_RGB. Other photometrics are
 *   returned as decoded, as libtiff does (its JPEG colour space is "unknown").
 *
 * Before geotiff.js parses anything, the markers are walked here: one frame
 * (SOF0/1/2, 8-bit), whose size and component count match the tile or strip
 * (libtiff's own rule), so a crafted header cannot make the parser allocate
 * coefficient blocks for an image larger than the block.
 *
 * The arithmetic follows the IJG / libjpeg-turbo sources (IJG licence,
 * BSD-style); it is re-implemented here, no code is copied.
 */

/** What a JPEG tile decoder needs from the TIFF (geotiff.js's decoder parameters, plus two of ours). */
export interface JpegBlockParameters {
  tileWidth: number;
  tileHeight: number;
  planarConfiguration: number;
  /** Samples per pixel of the image (the components of each JPEG for planarConfiguration 1). */
  samplesPerPixel?: number;
  /** TIFF PhotometricInterpretation: 6 (YCbCr) means convert to RGB, as GDAL does. */
  photometric?: number;
  JPEGTables?: Uint8Array;
}

/** The frame header of one JPEG stream. */
export interface JpegFrameHeader {
  /** SOF marker type: 0 baseline, 1 extended sequential, 2 progressive, others unsupported. */
  process: number;
  precision: number;
  width: number;
  height: number;
  components: { id: number; h: number; v: number }[];
}

const SOF_NAMES: Record<number, string> = {
  0xc3: 'lossless (SOF3)',
  0xc5: 'differential sequential (SOF5)',
  0xc6: 'differential progressive (SOF6)',
  0xc7: 'differential lossless (SOF7)',
  0xc9: 'arithmetic-coded sequential (SOF9)',
  0xca: 'arithmetic-coded progressive (SOF10)',
  0xcb: 'arithmetic-coded lossless (SOF11)',
  0xcd: 'arithmetic-coded differential sequential (SOF13)',
  0xce: 'arithmetic-coded differential progressive (SOF14)',
  0xcf: 'arithmetic-coded differential lossless (SOF15)',
};

/**
 * Walks the markers of one JPEG stream (SOI to EOI or the end of the bytes)
 * and returns its frame header; throws on anything geotiff.js's parser could
 * be made to misbehave on: no frame, several frames, segments running past
 * the end, unsupported coding processes.
 */
export function readJpegFrameHeader(bytes: Uint8Array): JpegFrameHeader {
  const n = bytes.length;
  if (n < 4 || bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error('JPEG data: no start-of-image marker (not a JPEG stream)');
  let frame: JpegFrameHeader | null = null;
  let p = 2;
  while (p < n) {
    if (bytes[p] !== 0xff) throw new Error(`JPEG data: expected a marker at byte ${p}`);
    while (p < n && bytes[p] === 0xff) p++; // fill bytes
    if (p >= n) break;
    const marker = bytes[p++];
    if (marker === 0xd9) break; // EOI
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue; // TEM, RSTn: no length
    if (p + 2 > n) throw new Error('JPEG data: a marker segment is cut off (truncated block)');
    const length = (bytes[p] << 8) | bytes[p + 1];
    if (length < 2 || p + length > n)
      throw new Error(`JPEG data: marker ${marker.toString(16).toUpperCase()} segment runs past the end of the block`);
    const segment = bytes.subarray(p + 2, p + length);
    p += length;
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (SOF_NAMES[marker]) throw new Error(`unsupported JPEG coding: ${SOF_NAMES[marker]}`);
      if (frame) throw new Error('JPEG data: more than one frame header');
      if (segment.length < 6) throw new Error('JPEG data: frame header too short');
      const count = segment[5];
      if (count < 1 || segment.length < 6 + 3 * count) throw new Error('JPEG data: frame header too short for its components');
      const components = Array.from({ length: count }, (_, i) => ({
        id: segment[6 + 3 * i],
        h: segment[7 + 3 * i] >> 4,
        v: segment[7 + 3 * i] & 15,
      }));
      frame = {
        process: marker - 0xc0,
        precision: segment[0],
        height: (segment[1] << 8) | segment[2],
        width: (segment[3] << 8) | segment[4],
        components,
      };
    } else if (marker === 0xda) {
      // Entropy-coded data follows the scan header up to the next marker that is not a restart marker.
      while (p < n) {
        if (bytes[p] === 0xff && p + 1 < n && bytes[p + 1] !== 0 && !(bytes[p + 1] >= 0xd0 && bytes[p + 1] <= 0xd7)) break;
        p++;
      }
    }
  }
  if (!frame) throw new Error('JPEG data: no frame header (truncated or corrupt block)');
  return frame;
}

/** Checks a tile's frame against the TIFF: libtiff refuses the same mismatches. */
export function checkJpegFrame(frame: JpegFrameHeader, p: JpegBlockParameters): void {
  if (frame.precision !== 8) throw new Error(`unsupported JPEG: ${frame.precision}-bit samples (only 8-bit JPEG is supported)`);
  const expected = p.planarConfiguration === 2 ? 1 : (p.samplesPerPixel ?? frame.components.length);
  if (frame.components.length !== expected)
    throw new Error(`JPEG data: ${frame.components.length} components where the TIFF has ${expected}`);
  if (frame.width !== p.tileWidth || frame.height < 1 || frame.height > p.tileHeight) {
    throw new Error(`JPEG data: the block is ${frame.width}x${frame.height} pixels where the TIFF says ${p.tileWidth}x${p.tileHeight}`);
  }
  for (const c of frame.components) {
    if (c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4) throw new Error(`JPEG data: invalid sampling factors ${c.h}x${c.v}`);
  }
}

// --- inverse DCT (libjpeg jidctint.c, ISLOW, 8-bit samples) ---------------

const CONST_BITS = 13;
const PASS1_BITS = 2;
const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;

/** Arithmetic right shift with rounding (libjpeg's DESCALE), exact for any safe integer. */
function descale(x: number, n: number): number {
  return Math.floor((x + 2 ** (n - 1)) / 2 ** n);
}

/** libjpeg's post-IDCT range limit: the 10 low bits of the descaled value select a clamped sample. */
const IDCT_LIMIT = (() => {
  const t = new Uint8Array(1024);
  for (let i = 0; i < 1024; i++) t[i] = i < 128 ? i + 128 : i < 512 ? 255 : i < 896 ? 0 : i - 896;
  return t;
})();

/**
 * One 8x8 block: coefficients (natural order) times the quantisation table,
 * inverse DCT, written to `out` at `offset` with row stride `stride`.
 */
function idctIslow(
  coef: ArrayLike<number>,
  quant: ArrayLike<number>,
  ws: Float64Array,
  out: Uint8Array,
  offset: number,
  stride: number,
): void {
  // Pass 1: columns from the input, results scaled up by PASS1_BITS into ws.
  for (let c = 0; c < 8; c++) {
    if (
      coef[8 + c] === 0 &&
      coef[16 + c] === 0 &&
      coef[24 + c] === 0 &&
      coef[32 + c] === 0 &&
      coef[40 + c] === 0 &&
      coef[48 + c] === 0 &&
      coef[56 + c] === 0
    ) {
      const dc = coef[c] * quant[c] * (1 << PASS1_BITS);
      for (let r = 0; r < 8; r++) ws[r * 8 + c] = dc;
      continue;
    }
    let z2 = coef[16 + c] * quant[16 + c];
    let z3 = coef[48 + c] * quant[48 + c];
    let z1 = (z2 + z3) * FIX_0_541196100;
    let tmp2 = z1 - z3 * FIX_1_847759065;
    let tmp3 = z1 + z2 * FIX_0_765366865;
    z2 = coef[c] * quant[c];
    z3 = coef[32 + c] * quant[32 + c];
    let tmp0 = (z2 + z3) * 8192;
    let tmp1 = (z2 - z3) * 8192;
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;
    tmp0 = coef[56 + c] * quant[56 + c];
    tmp1 = coef[40 + c] * quant[40 + c];
    tmp2 = coef[24 + c] * quant[24 + c];
    tmp3 = coef[8 + c] * quant[8 + c];
    z1 = tmp0 + tmp3;
    z2 = tmp1 + tmp2;
    z3 = tmp0 + tmp2;
    let z4 = tmp1 + tmp3;
    const z5 = (z3 + z4) * FIX_1_175875602;
    tmp0 *= FIX_0_298631336;
    tmp1 *= FIX_2_053119869;
    tmp2 *= FIX_3_072711026;
    tmp3 *= FIX_1_501321110;
    z1 *= -FIX_0_899976223;
    z2 *= -FIX_2_562915447;
    z3 = z3 * -FIX_1_961570560 + z5;
    z4 = z4 * -FIX_0_390180644 + z5;
    tmp0 += z1 + z3;
    tmp1 += z2 + z4;
    tmp2 += z2 + z3;
    tmp3 += z1 + z4;
    const s = CONST_BITS - PASS1_BITS;
    ws[c] = descale(tmp10 + tmp3, s);
    ws[56 + c] = descale(tmp10 - tmp3, s);
    ws[8 + c] = descale(tmp11 + tmp2, s);
    ws[48 + c] = descale(tmp11 - tmp2, s);
    ws[16 + c] = descale(tmp12 + tmp1, s);
    ws[40 + c] = descale(tmp12 - tmp1, s);
    ws[24 + c] = descale(tmp13 + tmp0, s);
    ws[32 + c] = descale(tmp13 - tmp0, s);
  }
  // Pass 2: rows from ws, descaled by PASS1_BITS + 3 more and range-limited.
  const s = CONST_BITS + PASS1_BITS + 3;
  for (let r = 0; r < 8; r++) {
    const w = r * 8;
    const o = offset + r * stride;
    let z2 = ws[w + 2];
    let z3 = ws[w + 6];
    let z1 = (z2 + z3) * FIX_0_541196100;
    let tmp2 = z1 - z3 * FIX_1_847759065;
    let tmp3 = z1 + z2 * FIX_0_765366865;
    let tmp0 = (ws[w] + ws[w + 4]) * 8192;
    let tmp1 = (ws[w] - ws[w + 4]) * 8192;
    const tmp10 = tmp0 + tmp3;
    const tmp13 = tmp0 - tmp3;
    const tmp11 = tmp1 + tmp2;
    const tmp12 = tmp1 - tmp2;
    tmp0 = ws[w + 7];
    tmp1 = ws[w + 5];
    tmp2 = ws[w + 3];
    tmp3 = ws[w + 1];
    z1 = tmp0 + tmp3;
    z2 = tmp1 + tmp2;
    z3 = tmp0 + tmp2;
    let z4 = tmp1 + tmp3;
    const z5 = (z3 + z4) * FIX_1_175875602;
    tmp0 *= FIX_0_298631336;
    tmp1 *= FIX_2_053119869;
    tmp2 *= FIX_3_072711026;
    tmp3 *= FIX_1_501321110;
    z1 *= -FIX_0_899976223;
    z2 *= -FIX_2_562915447;
    z3 = z3 * -FIX_1_961570560 + z5;
    z4 = z4 * -FIX_0_390180644 + z5;
    tmp0 += z1 + z3;
    tmp1 += z2 + z4;
    tmp2 += z2 + z3;
    tmp3 += z1 + z4;
    out[o] = IDCT_LIMIT[descale(tmp10 + tmp3, s) & 1023];
    out[o + 7] = IDCT_LIMIT[descale(tmp10 - tmp3, s) & 1023];
    out[o + 1] = IDCT_LIMIT[descale(tmp11 + tmp2, s) & 1023];
    out[o + 6] = IDCT_LIMIT[descale(tmp11 - tmp2, s) & 1023];
    out[o + 2] = IDCT_LIMIT[descale(tmp12 + tmp1, s) & 1023];
    out[o + 5] = IDCT_LIMIT[descale(tmp12 - tmp1, s) & 1023];
    out[o + 3] = IDCT_LIMIT[descale(tmp13 + tmp0, s) & 1023];
    out[o + 4] = IDCT_LIMIT[descale(tmp13 - tmp0, s) & 1023];
  }
}

// --- upsampling (libjpeg jdsample.c, do_fancy_upsampling = TRUE) ---------

/** One component's decoded samples: `width` x `height` real samples in rows of `stride`. */
export interface ComponentPlane {
  data: Uint8Array;
  stride: number;
  /** libjpeg's downsampled_width / downsampled_height: ceil(image size * factor / max factor). */
  width: number;
  height: number;
  h: number;
  v: number;
}

/**
 * A component brought to full resolution (`outWidth` x `outHeight`, row
 * stride outWidth), with the method libjpeg-turbo's jinit_upsampler picks.
 */
export function upsample(c: ComponentPlane, maxH: number, maxV: number, outWidth: number, outHeight: number): Uint8Array {
  const out = new Uint8Array(outWidth * outHeight);
  const { data, stride, width: dw, height: dh } = c;
  /** Input row y, with libjpeg's context rows: row -1 is row 0 and rows past the bottom repeat the last real row. */
  const rowAt = (y: number): number => Math.min(Math.max(y, 0), dh - 1) * stride;
  const put = (y: number, x: number, value: number): void => {
    if (y < outHeight && x < outWidth) out[y * outWidth + x] = value;
  };
  if (c.h === maxH && c.v === maxV) {
    for (let y = 0; y < outHeight; y++) out.set(data.subarray(y * stride, y * stride + outWidth), y * outWidth);
    return out;
  }
  if (c.h * 2 === maxH && c.v === maxV && dw > 2) {
    // h2v1 fancy: 3/4 nearer + 1/4 further sample, biases 1 and 2 alternating.
    for (let y = 0; y < Math.min(dh, outHeight); y++) {
      const r = y * stride;
      put(y, 0, data[r]);
      put(y, 1, (data[r] * 3 + data[r + 1] + 2) >> 2);
      for (let i = 1; i < dw - 1; i++) {
        const v3 = data[r + i] * 3;
        put(y, 2 * i, (v3 + data[r + i - 1] + 1) >> 2);
        put(y, 2 * i + 1, (v3 + data[r + i + 1] + 2) >> 2);
      }
      const last = data[r + dw - 1];
      put(y, 2 * dw - 2, (last * 3 + data[r + dw - 2] + 1) >> 2);
      put(y, 2 * dw - 1, last);
    }
    return out;
  }
  if (c.h === maxH && c.v * 2 === maxV) {
    // h1v2 fancy: vertical triangle filter, bias 1 above, 2 below.
    for (let y = 0; y < dh; y++) {
      const r0 = rowAt(y);
      for (const [dy, bias] of [
        [-1, 1],
        [1, 2],
      ] as const) {
        const r1 = rowAt(y + dy);
        const oy = 2 * y + (dy === -1 ? 0 : 1);
        for (let x = 0; x < dw; x++) put(oy, x, (data[r0 + x] * 3 + data[r1 + x] + bias) >> 2);
      }
    }
    return out;
  }
  if (c.h * 2 === maxH && c.v * 2 === maxV && dw > 2) {
    // h2v2 fancy: 9/16, 3/16, 3/16, 1/16 of the four nearest samples, biases 8 and 7 alternating.
    for (let y = 0; y < dh; y++) {
      const r0 = rowAt(y);
      for (const dy of [-1, 1]) {
        const r1 = rowAt(y + dy);
        const oy = 2 * y + (dy === -1 ? 0 : 1);
        if (oy >= outHeight) continue;
        let thiscolsum = data[r0] * 3 + data[r1];
        let nextcolsum = data[r0 + 1] * 3 + data[r1 + 1];
        put(oy, 0, (thiscolsum * 4 + 8) >> 4);
        put(oy, 1, (thiscolsum * 3 + nextcolsum + 7) >> 4);
        let lastcolsum = thiscolsum;
        thiscolsum = nextcolsum;
        for (let i = 2; i < dw; i++) {
          nextcolsum = data[r0 + i] * 3 + data[r1 + i];
          put(oy, 2 * i - 2, (thiscolsum * 3 + lastcolsum + 8) >> 4);
          put(oy, 2 * i - 1, (thiscolsum * 3 + nextcolsum + 7) >> 4);
          lastcolsum = thiscolsum;
          thiscolsum = nextcolsum;
        }
        put(oy, 2 * dw - 2, (thiscolsum * 3 + lastcolsum + 8) >> 4);
        put(oy, 2 * dw - 1, (thiscolsum * 4 + 7) >> 4);
      }
    }
    return out;
  }
  if (maxH % c.h === 0 && maxV % c.v === 0) {
    // Box filter (libjpeg's int_upsample, and h2v1/h2v2 when the component is at most 2 samples wide).
    const fx = maxH / c.h;
    const fy = maxV / c.v;
    for (let y = 0; y < outHeight; y++) {
      const r = Math.floor(y / fy) * stride;
      for (let x = 0; x < outWidth; x++) out[y * outWidth + x] = data[r + Math.floor(x / fx)];
    }
    return out;
  }
  throw new Error(`unsupported JPEG: fractional chroma sampling ${c.h}x${c.v} of ${maxH}x${maxV}`);
}

// --- colour conversion (libjpeg jdcolor.c, 16-bit fixed point) -----------

const SCALEBITS = 16;
const ONE_HALF = 1 << (SCALEBITS - 1);
const fix = (x: number): number => Math.floor(x * 2 ** SCALEBITS + 0.5);
const CR_R = new Int32Array(256);
const CB_B = new Int32Array(256);
const CR_G = new Int32Array(256);
const CB_G = new Int32Array(256);
for (let i = 0, x = -128; i < 256; i++, x++) {
  CR_R[i] = Math.floor((fix(1.402) * x + ONE_HALF) / 2 ** SCALEBITS);
  CB_B[i] = Math.floor((fix(1.772) * x + ONE_HALF) / 2 ** SCALEBITS);
  CR_G[i] = -fix(0.71414) * x;
  CB_G[i] = -fix(0.34414) * x + ONE_HALF;
}

function clampByte(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** Full-resolution Y, Cb, Cr planes to interleaved RGB, exactly as libjpeg's ycc_rgb_convert. */
export function ycbcrToRgb(y: Uint8Array, cb: Uint8Array, cr: Uint8Array, out: Uint8Array): void {
  for (let i = 0, o = 0; i < y.length; i++, o += 3) {
    const Y = y[i];
    const b = cb[i];
    const r = cr[i];
    out[o] = clampByte(Y + CR_R[r]);
    out[o + 1] = clampByte(Y + Math.floor((CB_G[b] + CR_G[r]) / 2 ** SCALEBITS));
    out[o + 2] = clampByte(Y + CB_B[b]);
  }
}

// --- the decoder ----------------------------------------------------------

/** The parts of geotiff.js's JPEG stream reader (compression/jpeg.js) used here. */
interface GeotiffJpegComponent {
  h: number;
  v: number;
  quantizationIdx?: number;
  quantizationTable?: ArrayLike<number>;
  blocksPerLine: number;
  blocksPerColumn: number;
  blocks: ArrayLike<number>[][];
}

interface GeotiffJpegFrame {
  samplesPerLine: number;
  scanLines: number;
  maxH: number;
  maxV: number;
  components: Record<string, GeotiffJpegComponent>;
  componentsOrder: number[];
}

export interface GeotiffJpegReader {
  quantizationTables: ArrayLike<number>[];
  frames: GeotiffJpegFrame[];
  resetFrames(): void;
  parse(data: Uint8Array): void;
}

function readerShapeError(): Error {
  return new Error('JPEG decoder: geotiff.js internals are not as expected (compression/jpeg.js changed?)');
}

/**
 * Decodes one JPEG tile or strip to bytes, `width x height x components`
 * pixel-interleaved (YCbCr converted to RGB when the TIFF says YCbCr), exactly
 * as libjpeg-turbo with libtiff's settings. `reader` is geotiff.js's stream
 * reader, already primed with the JPEGTables.
 */
export function decodeJpegBlock(reader: GeotiffJpegReader, bytes: Uint8Array, p: JpegBlockParameters): Uint8Array {
  const header = readJpegFrameHeader(bytes);
  checkJpegFrame(header, p);
  reader.resetFrames();
  reader.parse(bytes);
  const frame = reader.frames?.[0];
  if (!frame || !frame.components || !Array.isArray(frame.componentsOrder)) throw readerShapeError();
  const width = frame.samplesPerLine;
  const height = frame.scanLines;
  if (width !== header.width || height !== header.height) throw readerShapeError();
  const planes: Uint8Array[] = [];
  const ws = new Float64Array(64);
  for (const id of frame.componentsOrder) {
    const c = frame.components[id];
    const quant = c.quantizationTable ?? (c.quantizationIdx !== undefined ? reader.quantizationTables[c.quantizationIdx] : undefined);
    if (!quant) throw new Error('JPEG data: a component has no quantisation table');
    if (!Array.isArray(c.blocks) || c.blocks.length < c.blocksPerColumn) throw readerShapeError();
    const stride = c.blocksPerLine * 8;
    const data = new Uint8Array(stride * c.blocksPerColumn * 8);
    for (let by = 0; by < c.blocksPerColumn; by++) {
      const row = c.blocks[by];
      for (let bx = 0; bx < c.blocksPerLine; bx++) idctIslow(row[bx], quant, ws, data, by * 8 * stride + bx * 8, stride);
    }
    const plane: ComponentPlane = {
      data,
      stride,
      width: Math.ceil((width * c.h) / frame.maxH),
      height: Math.ceil((height * c.v) / frame.maxV),
      h: c.h,
      v: c.v,
    };
    planes.push(upsample(plane, frame.maxH, frame.maxV, width, height));
  }
  const n = width * height;
  const out = new Uint8Array(n * planes.length);
  if (planes.length === 3 && p.photometric === 6 && p.planarConfiguration !== 2) {
    ycbcrToRgb(planes[0], planes[1], planes[2], out);
  } else if (planes.length === 1) {
    out.set(planes[0]);
  } else {
    const k = planes.length;
    for (let c = 0; c < k; c++) {
      const plane = planes[c];
      for (let i = 0, o = c; i < n; i++, o += k) out[o] = plane[i];
    }
  }
  return out;
}
