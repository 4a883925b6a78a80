// Crash, cancel and resume: the finished file is exactly what an uninterrupted run writes.
import { describe, it, expect, beforeAll } from 'vitest';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { rcf, rcfAtCells, rcfChild, tempDir, ROOT } from '../helpers/cli.js';

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
    // What resume keeps: the rows the partial's record vouches for (a batch being written when killed is recomputed).
    const recorded = JSON.parse(readFileSync(`${out}.partial.json`, 'utf8')).rows;
    expect(recorded).toBeLessThanOrEqual(Math.max(rowsBefore, 0));

    const again = rcf([...ARGS, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/unfinished run; use --resume/);

    const resumed = rcf([...ARGS, '--out', out, '--resume']);
    expect(resumed.code).toBe(0);
    const kept = Number(/(\d+) kept from the earlier run/.exec(resumed.stderr)?.[1] ?? 0);
    const computed = Number(/\((\d+) cells computed/.exec(resumed.stderr)?.[1]);
    expect(kept + computed).toBe(342);
    expect(kept).toBe(recorded);
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

// Light runs for the checks below: 1443 cells of 16 px at K = 64.
const LIGHT = [
  'featurize',
  '--features',
  '64',
  '--seed',
  '3',
  '--scale',
  '0.0001',
  '--cell-size',
  '16',
  '--backend',
  'cpu',
  '--threads',
  '1',
];

/** Starts `rcf featurize RASTER LIGHT… --out OUT extra…` and resolves once it reports `afterCells` cells done, with the child. */
function startedRun(raster: string, out: string, extra: string[], afterCells: number) {
  const args = [...LIGHT.slice(0, 1), raster, ...LIGHT.slice(1), '--progress', 'json', '--out', out, ...extra];
  return new Promise<ReturnType<typeof rcfChild>>((resolve, reject) => {
    const { closed } = rcfAtCells(args, afterCells, resolve);
    void closed.then(({ code, stderr }) => reject(new Error(`rcf ended (${code}) before ${afterCells} cells: ${stderr}`)));
  });
}

function gpkgRows(file: string): unknown[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return db.prepare('SELECT * FROM cells ORDER BY fid').all();
  } finally {
    db.close();
  }
}

describe('resume keeps only what belongs to the run', () => {
  it.each(['csv', 'gpkg'])(
    'round-trips hostile raster names (line breaks, quotes, commas, unicode) through a run and a resume (.%s)',
    async (format) => {
      const dir = tempDir();
      const raster = join(dir, 'a "quoted", name\nwith a line break ü 🛰.tif');
      copyFileSync(RASTER, raster);
      const args = [...LIGHT.slice(0, 1), raster, ...LIGHT.slice(1), '--progress', 'none'];
      const full = join(dir, `full.${format}`);
      expect(rcf([...args, '--out', full]).code).toBe(0);
      const out = join(dir, `cut.${format}`);
      const child = await startedRun(raster, out, [], 300);
      child.kill('SIGINT');
      expect(await new Promise((resolve) => child.on('close', resolve))).toBe(130);
      const resumed = rcf([...args, '--out', out, '--resume']);
      expect(resumed.stderr).toMatch(/kept from the earlier run/);
      expect(resumed.code).toBe(0);
      if (format === 'csv') expect(readFileSync(out, 'utf8')).toBe(readFileSync(full, 'utf8'));
      else expect(gpkgRows(out)).toEqual(gpkgRows(full));
    },
  );

  it('refuses a second writer of the same output, naming the first one’s pid, and a resume on another backend', async () => {
    const dir = tempDir();
    const out = join(dir, 'o.csv');
    const args = [...LIGHT.slice(0, 1), RASTER, ...LIGHT.slice(1), '--progress', 'none', '--out', out];
    const first = await startedRun(RASTER, out, [], 100);
    // Paused, so that it is still writing (holding the lock) however fast the machine is.
    first.kill('SIGSTOP');
    const second = rcf([...args, '--resume']);
    first.kill('SIGCONT');
    expect(second.code).toBe(1);
    expect(second.stderr).toBe(
      `rcf: ${out} is being written by process ${first.pid} (its lock is ${out}.lock); wait for that run to end\n`,
    );
    first.kill('SIGINT');
    await new Promise((resolve) => first.on('close', resolve));
    const other = rcf([...args.map((a) => (a === 'cpu' ? 'reference' : a)), '--resume']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(
      new RegExp(
        /^rcf: .*o\.csv\.partial was computed with the cpu backend on CPU \(.*1 thread\), but this run uses the reference backend on .*; /
          .source + /resume with the same backend and threads, or use --overwrite to start over\n$/.source,
      ),
    );
    expect(rcf([...args, '--resume']).code).toBe(0);
  });
});
