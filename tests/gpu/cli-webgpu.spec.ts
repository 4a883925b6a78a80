// `rcf featurize --backend webgpu` gives the CPU kernel's features and records the adapter.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rcf, tempDir, readCsv, ROOT } from '../helpers/cli.js';

const SAMPLE = join(ROOT, 'tests/fixtures/featurize/l8_300_nodata0.tif');

describe('rcf featurize --backend webgpu', () => {
  it('matches --backend cpu, nodata included, and names the adapter in the provenance', () => {
    const dir = tempDir();
    const args = ['featurize', SAMPLE, '--features', '512', '--seed', '4', '--scale', '0.0001', '--cell-size', '100'];
    const gpu = rcf([...args, '--backend', 'webgpu', '--out', join(dir, 'gpu.csv')]);
    expect(gpu.stderr).toMatch(/wrote/);
    expect(gpu.code).toBe(0);
    expect(rcf([...args, '--backend', 'cpu', '--out', join(dir, 'cpu.csv')]).code).toBe(0);
    const a = readCsv(join(dir, 'gpu.csv')).rows;
    const b = readCsv(join(dir, 'cpu.csv')).rows;
    expect(a.map((r) => r.slice(0, 9))).toEqual(b.map((r) => r.slice(0, 9)));
    let worst = 0;
    a.forEach((r, i) =>
      r.slice(9).forEach((v, f) => {
        const w = b[i][9 + f];
        if (v === '' || w === '') expect(v).toBe(w);
        else worst = Math.max(worst, Math.abs(Number(v) - Number(w)) / Math.max(1, Math.abs(Number(w))));
      }),
    );
    expect(worst).toBeLessThanOrEqual(1e-4);
    const backend = JSON.parse(readFileSync(join(dir, 'gpu.csv.json'), 'utf8')).backend;
    expect(backend.name).toBe('webgpu');
    expect(backend.device).toMatch(/^GPU \(.+WebGPU through Dawn\)$/);
  });
});
