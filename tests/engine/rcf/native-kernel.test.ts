// Fused native RCF kernel vs a float64 TypeScript reference and the golden
// vectors, on every instruction-set path this CPU supports.
import { describe, it, expect } from 'vitest';
import {
  accumulateRows,
  accumulateRowsSync,
  nativeKernelAvailable,
  nativeKernelIsa,
  nativeKernelLoadError,
  prepareBank,
  type NativeKernelIsa,
  type PreparedBank,
} from '../../../electron/engine/rcf/native-kernel.js';
import { makeProblem, rng, type Problem } from '../../helpers/kernel-problems.js';
import { goldenRun, manifest, worstGoldenError } from '../../helpers/golden.js';
import { meanFeatures } from '../../../shared/rcf/cell-sums.js';

const available = nativeKernelAvailable();

const ORDER: NativeKernelIsa[] = ['generic', 'avx2', 'avx512'];
const isas: NativeKernelIsa[] = available ? ORDER.slice(0, ORDER.indexOf(nativeKernelIsa()) + 1) : [];

/** Straightforward float64 reference of accumulateRows. */
function reference(p: Problem, mask: Uint8Array | null, row0: number, row1: number): [Float64Array, Float64Array] {
  const { C, k, F, H, W } = p;
  const outW = W - k + 1;
  const pos = new Float64Array(F);
  const neg = new Float64Array(F);
  for (let i = row0; i < row1; i++) {
    for (let j = 0; j < outW; j++) {
      if (mask && !mask[i * outW + j]) continue;
      for (let f = 0; f < F; f++) {
        let c = 0;
        for (let ch = 0; ch < C; ch++)
          for (let u = 0; u < k; u++)
            for (let v = 0; v < k; v++) c += p.weights[((f * C + ch) * k + u) * k + v] * p.image[(ch * H + i + u) * W + j + v];
        pos[f] += Math.max(c + p.biasPos[f], 0);
        neg[f] += Math.max(-c + p.biasNeg[f], 0);
      }
    }
  }
  return [pos, neg];
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  let worst = 0;
  let at = -1;
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const a = actual[i];
    const err = Number.isNaN(e) ? (Number.isNaN(a) ? 0 : Infinity) : Math.abs(a - e) / Math.max(1, Math.abs(e));
    if (!(err <= worst)) {
      worst = err;
      at = i;
    }
  }
  expect(worst, `${what}: worst relative error at [${at}]: got ${actual[at]}, expected ${expected[at]}`).toBeLessThanOrEqual(1e-4);
}

function bankFor(p: Problem, isa: NativeKernelIsa): PreparedBank {
  return prepareBank({ weights: p.weights, filters: p.F, channels: p.C, kernel: p.k, biasPos: p.biasPos, biasNeg: p.biasNeg, isa });
}

// [C, k, F2, H, W]: widths not multiples of the tiles (6, 8, 12 positions),
// runs shorter than a tile, rows longer than one 512-position run, filter
// counts that are not multiples of 8/16/64.
const SHAPES: [number, number, number, number, number][] = [
  [1, 3, 1, 9, 17],
  [3, 3, 5, 14, 23],
  [4, 3, 16, 11, 29],
  [4, 4, 33, 10, 31],
  [13, 3, 256, 7, 21],
  [3, 5, 33, 9, 8],
  [1, 4, 16, 6, 5],
  [4, 5, 256, 8, 19],
  [3, 3, 80, 5, 1100],
  [13, 5, 5, 9, 40],
];

// The build (npm test runs it first) must have produced the addon: fail, never skip.
it('the native kernel is built and loads', () => {
  expect(available, nativeKernelLoadError()).toBe(true);
});

