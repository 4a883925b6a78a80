// The app's featurizer service with `backend: 'auto'`: the GPU when the probe
// reports a hardware adapter (with the adapter in the run's provenance), the
// CPU with a visible notice when there is only a software one. This machine
// has only lavapipe, so the "hardware" case plants the probe's cached answer
// for this machine's key; the kernel that then runs is the real WebGPU one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createService, type Service } from '../../electron/service/service.js';
import { probeKey, probeKeyHash } from '../../electron/engine/rcf/webgpu/probe.js';
import { RunSettings, type EventPayload, type RunRecord } from '../../shared/ipc/contract.js';
import { lavapipeIcd } from './lavapipe.js';
import { ROOT } from '../helpers/cli.js';

const SAMPLE = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
const SETTINGS = RunSettings.parse({
  inputs: [SAMPLE],
  mode: 'gaussian',
  features: 64,
  kernel: 3,
  seed: 5,
  scale: 0.0001,
  offset: 0,
  cellSize: '128',
  edge: 'drop',
  area: null,
  nodata: 'mask',
  convention: 'torchgeo',
  backend: 'auto',
  threads: 2,
});

interface Harness {
  service: Service;
  notices: string[];
  run(settings: RunSettings): Promise<RunRecord>;
  /** The rows of a run's features.csv, split into fields. */
  rows(record: RunRecord): string[][];
}

function harness(): Harness {
  const notices: string[] = [];
  const waiting = new Map<string, (record: RunRecord) => void>();
  const ended = new Map<string, RunRecord>();
  const dataDir = mkdtempSync(join(tmpdir(), 'rcf-service-gpu-'));
  const service = createService({
    dataDir,
    emit: (event, payload) => {
      if (event === 'notice') notices.push((payload as EventPayload<'notice'>).message);
      if (event === 'ended') {
        const record = payload as RunRecord;
        ended.set(record.id, record);
        waiting.get(record.id)?.(record);
      }
    },
  });
  return {
    service,
    notices,
    async run(settings) {
      const { runId } = await service.handlers.startRun({ settings }, new AbortController().signal);
      return ended.get(runId) ?? new Promise((resolve) => waiting.set(runId, resolve));
    },
    rows(record) {
      const csv = readFileSync(join(dataDir, 'runs', record.id, 'features.csv'), 'utf8');
      return csv
        .trim()
        .split('\n')
        .slice(1)
        .map((line) => line.split(','));
    },
  };
}

const saved: Record<string, string | undefined> = {};
function setEnv(values: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(values)) {
    if (!(k in saved)) saved[k] = process.env[k];
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
}

beforeAll(() => {
  setEnv({ VK_ICD_FILENAMES: lavapipeIcd(), VK_DRIVER_FILES: undefined, RCF_WEBGPU_OPTIONS: undefined, RCF_WEBGPU_REPROBE: undefined });
});
afterAll(() => setEnv(saved));

describe("the service's auto backend", () => {
  it('runs on the CPU and says so when only a software adapter exists', async () => {
    setEnv({ RCF_CACHE_DIR: mkdtempSync(join(tmpdir(), 'rcf-cache-')) });
    const h = harness();
    const record = await h.run(SETTINGS);
    await h.service.close();
    expect(record.state, record.message ?? '').toBe('finished');
    expect((record.provenance!.backend as { name: string }).name).toBe('cpu');
    expect(h.notices).toEqual(['no hardware GPU found (only the software adapter llvmpipe), using the CPU kernel']);
  });

  it('runs the WebGPU kernel when the probe reports a hardware adapter, naming the device in the provenance', async () => {
    const cache = mkdtempSync(join(tmpdir(), 'rcf-cache-'));
    setEnv({ RCF_CACHE_DIR: cache });
    const key = probeKey(process.env);
    mkdirSync(cache, { recursive: true });
    const entry = {
      key,
      probedAt: new Date().toISOString(),
      answer: {
        adapter: {
          vendor: 'test',
          architecture: 'discrete',
          device: 'planted',
          description: 'a hardware adapter as the probe would report it',
          isFallbackAdapter: false,
        },
      },
    };
    writeFileSync(join(cache, 'webgpu-probe.json'), JSON.stringify({ format: 1, entries: { [probeKeyHash(key)]: entry } }));

    const h = harness();
    const gpu = await h.run(SETTINGS);
    const cpu = await h.run({ ...SETTINGS, backend: 'cpu' });
    await h.service.close();
    expect(gpu.state, gpu.message ?? '').toBe('finished');
    const backend = gpu.provenance!.backend as { name: string; device: string };
    expect(backend.name).toBe('webgpu');
    expect(backend.device).toMatch(/^GPU \(.*llvmpipe.*WebGPU through Dawn\)$/);
    expect(h.notices).toEqual([]);

    // Same cells, and features within the engine's tolerance of the CPU kernel's.
    const g = h.rows(gpu);
    const c = h.rows(cpu);
    expect(g.length).toBeGreaterThan(0);
    expect(g.map((r) => r[0])).toEqual(c.map((r) => r[0]));
    let worst = 0;
    g.forEach((row, i) => {
      for (let j = 9; j < row.length; j++) {
        const a = Number(row[j]);
        const b = Number(c[i][j]);
        worst = Math.max(worst, Math.abs(a - b) / Math.max(1, Math.abs(b)));
      }
    });
    expect(worst).toBeLessThanOrEqual(1e-4);
  });
});
