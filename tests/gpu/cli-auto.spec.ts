// `rcf featurize --backend auto` where Vulkan offers only lavapipe: the CPU
// kernel, one line saying why, no Dawn warnings, and the CPU backend's output.
import { describe, it, expect } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rcf, tempDir, ROOT } from '../helpers/cli.js';
import { lavapipeIcd } from './lavapipe.js';

const SAMPLE = join(ROOT, 'tests/fixtures/featurize/l8_300_nodata0.tif');
const NOTICE = 'rcf: no hardware GPU found (only the software adapter llvmpipe), using the CPU kernel';

describe('rcf featurize --backend auto with only a software adapter', () => {
  it('says it uses the CPU, and writes what --backend cpu writes', () => {
    const dir = tempDir();
    const env = {
      RCF_CACHE_DIR: mkdtempSync(join(tmpdir(), 'rcf-cache-')),
      VK_ICD_FILENAMES: lavapipeIcd(),
      VK_DRIVER_FILES: undefined,
      RCF_WEBGPU_OPTIONS: undefined,
      RCF_WEBGPU_REPROBE: undefined,
    };
    const args = ['featurize', SAMPLE, '--features', '256', '--seed', '4', '--scale', '0.0001', '--cell-size', '100'];

    const auto = rcf([...args, '--backend', 'auto', '--out', join(dir, 'auto.csv')], env);
    expect(auto.code, auto.stderr).toBe(0);
    expect(auto.stderr.trimEnd().split('\n')).toEqual([NOTICE, expect.stringMatching(/^rcf: wrote .*auto\.csv \(9 cells computed\)/)]);
    expect(existsSync(join(env.RCF_CACHE_DIR, 'webgpu-probe.json'))).toBe(true);

    // The default is auto; the second run's answer comes from the cache and reads the same.
    const again = rcf([...args, '--out', join(dir, 'default.csv')], env);
    expect(again.code).toBe(0);
    expect(again.stderr.split('\n')[0]).toBe(NOTICE);

    const cpu = rcf([...args, '--backend', 'cpu', '--out', join(dir, 'cpu.csv')], env);
    expect(cpu.code).toBe(0);
    expect(cpu.stderr).not.toMatch(/GPU/);
    const csv = readFileSync(join(dir, 'cpu.csv'), 'utf8');
    expect(readFileSync(join(dir, 'auto.csv'), 'utf8')).toBe(csv);
    expect(readFileSync(join(dir, 'default.csv'), 'utf8')).toBe(csv);
    const backend = (name: string) => JSON.parse(readFileSync(join(dir, `${name}.csv.json`), 'utf8')).backend;
    expect(backend('auto')).toEqual(backend('cpu'));
    expect(backend('auto').device).toMatch(/^CPU \(/);
  });

  it('reports the notice as a JSON event for programs', () => {
    const dir = tempDir();
    const env = {
      RCF_CACHE_DIR: mkdtempSync(join(tmpdir(), 'rcf-cache-')),
      VK_ICD_FILENAMES: lavapipeIcd(),
      VK_DRIVER_FILES: undefined,
      RCF_WEBGPU_OPTIONS: undefined,
    };
    const r = rcf(['featurize', SAMPLE, '--features', '16', '--cell-size', '100', '--progress', 'json', '--out', join(dir, 'a.csv')], env);
    expect(r.code, r.stderr).toBe(0);
    const events = r.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { event: string; message?: string });
    expect(events.filter((e) => e.event === 'notice')).toEqual([{ event: 'notice', message: NOTICE.slice('rcf: '.length) }]);
    expect(r.stderr).not.toMatch(/Warning/);
  });
});
