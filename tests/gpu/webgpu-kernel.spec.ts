// The fused WebGPU RCF kernel vs the float64 specification
// (accumulateRowsReference) and the golden vectors. Needs a WebGPU adapter
// (a GPU, or lavapipe from .ci/install-lavapipe) and FAILS without one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { accumulateRowsReference, meanFeatures } from '../../shared/rcf/cell-sums.js';
import { goldenRun, manifest, worstGoldenError } from '../helpers/golden.js';
import {
  accumulateRowsWebgpu,
  closeWebgpu,
  prepareWebgpuBank,
  webgpuAvailable,
  type WebgpuBank,
} from '../../electron/engine/rcf/webgpu/kernel.js';
import { makeProblem, rng, type Problem } from '../helpers/kernel-problems.js';

function reference(p: Problem, mask: Uint8Array | null, row0: number, row1: number): [Float64Array, Float64Array] {
  const pos = new Float64Array(p.F);
  const neg = new Float64Array(p.F);
  const image = { data: p.image, channels: p.C, height: p.H, width: p.W };
  accumulateRowsReference(p.weights, p.F, p.k, p.biasPos, p.biasNeg, image, mask, row0, row1, pos, neg);
  return [pos, neg];
}

function worstError(actual: ArrayLike<number>, expected: ArrayLike<number>): { worst: number; at: number } {
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
  return { worst, at };
}

let overallWorst = 0;
function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, what: string): void {
  expect(actual.length, what).toBe(expected.length);
  const { worst, at } = worstError(actual, expected);
  overallWorst = Math.max(overallWorst, worst);
  expect(worst, `${what}: worst relative error at [${at}]: got ${actual[at]}, expected ${expected[at]}`).toBeLessThanOrEqual(1e-4);
}

function bankFor(p: Problem): Promise<WebgpuBank> {
  return prepareWebgpuBank({ weights: p.weights, filters: p.F, channels: p.C, kernel: p.k, biasPos: p.biasPos, biasNeg: p.biasNeg });
}

let adapter = '';
beforeAll(async () => {
  const a = await webgpuAvailable();
  if (!a.ok)
    throw new Error(`no WebGPU adapter, so the WebGPU kernel cannot be tested: ${a.reason}. Run .ci/install-lavapipe (as root) first.`);
  adapter = `${a.adapter}${a.isFallback ? ' (software/fallback)' : ''}`;
  console.log(`WebGPU adapter: ${adapter}`);
});
afterAll(async () => {
  console.log(`WebGPU kernel: worst |d|/max(1,|v|) over all checks = ${overallWorst.toExponential(2)}`);
  await closeWebgpu();
});

// [C, k, F2, H, W]: F2 not a multiple of the filter block (16) and below it,
// widths not a multiple of the 64-column tile, more than one 16-row band, k 3..7.
const SHAPES: [number, number, number, number, number][] = [
  [1, 3, 1, 9, 17],
  [3, 3, 5, 14, 23],
  [4, 3, 16, 11, 29],
  [4, 4, 33, 10, 31],
  [13, 3, 256, 20, 70],
  [3, 5, 33, 9, 8],
  [1, 4, 16, 6, 5],
  [4, 5, 100, 40, 19],
  [3, 3, 80, 5, 1100],
  [13, 5, 5, 9, 40],
  [6, 7, 12, 37, 131],
  [4, 3, 4096, 22, 40],
];

