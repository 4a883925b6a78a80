#!/usr/bin/env node
// Times the fused WebGPU RCF kernel on a batch of 256x256 tiles and prints JSON.
//
// Standalone: needs only Node >= 22, the `webgpu` package in node_modules and
// the kernel compiled to dist/ (npx tsc -p tsconfig.build.json). Run from the
// repository root:  node bench/gpu/webgpu-bench.mjs [--tiles N] [--reps R]
// Dawn options (e.g. backend=vulkan;adapter=NVIDIA H200) via RCF_WEBGPU_OPTIONS.
//
// Per shape: C in {4, 13}, K in {512, 4096} features (F2 = K/2 filters, k = 3).
// MP/s = megapixels (output positions) per second; useful GFLOP/s counts
// 2*C*9*F2 flops per output position (254^2 per tile).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const kernelJs = join(root, 'dist', 'electron', 'engine', 'rcf', 'webgpu', 'kernel.js');
if (!existsSync(kernelJs)) {
  console.error(`${kernelJs} not found: run npx tsc -p tsconfig.build.json first`);
  process.exit(2);
}
const { prepareWebgpuBank, accumulateRowsWebgpu, webgpuAvailable, closeWebgpu } = await import(pathToFileURL(kernelJs).href);

const args = process.argv.slice(2);
const opt = (name, def) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : def;
};
const TILES = opt('tiles', 16);
const REPS = opt('reps', 3);
const CONCURRENCY = opt('concurrency', 4);
const SIZE = 256;
const k = 3;

function rng(seed) {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s ^ (s >>> 15), 0x2c1b3c6d) + 0x6d2b79f5) >>> 0;
    s ^= s >>> 12;
    return s / 4294967296;
  };
}
const randomArray = (n, rand, lo = -1, hi = 1) => {
  const a = new Float32Array(n);
  for (let i = 0; i < n; i++) a[i] = lo + (hi - lo) * rand();
  return a;
};

const avail = await webgpuAvailable();
if (!avail.ok) {
  console.log(JSON.stringify({ ok: false, reason: avail.reason }));
  process.exit(1);
}

const results = [];
for (const C of [4, 13]) {
  for (const K of [512, 4096]) {
    const F = K / 2;
    const rand = rng(C * 10007 + K);
    const bank = await prepareWebgpuBank({
      weights: randomArray(F * C * k * k, rand),
      filters: F,
      channels: C,
      kernel: k,
      biasPos: randomArray(F, rand),
      biasNeg: randomArray(F, rand),
    });
    const tiles = Array.from({ length: TILES }, () => randomArray(C * SIZE * SIZE, rand, 0, 1));
    const outRows = SIZE - k + 1;
    const runBatch = async () => {
      let next = 0;
      const worker = async () => {
        while (next < tiles.length) {
          const t = tiles[next++];
          const pos = new Float64Array(F);
          const neg = new Float64Array(F);
          await accumulateRowsWebgpu(bank, t, SIZE, SIZE, null, 0, outRows, pos, neg);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, CONCURRENCY) }, worker));
    };
    const t0 = performance.now();
    await runBatch(); // warm-up (includes the driver's shader compile)
    const firstMs = performance.now() - t0;
    let best = Infinity;
    for (let r = 0; r < REPS; r++) {
      const s = performance.now();
      await runBatch();
      best = Math.min(best, performance.now() - s);
    }
    const positions = TILES * outRows * outRows;
    const flops = 2 * C * k * k * F * positions;
    const result = {
      C,
      K,
      F2: F,
      tiles: TILES,
      filtersPerWorkgroup: bank.fb,
      sharedWeights: bank.sharedWeights,
      warmupMs: +firstMs.toFixed(1),
      batchMs: +best.toFixed(2),
      msPerTile: +(best / TILES).toFixed(3),
      MPps: +(positions / (best / 1000) / 1e6).toFixed(2),
      usefulGFLOPps: +(flops / (best / 1000) / 1e9).toFixed(1),
    };
    results.push(result);
    console.error(JSON.stringify(result));
  }
}
console.log(
  JSON.stringify(
    {
      ok: true,
      adapter: avail.adapter,
      isFallback: avail.isFallback,
      tileSize: SIZE,
      kernel: k,
      concurrency: CONCURRENCY,
      reps: REPS,
      results,
    },
    null,
    2,
  ),
);
await closeWebgpu();
process.exit(0);
