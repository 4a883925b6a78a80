// The 17 golden cases through the pure TypeScript reference kernel.
import { describe, it, expect } from 'vitest';
import { manifest, goldenRun, worstGoldenError } from '../../helpers/golden.js';
import { accumulateRowsReference, meanFeatures } from '../../../shared/rcf/cell-sums.js';

describe('reference kernel against the golden vectors', () => {
  it('has all 17 cases', () => {
    expect(manifest.cases).toHaveLength(17);
  });

  for (const c of manifest.cases) {
    it(c.id, () => {
      const run = goldenRun(c);
      const pos = new Float64Array(run.filters);
      const neg = new Float64Array(run.filters);
      const { cell } = run;
      accumulateRowsReference(
        run.weights,
        run.filters,
        run.kernel,
        run.biasPos,
        run.biasNeg,
        cell.image,
        cell.mask,
        0,
        cell.outputRows,
        pos,
        neg,
      );
      expect(worstGoldenError(meanFeatures(pos, neg, cell.validWindows), c.expected)).toBeLessThanOrEqual(1);
      expect(run.finiteWindows).toBe(c.num_valid_windows);
    });
  }
});
