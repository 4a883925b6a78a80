// Ridge fit benchmark (not a timed test): 5-fold cross-validation over the 9 λ of
// np.logspace(-3, 3, 9) with an intercept, then the refit, on n rows × K features, against
// scikit-learn's GridSearchCV(Ridge) on the same data, folds and λ, interleaved, in one run.
//
//   npm run build && node bench/ridge-bench.mjs                          20,000 × 1024, 3 runs each
//   node bench/ridge-bench.mjs --rows 100000 --features 4096 --no-sklearn --runs 1
//
// Ours reads the features from a float64 file in chunks of 1024 rows (twice: the Gram
// matrices, then the held-out predictions), in a process of its own: its time is the fit
// with the reading, its peak RSS the whole process's. scikit-learn's time is its fit alone,
// the array already loaded.
// Needs Debian's python3 with python3-numpy and python3-sklearn.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const { values } = parseArgs({
  options: {
    rows: { type: 'string', default: '20000' },
    features: { type: 'string', default: '1024' },
    runs: { type: 'string', default: '3' },
    'no-sklearn': { type: 'boolean' },
    child: { type: 'string' },
  },
});
const n = Number(values.rows);
const K = Number(values.features);
const dir = join(root, '.cache', 'bench', `ridge-${n}x${K}`);
const model = await import(pathToFileURL(join(root, 'dist', 'electron', 'engine', 'model', 'index.js')).href);

/** The child: one fit, streamed from X.bin; prints its seconds, peak RSS and choice. */
async function child() {
  const y = new Float64Array(readAll(join(dir, 'y.bin')));
  const folds = new Int32Array(readAll(join(dir, 'folds.bin')));
  const X = {
    rows: n,
    columns: K,
    *chunks() {
      const fd = openSync(join(dir, 'X.bin'), 'r');
      try {
        for (let r = 0; r < n; r += 1024) {
          const chunk = new Float64Array(Math.min(1024, n - r) * K);
          readSync(fd, new Uint8Array(chunk.buffer), 0, chunk.byteLength, r * K * 8);
          yield chunk;
        }
      } finally {
        closeSync(fd);
      }
    },
  };
  const start = performance.now();
  const cv = await model.fitRidgeCv({ X, y, folds, lambdas: model.DEFAULT_LAMBDAS });
  const seconds = (performance.now() - start) / 1000;
  const best = cv.best[0];
  const out = { seconds, rssMiB: process.resourceUsage().maxRSS / 1024, lambda: cv.lambdas[best], meanR2: cv.meanR2[best][0] };
  console.log(JSON.stringify(out));
}

function readAll(file) {
  const bytes = readFileSync(file);
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
}

/** Writes the data once: RCF-like non-negative features with a low-rank structure, and a noisy linear target. */
function prepare() {
  if (existsSync(join(dir, 'params.json'))) return;
  mkdirSync(dir, { recursive: true });
  const code = `
import numpy as np, sys
n, K, d = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
rng = np.random.default_rng(0)
basis = rng.standard_normal((32, K))
w = rng.standard_normal(K) / np.sqrt(K)
y = np.empty(n)
with open(d + '/X.bin', 'wb') as f:
    for r in range(0, n, 4096):
        m = min(4096, n - r)
        x = np.abs(rng.standard_normal((m, 32)) @ basis / 6 + rng.standard_normal((m, K)) * 0.3)
        y[r:r + m] = x @ w + rng.standard_normal(m) * 0.5
        x.astype('<f8').tofile(f)
y.astype('<f8').tofile(d + '/y.bin')
`;
  const r = spawnSync(python, ['-c', code, String(n), String(K), dir], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error('could not write the benchmark data');
  writeFileSync(join(dir, 'params.json'), JSON.stringify({ n, K, lambdas: model.DEFAULT_LAMBDAS }));
}

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with status ${r.status}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (values.child) {
  await child();
} else {
  prepare();
  const { kFold } = await import(pathToFileURL(join(root, 'dist', 'shared', 'model', 'index.js')).href);
  const folds = kFold(n, 5, { shuffle: true, seed: 0 });
  writeFileSync(join(dir, 'folds.bin'), new Uint8Array(folds.buffer));
  console.log(`ridge bench: ${n} × ${K}, 5 folds × 9 λ, ${model.linalgLibrary()}`);
  const ours = [];
  const theirs = [];
  for (let i = 0; i < Number(values.runs); i++) {
    ours.push(run(process.execPath, [fileURLToPath(import.meta.url), '--rows', String(n), '--features', String(K), '--child', '1']));
    console.log(`  rcf     run ${i + 1}: ${ours.at(-1).seconds.toFixed(2)} s, peak RSS ${ours.at(-1).rssMiB.toFixed(0)} MiB`);
    if (!values['no-sklearn']) {
      theirs.push(run(python, [join(root, 'bench', 'ridge_sklearn.py'), dir]));
      console.log(`  sklearn run ${i + 1}: ${theirs.at(-1).seconds.toFixed(2)} s`);
    }
  }
  const a = ours[0];
  console.log(
    `rcf: median ${median(ours.map((o) => o.seconds)).toFixed(2)} s, ` +
      `peak RSS ${median(ours.map((o) => o.rssMiB)).toFixed(0)} MiB, λ ${a.lambda}, mean R² ${a.meanR2}`,
  );
  if (theirs.length) {
    const b = theirs[0];
    console.log(`scikit-learn: median ${median(theirs.map((o) => o.seconds)).toFixed(2)} s, λ ${b.lambda}, mean R² ${b.meanR2}`);
  }
}
