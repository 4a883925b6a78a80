// Similarity search benchmark (not a timed test): `rcf similar`'s engine, exact brute force over n cells × K features
// streamed in chunks of 4 MiB as a feature file's rows are (the standardisation pass, then the scores, then the
// ranking), against NumPy doing the same in memory (standardise, one matrix-vector product, a stable argsort), on the
// same float32 rows, and a JavaScript pass that only adds every value once (a gauge of how loaded the machine is),
// interleaved, median of the runs. Reading the feature file itself is not counted on either side.
//
//   npm run build && node bench/explore-bench.mjs                     250,000 × 512, 5 runs each
//   node bench/explore-bench.mjs --rows 1000000 --features 64 --runs 3
// Needs Debian's python3 with python3-numpy.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '250000' },
    features: { type: 'string', default: '512' },
    runs: { type: 'string', default: '5' },
  },
});
const n = Number(values.rows);
const K = Number(values.features);
const runs = Number(values.runs);
const explore = await import(pathToFileURL(join(root, 'dist', 'electron', 'engine', 'explore', 'index.js')).href);
const model = await import(pathToFileURL(join(root, 'dist', 'electron', 'engine', 'model', 'index.js')).href);

// ReLU-feature-like rows: non-negative, on per-feature scales (xorshift32, so the data are the same every run).
const data = new Float32Array(n * K);
let s = 2463534242;
for (let i = 0; i < data.length; i++) {
  s ^= s << 13;
  s ^= s >>> 17;
  s ^= s << 5;
  const u = (s >>> 0) / 4294967296;
  data[i] = Math.max(0, u - 0.3) * (1 + (i % K) / 64);
}
const cells = Array.from({ length: n }, (_, i) => ({ cellId: `b:r${i}c0`, source: 'b', row: i, col: 0, validFraction: 1, usable: true }));
const chunkRows = Math.max(1, Math.floor((4 * 2 ** 20) / (4 * K)));
const table = { cells, columns: K, usable: model.denseFeatures(data, K, chunkRows) };
const like = [17, 123_456 % n];
const unlike = [99_999 % n];

const dir = join(root, '.cache', 'bench');
mkdirSync(dir, { recursive: true });
const bin = join(dir, `explore-${n}x${K}.f32`);
writeFileSync(bin, data);
const NUMPY = `
import sys, time, json, numpy as np
path, K, metric = sys.argv[1], int(sys.argv[2]), sys.argv[5]
like, unlike = ([int(v) for v in a.split(',')] for a in sys.argv[3:5])
X = np.fromfile(path, '<f4').reshape(-1, K)
t = time.perf_counter()
mean, sd = X.mean(axis=0, dtype=np.float64), X.std(axis=0, dtype=np.float64)
sd[sd == 0] = 1
Z = (X - mean) / sd
q = 2 * Z[like].mean(axis=0) - Z[unlike].mean(axis=0)
if metric == 'cosine':
    key = -(Z @ q) / (np.linalg.norm(Z, axis=1) * np.linalg.norm(q))
else:
    key = np.linalg.norm(Z - q, axis=1)
order = np.argsort(key, kind='stable')
print(json.dumps({'seconds': time.perf_counter() - t, 'first': int(order[0])}))
`;

/** The contention gauge: one JavaScript pass adding every value once, the least any exact search must do. */
function plainPass() {
  const t = performance.now();
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i];
  if (!Number.isFinite(sum)) throw new Error('the data are not finite');
  return (performance.now() - t) / 1000;
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const results = {};
for (const metric of ['cosine', 'euclidean']) {
  const ours = [];
  const numpy = [];
  const plain = [];
  for (let r = 0; r < runs; r++) {
    plain.push(plainPass());
    const t = performance.now();
    const result = await explore.similarCells(table, { like, unlike }, metric);
    ours.push((performance.now() - t) / 1000);
    const p = spawnSync(python, ['-c', NUMPY, bin, String(K), like.join(','), unlike.join(','), metric], { encoding: 'utf8' });
    if (p.status !== 0) throw new Error(p.stderr);
    const truth = JSON.parse(p.stdout);
    numpy.push(truth.seconds);
    if (truth.first !== result.order[0]) throw new Error(`the best cells differ: NumPy ${truth.first}, ours ${result.order[0]}`);
  }
  results[metric] = { ours: median(ours), numpy: median(numpy), plain: median(plain) };
}
rmSync(bin, { force: true });

console.log(
  `\nSimilarity search, ${n.toLocaleString('en')} cells × K = ${K}, median of ${runs} interleaved runs ` +
    `(${new Date().toISOString().slice(0, 10)}):\n`,
);
console.log('| metric | rcf similar engine s | NumPy in memory s | one JS pass adding every value s | rcf ÷ NumPy time | rcf ÷ one pass |');
console.log('|---|---|---|---|---|---|');
for (const [metric, r] of Object.entries(results)) {
  const cells = [r.ours, r.numpy, r.plain].map((v) => v.toFixed(3)).join(' | ');
  console.log(`| ${metric} | ${cells} | ${(r.ours / r.numpy).toFixed(2)} | ${(r.ours / r.plain).toFixed(1)} |`);
}
console.log(
  `(load average at the end: ${(await import('node:os'))
    .loadavg()
    .map((v) => v.toFixed(1))
    .join(', ')})`,
);
