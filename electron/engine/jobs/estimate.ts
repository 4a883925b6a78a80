/**
 * Time and memory a run will take, before it starts.
 *
 * Time: the convolution windows of every selected cell times the work per
 * window (K/2 filters · C · k² multiply-adds, twice for the two halves' ReLU
 * sums counted as one FMA each), divided by a rate measured here and now: the
 * chosen backend runs the same filter shape on a small synthetic image
 * (cached per shape and backend). Reading and decoding are not in it, so a
 * heavily compressed raster takes somewhat longer.
 *
 * Memory: the plan's peak (RunPlan.memoryBytes, planMemory in plan.ts): the
 * strips of pixels (in column chunks on wide rasters), the cells prepared for
 * the kernel, the filters and the sums, plus the process's baseline; a plan
 * over LIMITS.runMemoryBytes is refused before it gets here.
 */
import type { CellList } from '../../../shared/grid/cells.js';
import { halfBiases } from '../../../shared/rcf/conventions.js';
import { SeededRandom } from '../../../shared/rcf/random.js';
import type { RunSettings } from '../../../shared/run/index.js';
import { bindKernel, defaultThreads, type BackendChoice } from '../rcf/backends.js';
import type { RunPlan } from './plan.js';

export interface RunEstimate {
  cells: number;
  windows: number;
  flops: number;
  gflopsPerSecond: number;
  /** The backend the calibration ran on (auto resolves to one). */
  backend: string;
  seconds: number;
  bytes: number;
}

export interface EstimateInput {
  /** Per raster: the cells to featurize. */
  rasters: { cells: CellList }[];
  filters: number;
  channels: number;
  kernel: number;
  /** The planned peak memory (RunPlan.memoryBytes). */
  bytes: number;
  backend: BackendChoice;
  threads: number;
}

const rates = new Map<string, Promise<{ gflops: number; backend: string }>>();

export async function estimateRun(input: EstimateInput): Promise<RunEstimate> {
  const { filters, channels, kernel: k } = input;
  let cells = 0;
  let windows = 0;
  for (const r of input.rasters) {
    cells += r.cells.length;
    for (const c of r.cells) windows += Math.max(0, c.width - k + 1) * Math.max(0, c.height - k + 1);
  }
  // One FMA = 2 flops, for each of the K/2 filters, C·k² taps, per window.
  const flops = windows * filters * channels * k * k * 2;
  const rate = await calibrate(filters, channels, k, input.backend, input.threads);
  const { bytes } = input;
  return { cells, windows, flops, gflopsPerSecond: rate.gflops, backend: rate.backend, seconds: flops / (rate.gflops * 1e9), bytes };
}

/** GFLOP/s of the backend on this filter shape: a 96-row synthetic image, best of three. */
function calibrate(
  filters: number,
  channels: number,
  k: number,
  backend: BackendChoice,
  threads: number,
): Promise<{ gflops: number; backend: string }> {
  const key = `${filters}:${channels}:${k}:${backend}:${threads}`;
  let rate = rates.get(key);
  if (!rate) {
    rate = measure(filters, channels, k, backend, threads);
    rates.set(key, rate);
    rate.catch(() => rates.delete(key));
  }
  return rate;
}

async function measure(
  filters: number,
  channels: number,
  k: number,
  backend: BackendChoice,
  threads: number,
): Promise<{ gflops: number; backend: string }> {
  const random = new SeededRandom(1);
  const weights = Float32Array.from({ length: filters * channels * k * k }, () => random.nextNormal());
  const { biasPos, biasNeg } = halfBiases('torchgeo', -1, filters);
  const bound = await bindKernel({ weights, filters, channels, kernel: k }, biasPos, biasNeg, backend, threads);
  try {
    const width = 128;
    // Enough rows that every thread has work, and small enough to take well under a second at K = 8192.
    const height = Math.max(k + 8, Math.min(96, Math.ceil(4e9 / (filters * channels * k * k * 2 * width))));
    const data = Float32Array.from({ length: channels * height * width }, () => random.nextDouble());
    const image = { data, channels, height, width };
    const outRows = height - k + 1;
    const flops = outRows * (width - k + 1) * filters * channels * k * k * 2;
    let best = Infinity;
    for (let attempt = 0; attempt < 3; attempt++) {
      const started = performance.now();
      const per = Math.ceil(outRows / bound.threads);
      const parts = [];
      for (let r = 0; r < outRows; r += per)
        parts.push(bound.run(image, null, r, Math.min(outRows, r + per), new Float64Array(filters), new Float64Array(filters)));
      await Promise.all(parts);
      best = Math.min(best, (performance.now() - started) / 1000);
    }
    return { gflops: flops / Math.max(best, 1e-6) / 1e9, backend: bound.device };
  } finally {
    await bound.close();
  }
}

/** The estimate of a planned run: what the app shows before it starts. */
export function estimatePlan(plan: RunPlan, settings: RunSettings): Promise<RunEstimate> {
  return estimateRun({
    rasters: plan.grids.map((g) => ({ cells: g.cells })),
    ...plan.shape,
    bytes: plan.memoryBytes,
    backend: settings.backend,
    threads: settings.threads ?? defaultThreads(),
  });
}
