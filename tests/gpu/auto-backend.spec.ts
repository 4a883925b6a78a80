// `--backend auto` against the real Dawn: the probe runs in a quiet child
// process and is cached; bindKernel follows the decision onto the WebGPU kernel
// and falls back when the GPU cannot be set up. Vulkan sees only lavapipe
// (VK_ICD_FILENAMES), as on CI, whatever GPUs this machine has.
import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bindKernel } from '../../electron/engine/rcf/backends.js';
import { closeWebgpu } from '../../electron/engine/rcf/webgpu/kernel.js';
import type { WebgpuProbe } from '../../electron/engine/rcf/webgpu/probe.js';
import { accumulateRowsReference } from '../../shared/rcf/cell-sums.js';
import { ROOT, requireBuilt } from '../helpers/cli.js';
import { makeProblem } from '../helpers/kernel-problems.js';
import { lavapipeIcd } from './lavapipe.js';

const PROBE_JS = join(ROOT, 'dist/electron/engine/rcf/webgpu/probe.js');
const DAWN = pathToFileURL(join(ROOT, 'node_modules/webgpu/index.js')).href;

/** Runs `code` (an ES module) in a fresh Node, as the CLI or the app's service would. */
function node(code: string, env: NodeJS.ProcessEnv) {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** probeWebgpu() in a fresh process: its answer and everything that process wrote to stderr. */
function probeInChild(env: NodeJS.ProcessEnv): { probe: WebgpuProbe; stderr: string } {
  requireBuilt();
  const r = node(
    `const m = await import(${JSON.stringify(pathToFileURL(PROBE_JS).href)}); process.stdout.write(JSON.stringify(await m.probeWebgpu()));`,
    env,
  );
  expect(r.code, r.stderr).toBe(0);
  return { probe: JSON.parse(r.stdout) as WebgpuProbe, stderr: r.stderr };
}

function lavapipeOnly(): NodeJS.ProcessEnv {
  return {
    RCF_CACHE_DIR: mkdtempSync(join(tmpdir(), 'rcf-probe-')),
    VK_ICD_FILENAMES: lavapipeIcd(),
    VK_DRIVER_FILES: undefined,
    RCF_WEBGPU_OPTIONS: undefined,
    RCF_WEBGPU_REPROBE: undefined,
  };
}

describe('the WebGPU probe', () => {
  it('keeps Dawn out of the process: asked in a child whose warnings never reach stderr', () => {
    const env = lavapipeOnly();
    // The control: Dawn asked directly, in-process, writes its warnings to stderr here.
    const direct = node(
      `const { create } = await import(${JSON.stringify(DAWN)}); await create([]).requestAdapter({ powerPreference: 'high-performance' });`,
      env,
    );
    expect(direct.stderr, 'Dawn no longer warns on lavapipe, so this test shows nothing: find another noisy case').toMatch(
      /artificially reduced/,
    );

    const cold = probeInChild(env);
    expect(cold.stderr).toBe('');
    expect(cold.probe).toMatchObject({ cached: false, adapter: { vendor: 'mesa', architecture: 'software', isFallbackAdapter: true } });
    expect(cold.probe.adapter?.description).toMatch(/^llvmpipe/);
    const warm = probeInChild(env);
    expect(warm.stderr).toBe('');
    expect(warm.probe).toMatchObject({ cached: true, adapter: cold.probe.adapter, probedAt: cold.probe.probedAt });
    expect(warm.probe.ms).toBeLessThan(50);
    console.log(`probe: ${cold.probe.ms.toFixed(0)} ms asked, ${warm.probe.ms.toFixed(2)} ms cached`);

    const file = JSON.parse(readFileSync(join(env.RCF_CACHE_DIR!, 'webgpu-probe.json'), 'utf8'));
    const entries = Object.values(file.entries) as { key: Record<string, string> }[];
    expect(entries).toHaveLength(1);
    expect(entries[0].key['env.VK_ICD_FILENAMES']).toBe(env.VK_ICD_FILENAMES);
  });

  it('asks again when told to, when the answer is a week old, and for other Dawn options', () => {
    const env = lavapipeOnly();
    const first = probeInChild(env).probe;
    expect(first.cached).toBe(false);
    expect(probeInChild({ ...env, RCF_WEBGPU_REPROBE: '1' }).probe.cached).toBe(false);
    expect(probeInChild({ ...env, RCF_WEBGPU_REPROBE: '0' }).probe.cached).toBe(true);

    const path = join(env.RCF_CACHE_DIR!, 'webgpu-probe.json');
    const file = JSON.parse(readFileSync(path, 'utf8'));
    for (const e of Object.values(file.entries) as { probedAt: string }[])
      e.probedAt = new Date(Date.now() - 8 * 24 * 3600 * 1000).toISOString();
    writeFileSync(path, JSON.stringify(file));
    expect(probeInChild(env).probe.cached).toBe(false);

    // Dawn's null backend: another key, and an adapter auto must not take.
    const nullBackend = probeInChild({ ...env, RCF_WEBGPU_OPTIONS: 'backend=null' }).probe;
    expect(nullBackend).toMatchObject({ cached: false, adapter: { device: 'null-backend' } });
    // Both answers stay cached side by side.
    expect(probeInChild(env).probe.cached).toBe(true);
    expect(probeInChild({ ...env, RCF_WEBGPU_OPTIONS: 'backend=null' }).probe.cached).toBe(true);
  });

  it('answers "no adapter" (cached) when Vulkan has no driver', () => {
    const env = { ...lavapipeOnly(), VK_ICD_FILENAMES: '/nonexistent/icd.json' };
    const r = probeInChild(env);
    expect(r.stderr).toBe('');
    expect(r.probe).toMatchObject({ adapter: null, reason: 'Dawn found no WebGPU adapter', cached: false });
    expect(probeInChild(env).probe.cached).toBe(true);
  });
});

describe('bindKernel(auto) on Dawn', () => {
  const p = makeProblem(4, 3, 64, 40, 37, 11);
  const bank = { weights: p.weights, filters: p.F, channels: p.C, kernel: p.k };
  const image = { data: p.image, channels: p.C, height: p.H, width: p.W };
  const rows = p.H - p.k + 1;
  const H200 = { vendor: 'nvidia', architecture: 'hopper', device: '0x2335', description: 'NVIDIA H200', isFallbackAdapter: false };
  const savedOptions = process.env.RCF_WEBGPU_OPTIONS;
  afterEach(async () => {
    if (savedOptions === undefined) delete process.env.RCF_WEBGPU_OPTIONS;
    else process.env.RCF_WEBGPU_OPTIONS = savedOptions;
    await closeWebgpu();
  });

  it('runs the WebGPU kernel when the probe reports a hardware GPU, and names the adapter it got', async () => {
    const notices: string[] = [];
    // The probe's answer is made up (this machine has only lavapipe); the device is Dawn's real one.
    const kernel = await bindKernel(bank, p.biasPos, p.biasNeg, 'auto', 2, (m) => notices.push(m), {
      probe: async () => ({ adapter: H200 }),
    });
    try {
      expect(notices).toEqual([]);
      expect(kernel.backend).toBe('webgpu');
      expect(kernel.device).toMatch(/^GPU \(.+; WebGPU through Dawn\)$/);
      const pos = new Float64Array(p.F);
      const neg = new Float64Array(p.F);
      await kernel.run(image, null, 0, rows, pos, neg);
      const refPos = new Float64Array(p.F);
      const refNeg = new Float64Array(p.F);
      accumulateRowsReference(p.weights, p.F, p.k, p.biasPos, p.biasNeg, image, null, 0, rows, refPos, refNeg);
      for (let f = 0; f < p.F; f++) {
        expect(Math.abs(pos[f] - refPos[f])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(refPos[f])));
        expect(Math.abs(neg[f] - refNeg[f])).toBeLessThanOrEqual(1e-4 * Math.max(1, Math.abs(refNeg[f])));
      }
    } finally {
      await kernel.close();
    }
  });

  it('falls back to the CPU, saying so, when that GPU cannot be set up', async () => {
    process.env.RCF_WEBGPU_OPTIONS = 'backend=null';
    const notices: string[] = [];
    const kernel = await bindKernel(bank, p.biasPos, p.biasNeg, 'auto', 2, (m) => notices.push(m), {
      probe: async () => ({ adapter: H200 }),
    });
    await kernel.close();
    expect(kernel.backend).toBe('cpu');
    expect(notices).toEqual([
      'the GPU nvidia / hopper / NVIDIA H200 could not be used ' +
        '(Dawn gave its null backend, which computes nothing; check RCF_WEBGPU_OPTIONS), using the CPU kernel',
    ]);
  });
});
