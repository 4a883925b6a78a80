// TypeScript face of the fused native RCF kernel (electron/engine/rcf/native).
//
// One call computes, for every valid output position of a row range, the
// valid cross-correlation of the image with every filter, adds the biases,
// applies the two-sided ReLU and adds the per-filter sums into float64
// outputs, without ever building the [filters x positions] activation map.
// The addon is optional: nativeKernelAvailable() is false when it is not built.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { packageRoot } from '../app-version.js';

export interface FilterBankSpec {
  /** [filters, channels, kernel, kernel] row-major. */
  weights: Float32Array;
  filters: number;
  channels: number;
  kernel: number;
  /** Added to the correlation before the positive ReLU. */
  biasPos: Float32Array;
  /** Added to the negated correlation before the negative ReLU. */
  biasNeg: Float32Array;
  /** Force a lower instruction set (tests and benchmarks); default: the best the CPU has. */
  isa?: NativeKernelIsa;
}

export type NativeKernelIsa = 'avx512' | 'avx2' | 'generic';

export interface PreparedBank {
  readonly filters: number;
  readonly channels: number;
  readonly kernel: number;
  /** The instruction set the weights were laid out for. */
  readonly isa: NativeKernelIsa;
}

interface NativeAddon {
  isa(): string;
  prepare(
    weights: Float32Array,
    filters: number,
    channels: number,
    kernel: number,
    biasPos: Float32Array,
    biasNeg: Float32Array,
    isa?: string,
  ): unknown;
  accumulate(...args: AccumulateArgs): Promise<void>;
  accumulateSync(...args: AccumulateArgs): void;
}

type AccumulateArgs = [
  bank: unknown,
  image: Float32Array,
  height: number,
  width: number,
  mask: Uint8Array | null,
  row0: number,
  row1: number,
  outPos: Float64Array,
  outNeg: Float64Array,
];

let addon: NativeAddon | null = null;
let loadError = 'not loaded';

function load(): void {
  let root: string;
  try {
    root = packageRoot();
  } catch (err) {
    loadError = (err as Error).message;
    return;
  }
  const file = join(root, 'dist', 'native', 'rcf_kernel.node');
  if (!existsSync(file)) {
    loadError = `${file} not found; run npm run build:native`;
    return;
  }
  try {
    addon = createRequire(import.meta.url)(file) as NativeAddon;
  } catch (err) {
    loadError = `${file} failed to load: ${err instanceof Error ? err.message : String(err)}`;
  }
}
load();

function requireAddon(): NativeAddon {
  if (!addon) throw new Error(`RCF native kernel unavailable: ${loadError}`);
  return addon;
}

export function nativeKernelAvailable(): boolean {
  return addon !== null;
}

/** Why the addon is unavailable (for logs); empty when it loaded. */
export function nativeKernelLoadError(): string {
  return addon ? '' : loadError;
}

/** The best instruction set the kernel dispatches to on this CPU. */
export function nativeKernelIsa(): NativeKernelIsa {
  return requireAddon().isa() as NativeKernelIsa;
}

class NativeBank implements PreparedBank {
  readonly filters: number;
  readonly channels: number;
  readonly kernel: number;
  readonly isa: NativeKernelIsa;
  /** Native External owning the re-laid-out weights; freed by the GC. */
  readonly handle: unknown;

  constructor(spec: FilterBankSpec, handle: unknown, isa: NativeKernelIsa) {
    this.filters = spec.filters;
    this.channels = spec.channels;
    this.kernel = spec.kernel;
    this.isa = isa;
    this.handle = handle;
  }
}

/** Re-lays out (and pads) the weights once; reuse the bank for many cells. */
export function prepareBank(spec: FilterBankSpec): PreparedBank {
  const native = requireAddon();
  const handle = native.prepare(spec.weights, spec.filters, spec.channels, spec.kernel, spec.biasPos, spec.biasNeg, spec.isa);
  return new NativeBank(spec, handle, spec.isa ?? (native.isa() as NativeKernelIsa));
}

function handleOf(bank: PreparedBank): unknown {
  if (!(bank instanceof NativeBank)) throw new TypeError('accumulateRows: bank must come from prepareBank()');
  return bank.handle;
}

/**
 * Adds, for output rows [row0, row1) of the (height-k+1) x (width-k+1) valid
 * grid and every position whose mask byte is non-zero (mask null = all),
 * max(c + biasPos, 0) into outPos and max(-c + biasNeg, 0) into outNeg.
 * Runs on the libuv thread pool; do not touch the arrays until it settles.
 * Calls on different row ranges with separate out arrays run in parallel.
 */
export function accumulateRows(
  bank: PreparedBank,
  image: Float32Array,
  height: number,
  width: number,
  mask: Uint8Array | null,
  row0: number,
  row1: number,
  outPos: Float64Array,
  outNeg: Float64Array,
): Promise<void> {
  try {
    return requireAddon().accumulate(handleOf(bank), image, height, width, mask, row0, row1, outPos, outNeg);
  } catch (err) {
    return Promise.reject(err);
  }
}

/** Synchronous accumulateRows (blocks the calling thread). */
export function accumulateRowsSync(
  bank: PreparedBank,
  image: Float32Array,
  height: number,
  width: number,
  mask: Uint8Array | null,
  row0: number,
  row1: number,
  outPos: Float64Array,
  outNeg: Float64Array,
): void {
  requireAddon().accumulateSync(handleOf(bank), image, height, width, mask, row0, row1, outPos, outNeg);
}
