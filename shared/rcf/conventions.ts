/**
 * Activation conventions. Both are computed from ONE bias-free convolution c:
 * the kernel accumulates relu(c + biasPos[f]) and relu(−c + biasNeg[f]).
 *
 * - `torchgeo` (torchgeo RCF, Planetary Computer notebook, IDinsight):
 *   z = c + b; features relu(z) and relu(−z). Default b = −1.
 * - `paper` (Global-Policy-Lab/mosaiks-paper): relu(c − β) and relu(−c − β);
 *   the paper's configuration uses β = 0.
 *
 * Features are ordered [pos_0 … pos_{F2−1}, neg_0 … neg_{F2−1}] in both.
 */
export const CONVENTIONS = ['torchgeo', 'paper'] as const;
export type Convention = (typeof CONVENTIONS)[number];

/** The bias each convention uses when the user gives none. */
export function defaultBias(convention: Convention): number {
  return convention === 'torchgeo' ? -1 : 0;
}

/** Per-filter biases for the positive and negative halves. */
export function halfBiases(convention: Convention, bias: number, filters: number): { biasPos: Float32Array; biasNeg: Float32Array } {
  const biasPos = new Float32Array(filters);
  const biasNeg = new Float32Array(filters);
  if (convention === 'torchgeo') {
    biasPos.fill(bias);
    biasNeg.fill(-bias);
  } else {
    biasPos.fill(-bias);
    biasNeg.fill(-bias);
  }
  return { biasPos, biasNeg };
}
