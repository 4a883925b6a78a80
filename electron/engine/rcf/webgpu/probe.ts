// Which WebGPU adapter Dawn would give the kernel, asked without loading Dawn
// into this process, and remembered per machine.
//
// Asking costs about 150–300 ms (Dawn enumerates every Vulkan/Metal/D3D12
// driver), and on some drivers Dawn writes warnings straight to file
// descriptor 2 (lavapipe: two "artificially reduced" lines), which a caller
// cannot silence. So the question runs in a short child process of the same
// Node (or Electron, as Node) whose output is captured, and the answer is
// cached in a small JSON file under the OS cache directory, keyed by what
// decides it: the Dawn build, the platform, the GPU driver manifests (Vulkan
// ICD files) and the environment variables that steer the loader or Dawn.
// A cached answer older than a week is asked again; RCF_WEBGPU_REPROBE=1
// asks again now. RCF_CACHE_DIR moves the cache.
//
// Inside Electron (the app's featurizer service, a utility process) Dawn is
// asked in this process instead: the packaged app has the runAsNode fuse off,
// so Electron's binary with ELECTRON_RUN_AS_NODE would start the app again
// rather than run the probe, and the service is a process of its own anyway.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { homedir, release } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { AdapterInfo } from './adapter.js';
import { ADAPTER_REQUEST, dawnOptions } from './device.js';

/** What Dawn answered: the adapter the kernel would get, or why there is none. */
export type ProbeAnswer = { adapter: AdapterInfo } | { adapter: null; reason: string };

export type WebgpuProbe = ProbeAnswer & {
  /** Read from the cache file rather than asked now. */
  cached: boolean;
  /** When Dawn was asked (ISO 8601). */
  probedAt: string;
  /** Wall time of this call, in milliseconds. */
  ms: number;
};

export interface ProbeOptions {
  /** The cache file; default: webgpu-probe.json in cacheDirectory(). */
  cacheFile?: string;
  /** Ignore a cached answer (default: RCF_WEBGPU_REPROBE is set to something other than 0). */
  reprobe?: boolean;
  /** Give up on the child after this long (default 20 s); the timeout is the answer then. */
  timeoutMs?: number;
  /** Environment the answer depends on and the child gets (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** Ask Dawn in this process rather than in a child (default: probeInProcess()). */
  inProcess?: boolean;
}

/** Whether the probe asks Dawn in this process: inside Electron, where a Node child of the same binary may not exist. */
export function probeInProcess(versions: NodeJS.ProcessVersions | Record<string, string | undefined> = process.versions): boolean {
  return typeof versions.electron === 'string';
}

/** Cached answers older than this are asked again. */
export const PROBE_MAX_AGE_MS = 7 * 24 * 3600 * 1000;
const CACHE_FORMAT = 1;
const MAX_ENTRIES = 8;
const RESULT_MARK = 'RCF_WEBGPU_PROBE ';

/** Variables that change which adapters the Vulkan loader, Mesa, the NVIDIA driver or Dawn offer. */
const KEY_ENV = [
  'RCF_WEBGPU_OPTIONS',
  'VK_ICD_FILENAMES',
  'VK_DRIVER_FILES',
  'VK_ADD_DRIVER_FILES',
  'VK_LOADER_DRIVERS_SELECT',
  'VK_LOADER_DRIVERS_DISABLE',
  'VK_LOADER_DEVICE_SELECT',
  'MESA_VK_DEVICE_SELECT',
  'DRI_PRIME',
  '__NV_PRIME_RENDER_OFFLOAD',
  'NVIDIA_VISIBLE_DEVICES',
  'XDG_CONFIG_HOME',
  'XDG_CONFIG_DIRS',
  'XDG_DATA_HOME',
  'XDG_DATA_DIRS',
  'LD_LIBRARY_PATH',
  'DYLD_LIBRARY_PATH',
];

/** The per-user cache directory for rcf: RCF_CACHE_DIR, else the platform's (XDG, ~/Library/Caches, %LOCALAPPDATA%). */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.RCF_CACHE_DIR) return env.RCF_CACHE_DIR;
  if (process.platform === 'win32') return join(env.LOCALAPPDATA || join(homedir(), 'AppData', 'Local'), 'rcf', 'Cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'rcf');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'rcf');
}

/** Where the webgpu package (Dawn) is, or null when it is not installed. */
function dawnPackage(): { entry: string; version: string; binary: string } | null {
  try {
    const require = createRequire(import.meta.url);
    const entry = require.resolve('webgpu');
    const root = dirname(entry);
    const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;
    const arch = process.platform === 'darwin' ? 'universal' : process.arch;
    return { entry, version, binary: join(root, 'dist', `${process.platform}-${arch}`, 'dawn.node') };
  } catch {
    return null;
  }
}

