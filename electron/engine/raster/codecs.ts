/**
 * Bounded decoders for the codecs geotiff.js would otherwise run unbounded.
 *
 * A strip or tile can never hold more than `maxBlockBytes` (its width × height
 * × bits per pixel); any decoder output beyond that is a corrupt stream or a
 * decompression bomb. geotiff.js's own LZW and PackBits decoders collect their
 * output in a plain JS array with no limit (a 4 MB PackBits strip grows to
 * gigabytes and kills V8), so both are re-implemented here writing into a
 * fixed buffer of the block's size. ZSTD decodes into a buffer of that size
 * too. DEFLATE is in deflate.ts. JPEG (jpeg.ts) and LERC (lerc.ts), whose
 * output size is set by headers inside the block, have those headers checked
 * against the TIFF before anything is decoded, and their output is checked
 * too. Truncated blocks surface as errors (here or in blocks.ts), never as
 * zero-filled pixels.
 */
import { createRequire } from 'node:module';
import { addDecoder, BaseDecoder, getDecoder } from 'geotiff';
import { maxBlockBytes, useNodeDeflate } from './deflate.js';
import { decodeJpegBlock, type GeotiffJpegReader, type JpegBlockParameters } from './jpeg.js';
import { decodeLercBlock, type LercBlockParameters } from './lerc.js';

type BlockParameters = Parameters<typeof maxBlockBytes>[0];

function limitOf(decoder: BaseDecoder): number {
  return Math.max(1, maxBlockBytes((decoder as unknown as { parameters: BlockParameters }).parameters));
}

function tooBig(codec: string, limit: number): Error {
  return new Error(`a ${codec} block decodes to more than its ${limit} bytes (corrupt or a decompression bomb)`);
}

/** TIFF LZW (MSB-first codes, 9 to 12 bits, "early change"), into at most `limit` bytes. */
export function decodeLzw(input: Uint8Array, limit: number): Uint8Array {
  const CLEAR = 256;
  const EOI = 257;
  const prefix = new Uint16Array(4096);
  const suffix = new Uint8Array(4096);
  const first = new Uint8Array(4096);
  const length = new Uint16Array(4096);
  for (let i = 0; i < 256; i++) {
    suffix[i] = i;
    first[i] = i;
    length[i] = 1;
  }
  const out = new Uint8Array(limit);
  let pos = 0;
  let next = 258;
  let width = 9;
  let old = -1;
  let bit = 0;
  const totalBits = input.length * 8;

  const emit = (code: number): void => {
    const n = length[code];
    if (pos + n > limit) throw tooBig('LZW', limit);
    for (let i = pos + n - 1, c = code; i >= pos; i--, c = prefix[c]) out[i] = suffix[c];
    pos += n;
  };
  const add = (pre: number, byte: number): void => {
    if (next >= 4096) return; // table full without a Clear code: keep decoding with the table as is
    prefix[next] = pre;
    suffix[next] = byte;
    first[next] = first[pre];
    length[next] = length[pre] + 1;
    next++;
    if (next + 1 >= 1 << width && width < 12) width++;
  };

  while (bit + width <= totalBits) {
    // Read `width` bits, most significant first.
    let code = 0;
    for (let k = 0; k < width; k++, bit++) code = (code << 1) | ((input[bit >> 3] >> (7 - (bit & 7))) & 1);
    if (code === EOI) break;
    if (code === CLEAR) {
      next = 258;
      width = 9;
      old = -1;
      continue;
    }
    if (old === -1) {
      if (code > 255) throw new Error(`LZW data: code ${code} right after a Clear code`);
      emit(code);
    } else if (code < next) {
      emit(code);
      add(old, first[code]);
    } else if (code === next) {
      add(old, first[old]);
      emit(code);
    } else {
      throw new Error(`LZW data: code ${code} is not in the table (next free code ${next})`);
    }
    old = code;
  }
  return out.subarray(0, pos);
}

/** PackBits run-length decoding into at most `limit` bytes. */
export function decodePackBits(input: Uint8Array, limit: number): Uint8Array {
  const out = new Uint8Array(limit);
  let pos = 0;
  let i = 0;
  while (i < input.length) {
    const header = (input[i++] << 24) >> 24; // as int8
    if (header >= 0) {
      const n = header + 1;
      if (i + n > input.length) throw new Error('PACKBITS data: a literal run is cut off (truncated block)');
      if (pos + n > limit) throw tooBig('PACKBITS', limit);
      out.set(input.subarray(i, i + n), pos);
      pos += n;
      i += n;
    } else if (header !== -128) {
      // -128 is a no-op by the specification.
      const n = 1 - header;
      if (i >= input.length) throw new Error('PACKBITS data: a repeat run is cut off (truncated block)');
      if (pos + n > limit) throw tooBig('PACKBITS', limit);
      out.fill(input[i++], pos, pos + n);
      pos += n;
    }
  }
  return out.subarray(0, pos);
}

function bufferOf(bytes: Uint8Array): ArrayBuffer {
  const whole = bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength;
  return (whole ? bytes.buffer : bytes.slice().buffer) as ArrayBuffer;
}

class BoundedLzwDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    return bufferOf(decodeLzw(new Uint8Array(buffer), limitOf(this)));
  }
}

class BoundedPackBitsDecoder extends BaseDecoder {
  override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    return bufferOf(decodePackBits(new Uint8Array(buffer), limitOf(this)));
  }
}

interface ZstdLib {
  init(): Promise<void>;
  decode(array: Uint8Array, uncompressedSize?: number): Uint8Array;
}

