/**
 * Featurizer backends: who computes the relu sums of a cell's rows.
 *
 * - `cpu`: the fused native kernel (AVX-512 / AVX2 / portable C), run on
 *   libuv's thread pool so several row ranges compute at once.
 * - `webgpu`: the fused WGSL kernel through Dawn (the `webgpu` package), on any
 *   GPU with a Vulkan, Metal or D3D12 driver (or Mesa's lavapipe in software).
 * - `reference`: the plain TypeScript specification; slow, always there.
 *
 * `auto` is the native CPU kernel (falling back to `reference` if it is not
 * built, and saying so); it does not pick a GPU yet.
 */
import { availableParallelism } from 'node:os';
import { accumulateRowsReference, type CellImage } from '../../../shared/rcf/cell-sums.js';
import type { FilterBank } from '../../../shared/rcf/features.js';
import { nativeKernelAvailable, nativeKernelIsa, prepareBank, accumulateRows } from './native-kernel.js';

export type BackendName = 'cpu' | 'webgpu' | 'reference';
export const BACKEND_CHOICES = ['auto', 'cpu', 'webgpu', 'reference'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** A filter bank bound to a backend, ready to run cells. */
export interface BoundKernel {
  backend: BackendName;
  /** Human-readable device, e.g. "CPU (avx512, 2 threads)". */
  device: string;
  threads: number;
  /** Adds the relu sums of output rows [row0, row1) of `image` to outPos/outNeg. */
  run(image: CellImage, mask: Uint8Array | null, row0: number, row1: number, outPos: Float64Array, outNeg: Float64Array): Promise<void>;
  /** Releases the device, if any (a GPU device would keep the process alive). */
  close(): Promise<void>;
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
export async function bindKernel(
  bank: FilterBank,
  biasPos: Float32Array,
  biasNeg: Float32Array,
  choice: BackendChoice,
  threads: number,
  notice: (message: string) => void = () => {},
): Promise<BoundKernel> {
  if (choice === 'webgpu') return bindWebgpu(bank, biasPos, biasNeg);
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
      close: async () => {},
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
    close: async () => {},
  };
}

/** The WebGPU kernel; Dawn is loaded only here, so CPU runs never depend on it. */
async function bindWebgpu(bank: FilterBank, biasPos: Float32Array, biasNeg: Float32Array): Promise<BoundKernel> {
  const gpu = await import('./webgpu/kernel.js');
  const available = await gpu.webgpuAvailable();
  if (!available.ok) throw new BackendError(`--backend webgpu: ${available.reason}`);
  const prepared = await gpu.prepareWebgpuBank({ ...bank, biasPos, biasNeg });
  return {
    backend: 'webgpu',
    device: `GPU (${available.adapter}${available.isFallback ? ', software' : ''}; WebGPU through Dawn)`,
    // Two calls in flight keep the GPU busy while the next cell is prepared.
    threads: 2,
    run: (image, mask, row0, row1, outPos, outNeg) =>
      gpu.accumulateRowsWebgpu(prepared, image.data, image.height, image.width, mask, row0, row1, outPos, outNeg),
    close: () => gpu.closeWebgpu(),
  };
}