/** "size:mtime" of a file, or "-" when it is absent. */
function fileStamp(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size}:${Math.round(s.mtimeMs)}`;
  } catch {
    return '-';
  }
}

/** The directories the Vulkan loader reads driver manifests from on Linux and the BSDs. */
function vulkanIcdDirs(env: NodeJS.ProcessEnv): string[] {
  const home = homedir();
  const config = [env.XDG_CONFIG_HOME || join(home, '.config'), ...(env.XDG_CONFIG_DIRS || '/etc/xdg').split(':'), '/etc'];
  const data = [env.XDG_DATA_HOME || join(home, '.local', 'share'), ...(env.XDG_DATA_DIRS || '/usr/local/share:/usr/share').split(':')];
  return [...new Set([...config, ...data].filter((d) => d.length > 0).map((d) => join(d, 'vulkan', 'icd.d')))];
}

/** Everything the answer depends on, as plain data (stored next to the answer, for whoever reads the file). */
export function probeKey(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const dawn = dawnPackage();
  const key: Record<string, string> = {
    platform: `${process.platform}-${process.arch}`,
    os: release(),
    dawn: dawn ? `${dawn.version} ${fileStamp(dawn.binary)}` : 'absent',
    request: JSON.stringify(ADAPTER_REQUEST),
  };
  for (const name of KEY_ENV) if (env[name] !== undefined) key[`env.${name}`] = env[name];
  if (process.platform !== 'win32' && process.platform !== 'darwin') {
    for (const dir of vulkanIcdDirs(env)) {
      let names: string[];
      try {
        names = readdirSync(dir)
          .filter((n) => n.endsWith('.json'))
          .sort();
      } catch {
        continue;
      }
      for (const n of names) key[`icd.${join(dir, n)}`] = fileStamp(join(dir, n));
    }
    for (const variable of ['VK_ICD_FILENAMES', 'VK_DRIVER_FILES', 'VK_ADD_DRIVER_FILES']) {
      for (const file of (env[variable] ?? '').split(':').filter((f) => f.length > 0)) key[`icd.${file}`] = fileStamp(file);
    }
    // A GPU whose kernel driver loads (or goes) adds or removes render nodes.
    try {
      key.dri = readdirSync('/dev/dri').sort().join(',');
    } catch {
      key.dri = '-';
    }
  }
  return key;
}

/** The cache entry id of a probeKey(). */
export function probeKeyHash(key: Record<string, string>): string {
  return createHash('sha256')
    .update(JSON.stringify(Object.entries(key).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))))
    .digest('hex');
}

interface CacheEntry {
  key: Record<string, string>;
  probedAt: string;
  answer: ProbeAnswer;
}
interface CacheFile {
  format: number;
  entries: Record<string, CacheEntry>;
}

function readCache(file: string): CacheFile {
  try {
    const data = JSON.parse(readFileSync(file, 'utf8')) as CacheFile;
    if (data.format === CACHE_FORMAT && data.entries && typeof data.entries === 'object') return data;
  } catch {
    // absent or damaged: start afresh
  }
  return { format: CACHE_FORMAT, entries: {} };
}

function validAnswer(a: unknown): a is ProbeAnswer {
  if (!a || typeof a !== 'object') return false;
  const { adapter, reason } = a as { adapter?: unknown; reason?: unknown };
  if (adapter === null) return typeof reason === 'string';
  if (!adapter || typeof adapter !== 'object') return false;
  const info = adapter as Record<string, unknown>;
  return (
    ['vendor', 'architecture', 'device', 'description'].every((f) => typeof info[f] === 'string') &&
    typeof info.isFallbackAdapter === 'boolean'
  );
}

/** Writes the cache atomically (a rename), keeping the newest entries; a cache that cannot be written is only a slower next run. */
function writeCache(file: string, hash: string, entry: CacheEntry): void {
  try {
    const data = readCache(file);
    data.entries[hash] = entry;
    const newest = Object.entries(data.entries)
      .sort(([, a], [, b]) => (a.probedAt < b.probedAt ? 1 : -1))
      .slice(0, MAX_ENTRIES);
    mkdirSync(dirname(file), { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify({ format: CACHE_FORMAT, entries: Object.fromEntries(newest) }, null, 1) + '\n');
    renameSync(tmp, file);
  } catch {
    // read-only home, full disk: nothing to do
  }
}

/** The child's program: load Dawn, ask for the adapter the kernel would ask for, print its info on one marked line. */
function childSource(dawnEntry: string, options: string[]): string {
  return `