let zstd: Promise<ZstdLib> | null = null;

/** geotiff.js's own ZSTD library (zstddec), resolved from geotiff so no new dependency is needed. */
function zstdLib(): Promise<ZstdLib> {
  zstd ??= (async () => {
    const require = createRequire(createRequire(import.meta.url).resolve('geotiff'));
    const { ZSTDDecoder } = require('zstddec') as { ZSTDDecoder: new () => ZstdLib };
    const lib = new ZSTDDecoder();
    await lib.init();
    return lib;
  })();
  return zstd;
}

/**
 * ZSTD into a buffer of the block's size: zstddec otherwise trusts the size
 * declared in the frame header (or streams without any limit).
 */
class BoundedZstdDecoder extends BaseDecoder {
  override async decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBufferLike> {
    const limit = limitOf(this);
    const lib = await zstdLib();
    // One spare byte: output that fills it shows the block holds more than it may.
    const out = lib.decode(new Uint8Array(buffer), limit + 1);
    if (out.byteLength > limit) throw tooBig('ZSTD', limit);
    if (out.byteLength === 0) throw new Error('ZSTD data: corrupt or truncated stream');
    return bufferOf(out);
  }
}

/** geotiff.js's own JPEG decoder class: its stream reader does the entropy decoding for jpeg.ts. */
type GeotiffJpegClass = new (p: unknown) => BaseDecoder & { reader?: GeotiffJpegReader };
let GeotiffJpeg: GeotiffJpegClass | null = null;

/** JPEG decoded as libjpeg (with libtiff's settings) decodes it: see jpeg.ts. */
class LibjpegCompatibleDecoder extends BaseDecoder {
  private readonly reader: GeotiffJpegReader;

  constructor(parameters: unknown) {
    super(parameters as never);
    if (!GeotiffJpeg) throw new Error('JPEG decoder used before useBoundedDecoders()');
    // geotiff.js's decoder parses the JPEGTables (quantisation and Huffman tables) once per image.
    const reader = new GeotiffJpeg(parameters).reader;
    if (!reader || typeof reader.parse !== 'function') throw new Error('JPEG decoder: geotiff.js internals are not as expected');
    this.reader = reader;
  }

  override decodeBlock(buffer: ArrayBufferLike): ArrayBufferLike {
    const limit = limitOf(this);
    const out = decodeJpegBlock(this.reader, new Uint8Array(buffer), this.parameters as unknown as JpegBlockParameters);
    if (out.byteLength > limit) throw tooBig('JPEG', limit);
    return bufferOf(out);
  }
}

/** LERC with its DEFLATE / ZSTD layer and its blob headers bounded: see lerc.ts. */
class BoundedLercDecoder extends BaseDecoder {
  override async decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBufferLike> {
    const lib = await zstdLib();
    return decodeLercBlock(new Uint8Array(buffer), this.parameters as unknown as LercBlockParameters, limitOf(this), (bytes, max) =>
      lib.decode(bytes, max),
    );
  }
}

let registered: Promise<void> | null = null;

/** Replaces geotiff.js's decoders by bounded ones (idempotent; awaited before opening a file). */
export function useBoundedDecoders(): Promise<void> {
  registered ??= (async () => {
    useNodeDeflate();
    const asClass = (c: unknown) => async () => c as typeof BaseDecoder;
    addDecoder(5, asClass(BoundedLzwDecoder), undefined, false);
    addDecoder(32773, asClass(BoundedPackBitsDecoder), undefined, false);
    addDecoder(50000, asClass(BoundedZstdDecoder), undefined, false);
    // geotiff.js's JPEG class (for its stream reader), taken before ours replaces it.
    const dummy = { tileWidth: 1, tileHeight: 1, planarConfiguration: 1, bitsPerSample: 8, predictor: 1 };
    GeotiffJpeg ??= (await getDecoder(7, dummy as never)).constructor as unknown as GeotiffJpegClass;
    addDecoder(7, asClass(LibjpegCompatibleDecoder), jpegOrLercParameters(7), false);
    addDecoder(34887, asClass(BoundedLercDecoder), jpegOrLercParameters(34887), false);
  })();
  return registered;
}

/** Parameters for JPEG and LERC: geotiff.js's (with JPEGTables, LercParameters), plus samples per pixel and photometric. */
function jpegOrLercParameters(code: 7 | 34887): Parameters<typeof addDecoder>[2] {
  const tag = code === 7 ? 'JPEGTables' : 'LercParameters';
  type Directory = { hasTag(t: string): boolean; loadValue(t: string): Promise<unknown> };
  return (async (fd: Directory) => {
    const tiled = !fd.hasTag('StripOffsets');
    return {
      tileWidth: await fd.loadValue(tiled ? 'TileWidth' : 'ImageWidth'),
      tileHeight: tiled ? await fd.loadValue('TileLength') : (await fd.loadValue('RowsPerStrip')) || (await fd.loadValue('ImageLength')),
      planarConfiguration: await fd.loadValue('PlanarConfiguration'),
      bitsPerSample: await fd.loadValue('BitsPerSample'),
      // libtiff applies no predictor to JPEG or LERC.
      predictor: 1,
      samplesPerPixel: (await fd.loadValue('SamplesPerPixel')) || 1,
      photometric: await fd.loadValue('PhotometricInterpretation'),
      [tag]: await fd.loadValue(tag),
    };
  }) as unknown as Parameters<typeof addDecoder>[2];
}
