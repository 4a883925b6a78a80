// The fault suite: `rcf featurize` killed (SIGKILL, no cleanup) at 20 moments spread over a run — 10 writing CSV, 10
// GeoPackage — and resumed; the result must be exactly the uninterrupted run's (CSV byte for byte, GeoPackage row for
// row with its spatial index). The moments come from a seeded generator, so a failure names a reproducible trial.
import { describe, it, expect, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { rcf, rcfAtCells, tempDir, ROOT } from '../helpers/cli.js';

const RASTER = join(ROOT, 'resources/sample/landsat8_b2-b5.tif');
// 1443 cells: 23 CSV checkpoints (every 64 rows) and GeoPackage commits at 500 and 1000 cells (or every 2 s).
const OPTIONS = ['--features', '64', '--seed', '3', '--scale', '0.0001', '--cell-size', '16', '--backend', 'cpu', '--threads', '1'];
const CELLS = 1443;
const TRIALS = 10;
const SEED = 18;

/** mulberry32: a small seeded generator, so the kill moments are the same on every run of the suite. */
function generator(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * The moment of trial i: once the run reports `cells` cells done, plus `delayMs` so the kill lands inside a batch rather
 * than at its edge. Trial 0 is killed at the run's first report (outputs open, no row yet); trials 1 … 8 are spread over
 * the run in equal strata; the last comes after the last cell, while the output is being finished.
 */
function moments(format: string): { cells: number; delayMs: number }[] {
  const random = generator(SEED + (format === 'csv' ? 0 : 1));
  return Array.from({ length: TRIALS }, (_, i) => {
    const u = random();
    return { cells: i === 0 ? 0 : Math.floor(((i - 1 + u) / (TRIALS - 2)) * CELLS), delayMs: Math.floor(random() * 40) };
  });
}

/** Runs rcf and SIGKILLs it at the moment; resolves with how far it had got. */
function killedRun(out: string, moment: { cells: number; delayMs: number }): Promise<string> {
  const args = ['featurize', RASTER, ...OPTIONS, '--progress', 'json', '--out', out];
  const { closed } = rcfAtCells(args, Math.min(moment.cells, CELLS), (child) => setTimeout(() => child.kill('SIGKILL'), moment.delayMs));
  return closed.then(({ code, signal }) => (signal === 'SIGKILL' ? `killed after ${moment.cells}+ cells` : `finished (${code})`));
}

function gpkgRows(file: string): unknown[] {
  const db = new DatabaseSync(file, { readOnly: true });
  try {
    return [db.prepare('SELECT * FROM cells ORDER BY fid').all(), db.prepare('SELECT * FROM rtree_cells_geom ORDER BY id').all()];
  } finally {
    db.close();
  }
}

describe.each(['csv', 'gpkg'])(`rcf featurize killed at ${TRIALS} random moments and resumed (.%s)`, (format) => {
  const outcomes: { killed: boolean; kept: number }[] = [];
  let dir: string;
  let reference: string;
  beforeAll(() => {
    dir = tempDir(`rcf-faults-${format}-`);
    reference = join(dir, `full.${format}`);
    const r = rcf(['featurize', RASTER, ...OPTIONS, '--progress', 'none', '--out', reference]);
    expect(r.code, r.stderr).toBe(0);
  });

  it.each(moments(format).map((m, i) => [i, m] as const))('trial %i gives the uninterrupted run’s result', async (i, moment) => {
    const out = join(dir, `t${i}.${format}`);
    const how = await killedRun(out, moment);
    const resumed = rcf(['featurize', RASTER, ...OPTIONS, '--progress', 'none', '--out', out, '--resume']);
    expect(resumed.code, `${how}: ${resumed.stderr}`).toBe(0);
    outcomes.push({ killed: how.startsWith('killed'), kept: Number(/(\d+) kept from the earlier run/.exec(resumed.stderr)?.[1] ?? 0) });
    if (format === 'csv') expect(readFileSync(out, 'utf8') === readFileSync(reference, 'utf8'), how).toBe(true);
    else expect(gpkgRows(out), how).toEqual(gpkgRows(reference));
    // Resuming the finished output again re-verifies it and does nothing.
    expect(rcf(['featurize', RASTER, ...OPTIONS, '--progress', 'none', '--out', out, '--resume']).stderr).toMatch(/already complete/);
  });

  it('spread its kills over the run: before the first rows were kept, in the middle, and mostly before the end', () => {
    expect(outcomes.filter((o) => o.killed).length).toBeGreaterThanOrEqual(TRIALS - 2);
    expect(outcomes.some((o) => o.killed && o.kept === 0)).toBe(true);
    expect(outcomes.some((o) => o.kept > 0 && o.kept < CELLS)).toBe(true);
  });
});
