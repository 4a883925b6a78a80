// `--backend auto`: the choice from a probe answer, bindKernel's fallbacks with
// injected answers, and the probe's cache key and cache reads. Nothing here
// loads Dawn; what needs it is in tests/gpu/auto-backend.spec.ts.
import { describe, it, expect } from 'vitest';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chooseAutoBackend } from '../../../electron/engine/rcf/auto-backend.js';
import { adapterKind, adapterLabel, adapterShortName, type AdapterInfo } from '../../../electron/engine/rcf/webgpu/adapter.js';
import { bindKernel } from '../../../electron/engine/rcf/backends.js';
import { nativeKernelAvailable } from '../../../electron/engine/rcf/native-kernel.js';
import {
  cacheDirectory,
  probeKey,
  probeKeyHash,
  probeWebgpu,
  PROBE_MAX_AGE_MS,
  type ProbeAnswer,
} from '../../../electron/engine/rcf/webgpu/probe.js';
import { accumulateRowsReference } from '../../../shared/rcf/cell-sums.js';
import { makeProblem } from '../../helpers/kernel-problems.js';

const adapter = (a: Partial<AdapterInfo>): AdapterInfo => ({
  vendor: '',
  architecture: '',
  device: '',
  description: '',
  isFallbackAdapter: false,
  ...a,
});

