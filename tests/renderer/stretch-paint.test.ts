/**
 * Display stretches and painting, against numpy on real pixels read by GDAL:
 * 'cut' is np.percentile(finite, [2, 98]) (linear interpolation, numpy's
 * default), 'minmax' np.nanmin/np.nanmax; painted bytes are numpy's
 * round(255·clip((v − min)/(max − min), 0, 1)), and a pixel missing in any
 * shown band is transparent.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { computeStretch, percentileSorted, stretchByte, type Stretch } from '../../renderer/src/raster/stretch.js';
import { defaultDisplayBands, paintRgba } from '../../renderer/src/raster/paint.js';
import { SYSTEM_PYTHON } from '../helpers/python.js';
import { execFileSync } from 'node:child_process';

const SAMPLE = join(fileURLToPath(new URL('../../', import.meta.url)), 'resources/sample/landsat8_b2-b5.tif');

/** Runs numpy on float32 input given on stdin; returns its stdout. */
function python(code: string, input: Float32Array | null, args: string[] = []): Buffer {
  return execFileSync(SYSTEM_PYTHON, ['-c', code, ...args], {
    input: input ? Buffer.from(input.buffer, input.byteOffset, input.byteLength) : undefined,
    maxBuffer: 1 << 28,
  });
}

/** Band `band` (1-based) of the sample raster as float32, read by GDAL. */
function gdalBand(band: number, window?: [number, number, number, number]): { width: number; height: number; data: Float32Array } {
  const out = python(
    `import sys, json
import numpy as np
from osgeo import gdal
ds = gdal.Open(sys.argv[1])
b = ds.GetRasterBand(int(sys.argv[2]))
w = json.loads(sys.argv[3])
a = (b.ReadAsArray(*w) if w else b.ReadAsArray()).astype(np.float32)
sys.stdout.buffer.write(np.array(a.shape[::-1], dtype=np.float32).tobytes() + a.tobytes())`,
    null,
    [SAMPLE, String(band), JSON.stringify(window ?? null)],
  );
  const all = new Float32Array(out.buffer.slice(out.byteOffset, out.byteOffset + out.byteLength));
  return { width: all[0], height: all[1], data: all.slice(2) };
}

/** numpy's [p2, p98] of the finite values, and [min, max]. */
function numpyStretches(values: Float32Array): { cut: [number, number]; minmax: [number, number] } {
  const out = python(
    `import sys, json
import numpy as np
a = np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32).astype(np.float64)
f = a[np.isfinite(a)]
print(json.dumps(dict(cut=np.percentile(f, [2, 98]).tolist(), minmax=[float(np.nanmin(f)), float(np.nanmax(f))])))`,
    values,
  );
  return JSON.parse(out.toString('utf8')) as { cut: [number, number]; minmax: [number, number] };
}

function expectClose(actual: number, expected: number): void {
  expect(Math.abs(actual - expected)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(expected)));
}

describe('computeStretch against numpy on the sample raster (GDAL read)', () => {
  for (const band of [1, 4]) {
    it(`band ${band}: cut = np.percentile(finite, [2, 98]), minmax = the range`, () => {
      const { data } = gdalBand(band);
      expect(data.length).toBe(627 * 603);
      const truth = numpyStretches(data);
      const cut = computeStretch(data, 'cut')!;
      expectClose(cut.min, truth.cut[0]);
      expectClose(cut.max, truth.cut[1]);
      // Real data: the cut is strictly inside the range.
      expect(cut.min).toBeGreaterThan(truth.minmax[0]);
      expect(cut.max).toBeLessThan(truth.minmax[1]);
      expect(computeStretch(data, 'minmax')).toEqual({ min: truth.minmax[0], max: truth.minmax[1] });
    });
  }

  it('band 1 with NaN holes (a third of the pixels) and infinities: they are ignored', () => {
    const { data } = gdalBand(1);
    const holed = data.slice();
    for (let i = 0; i < holed.length; i++) if ((i * 7919) % 3 === 0) holed[i] = NaN;
    holed[5] = Infinity;
    holed[6] = -Infinity;
    const truth = numpyStretches(holed);
    const cut = computeStretch(holed, 'cut')!;
    expectClose(cut.min, truth.cut[0]);
    expectClose(cut.max, truth.cut[1]);
    expect(computeStretch(holed, 'minmax')).toEqual({ min: truth.minmax[0], max: truth.minmax[1] });
  });

  it('a small odd window, where interpolation between ranks matters', () => {
    const { data } = gdalBand(2, [100, 200, 7, 9]);
    expect(data.length).toBe(63);
    const truth = numpyStretches(data);
    const cut = computeStretch(data, 'cut')!;
    expectClose(cut.min, truth.cut[0]);
    expectClose(cut.max, truth.cut[1]);
  });

  it('percentileSorted equals np.percentile at any q', () => {
    const values = Float64Array.from([3, -1, 7.5, 2, 2, 10, 0.25, 4]).sort();
    const qs = [0, 0.02, 0.1, 0.25, 0.5, 0.77, 0.98, 1];
    const truth = JSON.parse(
      python(
        `import sys, json
import numpy as np
print(json.dumps(np.percentile(np.array(json.loads(sys.argv[1])), json.loads(sys.argv[2])).tolist()))`,
        null,
        [JSON.stringify(Array.from(values)), JSON.stringify(qs.map((q) => q * 100))],
      ).toString('utf8'),
    ) as number[];
    qs.forEach((q, i) => expectClose(percentileSorted(values, q), truth[i]));
    expect(percentileSorted([], 0.5)).toBeNaN();
    expect(percentileSorted([42], 0.98)).toBe(42);
  });

  it('no valid value: null', () => {
    expect(computeStretch(new Float32Array([NaN, NaN]), 'cut')).toBeNull();
    expect(computeStretch([], 'minmax')).toBeNull();
  });
});

