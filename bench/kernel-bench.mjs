// Benchmarks the fused native RCF kernel on a 256x256 tile (two parallel row
// halves, like the engine uses both cores) and, in the same run, a PyTorch
// anchor: torchgeo's RCF forward (conv twice + relu + mean) with 2 threads.
//
//   npm run build:native && npx tsc -p tsconfig.build.json && node bench/kernel-bench.mjs [--isa=avx2] [--runs=7] [--no-torch]
import { spawnSync } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const wrapper = join(root, 'dist', 'electron', 'engine', 'rcf', 'native-kernel.js');
if (!existsSync(wrapper)) {
  console.error(`kernel-bench: ${wrapper} missing; run npx tsc -p tsconfig.build.json`);
  process.exit(1);
}
const K = await import(pathToFileURL(wrapper).href);
if (!K.nativeKernelAvailable()) {
  console.error(`kernel-bench: native kernel unavailable: ${K.nativeKernelLoadError()}`);
  process.exit(1);
}

const args = Object.fromEntries(
  process.argv.slice(2).map((a) => {
    const [key, value] = a.replace(/^--/, '').split('=');
    return [key, value ?? 'true'];
  }),
);
const runs = Number(args.runs ?? 7);
const isa = args.isa ?? K.nativeKernelIsa();
const SIZE = 256;
const KSIZE = 3;
const CASES = [
  { channels: 4, filters: 256 },
  { channels: 13, filters: 2048 },
  { channels: 13, filters: 256 },
  { channels: 4, filters: 2048 },
];

// Deterministic pseudo-random numbers (no dependency on Math.random).
function filled(n, seed, scale) {
  const a = new Float32Array(n);
  let s = seed >>> 0;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    a[i] = (s / 4294967296 - 0.5) * 2 * scale;
  }
  return a;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function benchNative({ channels, filters }) {
  const k = KSIZE;
  const bank = K.prepareBank({
    weights: filled(filters * channels * k * k, 1, 1),
    filters,
    channels,
    kernel: k,
    biasPos: new Float32Array(filters).fill(-1),
    biasNeg: new Float32Array(filters).fill(1),
    isa,
  });
  const image = filled(channels * SIZE * SIZE, 2, 1);
  const outRows = SIZE - k + 1;
  const half = Math.ceil(outRows / 2);
  const times = [];
  for (let r = 0; r < runs + 1; r++) {
    const outs = [0, 1].map(() => [new Float64Array(filters), new Float64Array(filters)]);
    const t0 = performance.now();
    await Promise.all([
      K.accumulateRows(bank, image, SIZE, SIZE, null, 0, half, outs[0][0], outs[0][1]),
      K.accumulateRows(bank, image, SIZE, SIZE, null, half, outRows, outs[1][0], outs[1][1]),
    ]);
    if (r > 0) times.push(performance.now() - t0); // first run is warm-up
  }
  return median(times);
}

const TORCH_SCRIPT = `
import sys, time, json, torch
import torch.nn.functional as F
torch.set_num_threads(2)
size, k, runs = ${SIZE}, ${KSIZE}, ${runs}
res = []
for c, f2 in json.loads(sys.argv[1]):
    g = torch.Generator().manual_seed(0)
    x = torch.rand(1, c, size, size, generator=g)
    w = torch.randn(f2, c, k, k, generator=g)
    b = torch.full((f2,), -1.0)
    def torchgeo():  # torchgeo RCF.forward: the convolution runs twice
        a = F.relu(F.conv2d(x, w, bias=b, stride=1, padding=0)).mean(dim=(2, 3))
        n = F.relu(-F.conv2d(x, w, bias=b, stride=1, padding=0)).mean(dim=(2, 3))
        return torch.cat([a, n], dim=1)
    def once():  # same features with a single convolution
        y = F.conv2d(x, w, bias=b)
        return torch.cat([F.relu(y).mean(dim=(2, 3)), F.relu(-y).mean(dim=(2, 3))], dim=1)
    out = {}
    with torch.no_grad():
        for name, fn in (("torchgeo", torchgeo), ("once", once)):
            fn()
            ts = []
            for _ in range(runs):
                t0 = time.perf_counter(); fn(); ts.append((time.perf_counter() - t0) * 1000)
            out[name] = sorted(ts)[len(ts) // 2]
    res.append(out)
print(json.dumps({"torch": torch.__version__, "threads": torch.get_num_threads(), "res": res}))
`;

function benchTorch() {
  if (args['no-torch'] !== undefined) return null;
  const py = spawnSync('/usr/bin/python3', ['-c', TORCH_SCRIPT, JSON.stringify(CASES.map((c) => [c.channels, c.filters]))], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (py.status !== 0) {
    console.log(`(PyTorch anchor skipped: ${(py.stderr || py.error?.message || 'python failed').trim().split('\n').pop()})`);
    return null;
  }
  return JSON.parse(py.stdout.trim().split('\n').pop());
}

console.log(`RCF fused kernel, ${SIZE}x${SIZE} tile, k=${KSIZE}, isa=${isa}, 2 parallel row halves, median of ${runs}`);
const native = [];
for (const c of CASES) native.push(await benchNative(c));
const torch = benchTorch();
if (torch) console.log(`PyTorch ${torch.torch}, ${torch.threads} threads (conv2d + relu + mean)`);

for (const [i, c] of CASES.entries()) {
  const positions = (SIZE - KSIZE + 1) ** 2;
  const flops = 2 * c.channels * KSIZE * KSIZE * c.filters * positions; // one convolution
  const ms = native[i];
  let line =
    `C=${String(c.channels).padStart(2)} F2=${String(c.filters).padStart(4)}: native ${ms.toFixed(2).padStart(7)} ms/tile` +
    `  ${((SIZE * SIZE) / ms / 1000).toFixed(2).padStart(6)} MP/s  ${(flops / ms / 1e6).toFixed(0).padStart(4)} GFLOP/s`;
  if (torch) {
    const t = torch.res[i];
    line +=
      `  | torch torchgeo ${t.torchgeo.toFixed(1)} ms (x${(t.torchgeo / ms).toFixed(1)})` +
      `, conv-once ${t.once.toFixed(1)} ms (x${(t.once / ms).toFixed(1)})`;
  }
  console.log(line);
}