// What Dawn reports for these (lavapipe and the null backend as seen here; the rest as their drivers describe themselves).
const LAVAPIPE = adapter({
  vendor: 'mesa',
  architecture: 'software',
  device: 'llvmpipe-llvm-15-0-6-256-bits-',
  description: 'llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1',
  isFallbackAdapter: true,
});
const H200 = adapter({ vendor: 'nvidia', architecture: 'hopper', device: '0x2335', description: 'NVIDIA H200' });
const IRIS = adapter({ vendor: 'intel', architecture: 'gen-12lp', description: 'Intel(R) Iris(R) Xe Graphics (TGL GT2)' });
const APPLE = adapter({ vendor: 'apple', architecture: 'metal-3', description: 'Apple M2' });
const SWIFTSHADER = adapter({ vendor: 'google', device: 'swiftshader', description: 'SwiftShader Device (Subzero)' });
const WARP = adapter({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' });
const SOFTPIPE_UNFLAGGED = adapter({ vendor: 'mesa', description: 'softpipe' });
const NULL_BACKEND = adapter({ device: 'null-backend' });

describe('chooseAutoBackend', () => {
  it('uses a hardware GPU and names it as the provenance does', () => {
    expect(chooseAutoBackend({ adapter: H200 })).toEqual({ backend: 'webgpu', adapter: 'nvidia / hopper / NVIDIA H200' });
    expect(chooseAutoBackend({ adapter: IRIS })).toEqual({
      backend: 'webgpu',
      adapter: 'intel / gen-12lp / Intel(R) Iris(R) Xe Graphics (TGL GT2)',
    });
    expect(chooseAutoBackend({ adapter: APPLE })).toEqual({ backend: 'webgpu', adapter: 'apple / metal-3 / Apple M2' });
  });

  it('never uses a software adapter, and says which one it saw', () => {
    expect(chooseAutoBackend({ adapter: LAVAPIPE })).toEqual({
      backend: 'cpu',
      notice: 'no hardware GPU found (only the software adapter llvmpipe), using the CPU kernel',
    });
    // Recognised by any of the three signs: the fallback flag, the 'software' architecture, the name.
    expect(chooseAutoBackend({ adapter: { ...LAVAPIPE, isFallbackAdapter: false } }).backend).toBe('cpu');
    expect(chooseAutoBackend({ adapter: { ...LAVAPIPE, architecture: '' } }).backend).toBe('cpu');
    expect(chooseAutoBackend({ adapter: SWIFTSHADER })).toEqual({
      backend: 'cpu',
      notice: 'no hardware GPU found (only the software adapter SwiftShader Device (Subzero)), using the CPU kernel',
    });
    expect(chooseAutoBackend({ adapter: WARP }).backend).toBe('cpu');
    expect(chooseAutoBackend({ adapter: SOFTPIPE_UNFLAGGED }).backend).toBe('cpu');
    expect(chooseAutoBackend({ adapter: { ...H200, isFallbackAdapter: true } }).backend).toBe('cpu');
  });

  it('falls back with the reason when there is no adapter, or only the null backend', () => {
    expect(chooseAutoBackend({ adapter: null, reason: 'Dawn found no WebGPU adapter' })).toEqual({
      backend: 'cpu',
      notice: 'no GPU found (Dawn found no WebGPU adapter), using the CPU kernel',
    });
    expect(chooseAutoBackend({ adapter: NULL_BACKEND })).toEqual({
      backend: 'cpu',
      notice: 'no GPU found (Dawn offered only its null backend), using the CPU kernel',
    });
  });

  it('labels and kinds', () => {
    expect(adapterKind(LAVAPIPE)).toBe('software');
    expect(adapterKind(NULL_BACKEND)).toBe('null');
    expect(adapterKind(H200)).toBe('hardware');
    expect(adapterLabel(LAVAPIPE)).toBe('mesa / software / llvmpipe: Mesa 25.0.7-2~bpo12+1 (LLVM 15.0.6) 0.0.1');
    expect(adapterLabel(adapter({ device: 'gfx1100' }))).toBe('gfx1100');
    expect(adapterShortName(adapter({ vendor: 'amd', device: 'gfx1100' }))).toBe('gfx1100');
    expect(adapterShortName(adapter({}))).toBe('unknown adapter');
  });
});

describe('bindKernel(auto) with an injected probe', () => {
  const p = makeProblem(3, 3, 8, 12, 10, 5);
  const bank = { weights: p.weights, filters: p.F, channels: p.C, kernel: p.k };
  const image = { data: p.image, channels: p.C, height: p.H, width: p.W };
  const cpuName = nativeKernelAvailable() ? 'cpu' : 'reference';

  async function bindAuto(probe: () => Promise<ProbeAnswer>) {
    const notices: string[] = [];
    const kernel = await bindKernel(bank, p.biasPos, p.biasNeg, 'auto', 2, (m) => notices.push(m), { probe });
    try {
      const pos = new Float64Array(p.F);
      const neg = new Float64Array(p.F);
      await kernel.run(image, null, 0, p.H - p.k + 1, pos, neg);
      const refPos = new Float64Array(p.F);
      const refNeg = new Float64Array(p.F);
      accumulateRowsReference(p.weights, p.F, p.k, p.biasPos, p.biasNeg, image, null, 0, p.H - p.k + 1, refPos, refNeg);
      for (let f = 0; f < p.F; f++) {
        expect(pos[f]).toBeCloseTo(refPos[f], 3);
        expect(neg[f]).toBeCloseTo(refNeg[f], 3);
      }
    } finally {
      await kernel.close();
    }
    return { kernel, notices };
  }

  it('binds the CPU and says why when the probe saw only lavapipe', async () => {
    const { kernel, notices } = await bindAuto(async () => ({ adapter: LAVAPIPE }));
    expect(kernel.backend).toBe(cpuName);
    expect(kernel.device).toMatch(/^CPU \(/);
    expect(notices[0]).toBe('no hardware GPU found (only the software adapter llvmpipe), using the CPU kernel');
    expect(notices).toHaveLength(nativeKernelAvailable() ? 1 : 2);
  });

  it('binds the CPU when there is no adapter, or the probe itself fails', async () => {
    expect((await bindAuto(async () => ({ adapter: null, reason: 'Dawn found no WebGPU adapter' }))).notices[0]).toBe(
      'no GPU found (Dawn found no WebGPU adapter), using the CPU kernel',
    );
    const failed = await bindAuto(() => Promise.reject(new Error('spawn EACCES')));
    expect(failed.kernel.backend).toBe(cpuName);
    expect(failed.notices[0]).toBe('no GPU found (the WebGPU probe failed: spawn EACCES), using the CPU kernel');
  });

  it('does not probe for an explicit cpu or reference backend', async () => {
    let probed = 0;
    const probe = async (): Promise<ProbeAnswer> => {
      probed++;
      return { adapter: H200 };
    };
    const notices: string[] = [];
    const reference = await bindKernel(bank, p.biasPos, p.biasNeg, 'reference', 1, (m) => notices.push(m), { probe });
    expect(reference.backend).toBe('reference');
    expect(probed).toBe(0);
    expect(notices).toEqual([]);
  });
});

describe('the probe cache', () => {
  const tmp = () => mkdtempSync(join(tmpdir(), 'rcf-probe-'));

  it('lives in RCF_CACHE_DIR, else the XDG cache directory', () => {
    expect(cacheDirectory({ RCF_CACHE_DIR: '/x/y' })).toBe('/x/y');
    if (process.platform === 'linux') expect(cacheDirectory({ XDG_CACHE_HOME: '/c' })).toBe('/c/rcf');
  });

  it('is keyed by the Dawn options, the Vulkan driver environment and the ICD manifests', () => {
    const base = { XDG_DATA_HOME: tmp() };
    const hash = (env: NodeJS.ProcessEnv) => probeKeyHash(probeKey(env));
    const h0 = hash(base);
    expect(hash({ ...base })).toBe(h0);
    expect(hash({ ...base, RCF_WEBGPU_OPTIONS: 'backend=vulkan' })).not.toBe(h0);
    expect(hash({ ...base, VK_ICD_FILENAMES: '/usr/share/vulkan/icd.d/lvp_icd.json' })).not.toBe(h0);
    expect(hash({ ...base, DRI_PRIME: '1' })).not.toBe(h0);
    expect(hash({ ...base, HOME_IS_IRRELEVANT: '1' })).toBe(h0);
    if (process.platform === 'linux') {
      // A driver installed in a manifest directory the loader reads.
      mkdirSync(join(base.XDG_DATA_HOME, 'vulkan', 'icd.d'), { recursive: true });
      writeFileSync(join(base.XDG_DATA_HOME, 'vulkan', 'icd.d', 'nvidia_icd.json'), '{}');
      expect(hash(base)).not.toBe(h0);
      expect(probeKey(base)).toHaveProperty([`icd.${join(base.XDG_DATA_HOME, 'vulkan', 'icd.d', 'nvidia_icd.json')}`]);
    }
  });

  it('answers from a fresh entry without asking Dawn, and only for its own key', async () => {
    const dir = tmp();
    const env = { ...process.env, XDG_DATA_HOME: tmp(), RCF_WEBGPU_REPROBE: '' };
    const key = probeKey(env);
    const cacheFile = join(dir, 'webgpu-probe.json');
    const probedAt = new Date(Date.now() - PROBE_MAX_AGE_MS / 2).toISOString();
    // A made-up hardware GPU: only the cache can have said so.
    writeFileSync(cacheFile, JSON.stringify({ format: 1, entries: { [probeKeyHash(key)]: { key, probedAt, answer: { adapter: H200 } } } }));
    const hit = await probeWebgpu({ cacheFile, env });
    expect(hit).toMatchObject({ adapter: H200, cached: true, probedAt });
    expect(hit.ms).toBeLessThan(50);
    // The same call again in this process is the same answer.
    expect(await probeWebgpu({ cacheFile, env })).toBe(hit);
  });
});