describe('native RCF kernel', () => {
  it('reports an instruction set', () => {
    expect(ORDER).toContain(nativeKernelIsa());
  });

  for (const isa of isas) {
    describe(`isa ${isa}`, () => {
      it('matches the float64 reference on random shapes, with and without a mask', () => {
        SHAPES.forEach(([C, k, F, H, W], n) => {
          const p = makeProblem(C, k, F, H, W, 100 + n);
          const bank = bankFor(p, isa);
          const outH = H - k + 1;
          const outW = W - k + 1;
          const rand = rng(7 + n);
          const mask = new Uint8Array(outH * outW).map(() => (rand() < 0.7 ? 1 : 0));
          const row0 = outH > 2 ? 1 : 0;
          const cases: [Uint8Array | null, number, number][] = [
            [null, 0, outH],
            [mask, 0, outH],
            [mask, row0, outH - (outH > 3 ? 1 : 0)],
          ];
          for (const [m, r0, r1] of cases) {
            const pos = new Float64Array(F);
            const neg = new Float64Array(F);
            accumulateRowsSync(bank, p.image, H, W, m, r0, r1, pos, neg);
            const [ePos, eNeg] = reference(p, m, r0, r1);
            const what = `${isa} C=${C} k=${k} F2=${F} ${H}x${W} rows ${r0}..${r1} mask=${m ? 'yes' : 'no'}`;
            expectClose(pos, ePos, `${what} pos`);
            expectClose(neg, eNeg, `${what} neg`);
          }
        });
      });

      it('adds to the outputs and skips fully masked rows', () => {
        const p = makeProblem(4, 3, 33, 12, 20, 5);
        const bank = bankFor(p, isa);
        const outW = p.W - 2;
        const pos = new Float64Array(p.F).fill(10);
        const neg = new Float64Array(p.F).fill(-3);
        const mask = new Uint8Array(10 * outW).fill(1);
        mask.fill(0, 2 * outW, 5 * outW);
        accumulateRowsSync(bank, p.image, p.H, p.W, mask, 0, 10, pos, neg);
        const [ePos, eNeg] = reference(p, mask, 0, 10);
        expectClose(
          pos,
          ePos.map((v) => v + 10),
          'pos',
        );
        expectClose(
          neg,
          eNeg.map((v) => v - 3),
          'neg',
        );

        const zero = new Float64Array(p.F);
        const zeroNeg = new Float64Array(p.F);
        accumulateRowsSync(bank, p.image, p.H, p.W, new Uint8Array(10 * outW), 0, 10, zero, zeroNeg);
        accumulateRowsSync(bank, p.image, p.H, p.W, null, 4, 4, zero, zeroNeg);
        expect([...zero, ...zeroNeg].every((v) => v === 0)).toBe(true);
      });

      it('runs two row ranges concurrently and asynchronously', async () => {
        const p = makeProblem(13, 3, 100, 40, 61, 9);
        const bank = bankFor(p, isa);
        const outH = p.H - 2;
        const half = 17;
        const outs = [0, 1].map(() => [new Float64Array(p.F), new Float64Array(p.F)]);
        await Promise.all([
          accumulateRows(bank, p.image, p.H, p.W, null, 0, half, outs[0][0], outs[0][1]),
          accumulateRows(bank, p.image, p.H, p.W, null, half, outH, outs[1][0], outs[1][1]),
        ]);
        const [aPos, aNeg] = reference(p, null, 0, half);
        const [bPos, bNeg] = reference(p, null, half, outH);
        expectClose(outs[0][0], aPos, 'first half pos');
        expectClose(outs[0][1], aNeg, 'first half neg');
        expectClose(outs[1][0], bPos, 'second half pos');
        expectClose(outs[1][1], bNeg, 'second half neg');
      });
    });
  }

  it('throws clear errors on mismatched arguments', async () => {
    const p = makeProblem(3, 3, 4, 8, 8, 1);
    const bank = bankFor(p, 'generic');
    const out = () => new Float64Array(4);
    expect(() => prepareBank({ ...p, filters: 4, channels: 3, kernel: 3, weights: new Float32Array(5) })).toThrow(/weights has 5 values/);
    expect(() =>
      prepareBank({ weights: p.weights, filters: 4, channels: 3, kernel: 3, biasPos: new Float32Array(3), biasNeg: p.biasNeg }),
    ).toThrow(/biasPos\/biasNeg/);
    expect(() => accumulateRowsSync(bank, new Float32Array(10), 8, 8, null, 0, 6, out(), out())).toThrow(/image has 10 values/);
    expect(() => accumulateRowsSync(bank, p.image, 8, 8, new Uint8Array(35), 0, 6, out(), out())).toThrow(/mask has 35 values/);
    expect(() => accumulateRowsSync(bank, p.image, 8, 8, null, 0, 7, out(), out())).toThrow(/row1/);
    expect(() => accumulateRowsSync(bank, p.image, 8, 8, null, 0, 6, new Float64Array(3), out())).toThrow(/outPos\/outNeg/);
    expect(() => accumulateRowsSync(bank, p.image, 2, 96, null, 0, 1, out(), out())).toThrow(/smaller than the 3x3 kernel/);
    await expect(
      accumulateRows(bank, p.image, 8, 8, null, 0, 6, new Float64Array(4), new Float32Array(4) as unknown as Float64Array),
    ).rejects.toThrow(/Float64Arrays/);
  });
});

// ---------------------------------------------------------------------------
// Golden vectors (torchgeo / paper conventions, NaN policies).

describe('native RCF kernel: golden vectors', () => {
  for (const isa of isas) {
    for (const c of manifest.cases) {
      it(`${isa}: ${c.id}`, () => {
        const run = goldenRun(c);
        const bank = prepareBank({ ...run, isa });
        const pos = new Float64Array(run.filters);
        const neg = new Float64Array(run.filters);
        const { cell } = run;
        accumulateRowsSync(bank, cell.image.data, cell.image.height, cell.image.width, cell.mask, 0, cell.outputRows, pos, neg);
        expect(run.finiteWindows).toBe(c.num_valid_windows);
        expect(worstGoldenError(meanFeatures(pos, neg, cell.validWindows), c.expected)).toBeLessThanOrEqual(1);
      });
    }
  }
});