const say = (r) => process.stdout.write(${JSON.stringify(RESULT_MARK)} + JSON.stringify(r) + '\\n', () => process.exit(0));
try {
  const { create } = await import(${JSON.stringify(pathToFileURL(dawnEntry).href)});
  const adapter = await create(${JSON.stringify(options)}).requestAdapter(${JSON.stringify(ADAPTER_REQUEST)});
  if (!adapter) say({ adapter: null, reason: 'Dawn found no WebGPU adapter' });
  else {
    const i = adapter.info;
    say({ adapter: { vendor: i.vendor ?? '', architecture: i.architecture ?? '', device: i.device ?? '', description: i.description ?? '',
      isFallbackAdapter: Boolean(i.isFallbackAdapter ?? adapter.isFallbackAdapter) } });
  }
} catch (e) {
  say({ adapter: null, reason: 'Dawn failed: ' + String(e && e.message ? e.message : e).split('\\n')[0] });
}
`;
}

/** Asks Dawn in a child process; never throws (a failure is an answer with a reason). */
function askDawn(dawnEntry: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ProbeAnswer> {
  return new Promise((resolve) => {
    // ELECTRON_RUN_AS_NODE makes Electron's binary (the app's execPath) a plain Node.
    const child = spawn(process.execPath, ['--input-type=module', '-e', childSource(dawnEntry, dawnOptions(env))], {
      env: { ...env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
      windowsHide: true,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr = (stderr + s).slice(-4000)));
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ adapter: null, reason: `the WebGPU probe could not start: ${err.message}` });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((l) => l.startsWith(RESULT_MARK));
      if (line) {
        try {
          const answer = JSON.parse(line.slice(RESULT_MARK.length)) as unknown;
          if (validAnswer(answer)) return resolve(answer);
        } catch {
          // fall through
        }
      }
      if (timedOut) return resolve({ adapter: null, reason: `Dawn did not answer within ${timeoutMs / 1000} s` });
      const last = stderr
        .split('\n')
        .map((l) => l.trim())
        .filter((l) => l.length > 0 && !/^warning:/i.test(l))
        .pop();
      const how = signal ? `was killed by ${signal}` : `exited with status ${code}`;
      resolve({ adapter: null, reason: `the WebGPU probe ${how}${last ? ` (${last.slice(0, 200)})` : ''}` });
    });
  });
}

/** Asks Dawn in this process (inside Electron); never throws. Dawn's driver warnings go to this process's stderr. */
async function askDawnHere(dawnEntry: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<ProbeAnswer> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<ProbeAnswer>((resolve) => {
    timer = setTimeout(() => resolve({ adapter: null, reason: `Dawn did not answer within ${timeoutMs / 1000} s` }), timeoutMs);
  });
  const ask = (async (): Promise<ProbeAnswer> => {
    try {
      const { create } = (await import(pathToFileURL(dawnEntry).href)) as { create(options: string[]): GPU };
      const adapter = await create(dawnOptions(env)).requestAdapter(ADAPTER_REQUEST);
      if (!adapter) return { adapter: null, reason: 'Dawn found no WebGPU adapter' };
      const i = adapter.info as Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean };
      const fallback = (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter;
      return {
        adapter: {
          vendor: i.vendor ?? '',
          architecture: i.architecture ?? '',
          device: i.device ?? '',
          description: i.description ?? '',
          isFallbackAdapter: Boolean(i.isFallbackAdapter ?? fallback),
        },
      };
    } catch (e) {
      return { adapter: null, reason: 'Dawn failed: ' + String(e instanceof Error ? e.message : e).split('\n')[0] };
    }
  })();
  try {
    return await Promise.race([ask, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const inProcess = new Map<string, Promise<WebgpuProbe>>();

/**
 * The adapter Dawn would give the WebGPU kernel here, from the cache when it
 * is fresh, else from a child process (then cached). Once per process and key.
 */
export function probeWebgpu(options: ProbeOptions = {}): Promise<WebgpuProbe> {
  const env = options.env ?? process.env;
  const file = options.cacheFile ?? join(cacheDirectory(env), 'webgpu-probe.json');
  const reprobe =
    options.reprobe ?? (env.RCF_WEBGPU_REPROBE !== undefined && env.RCF_WEBGPU_REPROBE !== '' && env.RCF_WEBGPU_REPROBE !== '0');
  const key = probeKey(env);
  const hash = probeKeyHash(key);
  const here = options.inProcess ?? probeInProcess();
  const memo = `${file}\n${hash}\n${reprobe}\n${here}`;
  let promise = inProcess.get(memo);
  if (!promise) {
    promise = probeOnce(file, key, hash, reprobe, options.timeoutMs ?? 20_000, env, here);
    inProcess.set(memo, promise);
  }
  return promise;
}

async function probeOnce(
  file: string,
  key: Record<string, string>,
  hash: string,
  reprobe: boolean,
  timeoutMs: number,
  env: NodeJS.ProcessEnv,
  here: boolean,
): Promise<WebgpuProbe> {
  const started = performance.now();
  if (!reprobe) {
    const hit = readCache(file).entries[hash];
    const age = hit ? Date.now() - Date.parse(hit.probedAt) : NaN;
    if (hit && validAnswer(hit.answer) && age >= 0 && age < PROBE_MAX_AGE_MS) {
      return { ...hit.answer, cached: true, probedAt: hit.probedAt, ms: performance.now() - started };
    }
  }
  const dawn = dawnPackage();
  const probedAt = new Date().toISOString();
  if (!dawn)
    return {
      adapter: null,
      reason: 'the webgpu package (Dawn) is not installed',
      cached: false,
      probedAt,
      ms: performance.now() - started,
    };
  const answer = here ? await askDawnHere(dawn.entry, env, timeoutMs) : await askDawn(dawn.entry, env, timeoutMs);
  writeCache(file, hash, { key, probedAt, answer });
  return { ...answer, cached: false, probedAt, ms: performance.now() - started };
}
