/**
 * Featurizer backends: who computes the relu sums of a cell's rows.
 *
 * - `cpu`: the fused native kernel (AVX-512 / AVX2 / portable C), run on
 *   libuv's thread pool so several row ranges compute at once.
 * - `webgpu`: the fused WGSL kernel through Dawn (the `webgpu` package), on any
 *   GPU with a Vulkan, Metal or D3D12 driver (or Mesa's lavapipe in software).
 * - `reference`: the plain TypeScript specification; slow, always there.
 *
 * `auto` is the WebGPU kernel when Dawn offers a hardware GPU, else the native
 * CPU kernel (else `reference` if that is not built); every fallback is said in
 * one line through `notice`. Whether there is a hardware GPU is asked in a
 * child process and cached per machine (webgpu/probe.ts), so a CPU-only run
 * neither loads Dawn nor waits for it.
 */
import { availableParallelism } from 'node:os';
import { BACKENDS, runLabelOf, SettingError, type BackendChoice } from '../../../shared/run/index.js';
import { accumulateRowsReference, type CellImage } from '../../../shared/rcf/cell-sums.js';
import type { FilterBank } from '../../../shared/rcf/features.js';
import { nativeKernelAvailable, nativeKernelIsa, prepareBank, accumulateRows } from './native-kernel.js';
import { chooseAutoBackend } from './auto-backend.js';
import { probeWebgpu, type ProbeAnswer } from './webgpu/probe.js';

export type BackendName = 'cpu' | 'webgpu' | 'reference';
export { BACKENDS, type BackendChoice };

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

/** The chosen backend cannot run here; names the backend setting. */
export class BackendError extends SettingError {
  override name = 'BackendError';
  constructor(problem: string) {
    super('backend', problem, runLabelOf, 'backend');
  }
}

export function defaultThreads(): number {
  return Math.max(1, availableParallelism());
}

export interface BindOptions {
  /**
   * How `auto` learns which WebGPU adapter Dawn would give (default:
   * probeWebgpu(), i.e. the per-machine cache or a quiet child process).
   */
  probe?: () => Promise<ProbeAnswer>;
}

/**
 * Binds a bank to a backend. `notice` receives a one-line message when `auto`
 * or `cpu` cannot use what was asked for and falls back (for `auto`: no
 * hardware GPU, or the GPU failed to set up).
 */
export async function bindKernel(
  bank: FilterBank,
  biasPos: Float32Array,
  biasNeg: Float32Array,
  choice: BackendChoice,
  threads: number,
  notice: (message: string) => void = () => {},
  options: BindOptions = {},
): Promise<BoundKernel> {
  if (choice === 'webgpu') {
    try {
      return await bindWebgpu(bank, biasPos, biasNeg);
    } catch (err) {
      throw new BackendError(`webgpu: ${message(err)}`);
    }
  }
  if (choice === 'auto') {
    const gpu = await bindAutoGpu(bank, biasPos, biasNeg, options.probe ?? probeWebgpu, notice);
    if (gpu) return gpu;
  }
  let backend: BackendName = choice === 'reference' ? 'reference' : 'cpu';
  if (backend === 'cpu' && !nativeKernelAvailable()) {
    if (choice === 'cpu')
      throw new BackendError(
        'cpu: the native CPU kernel is not built (run `npm run build`); use {} reference for the slow pure-JavaScript kernel',
      );
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
      if (image.channels !== bank.channels) throw new Error(`image has ${image.channels} bands, filters expect ${bank.channels}`);
      accumulateRowsReference(bank.weights, bank.filters, bank.kernel, biasPos, biasNeg, image, mask, row0, row1, outPos, outNeg);
    },
    close: async () => {},
  };
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `auto`'s GPU half: the WebGPU kernel when the probe found a hardware adapter and it sets up, else null after a notice. */
async function bindAutoGpu(
  bank: FilterBank,
  biasPos: Float32Array,
  biasNeg: Float32Array,
  probe: () => Promise<ProbeAnswer>,
  notice: (message: string) => void,
): Promise<BoundKernel | null> {
  let answer: ProbeAnswer;
  try {
    answer = await probe();
  } catch (err) {
    answer = { adapter: null, reason: `the WebGPU probe failed: ${message(err)}` };
  }
  const choice = chooseAutoBackend(answer);
  if (choice.backend === 'cpu') {
    notice(choice.notice);
    return null;
  }
  try {
    return await bindWebgpu(bank, biasPos, biasNeg);
  } catch (err) {
    // A half-made device would keep the process alive.
    await import('./webgpu/kernel.js').then((gpu) => gpu.closeWebgpu()).catch(() => {});
    notice(`the GPU ${choice.adapter} could not be used (${message(err)}), using the CPU kernel`);
    return null;
  }
}

/** The WebGPU kernel; Dawn is loaded only here, so CPU runs never depend on it. Throws why it cannot run. */
async function bindWebgpu(bank: FilterBank, biasPos: Float32Array, biasNeg: Float32Array): Promise<BoundKernel> {
  const gpu = await import('./webgpu/kernel.js');
  const available = await gpu.webgpuAvailable();
  if (!available.ok) throw new Error(available.reason); // both callers say which backend it was
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
