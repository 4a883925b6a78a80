// `npm run bench`: whole-process throughput of `rcf featurize` against torchgeo's
// PyTorch forward over the same rasters, in one run, with peak memory.
//
//   npm run bench                 4 configurations × 3 runs each, interleaved
//   npm run bench -- --runs 5     more runs
//   npm run bench -- --with-1conv also time PyTorch with a single convolution
//   npm run bench -- --s2         also featurize a 10980×10980×4 (Sentinel-2 tile) raster at K=4096
//
// Then it times the GeoPackage export writing 100,000 cells (bench/gpkg-write-bench.mjs),
// to compare with the cells/s computed above.
//
// Needs Debian's python3 with python3-gdal, python3-numpy and python3-torch.
// Megapixels/s count input pixels of the 256 px cells featurized.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const cache = join(root, '.cache', 'bench');
const python = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const rcf = join(root, 'dist', 'electron', 'cli', 'rcf.js');
const { values } = parseArgs({
  options: { runs: { type: 'string', default: '3' }, 'with-1conv': { type: 'boolean' }, s2: { type: 'boolean' } },
});
const runs = Number(values.runs);

const CONFIGS = [
  { bands: 4, features: 512, width: 4096, height: 4096 },
  { bands: 13, features: 512, width: 4096, height: 4096 },
  { bands: 4, features: 4096, width: 1024, height: 1024 },
  { bands: 13, features: 4096, width: 1024, height: 1024 },
];

// glibc settings that keep PyTorch from re-faulting its activation maps (SPEC §10): the anchor at its best.
const TORCH_ENV = {
  MALLOC_MMAP_MAX_: '0',
  MALLOC_TRIM_THRESHOLD_: String(64 * 2 ** 30),
  MALLOC_TOP_PAD_: String(2 ** 30),
  TORCH_THREADS: '2',
};

/** Runs a command as a whole process; returns wall seconds and the child's peak RSS in MiB. */
function timed(cmd, args, env = {}) {
  const wrapper =
    'import resource,subprocess,sys,time,json\n' +
    't=time.perf_counter(); r=subprocess.run(sys.argv[1:]); dt=time.perf_counter()-t\n' +
    'print(json.dumps([r.returncode, dt, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss/1024]))';
  const r = spawnSync(python, ['-c', wrapper, cmd, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const [code, seconds, rssMiB] = JSON.parse(r.stdout.trim().split('\n').pop());
  if (code !== 0) throw new Error(`${cmd} ${args.join(' ')} failed with status ${code}`);
  return { seconds, rssMiB };
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function raster(width, height, bands) {
  mkdirSync(cache, { recursive: true });
  const path = join(cache, `bench_${width}x${height}x${bands}.tif`);
  if (!existsSync(path)) {
    process.stderr.write(`making ${path}\n`);
    const r = spawnSync(python, [join(root, 'bench', 'make_raster.py'), path, String(width), String(height), String(bands)], {
      stdio: 'inherit',
    });
    if (r.status !== 0) throw new Error('could not make the benchmark raster (needs python3-gdal and python3-numpy)');
  }
  return path;
}

const ours = (path, features, out) => [
  'node',
  [
    rcf,
    'featurize',
    path,
    '--features',
    String(features),
    '--cell-size',
    '256',
    '--scale',
    '0.0001',
    '--threads',
    '2',
    '--overwrite',
    '--progress',
    'none',
    '--out',
    out,
  ],
];
const torch = (path, features, out, variant) => [python, [join(root, 'bench', 'torch_rcf.py'), path, String(features), out, variant]];

const rows = [];
for (const cfg of CONFIGS) {
  const path = raster(cfg.width, cfg.height, cfg.bands);
  const mp = (Math.floor(cfg.width / 256) * Math.floor(cfg.height / 256) * 256 * 256) / 1e6;
  const variants = [
    ['rcf', () => ours(path, cfg.features, join(cache, 'ours.csv')), {}],
    ['torchgeo', () => torch(path, cfg.features, join(cache, 'torch.csv'), 'torchgeo'), TORCH_ENV],
  ];
  if (values['with-1conv']) variants.push(['torch 1conv', () => torch(path, cfg.features, join(cache, 'torch1.csv'), '1conv'), TORCH_ENV]);
  const results = Object.fromEntries(variants.map(([name]) => [name, []]));
  for (let i = 0; i < runs; i++) {
    // Interleaved, so a noisy neighbour slows every variant alike.
    for (const [name, command, env] of variants) {
      const [cmd, args] = command();
      results[name].push(timed(cmd, args, env));
    }
  }
  const summary = Object.fromEntries(
    Object.entries(results).map(([name, rs]) => [
      name,
      {
        seconds: median(rs.map((r) => r.seconds)),
        mps: mp / median(rs.map((r) => r.seconds)),
        rssMiB: Math.max(...rs.map((r) => r.rssMiB)),
      },
    ]),
  );
  rows.push({ ...cfg, mp, summary });
  const line = Object.entries(summary)
    .map(([n, s]) => `${n} ${s.seconds.toFixed(2)} s ${s.mps.toFixed(2)} MP/s ${s.rssMiB.toFixed(0)} MiB`)
    .join(' | ');
  process.stderr.write(`C=${cfg.bands} K=${cfg.features} ${mp.toFixed(1)} MP: ${line}\n`);
}
rmSync(join(cache, 'ours.csv'), { force: true });

console.log(
  `\nWhole process, median of ${runs} interleaved runs, 256 px cells, k=3, 2 threads (${new Date().toISOString().slice(0, 10)}):\n`,
);
const names = Object.keys(rows[0].summary);
console.log(`| C | K | MP | ${names.map((n) => `${n} MP/s | ${n} peak RSS MiB`).join(' | ')} | rcf ÷ torchgeo |`);
console.log(`|---|---|---|${names.map(() => '---|---|').join('')}---|`);
for (const r of rows) {
  const cells = names.map((n) => `${r.summary[n].mps.toFixed(2)} | ${r.summary[n].rssMiB.toFixed(0)}`).join(' | ');
  console.log(
    `| ${r.bands} | ${r.features} | ${r.mp.toFixed(1)} | ${cells} | ${(r.summary.rcf.mps / r.summary.torchgeo.mps).toFixed(2)}× |`,
  );
}

if (values.s2) {
  const path = raster(10980, 10980, 4);
  const out = join(cache, 's2.csv');
  const [cmd, args] = ours(path, 4096, out);
  const r = timed(cmd, args);
  const mp = (42 * 42 * 256 * 256) / 1e6;
  console.log(
    `\nSentinel-2-sized tile 10980×10980×4 UInt16 DEFLATE, K=4096: ${r.seconds.toFixed(1)} s, ` +
      `${(mp / r.seconds).toFixed(2)} MP/s, peak RSS ${r.rssMiB.toFixed(0)} MiB`,
  );
  rmSync(out, { force: true });
}

console.log('\nGeoPackage export, 100,000 cells (bench/gpkg-write-bench.mjs):');
spawnSync(process.execPath, [join(root, 'bench', 'gpkg-write-bench.mjs')], { stdio: 'inherit' });

console.log('\nSimilarity search, 250,000 cells × K = 512 (bench/explore-bench.mjs):');
spawnSync(process.execPath, [join(root, 'bench', 'explore-bench.mjs')], { stdio: 'inherit' });
