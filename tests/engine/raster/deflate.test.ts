// The zlib DEFLATE decoder: exact output, and refusal of bombs and truncated streams.
import { describe, it, expect } from 'vitest';
import { deflateSync } from 'node:zlib';
import { getDecoder } from 'geotiff';
import { maxBlockBytes, useNodeDeflate } from '../../../electron/engine/raster/deflate.js';

useNodeDeflate();
const parameters = { tileWidth: 16, tileHeight: 8, planarConfiguration: 1, bitsPerSample: [16, 16, 16], predictor: 1 };

async function decode(compressed: Uint8Array): Promise<Uint8Array> {
  const decoder = await getDecoder(8, parameters as never);
  const out = await decoder.decode(
    compressed.buffer.slice(compressed.byteOffset, compressed.byteOffset + compressed.byteLength) as ArrayBuffer,
  );
  return new Uint8Array(out);
}

describe('DEFLATE blocks', () => {
  it('knows how big a block can be', () => {
    expect(maxBlockBytes(parameters)).toBe(16 * 8 * 6);
    expect(maxBlockBytes({ ...parameters, planarConfiguration: 2 })).toBe(16 * 8 * 2);
    expect(maxBlockBytes({ tileWidth: 10, tileHeight: 3, planarConfiguration: 1, bitsPerSample: [1] })).toBe(2 * 3);
  });

  it('inflates a block exactly', async () => {
    const raw = Uint8Array.from({ length: 16 * 8 * 6 }, (_, i) => (i * 7) % 251);
    expect(await decode(deflateSync(raw))).toEqual(raw);
  });

  it('refuses a block that inflates beyond its tile (a decompression bomb)', async () => {
    const bomb = deflateSync(new Uint8Array(16 * 8 * 6 + 1));
    await expect(decode(bomb)).rejects.toThrow(/inflates beyond its 768 bytes/);
  });

  it('refuses a truncated stream instead of returning part of it', async () => {
    const whole = deflateSync(Uint8Array.from({ length: 768 }, (_, i) => i % 13));
    await expect(decode(whole.subarray(0, whole.length - 6))).rejects.toThrow(/DEFLATE data/);
  });
});
