// Crash, cancel and resume: the finished file is exactly what an uninterrupted run writes.
import { describe, it, expect, beforeAll } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rcf, rcfChild, tempDir, ROOT } from '../helpers/cli.js';

const RASTER = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
// 342 small cells at K=8192: long enough to interrupt, short enough for CI.
const ARGS = [
  'featurize',
  RASTER,
  '--features',
  '8192',
  '--seed',
  '3',
  '--scale',
  '0.0001',
  '--cell-size',
  '32',
  '--threads',
  '1',
  '--progress',
  'json',
];

/** Starts a run and sends `signal` once at least `afterCells` cells are reported done. */
function interruptedRun(out: string, signal: NodeJS.Signals, afterCells: number): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = rcfChild([...ARGS, '--out', out]);
    let stderr = '';
    let sent = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      const done = [...stderr.matchAll(/"cells_done":(\d+)/g)].map((m) => Number(m[1]));
      if (!sent && done.length > 0 && done[done.length - 1] >= afterCells) {
        sent = true;
        child.kill(signal);
      }
    });
    child.on('close', (code) => resolve({ code, stderr }));
  });
}

describe('interrupting and resuming rcf featurize', () => {
  let dir: string;
  let reference: string;
  beforeAll(() => {
    dir = tempDir();
    const out = join(dir, 'full.csv');
    const r = rcf([...ARGS, '--out', out]);
    expect(r.code).toBe(0);
    reference = readFileSync(out, 'utf8');
    expect(reference.trimEnd().split('\n')).toHaveLength(1 + 19 * 18);
  });

  it('after SIGKILL, --resume computes only the missing cells and gives the same file', async () => {
    const out = join(dir, 'killed.csv');
    const killed = await interruptedRun(out, 'SIGKILL', 40);
    expect(killed.code).toBeNull(); // killed, no cleanup ran
    expect(existsSync(out)).toBe(false);
    expect(existsSync(`${out}.partial`)).toBe(true);
    const rowsBefore = readFileSync(`${out}.partial`, 'utf8').split('\n').length - 2;
    expect(rowsBefore).toBeLessThan(342);

    const again = rcf([...ARGS, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/unfinished run; use --resume/);

    const resumed = rcf([...ARGS, '--out', out, '--resume']);
    expect(resumed.code).toBe(0);
    const kept = Number(/(\d+) kept from the earlier run/.exec(resumed.stderr)?.[1] ?? 0);
    const computed = Number(/\((\d+) cells computed/.exec(resumed.stderr)?.[1]);
    expect(kept + computed).toBe(342);
    expect(kept).toBeGreaterThanOrEqual(Math.min(rowsBefore, 1));
    expect(readFileSync(out, 'utf8')).toBe(reference);
    expect(existsSync(`${out}.partial`)).toBe(false);
    expect(JSON.parse(readFileSync(`${out}.json`, 'utf8')).cells.resumed).toBe(kept);
  });

  it('SIGINT stops within a batch with status 130, keeps the work, and resume completes it', async () => {
    const out = join(dir, 'cancelled.csv');
    const started = Date.now();
    const cancelled = await interruptedRun(out, 'SIGINT', 19);
    expect(cancelled.code).toBe(130);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(cancelled.stderr).toMatch(/cancelled; finished cells are kept/);
    expect(existsSync(out)).toBe(false);
    const partialRows = readFileSync(`${out}.partial`, 'utf8').trimEnd().split('\n').length - 1;
    expect(partialRows).toBeGreaterThanOrEqual(19);
    expect(partialRows).toBeLessThan(342);
    const resumed = rcf([...ARGS, '--out', out, '--resume']);
    expect(resumed.code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(reference);
  });

  it('SIGTERM exits with 143', async () => {
    const cancelled = await interruptedRun(join(dir, 'term.csv'), 'SIGTERM', 1);
    expect(cancelled.code).toBe(143);
  });

  it('refuses to replace a finished output unless told, and resumes a finished one as a no-op', () => {
    const out = join(dir, 'full.csv');
    const r = rcf([...ARGS, '--out', out]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/already exists; use --overwrite/);
    expect(rcf([...ARGS, '--out', out, '--resume']).stderr).toMatch(/already complete/);
    const other = rcf([...ARGS.map((a) => (a === '3' ? '4' : a)), '--out', out, '--resume']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/other settings/);
    expect(rcf([...ARGS, '--out', out, '--overwrite']).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toBe(reference);
  });
});
