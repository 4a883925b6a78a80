/**
 * Featurizer backends: who computes the relu sums of a cell's rows.
 *
 * - `cpu`: the fused native kernel (AVX-512 / AVX2 / portable C), run on
 *   libuv's thread pool so several row ranges compute at once.
 * - `reference`: the plain TypeScript specification; slow, always there.
 *
 * `auto` picks the fastest available and says what it picked.
 */
import { availableParallelism } from 'node:os';
import { accumulateRowsReference, type CellImage } from '../../../shared/rcf/cell-sums.js';
import type { FilterBank } from '../../../shared/rcf/features.js';
import { nativeKernelAvailable, nativeKernelIsa, prepareBank, accumulateRows } from './native-kernel.js';

export type BackendName = 'cpu' | 'reference';
export const BACKEND_CHOICES = ['auto', 'cpu', 'reference'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** A filter bank bound to a backend, ready to run cells. */
export interface BoundKernel {
  backend: BackendName;
  /** Human-readable device, e.g. "CPU (avx512, 2 threads)". */
  device: string;
  threads: number;
  /** Adds the relu sums of output rows [row0, row1) of `image` to outPos/outNeg. */
  run(image: CellImage, mask: Uint8Array | null, row0: number, row1: number, outPos: Float64Array, outNeg: Float64Array): Promise<void>;
}

export class BackendError extends Error {
  override name = 'BackendError';
}

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

/**
 * Binds a bank to a backend. `notice` receives a one-line message when `auto`
 * or `cpu` cannot use what was asked for and falls back.
 */
export function bindKernel(
  bank: FilterBank,
  biasPos: Float32Array,
  biasNeg: Float32Array,
  choice: BackendChoice,
  threads: number,
  notice: (message: string) => void = () => {},
): BoundKernel {
  let backend: BackendName = choice === 'reference' ? 'reference' : 'cpu';
  if (backend === 'cpu' && !nativeKernelAvailable()) {
    if (choice === 'cpu') throw new BackendError('the native CPU kernel is not built (run `npm run build`); use --backend reference for the slow pure-JavaScript kernel');
    notice('the native CPU kernel is not built, so the slow pure-JavaScript reference kernel is used (run `npm run build`)');
    backend = 'reference';
  }
  if (backend === 'cpu') {
    const prepared = prepareBank({ ...bank, biasPos, biasNeg });
    return {
      backend,
      device: `CPU (${nativeKernelIsa()}, ${threads} thread${threads === 1 ? '' : 's'})`,
      threads,
      run: (image, mask, row0, row1, outPos, outNeg) =>
        accumulateRows(prepared, image.data, image.height, image.width, mask, row0, row1, outPos, outNeg),
    };
  }
  return {
    backend,
    device: 'CPU (JavaScript reference, 1 thread)',
    threads: 1,
    run: async (image, mask, row0, row1, outPos, outNeg) => {
      if (image.channels !== bank.channels) throw new BackendError(`image has ${image.channels} bands, filters expect ${bank.channels}`);
      accumulateRowsReference(bank.weights, bank.filters, bank.kernel, biasPos, biasNeg, image, mask, row0, row1, outPos, outNeg);
    },
  };
}
