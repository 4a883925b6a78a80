// The WebGPU probe inside Electron: the packaged app has the runAsNode fuse off, so the
// probe cannot start Electron's binary as Node; there it asks Dawn in its own process.
// Both ways must give the same answer, and the in-process way must start no child.
import { describe, it, expect, vi, beforeEach } from 'vitest';
import { join } from 'node:path';
import { tempDir } from '../helpers/cli.js';

const spawned = vi.hoisted(() => ({ count: 0 }));
vi.mock('node:child_process', async (importOriginal) => {
  const real = await importOriginal<typeof import('node:child_process')>();
  return {
    ...real,
    spawn: (...args: Parameters<typeof real.spawn>) => {
      spawned.count++;
      return real.spawn(...args);
    },
  };
});

const { probeInProcess, probeWebgpu } = await import('../../electron/engine/rcf/webgpu/probe.js');

describe('the WebGPU probe inside Electron', () => {
  beforeEach(() => {
    spawned.count = 0;
  });

  it('asks in-process only when running in Electron', () => {
    expect(probeInProcess({ node: '22.20.0', electron: '45.5.0' })).toBe(true);
    expect(probeInProcess({ node: '22.20.0' })).toBe(false);
    expect(probeInProcess()).toBe(typeof process.versions.electron === 'string');
  });

  it("gives the child process's answer without starting a child", async () => {
    const dir = tempDir('rcf-probe-');
    const child = await probeWebgpu({ cacheFile: join(dir, 'child.json'), reprobe: true, inProcess: false });
    expect(spawned.count).toBe(1);
    const here = await probeWebgpu({ cacheFile: join(dir, 'here.json'), reprobe: true, inProcess: true });
    expect(spawned.count).toBe(1);
    expect(here.cached).toBe(false);
    const answer = (p: typeof here) => (p.adapter ? { adapter: p.adapter } : { adapter: null, reason: p.reason });
    expect(answer(here)).toEqual(answer(child));
    // The in-process answer is cached like the child's.
    const again = await probeWebgpu({ cacheFile: join(dir, 'here.json'), reprobe: false, inProcess: true });
    expect(again.cached).toBe(true);
    expect(answer(again)).toEqual(answer(here));
    expect(spawned.count).toBe(1);
  });
});
