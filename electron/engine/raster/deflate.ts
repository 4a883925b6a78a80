/**
 * DEFLATE tiles decoded by Node's zlib instead of geotiff.js's pako: native
 * speed, on libuv's thread pool (so decoding overlaps the JavaScript thread and
 * the featurizer), and bounded: a block may not inflate beyond the size its
 * tile or strip can hold, so a decompression bomb fails instead of eating memory.
 * Truncated streams are errors here, where pako returned the partial data.
 */
import { inflate, inflateSync } from 'node:zlib';
import { promisify } from 'node:util';
import { addDecoder, BaseDecoder } from 'geotiff';

const inflateAsync = promisify(inflate);

/** Blocks up to this size (decoded) inflate synchronously. */
const IN_THREAD_BYTES = 16 * 1024;

interface BlockParameters {
  tileWidth: number;
  tileHeight: number;
  planarConfiguration: number;
  bitsPerSample: number | ArrayLike<number>;
}

/** maxBlockBytes per parameters object: one image's decoder reuses it for every block, and it costs O(bands). */
const blockBytesOf = new WeakMap<BlockParameters, number>();

/** The most bytes one decoded block can hold. */
export function maxBlockBytes(p: BlockParameters): number {
  const known = blockBytesOf.get(p);
  if (known !== undefined) return known;
  const bits = typeof p.bitsPerSample === 'number' ? [p.bitsPerSample] : Array.from(p.bitsPerSample);
  let bitsPerPixel = 0;
  for (const b of bits) bitsPerPixel = p.planarConfiguration === 2 ? Math.max(bitsPerPixel, b) : bitsPerPixel + b;
  const bytes = Math.ceil((p.tileWidth * bitsPerPixel) / 8) * p.tileHeight;
  blockBytesOf.set(p, bytes);
  return bytes;
}

class NodeDeflateDecoder extends BaseDecoder {
  override async decodeBlock(buffer: ArrayBufferLike): Promise<ArrayBufferLike> {
    const limit = maxBlockBytes(this.parameters as BlockParameters);
    let out: Buffer;
    try {
      // One output chunk of the block's size: no re-assembly of 16 KiB pieces. Small blocks inflate in this thread:
      // a trip to the thread pool costs more than they do (10,000 bands of 4 KiB strips took seconds, not 0.4 s).
      const options = { maxOutputLength: Math.max(1, limit), chunkSize: Math.max(64, limit) };
      const input = new Uint8Array(buffer);
      out = limit <= IN_THREAD_BYTES ? inflateSync(input, options) : await inflateAsync(input, options);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE')
        throw new Error(`a DEFLATE block inflates beyond its ${limit} bytes (corrupt or a decompression bomb)`, { cause: err });
      throw new Error(`DEFLATE data: ${(err as Error).message}`, { cause: err });
    }
    const whole = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength;
    return whole ? out.buffer : out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength);
  }
}

let registered = false;

/** Makes geotiff.js use the zlib decoder for Deflate and Adobe Deflate (idempotent). */
export function useNodeDeflate(): void {
  if (registered) return;
  registered = true;
  addDecoder([8, 32946], async () => NodeDeflateDecoder as unknown as typeof BaseDecoder, undefined, false);
}
