/**
 * Gaussian ("RCF–Gaussian") filters, as the Planetary Computer example uses:
 * every weight N(0, 1), drawn in [F2, C, k, k] order from `SeededRandom`.
 *
 * They are not torchgeo's exact numbers (torch's RNG is not reproduced); to get
 * those, save `model.weights` with NumPy and load the `.npy` file.
 */
import { SeededRandom } from './random.js';

export function gaussianWeights(filters: number, channels: number, kernel: number, seed: number): Float32Array {
  const rng = new SeededRandom(seed);
  const weights = new Float32Array(filters * channels * kernel * kernel);
  for (let i = 0; i < weights.length; i++) weights[i] = rng.nextNormal();
  return weights;
}
