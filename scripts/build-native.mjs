// Builds the fused RCF kernel addon (electron/engine/rcf/native) with node-gyp
// and copies it to dist/native/rcf_kernel.node. Works offline: node-gyp is
// pointed at local Node headers with --nodedir, so it never downloads any.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const addonDir = join(root, 'electron', 'engine', 'rcf', 'native');
const built = join(addonDir, 'build', 'Release', 'rcf_kernel.node');
const target = join(root, 'dist', 'native', 'rcf_kernel.node');

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

const result = spawnSync(process.execPath, [nodeGyp, 'rebuild', `--nodedir=${nodeDir}`, '--release', '--loglevel=warn'], {
  cwd: addonDir,
  stdio: 'inherit',
});
if (result.error) fail(`could not run node-gyp: ${result.error.message}`);
if (result.status !== 0) fail(`node-gyp rebuild exited with status ${result.status} (in ${addonDir})`);
if (!existsSync(built)) fail(`node-gyp did not produce ${built}`);

mkdirSync(dirname(target), { recursive: true });
// Replace, never overwrite in place: a running rcf has the old file mapped, and
// rewriting a mapped library under it kills that process with SIGBUS.
copyFileSync(built, `${target}.tmp`);
renameSync(`${target}.tmp`, target);
console.log(`build-native: built ${target} (headers from ${nodeDir})`);