describe('stretchByte', () => {
  it('maps the stretch to 0–255, clamping outside it; a flat stretch is mid-grey', () => {
    const s = { min: 100, max: 200 };
    expect([50, 100, 150, 200, 300].map((v) => stretchByte(v, s))).toEqual([0, 0, 128, 255, 255]);
    expect(stretchByte(101, s)).toBe(Math.round(2.55));
    expect(stretchByte(5, { min: 5, max: 5 })).toBe(128);
    expect(stretchByte(5, { min: 6, max: 5 })).toBe(128);
  });
});

describe('paintRgba against numpy', () => {
  /** numpy's RGBA for band-major data and per-band stretches. */
  function numpyRgba(data: Float32Array, bands: number, width: number, height: number, stretches: Stretch[]): Uint8Array {
    const out = python(
      `import sys, json
import numpy as np
bands, w, h = map(int, sys.argv[1:4])
st = json.loads(sys.argv[4])
a = np.frombuffer(sys.stdin.buffer.read(), dtype=np.float32).astype(np.float64).reshape(bands, h, w)
rgba = np.zeros((h, w, 4), dtype=np.uint8)
valid = np.ones((h, w), dtype=bool)
for c in range(3):
    b = 0 if bands == 1 else c
    lo, hi = st[b]
    valid &= np.isfinite(a[b])
    with np.errstate(invalid='ignore'):
        t = np.clip((a[b] - lo) / (hi - lo), 0, 1) if hi > lo else np.full((h, w), 128 / 255)
    rgba[..., c] = np.floor(255 * np.nan_to_num(t) + 0.5).astype(np.uint8)
rgba[..., 3] = 255
rgba[~valid] = 0
sys.stdout.buffer.write(rgba.tobytes())`,
      data,
      [String(bands), String(width), String(height), JSON.stringify(stretches.map((s) => [s.min, s.max]))],
    );
    return new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  }

  it('RGB from bands 3, 2, 1 of the sample with cut stretches, NaN holes transparent', () => {
    const window: [number, number, number, number] = [50, 60, 120, 90];
    const planes = [3, 2, 1].map((b) => gdalBand(b, window).data);
    const [width, height] = [120, 90];
    const data = new Float32Array(3 * width * height);
    planes.forEach((p, b) => data.set(p, b * width * height));
    // Holes in one band only: the pixel is missing in the picture.
    for (let p = 0; p < width * height; p += 37) data[(p % 3) * width * height + p] = NaN;
    const stretches = [0, 1, 2].map((b) => computeStretch(data.subarray(b * width * height, (b + 1) * width * height), 'cut')!);
    const rgba = paintRgba({ width, height, data, bands: 3 }, stretches);
    expect(rgba.length).toBe(width * height * 4);
    expect(Array.from(rgba)).toEqual(Array.from(numpyRgba(data, 3, width, height, stretches)));
    // The cut saturates some pixels at both ends and leaves holes transparent.
    const reds = Array.from({ length: width * height }, (_, p) => rgba[p * 4]);
    expect(reds).toContain(0);
    expect(reds).toContain(255);
    expect(rgba[3]).toBe(0);
    expect(rgba[4 * 1 + 3]).toBe(255);
  });

  it('grey from one band: r = g = b, with a stretch narrower than the data (clamping) and a flat one', () => {
    const { data, width, height } = gdalBand(4, [0, 0, 64, 48]);
    data[10] = NaN;
    const s = computeStretch(data, 'cut')!;
    const narrow = { min: s.min + (s.max - s.min) / 3, max: s.max - (s.max - s.min) / 3 };
    for (const stretch of [s, narrow, { min: 7, max: 7 }]) {
      const rgba = paintRgba({ width, height, data, bands: 1 }, [stretch]);
      expect(Array.from(rgba)).toEqual(Array.from(numpyRgba(data, 1, width, height, [stretch])));
      for (let p = 0; p < width * height; p++) expect(rgba[p * 4]).toBe(rgba[p * 4 + 2]);
      expect(rgba[10 * 4 + 3]).toBe(0);
    }
  });

  it('a band without a stretch (no valid value) makes every pixel transparent', () => {
    const data = new Float32Array([1, 2, 3, 4, 5, 6]);
    const rgba = paintRgba({ width: 2, height: 1, data, bands: 3 }, [{ min: 0, max: 10 }, null, { min: 0, max: 10 }]);
    expect(Array.from(rgba)).toEqual(new Array(8).fill(0));
  });

  it('default display bands', () => {
    expect(defaultDisplayBands(1)).toEqual([1]);
    expect(defaultDisplayBands(2)).toEqual([1]);
    expect(defaultDisplayBands(3)).toEqual([1, 2, 3]);
    expect(defaultDisplayBands(11)).toEqual([1, 2, 3]);
  });
});
