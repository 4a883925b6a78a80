// Builds the native addons with node-gyp and copies them to dist/native/: the fused
// RCF kernel (electron/engine/rcf/native → rcf_kernel.node) and the linear algebra
// of the models (electron/engine/model/native → rcf_linalg.node, linked to OpenBLAS:
// Debian's libopenblas-dev and liblapacke-dev). Works offline: node-gyp is pointed
// at local Node headers with --nodedir, so it never downloads any.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addons = [
  { dir: join(root, 'electron', 'engine', 'rcf', 'native'), name: 'rcf_kernel' },
  {
    dir: join(root, 'electron', 'engine', 'model', 'native'),
    name: 'rcf_linalg',
    needs: 'OpenBLAS and LAPACK headers (libopenblas-dev liblapacke-dev)',
  },
];

function fail(message) {
  console.error(`build-native: FAILED: ${message}`);
  process.exit(1);
}

// A usable --nodedir holds include/node/node_api.h (and common.gypi).
// The addon only uses the ABI-stable Node-API, so any Node >= 18 headers work.
function findNodeDir() {
  const candidates = [
    join(root, 'node_modules', 'node', 'node_modules', `node-${process.platform}-${process.arch}`),
    resolve(dirname(process.execPath), '..'),
    '/usr', // distro headers (e.g. Debian's libnode-dev)
    '/usr/local',
  ];
  return candidates.find((dir) => existsSync(join(dir, 'include', 'node', 'node_api.h')));
}

const nodeDir = findNodeDir();
if (!nodeDir)
  fail('no Node headers found (looked for include/node/node_api.h under node_modules/node, the node binary prefix, /usr, /usr/local)');

const nodeGyp = join(root, 'node_modules', 'node-gyp', 'bin', 'node-gyp.js');
if (!existsSync(nodeGyp)) fail(`node-gyp not installed (${nodeGyp} missing); run npm install`);

function build({ dir, name, needs }) {
  const built = join(dir, 'build', 'Release', `${name}.node`);
  const target = join(root, 'dist', 'native', `${name}.node`);
  const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`, '--release', '--loglevel=warn'], {
    cwd: dir,
    stdio: 'inherit',
  });
  const hint = needs ? `; ${name} needs ${needs}` : '';
  if (result.error) fail(`could not run node-gyp: ${result.error.message}`);
  if (result.status !== 0) fail(`node-gyp rebuild exited with status ${result.status} (in ${dir})${hint}`);
  if (!existsSync(built)) fail(`node-gyp did not produce ${built}`);

  mkdirSync(dirname(target), { recursive: true });
  // Replace, never overwrite in place: a running rcf has the old file mapped, and
  // rewriting a mapped library under it kills that process with SIGBUS.
  copyFileSync(built, `${target}.tmp`);
  renameSync(`${target}.tmp`, target);
  console.log(`build-native: built ${target} (headers from ${nodeDir})`);
}

for (const addon of addons) build(addon);
