// The bounded LZW and PackBits decoders: exact output, and refusal of bombs
// (output beyond the block's size) and of corrupt or cut-off streams.
import { describe, expect, it } from 'vitest';
import { decodeLzw, decodePackBits } from '../../../electron/engine/raster/codecs.js';

/** Minimal TIFF LZW encoder (MSB-first, early change), to feed the decoder. */
function encodeLzw(data: Uint8Array): Uint8Array {
  const bytes: number[] = [];
  let acc = 0;
  let nbits = 0;
  let width = 9;
  const put = (code: number) => {
    acc = (acc << width) | code;
    nbits += width;
    while (nbits >= 8) {
      bytes.push((acc >>> (nbits - 8)) & 0xff);
      nbits -= 8;
    }
    acc &= (1 << nbits) - 1;
  };
  let table = new Map<string, number>();
  let next = 258;
  put(256);
  let w = '';
  for (const byte of data) {
    const wc = w === '' ? String(byte) : `${w},${byte}`;
    if (w === '' || table.has(wc)) {
      w = wc;
      continue;
    }
    put(w.includes(',') ? (table.get(w) as number) : Number(w));
    table.set(wc, next++);
    // The decoder adds each entry one code later, so it widens one code later too.
    if (next >= 1 << width && width < 12) width++;
    if (next >= 4093) {
      put(256);
      table = new Map();
      next = 258;
      width = 9;
    }
    w = String(byte);
  }
  if (w !== '') put(w.includes(',') ? (table.get(w) as number) : Number(w));
  if (++next >= 1 << width && width < 12) width++; // the entry the decoder adds for that last code
  put(257);
  if (nbits > 0) bytes.push((acc << (8 - nbits)) & 0xff);
  return Uint8Array.from(bytes);
}

describe('LZW', () => {
  const data = Uint8Array.from({ length: 20_000 }, (_, i) => ((i * 7919) % 13) + (i >> 9));

  it('decodes exactly', () => {
    expect(decodeLzw(encodeLzw(data), data.length)).toEqual(data);
  });

  it('refuses output beyond the block size (a bomb)', () => {
    const zeros = encodeLzw(new Uint8Array(1 << 22)); // 4 MiB of zeros in a few KiB
    expect(() => decodeLzw(zeros, 4096)).toThrow(/LZW block decodes to more than its 4096 bytes/);
  });

  it('refuses codes that are not in the table', () => {
    expect(() => decodeLzw(Uint8Array.from([0x80, 0x3f, 0xf0, 0, 0]), 100)).toThrow(/LZW data/);
  });
});

describe('PackBits', () => {
  it('decodes literal and repeat runs, skipping the -128 no-op', () => {
    const input = Uint8Array.from([2, 1, 2, 3, 0x80, 0xfd, 9]);
    expect(Array.from(decodePackBits(input, 100))).toEqual([1, 2, 3, 9, 9, 9, 9]);
  });

  it('refuses a bomb without allocating beyond the limit', () => {
    const bomb = new Uint8Array(4 << 20);
    for (let i = 0; i < bomb.length; i += 2) bomb[i] = 0x81; // repeat the next byte 128 times
    expect(() => decodePackBits(bomb, 64 * 64)).toThrow(/PACKBITS block decodes to more than its 4096 bytes/);
  });

  it('refuses a cut-off run', () => {
    expect(() => decodePackBits(Uint8Array.from([5, 1, 2]), 100)).toThrow(/truncated/);
    expect(() => decodePackBits(Uint8Array.from([0xfe]), 100)).toThrow(/truncated/);
  });
});
