// The 17 golden cases through the pure TypeScript reference kernel.
import { describe, it, expect } from 'vitest';
import { manifest, goldenArray, worstGoldenError } from '../../helpers/golden.js';
import { accumulateRowsReference, meanFeatures } from '../../../shared/rcf/cell-sums.js';
import { halfBiases } from '../../../shared/rcf/conventions.js';
import { prepareCell } from '../../../shared/rcf/features.js';

describe('reference kernel against the golden vectors', () => {
  it('has all 17 cases', () => {
    expect(manifest.cases).toHaveLength(17);
  });

  for (const c of manifest.cases) {
    it(c.id, () => {
      const w = goldenArray(c.weights);
      const [filters, channels, kernel] = w.shape;
      const input = goldenArray(c.input);
      const [, height, width] = input.shape;
      const image = { data: Float32Array.from(input.data), channels, height, width };
      const cell = prepareCell(image, kernel, c.nan_policy);
      const { biasPos, biasNeg } = halfBiases(c.convention, c.bias, filters);
      const pos = new Float64Array(filters);
      const neg = new Float64Array(filters);
      accumulateRowsReference(w.data as Float32Array, filters, kernel, biasPos, biasNeg, cell.image, cell.mask, 0, cell.outputRows, pos, neg);
      const features = meanFeatures(pos, neg, cell.validWindows);
      expect(worstGoldenError(features, c.expected)).toBeLessThanOrEqual(1);
      // The manifest counts windows with all-finite pixels, whatever the policy.
      expect(Math.round(cell.validFraction * (height - kernel + 1) * (width - kernel + 1))).toBe(c.num_valid_windows);
    });
  }
});