describe('WebGPU RCF kernel', () => {
  it('reports an adapter', () => {
    expect(adapter.length).toBeGreaterThan(0);
  });

  SHAPES.forEach(([C, k, F, H, W], n) => {
    it(`matches the float64 reference: C=${C} k=${k} F2=${F} ${H}x${W}`, async () => {
      const p = makeProblem(C, k, F, H, W, 100 + n);
      const bank = await bankFor(p);
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
        await accumulateRowsWebgpu(bank, p.image, H, W, m, r0, r1, pos, neg);
        const [ePos, eNeg] = reference(p, m, r0, r1);
        const what = `C=${C} k=${k} F2=${F} ${H}x${W} rows ${r0}..${r1} mask=${m ? 'yes' : 'no'}`;
        expectClose(pos, ePos, `${what} pos`);
        expectClose(neg, eNeg, `${what} neg`);
      }
    });
  });

  it('adds to the outputs, skips masked rows and runs concurrent calls', async () => {
    const p = makeProblem(4, 3, 33, 40, 20, 5);
    const bank = await bankFor(p);
    const outH = p.H - 2;
    const outW = p.W - 2;
    const mask = new Uint8Array(outH * outW).fill(1);
    mask.fill(0, 2 * outW, 5 * outW);
    const pos = new Float64Array(p.F).fill(10);
    const neg = new Float64Array(p.F).fill(-3);
    const a = [new Float64Array(p.F), new Float64Array(p.F)];
    await Promise.all([
      accumulateRowsWebgpu(bank, p.image, p.H, p.W, mask, 0, 17, pos, neg),
      accumulateRowsWebgpu(bank, p.image, p.H, p.W, mask, 17, outH, a[0], a[1]),
    ]);
    const [ePos, eNeg] = reference(p, mask, 0, 17);
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
    const [bPos, bNeg] = reference(p, mask, 17, outH);
    expectClose(a[0], bPos, 'second range pos');
    expectClose(a[1], bNeg, 'second range neg');

    const zero = new Float64Array(p.F);
    const zeroNeg = new Float64Array(p.F);
    await accumulateRowsWebgpu(bank, p.image, p.H, p.W, new Uint8Array(outH * outW), 0, outH, zero, zeroNeg);
    await accumulateRowsWebgpu(bank, p.image, p.H, p.W, null, 4, 4, zero, zeroNeg);
    expect([...zero, ...zeroNeg].every((v) => v === 0)).toBe(true);
  });

  it('throws clear errors on mismatched arguments', async () => {
    const p = makeProblem(3, 3, 4, 8, 8, 1);
    const bank = await bankFor(p);
    const out = () => new Float64Array(4);
    await expect(
      prepareWebgpuBank({ weights: new Float32Array(5), filters: 4, channels: 3, kernel: 3, biasPos: p.biasPos, biasNeg: p.biasNeg }),
    ).rejects.toThrow(/weights has 5 values/);
    await expect(accumulateRowsWebgpu(bank, new Float32Array(10), 8, 8, null, 0, 6, out(), out())).rejects.toThrow(/image has 10 values/);
    await expect(accumulateRowsWebgpu(bank, p.image, 8, 8, new Uint8Array(35), 0, 6, out(), out())).rejects.toThrow(/mask has 35 values/);
    await expect(accumulateRowsWebgpu(bank, p.image, 8, 8, null, 0, 7, out(), out())).rejects.toThrow(/row1/);
    await expect(accumulateRowsWebgpu(bank, p.image, 8, 8, null, 0, 6, new Float64Array(3), out())).rejects.toThrow(/outPos\/outNeg/);
  });
});

// ---------------------------------------------------------------------------
// Golden vectors (the same cases as the reference and native kernels).

describe('WebGPU RCF kernel: golden vectors', () => {
  it('has all 17 golden cases', () => {
    expect(manifest.cases.length).toBe(17);
  });
  for (const c of manifest.cases) {
    it(c.id, async () => {
      const run = goldenRun(c);
      const bank = await prepareWebgpuBank(run);
      const pos = new Float64Array(run.filters);
      const neg = new Float64Array(run.filters);
      const { cell } = run;
      await accumulateRowsWebgpu(bank, cell.image.data, cell.image.height, cell.image.width, cell.mask, 0, cell.outputRows, pos, neg);
      expect(run.finiteWindows).toBe(c.num_valid_windows);
      expect(worstGoldenError(meanFeatures(pos, neg, cell.validWindows), c.expected)).toBeLessThanOrEqual(1);
    });
  }
});
