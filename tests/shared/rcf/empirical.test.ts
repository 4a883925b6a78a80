// Empirical filters against the golden torchgeo and paper-style weights.
import { describe, it, expect } from 'vitest';
import { manifest, goldenArray } from '../../helpers/golden.js';
import { zcaWhiten } from '../../../shared/rcf/zca.js';
import { drawPatchCoords, extractPatch, pickWithoutReplacement } from '../../../shared/rcf/empirical.js';
import { SeededRandom } from '../../../shared/rcf/random.js';

const training = ['train_T0_c3_32x32', 'train_T1_c3_32x32', 'train_T2_c3_32x32'].map((name) => {
  const a = goldenArray(name);
  return { data: a.data as Float32Array, channels: a.shape[0], height: a.shape[1], width: a.shape[2] };
});

function maxScaledError(actual: ArrayLike<number>, expected: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < expected.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  return worst;
}

function patchesAt(coords: Int32Array, kernel: number): Float32Array {
  const dim = training[0].channels * kernel * kernel;
  const count = coords.length / 3;
  const out = new Float32Array(count * dim);
  for (let n = 0; n < count; n++) {
    const ok = extractPatch(training[coords[3 * n]], coords[3 * n + 1], coords[3 * n + 2], kernel, out, n * dim);
    expect(ok).toBe(true);
  }
  return out;
}

describe('ZCA whitening', () => {
  for (const c of manifest.cases.filter((c) => c.id.startsWith('emp_tg') && c.convention === 'torchgeo' && c.nan_policy === 'propagate')) {
    it(`reproduces torchgeo's empirical weights ${c.weights}`, () => {
      const w = goldenArray(c.weights);
      const [filters, channels, kernel] = w.shape;
      const raw = goldenArray(c.raw_patches!).data;
      // The patches sit where torchgeo sampled them.
      expect(Array.from(patchesAt(goldenArray(c.patch_coords!.split(' ')[0]).data as Int32Array, kernel))).toEqual(Array.from(raw));
      const white = zcaWhiten(raw, filters, channels * kernel * kernel);
      expect(maxScaledError(white, w.data)).toBeLessThan(1e-4);
    });
  }

  it('reproduces the paper-style pool whitening and pick', () => {
    const w = goldenArray('w_emp_paper_c3_f16_k3_pool500');
    const [, channels, kernel] = w.shape;
    const coords = goldenArray('emp_paper_pool500_coords').data as Int32Array;
    const pick = goldenArray('emp_paper_pool500_pick').data as Int32Array;
    const dim = channels * kernel * kernel;
    const white = zcaWhiten(patchesAt(coords, kernel), coords.length / 3, dim);
    const picked = new Float64Array(pick.length * dim);
    pick.forEach((row, f) => picked.set(white.subarray(row * dim, (row + 1) * dim), f * dim));
    expect(maxScaledError(picked, w.data)).toBeLessThan(1e-4);
  });

  it('is P·(Σ+εI)⁻¹: multiplying back by Σ+εI returns the normalised patches', () => {
    const rng = new SeededRandom(3);
    const count = 50;
    const dim = 12;
    const raw = Float64Array.from({ length: count * dim }, () => rng.nextNormal());
    const white = zcaWhiten(raw, count, dim);
    // Normalise as the spec says, then check white·A = p row by row.
    const p = new Float64Array(raw);
    for (let n = 0; n < count; n++) {
      const row = p.subarray(n * dim, (n + 1) * dim);
      const mean = row.reduce((a, b) => a + b, 0) / dim;
      row.forEach((v, i) => (row[i] = v - mean));
      const norm = Math.hypot(...row);
      row.forEach((v, i) => (row[i] = v / norm));
    }
    const a = new Float64Array(dim * dim);
    for (let n = 0; n < count; n++)
      for (let i = 0; i < dim; i++) for (let j = 0; j < dim; j++) a[i * dim + j] += (p[n * dim + i] * p[n * dim + j]) / count;
    for (let i = 0; i < dim; i++) a[i * dim + i] += 1e-3;
    for (let n = 0; n < count; n++)
      for (let j = 0; j < dim; j++) {
        let s = 0;
        for (let i = 0; i < dim; i++) s += white[n * dim + i] * a[i * dim + j];
        expect(s).toBeCloseTo(p[n * dim + j], 10);
      }
  });
});

describe('patch sampling', () => {
  it('reaches every valid offset, including H−k and W−k', () => {
    const rng = new SeededRandom(1);
    const coords = drawPatchCoords(rng, [{ height: 6, width: 5 }], 3, 4000);
    const seen = new Set(coords.map((c) => `${c.y},${c.x}`));
    expect(seen.size).toBe(4 * 3);
    expect(Math.max(...coords.map((c) => c.y))).toBe(3);
    expect(Math.max(...coords.map((c) => c.x))).toBe(2);
  });

  it('draws sources in proportion to their number of offsets', () => {
    const rng = new SeededRandom(2);
    const coords = drawPatchCoords(
      rng,
      [
        { height: 12, width: 12 },
        { height: 32, width: 32 },
      ],
      3,
      20000,
    );
    const share = coords.filter((c) => c.source === 1).length / coords.length;
    expect(share).toBeCloseTo((30 * 30) / (30 * 30 + 10 * 10), 1);
  });

  it('refuses patches that touch nodata', () => {
    const image = { data: new Float32Array(3 * 4 * 4).fill(1), channels: 3, height: 4, width: 4 };
    image.data[2 * 16 + 3 * 4 + 3] = NaN; // band 2, pixel (3, 3)
    const out = new Float32Array(27);
    expect(extractPatch(image, 1, 1, 3, out, 0)).toBe(false);
    expect(extractPatch(image, 0, 0, 3, out, 0)).toBe(true);
  });

  it('picks without replacement', () => {
    const picked = pickWithoutReplacement(new SeededRandom(9), 100, 100);
    expect(new Set(picked).size).toBe(100);
    expect(() => pickWithoutReplacement(new SeededRandom(9), 3, 4)).toThrow();
  });
});
